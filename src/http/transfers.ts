/**
 * Transfers to another archive through the API (permission 'records'):
 *
 *   POST /transfers {recipient, ids | query (+ filters) | due}  -> an open transfer and its documents' files
 *   GET  /transfers/:id/documents/:doc/text.txt                  -> a document's current text, as the bag holds it
 *   POST /transfers/:id/complete {bagName, payloadOxum, tagmanifestSha256}
 *                                                                -> complete; one 'transferred' entry per document
 *   POST /transfers/:id/receipt {ref, date, tagmanifestSha256}   -> the recipient's receipt ('hold': an administrator);
 *                                                                   only then do its documents count as transferred
 *   GET  /transfers, GET /transfers/:id
 *
 * The bag itself is written by the CLI (`diwan export bagit`), which fetches
 * each file through the ordinary document routes and checks its fingerprint.
 * Documents the caller may not read are refused when named and left out when
 * found by a query or a due date; so are destroyed documents and documents not
 * archived yet. Nothing is recorded for a refused request.
 */
import crypto from 'node:crypto';
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { SearchIndex } from '../../search/searchIndex';
import type { Db } from '../../storage/db';
import { dueForTransfer, documentText, transferContents, type TransferContent } from '../../storage/records/transferContents';
import {
  completeTransfer,
  createTransfer,
  getTransfer,
  listTransfers,
  isTransferItem,
  transferDocumentIds,
  type TransferSelection,
} from '../../storage/records/transfers';
import { recordReceipt } from '../../storage/records/transferReceipts';
import { DomainError } from '../../kernel/errors';
import { parseRegistryNo, REGISTER_CODE } from '../../kernel/registry';
import { isUuid } from '../../kernel/text';
import { CLASSIFICATIONS } from '../../kernel/clearance';
import { documentByRegistry } from '../../storage/repos/documentRecords';
import { callerOf, canSee, type Caller } from '../auth';
import { isoDate, parseOr400, plainText } from './schemas';
import { transferView } from './transferView';

export interface TransfersDeps {
  db: Db;
  search: SearchIndex;
  /** The ministry's names: the bag's Source-Organization. */
  archive: { organisation: string; organisationEn: string };
}

/** At most this many documents in one transfer (a larger one is several bags). */
export const MAX_TRANSFER_DOCUMENTS = 1000;

/** The body of a new transfer (also the API contract's, src/http/openapi/requests.ts). */
export const createSchema = z
  .object({
    recipient: plainText(300).pipe(z.string().min(1)),
    ids: z.array(z.string().trim().min(1).max(100)).min(1).max(MAX_TRANSFER_DOCUMENTS).optional(),
    query: plainText(500).optional(),
    filters: z
      .object({
        type: plainText(100).optional(),
        department: plainText(200).optional(),
        classification: z.enum(CLASSIFICATIONS).optional(),
        register: z.string().regex(REGISTER_CODE).optional(),
        year: z.coerce.number().int().min(1900).max(2999).optional(),
        from: isoDate.optional(),
        to: isoDate.optional(),
      })
      .strict()
      .optional(),
    due: isoDate.optional(),
  })
  .strict()
  .refine((b) => [b.ids, b.query ?? b.filters, b.due].filter((v) => v !== undefined).length === 1, {
    message: 'give exactly one of ids, query (with filters) or due',
  });

export const completeSchema = z
  .object({
    bagName: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$/),
    payloadOxum: z.string().regex(/^\d+\.\d+$/),
    tagmanifestSha256: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();

const receiptSchema = z
  .object({
    ref: plainText(200).pipe(z.string().min(1)),
    date: isoDate,
    tagmanifestSha256: z
      .string()
      .trim()
      .regex(/^[0-9a-fA-F]{64}$/)
      .transform((s) => s.toLowerCase()),
  })
  .strict();

export const listSchema = z.object({
  state: z.enum(['open', 'complete']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().datetime().optional(),
});

/** Why a document cannot go, or undefined when it can. */
function refusal(caller: Caller, c: TransferContent): DomainError | undefined {
  if (!canSee(caller, c.doc)) {
    return new DomainError('forbidden', {
      ar: `(الوثيقة ${c.doc.registryNo} فوق درجة اطلاعك)`,
      en: `(document ${c.doc.registryNo} is above your clearance or outside your departments)`,
    });
  }
  if (c.destroyed) return new DomainError('destroyed', { en: `(${c.doc.registryNo})`, ar: `(${c.doc.registryNo})` });
  if (c.doc.status !== 'archived' || !c.archive)
    return new DomainError('transfer_not_ready', { en: `(${c.doc.registryNo})`, ar: `(${c.doc.registryNo})` });
  return undefined;
}

/** Transfer `id`, or not_found. */
async function loadTransfer(db: Db, id: string) {
  const t = isUuid(id) ? await getTransfer(db, id) : undefined;
  if (!t) throw new DomainError('not_found');
  return t;
}

/** A transfer is shown, completed and received only by whoever may read every one of its documents. */
function mustRead(caller: Caller, c: TransferContent): void {
  if (!canSee(caller, c.doc)) {
    throw new DomainError('forbidden', {
      ar: '(في هذا التحويل وثيقة فوق درجة اطلاعك)',
      en: '(a document of this transfer is above your clearance or outside your departments)',
    });
  }
}

/** The ids named in the request (a document id or a registry number each); an unknown one is refused. */
async function namedIds(db: Db, given: string[]): Promise<string[]> {
  const ids: string[] = [];
  const unknown: string[] = [];
  for (const g of given) {
    if (isUuid(g)) {
      ids.push(g.toLowerCase());
      continue;
    }
    const ref = parseRegistryNo(g);
    const doc = ref ? await documentByRegistry(db, ref) : undefined;
    if (doc) ids.push(doc.id);
    else unknown.push(g);
  }
  const found = await transferContents(db, ids);
  for (const id of ids) if (!found.some((c) => c.doc.id === id)) unknown.push(id);
  if (unknown.length > 0) {
    throw new DomainError('not_found', { ar: `(${unknown.join('، ')})`, en: `(${unknown.join(', ')})`, details: { unknown } });
  }
  return [...new Set(ids)];
}

/** The documents a search finds for the caller (their clearance applied by the index), up to the limit. */
async function searchedIds(
  deps: TransfersDeps,
  caller: Caller,
  q: string,
  f: NonNullable<z.infer<typeof createSchema>['filters']>,
) {
  const ids = new Set<string>();
  for (let offset = 0; ids.size < MAX_TRANSFER_DOCUMENTS && offset < 10_000; offset += 100) {
    const page = await deps.search.search({
      q,
      filters: {
        docType: f.type,
        department: f.department,
        classification: f.classification,
        register: f.register,
        year: f.year,
        registeredFrom: f.from,
        registeredTo: f.to,
      },
      sort: 'oldest',
      limit: 100,
      offset,
      clearance: caller.clearance,
      departments: caller.departments ?? undefined,
    });
    for (const h of page.hits) ids.add(h.documentId);
    if (page.hits.length < 100) break;
  }
  return [...ids].slice(0, MAX_TRANSFER_DOCUMENTS);
}

/**
 * Starts a transfer for `caller` from a request body (recipient and one of
 * ids, query with filters, or due): the documents chosen, checked, and recorded
 * as an open transfer. Answers its id. Used by the API and the viewer's form.
 */
export async function startTransfer(deps: TransfersDeps, caller: Caller, input: unknown): Promise<string> {
  const body = parseOr400(createSchema, input);
  let selection: TransferSelection;
  let candidates: string[];
  if (body.ids) {
    candidates = await namedIds(deps.db, body.ids);
    selection = { kind: 'ids', ids: candidates };
  } else if (body.due) {
    candidates = await dueForTransfer(deps.db, new Date(`${body.due}T23:59:59.999Z`), MAX_TRANSFER_DOCUMENTS);
    selection = { kind: 'due', before: body.due };
  } else {
    const filters = body.filters ?? {};
    if (!body.query && Object.values(filters).every((v) => v === undefined)) {
      throw new DomainError('bad_request', {
        ar: '(اكتب ما تبحث عنه أو اختر مرشحًا)',
        en: '(give a query or at least one filter)',
      });
    }
    candidates = await searchedIds(deps, caller, body.query ?? '', filters);
    selection = {
      kind: 'query',
      q: body.query ?? '',
      filters: Object.fromEntries(
        Object.entries(filters)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => [k, String(v)]),
      ),
    };
  }
  const contents = await transferContents(deps.db, candidates);
  const chosen: string[] = [];
  for (const c of contents) {
    const why = refusal(caller, c);
    if (why && body.ids) throw why;
    if (!why) chosen.push(c.doc.id);
  }
  if (chosen.length === 0) throw new DomainError('transfer_empty');
  const t = await createTransfer(deps.db, {
    id: crypto.randomUUID(),
    recipient: body.recipient,
    selection,
    documentIds: chosen,
    by: caller.name,
  });
  return t.id;
}

/**
 * Records the recipient's receipt of transfer `id` for `caller` (an
 * administrator: the route's policy and the viewer's form check 'hold'), from a
 * request body {ref, date, tagmanifestSha256}. Only a caller who may read every
 * document of the transfer records it. Used by the API and the viewer's form.
 */
export async function receiveTransfer(deps: TransfersDeps, caller: Caller, id: string, input: unknown): Promise<void> {
  const t = await loadTransfer(deps.db, id);
  const body = parseOr400(receiptSchema, input);
  for (const c of await transferContents(deps.db, await transferDocumentIds(deps.db, t.id))) mustRead(caller, c);
  const done = await recordReceipt(deps.db, { id: t.id, ...body, by: caller.name });
  if (!done) throw new DomainError('not_found');
}

export function transfersRouter(deps: TransfersDeps): Router {
  const router = Router();

  const readable = (res: Response) => (c: TransferContent) => mustRead(callerOf(res.locals), c);
  const answer = async (res: Response, status: number, id: string) => {
    const t = await loadTransfer(deps.db, id);
    const view = await transferView(deps.db, t, await transferDocumentIds(deps.db, id), readable(res));
    res.status(status).json({
      ...view,
      sourceOrganization: { ar: deps.archive.organisation, en: deps.archive.organisationEn },
    });
  };

  router.post('/transfers', async (req, res) => {
    const id = await startTransfer(deps, callerOf(res.locals), req.body);
    res.location(`/api/v1/transfers/${id}`);
    await answer(res, 201, id);
  });

  router.get('/transfers', async (req, res) => {
    const q = parseOr400(listSchema, req.query);
    const items = await listTransfers(deps.db, q);
    res.json({ items, next: items.length === q.limit ? items.at(-1)!.createdAt : null });
  });

  router.get('/transfers/:id', async (req, res) => {
    await answer(res, 200, String(req.params.id));
  });

  router.get('/transfers/:id/documents/:doc/text.txt', async (req, res) => {
    const t = await loadTransfer(deps.db, String(req.params.id));
    const doc = String(req.params.doc);
    if (!isUuid(doc) || !(await isTransferItem(deps.db, t.id, doc))) throw new DomainError('not_found');
    const [c] = await transferContents(deps.db, [doc]);
    if (!c || !canSee(callerOf(res.locals), c.doc)) throw new DomainError('not_found');
    const text = await documentText(deps.db, doc);
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.setHeader('X-Diwan-SHA256', text.sha256);
    res.end(text.text);
  });

  router.post('/transfers/:id/complete', async (req, res) => {
    const t = await loadTransfer(deps.db, String(req.params.id));
    const body = parseOr400(completeSchema, req.body);
    const view = await transferView(deps.db, t, await transferDocumentIds(deps.db, t.id), readable(res));
    const done = await completeTransfer(deps.db, {
      id: t.id,
      ...body,
      by: callerOf(res.locals).name,
      documents: view.documents.map((d) => ({
        documentId: d.id,
        registryNo: d.registryNo,
        files: d.files.map((f) => ({ path: f.path, sha256: f.sha256, size: f.size })),
      })),
    });
    if (done === undefined) throw new DomainError('not_found');
    if (done === 'complete') throw new DomainError('transfer_complete');
    await answer(res, 200, t.id);
  });

  router.post('/transfers/:id/receipt', async (req, res) => {
    const id = String(req.params.id);
    await receiveTransfer(deps, callerOf(res.locals), id, req.body);
    await answer(res, 200, id);
  });

  return router;
}
