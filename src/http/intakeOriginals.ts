/**
 * A file kept whole beside the documents made of it (a scanned stack split at separator sheets): what it is and
 * what it became, and its bytes, as they were received. Open to whoever sent it, and to an administrator or an
 * auditor cleared for what it holds (its documents' classification and department); to anyone else it does not
 * exist. Its bytes go out only when they hash to the record, and each download is recorded on every document
 * it holds, as a download of any of them is.
 */
import { Router, type Request, type Response } from 'express';
import { pipeline } from 'node:stream/promises';
import type { Db } from '../../storage/db';
import type { ObjectStore } from '../../storage/objectStore';
import type { DocumentsRepo } from '../../storage/repos/documents';
import { filedOf, getIntakeOriginal, originalDocuments, type IntakeOriginal } from '../../storage/repos/intakeOriginals';
import type { UsersRepo } from '../../storage/repos/users';
import { openVerified } from '../../storage/integrity/verifiedRead';
import { DomainError } from '../../kernel/errors';
import { callerOf, can, canSee, recordContentRead, type Caller } from '../auth';

export interface IntakeOriginalsDeps {
  db: Db;
  primary: ObjectStore;
  offsite: ObjectStore;
  documents: DocumentsRepo;
  users: UsersRepo;
}

/** The classification and department its documents were filed with (unknown: an administrator cleared for all). */
function filedAs(original: IntakeOriginal): { classification: string; department: string | null } {
  const filed = filedOf(original.context);
  return { classification: filed.classification ?? 'unknown', department: filed.department };
}

/** Whoever sent it; an administrator or an auditor cleared for what it holds. */
export function mayOpenOriginal(caller: Caller, original: IntakeOriginal): boolean {
  if (caller.userId !== null && original.createdBy === caller.userId) return true;
  if (caller.role !== 'admin' && !can(caller, 'audit')) return false;
  return canSee(caller, { ...filedAs(original), uploadedBy: original.createdBy });
}

function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export function intakeOriginalsRouter(deps: IntakeOriginalsDeps): Router {
  const router = Router();

  const load = async (req: Request, res: Response): Promise<IntakeOriginal> => {
    const original = await getIntakeOriginal(deps.db, String(req.params.id));
    if (!original || !mayOpenOriginal(callerOf(res.locals), original)) throw new DomainError('not_found');
    return original;
  };

  router.get('/intake-originals/:id', async (req, res) => {
    const original = await load(req, res);
    const caller = callerOf(res.locals);
    // A document the caller may not see is told as a place in the stack and nothing more.
    const documents = await Promise.all(
      (await originalDocuments(deps.db, original.id)).map(async (d) => {
        const doc = await deps.documents.get(d.documentId);
        const seen = doc !== undefined && canSee(caller, doc);
        return { seq: d.seq, pages: d.pages, documentId: seen ? d.documentId : null, registryNo: seen ? d.registryNo : null };
      }),
    );
    const { id, batchId, kind, name, sha256, size, mime, pages, status, summary, createdAt } = original;
    res.json({ id, batchId, kind, name, sha256, size, mime, pages, status, summary, createdAt, documents });
  });

  router.get('/intake-originals/:id/file', async (req, res) => {
    const original = await load(req, res);
    const caller = callerOf(res.locals);
    const letters = await originalDocuments(deps.db, original.id);
    const docs = await Promise.all(letters.map((d) => deps.documents.get(d.documentId)));
    // The stack holds every letter's pages: it goes only to whoever may see each of them now (a letter since
    // classified higher, or moved to another department, closes it), and to no one once one was destroyed.
    if (docs.some((d) => d?.status === 'destroyed')) {
      throw new DomainError('destroyed', {
        ar: '(أُتلفت رسالة من الرزمة إتلافًا قانونيًا)',
        en: '(a letter of the stack was lawfully destroyed)',
      });
    }
    if (!docs.every((d) => d !== undefined && canSee(caller, d))) {
      throw new DomainError('forbidden', {
        ar: '(في الرزمة رسالة فوق درجة اطلاعك أو خارج أقسامك)',
        en: '(a letter of the stack is above your clearance or outside your departments)',
      });
    }
    const { stream } = await openVerified(deps, {
      documentId: letters[0]?.documentId ?? original.id,
      key: original.key,
      sha256: original.sha256,
    });
    for (const d of letters) {
      await recordContentRead(
        deps.users,
        req,
        caller,
        { id: d.documentId, registryNo: d.registryNo },
        {
          event: 'downloaded',
          what: original.key,
          detail: { key: original.key, sha256: original.sha256, intakeOriginal: original.id },
        },
      );
    }
    res.setHeader('Content-Type', original.mime);
    res.setHeader('Content-Length', String(original.size));
    res.setHeader('Content-Disposition', contentDisposition(original.name ?? `${original.id}.${original.key.split('.').pop()}`));
    res.setHeader('X-Diwan-SHA256', original.sha256);
    try {
      await pipeline(stream, res);
    } catch {
      res.destroy(); // a changed copy, or a client gone: the answer ends short rather than wrong
    }
  });

  return router;
}
