/**
 * Routes for links between documents: link this document (the later one) to
 * another by its registry number (a reply, an attachment, follows, cancels),
 * and remove a link with a reason (kept, marked removed). Each is a ledger
 * entry; a reply link closes the referrals it answers (REPLY_HOOKS).
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { inTransaction, type Db } from '../../storage/db';
import type { DocumentRecord, DocumentsRepo } from '../../storage/repos/documents';
import { addLink, LINK_KINDS, removeLink } from '../../storage/repos/links';
import { DomainError } from '../../kernel/errors';
import { isUuid } from '../../kernel/text';
import { callerOf, canSee } from '../auth';
import { parseOr400, plainText } from './schemas';

const linkSchema = z.object({ to: plainText(60).pipe(z.string().min(1)), kind: z.enum(LINK_KINDS).default('reply') });
const removeSchema = z.object({ reason: plainText(500).pipe(z.string().min(1)) });

export function linksRouter(deps: { db: Db; documents: DocumentsRepo }): Router {
  const router = Router();

  const loadVisible = async (req: Request, res: Response): Promise<DocumentRecord> => {
    const id = String(req.params.id);
    const doc = isUuid(id) ? await deps.documents.get(id) : undefined;
    if (!doc || !canSee(callerOf(res.locals), doc)) throw new DomainError('not_found');
    return doc;
  };

  router.get('/documents/:id/links', async (req, res) => {
    const doc = await loadVisible(req, res);
    const caller = callerOf(res.locals);
    const links = await deps.documents.links(doc.id);
    res.json({
      from: links.from.filter((l) => canSee(caller, l.other)),
      to: links.to.filter((l) => canSee(caller, l.other)),
    });
  });

  router.post('/documents/:id/links', async (req, res) => {
    const doc = await loadVisible(req, res);
    const body = parseOr400(linkSchema, req.body);
    const caller = callerOf(res.locals);
    const other = await deps.documents.getByRegistryNo(body.to);
    if (!other || !canSee(caller, other))
      throw new DomainError('unknown_registry_no', { ar: `(${body.to})`, en: `(${body.to})` });
    const { link, created } = await inTransaction(deps.db, (tx) =>
      addLink(tx, { fromId: doc.id, toId: other.id, kind: body.kind, by: caller.userId }),
    );
    res.status(created ? 201 : 200).json({ ...link, toRegistryNo: other.registryNo });
  });

  router.post('/documents/:id/links/:linkId/remove', async (req, res) => {
    const doc = await loadVisible(req, res);
    const { reason } = parseOr400(removeSchema, req.body);
    const linkId = Number(req.params.linkId);
    if (!Number.isSafeInteger(linkId) || linkId < 1) throw new DomainError('not_found');
    const link = await inTransaction(deps.db, (tx) =>
      removeLink(tx, { documentId: doc.id, linkId, by: callerOf(res.locals).userId, reason }),
    );
    if (!link) throw new DomainError('not_found');
    res.json(link);
  });
  return router;
}
