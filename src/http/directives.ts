/**
 * Directives (تأشيرة) through the API: an official writes a short annotation
 * on a document ('direct' permission), and whoever may see the document reads
 * them. A directive is a row and a ledger entry ('directive', in the
 * document's history); the document's files are never touched.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { DocumentsRepo } from '../../storage/repos/documents';
import { createDirectivesRepo, type Directive } from '../../storage/repos/directives';
import type { UsersRepo } from '../../storage/repos/users';
import type { Db } from '../../storage/db';
import { callerOf, type Caller } from '../auth';
import { visibleDocument } from './referrals';
import { parseOr400, plainText } from './schemas';

export interface DirectiveDeps {
  db: Db;
  documents: DocumentsRepo;
  users: UsersRepo;
}

const directiveSchema = z.object({ text: plainText(2000).pipe(z.string().min(1)) });

/** Adds a directive to a document the caller may see (the caller has 'direct'). */
export async function addDirective(deps: DirectiveDeps, caller: Caller, documentId: string, body: unknown): Promise<Directive> {
  const doc = await visibleDocument(deps, caller, documentId);
  const { text } = parseOr400(directiveSchema, body);
  const person = caller.userId !== null ? await deps.users.get(caller.userId) : undefined;
  return createDirectivesRepo(deps.db).add({
    documentId: doc.id,
    registryNo: doc.registryNo,
    text,
    by: caller.name,
    byName: person?.displayName ?? null,
  });
}

export function directivesRouter(deps: DirectiveDeps): Router {
  const router = Router();
  const repo = createDirectivesRepo(deps.db);

  router.post('/documents/:id/directives', async (req, res) => {
    res.status(201).json(await addDirective(deps, callerOf(res.locals), String(req.params.id), req.body));
  });

  router.get('/documents/:id/directives', async (req, res) => {
    const doc = await visibleDocument(deps, callerOf(res.locals), String(req.params.id));
    res.json({ documentId: doc.id, registryNo: doc.registryNo, directives: await repo.forDocument(doc.id) });
  });

  return router;
}
