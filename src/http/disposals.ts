/**
 * Disposal requests through the API:
 *
 *   GET  /records/disposals             the requests, newest first ('records')
 *   POST /records/disposals             { title, documents: [id|registry no] | dueBefore: YYYY-MM-DD } ('records')
 *   GET  /records/disposals/:id         a request with a page of its items (?after=, ?limit=; 'records'; titles only of documents the caller may read)
 *   POST /records/disposals/:id/decide  { approve: true, approvingBody, decisionNo, decisionDate } | { approve: false, note }
 *                                       ('hold': an administrator who is not the requester)
 *   POST /records/disposals/:id/execute 202 with the job 'disposal-execute' that destroys the approved items nothing
 *                                       blocks ('records'; GET /jobs/:id follows it); 404, or 409 unless approved
 */
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { SearchIndex } from '../../search/searchIndex';
import type { Db } from '../../storage/db';
import type { ObjectStore } from '../../storage/objectStore';
import type { DocumentsRepo } from '../../storage/repos/documents';
import { createDisposalsRepo, dueForDisposal } from '../../storage/records/disposals';
import { DomainError } from '../../kernel/errors';
import { pageOf } from '../../kernel/paging';
import { isUuid } from '../../kernel/text';
import { callerOf, canSee, type Caller } from '../auth';
import { executable } from '../records/dispose';
import { refuseUnseen, shownTo } from '../records/visibility';
import { startJob } from './jobs';
import { isoDate, itemsPageSchema, parseOr400, plainText } from './schemas';

export interface DisposalsApiDeps {
  db: Db;
  documents: DocumentsRepo;
  search: SearchIndex;
  primary: ObjectStore;
  offsite: ObjectStore;
}

const requestSchema = z
  .object({
    title: plainText(500).pipe(z.string().min(1)),
    documents: z.array(plainText(100)).min(1).max(10_000).optional(),
    dueBefore: isoDate.optional(),
  })
  .refine((v) => (v.documents === undefined) !== (v.dueBefore === undefined), { message: 'one of documents, dueBefore' });

const decideSchema = z.discriminatedUnion('approve', [
  z.object({
    approve: z.literal(true),
    approvingBody: plainText(300).pipe(z.string().min(1)),
    decisionNo: plainText(100).pipe(z.string().min(1)),
    decisionDate: isoDate,
    note: plainText(2000).optional(),
  }),
  z.object({ approve: z.literal(false), note: plainText(2000).pipe(z.string().min(3)) }),
]);

/** Document ids or registry numbers as ids (unknown ones: 400; one the caller may not read: 403). */
async function idsOf(deps: DisposalsApiDeps, caller: Caller, refs: string[]): Promise<string[]> {
  const docs = [];
  for (const ref of refs) {
    const doc = isUuid(ref) ? await deps.documents.get(ref) : await deps.documents.getByRegistryNo(ref);
    if (!doc) throw new DomainError('unknown_registry_no', { ar: `(${ref})`, en: `(${ref})` });
    docs.push(doc);
  }
  refuseUnseen(caller, docs);
  return docs.map((d) => d.id);
}

/** A request from a body (the caller has 'records'); "everything due" takes only what the caller may read. */
export async function requestDisposal(deps: DisposalsApiDeps, caller: Caller, body: unknown) {
  const input = parseOr400(requestSchema, body);
  const ids =
    input.documents !== undefined
      ? await idsOf(deps, caller, input.documents)
      : (await dueForDisposal(deps.db, new Date(`${input.dueBefore!}T23:59:59.999Z`)))
          .filter((d) => canSee(caller, d.access))
          .map((d) => d.id);
  if (ids.length === 0) {
    throw new DomainError('not_due', { ar: '(لا وثائق مستحقة قبل هذا التاريخ)', en: '(nothing is due before that date)' });
  }
  return createDisposalsRepo(deps.db).request({ title: input.title, documentIds: ids, by: caller.name, byUser: caller.userId });
}

/** The approving body's decision, or a refusal (the caller has 'hold'). */
export async function decideDisposal(deps: Pick<DisposalsApiDeps, 'db'>, caller: Caller, id: string, body: unknown) {
  if (!isUuid(id)) throw new DomainError('not_found');
  const input = parseOr400(decideSchema, body);
  return createDisposalsRepo(deps.db).decide(id, { ...input, by: caller.name, byUser: caller.userId });
}

export function disposalsRouter(deps: DisposalsApiDeps): Router {
  const router = Router();
  const repo = createDisposalsRepo(deps.db);
  /**
   * A page of the request's items in registry order (the first page unless asked for another: ?after=<itemsNext>),
   * and the next page's cursor (null on the last page): a request may hold tens of thousands of documents.
   */
  const itemsFor = async (res: Response, id: string, query: unknown = {}) => {
    const q = parseOr400(itemsPageSchema, query);
    const page = pageOf(await repo.itemsPage(id, q.after, q.limit + 1), q.limit, (i) => i.registryNo);
    return { items: shownTo(callerOf(res.locals), page.items), itemsNext: page.next };
  };

  router.get('/records/disposals', async (_req, res) => {
    res.json({ disposals: await repo.list() });
  });

  router.post('/records/disposals', async (req, res) => {
    const disposal = await requestDisposal(deps, callerOf(res.locals), req.body);
    res.status(201).json({ ...disposal, ...(await itemsFor(res, disposal.id)) });
  });

  router.get('/records/disposals/:id', async (req, res) => {
    const disposal = isUuid(req.params.id) ? await repo.get(req.params.id) : undefined;
    if (!disposal) throw new DomainError('not_found');
    res.json({ ...disposal, ...(await itemsFor(res, disposal.id, req.query)) });
  });

  router.post('/records/disposals/:id/decide', async (req, res) => {
    const disposal = await decideDisposal(deps, callerOf(res.locals), String(req.params.id), req.body);
    res.json({ ...disposal, ...(await itemsFor(res, disposal.id)) });
  });

  router.post('/records/disposals/:id/execute', async (req, res) => {
    const disposal = await executable(deps.db, String(req.params.id));
    await startJob(deps.db, res, 'disposal-execute', { disposalId: disposal.id });
  });

  return router;
}
