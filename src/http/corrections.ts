/**
 * Corrections of a document's record, with its history:
 *   PATCH /documents/:id          {fields…, reason}: the fields of storage/repos/corrections.ts CORRECTABLE
 *   POST  /documents/:id/corrections   the same, for clients that send only GET and POST
 *   GET   /documents/:id/history  the registration, then every correction (who, when, why, before, after)
 * `:id` is the document's id or its registry number (URL-encoded, "2026%2F000123").
 *
 * Who may: the 'register' permission (the policy table), and only on a
 * document the person may see (a clerk: what they sent); the corrected record
 * must still be one they may file (department, clearance). The row, the
 * history and the ledger change in one transaction; then the search index
 * follows at once, so a raised classification hides the document from a
 * searcher below it as soon as the answer comes back.
 */
import { Router, type Request, type Response } from 'express';
import type { SearchIndex } from '../../search/searchIndex';
import type { Db } from '../../storage/db';
import type { DocumentRecord, DocumentsRepo } from '../../storage/repos/documents';
import {
  checkReason,
  correctDocument,
  documentHistory,
  documentIdOf,
  parseCorrection,
  type CorrectionDone,
} from '../../storage/repos/corrections';
import { DomainError } from '../../kernel/errors';
import { callerOf, canSee, checkMayFile, type Caller } from '../auth';
import { reindexDocument } from '../../search/reindex';

export interface CorrectionsDeps {
  db: Db;
  documents: DocumentsRepo;
  search: SearchIndex;
  /** Pages read with a mean confidence below this are flagged for review (the index records it). */
  reviewBelow: number;
}

/** The document `ref` names (id or registry number), when `caller` may see it; not_found or forbidden otherwise. */
export async function visibleDocument(
  deps: Pick<CorrectionsDeps, 'db' | 'documents'>,
  ref: string,
  caller: Caller,
): Promise<DocumentRecord> {
  const id = await documentIdOf(deps.db, ref);
  const doc = id ? await deps.documents.get(id) : undefined;
  if (!doc) throw new DomainError('not_found');
  if (!canSee(caller, doc)) {
    throw new DomainError('forbidden', {
      ar: '(الوثيقة فوق درجة اطلاعك أو خارج أقسامك)',
      en: '(the document is above your clearance or outside your departments)',
    });
  }
  return doc;
}

/** Corrects `doc`'s record as `caller` (the body as the API takes it), then brings the index up to date. */
export async function correctRecord(
  deps: CorrectionsDeps,
  caller: Caller,
  doc: DocumentRecord,
  body: Record<string, unknown>,
): Promise<CorrectionDone> {
  const reason = checkReason(body.reason);
  const values = parseCorrection(body);
  if (Object.keys(values).length === 0) throw new DomainError('no_change');
  const done = await correctDocument(deps.db, {
    documentId: doc.id,
    values,
    reason,
    by: caller.name,
    byUserId: caller.userId,
    check: (after) => checkMayFile(caller, { classification: after.classification ?? 'public', department: after.department }),
  });
  await reindexDocument(deps, doc.id);
  return done;
}

export function correctionsRouter(deps: CorrectionsDeps): Router {
  const router = Router();
  const load = (id: string, res: Response) => visibleDocument(deps, id, callerOf(res.locals));

  // The same correction as POST, for clients that send only GET and POST (the command line).
  const correct = async (req: Request, res: Response) => {
    const doc = await load(String(req.params.id), res);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body)) throw new DomainError('bad_request');
    const done = await correctRecord(deps, callerOf(res.locals), doc, body);
    res.json({
      documentId: doc.id,
      registryNo: doc.registryNo,
      at: done.at,
      by: callerOf(res.locals).name,
      reason: checkReason(body.reason),
      changes: done.changes,
      ledgerSeq: done.ledgerSeq,
    });
  };
  router.patch('/documents/:id', correct);
  router.post('/documents/:id/corrections', correct);

  router.get('/documents/:id/history', async (req, res) => {
    const doc = await load(String(req.params.id), res);
    res.json({ documentId: doc.id, registryNo: doc.registryNo, history: await documentHistory(deps.db, doc.id) });
  });

  return router;
}
