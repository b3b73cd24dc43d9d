/**
 * Placing and lifting legal holds, for the API, the CLI (through the API) and the viewer alike: the scope
 * (documents by id or registry number, a correspondent's letters, or a search result resolved through the
 * index with the administrator's own reach) becomes a list of documents; the hold is written with its
 * ledger entry; then the buckets are told at once (syncLegalHolds). What a bucket away could not take
 * stays queued and the hold schedule finishes it.
 */
import { z } from 'zod';
import type { SearchIndex } from '../../search/searchIndex';
import type { Db } from '../../storage/db';
import type { ObjectStore } from '../../storage/objectStore';
import type { DocumentsRepo } from '../../storage/repos/documents';
import type { DocumentRecord } from '../../storage/repos/documentRecords';
import {
  correspondentDocuments,
  createHoldsRepo,
  holdableDocuments,
  syncLegalHolds,
  type HoldDocument,
  type HoldScope,
  type LegalHold,
} from '../../storage/records/holds';
import { DomainError } from '../../kernel/errors';
import { isUuid } from '../../kernel/text';
import type { Caller } from '../auth';
import { parseOr400, plainText } from '../http/schemas';
import { refuseUnseen, shownTo } from './visibility';

/** A hold as its caller sees it: its documents' titles only where they may read them. */
export type ShownHold = LegalHold & {
  documents: Array<Omit<HoldDocument, 'access'>>;
  sync: { done: number; failed: number };
};

export interface HoldDeps {
  db: Db;
  documents: DocumentsRepo;
  search: SearchIndex;
  primary: ObjectStore;
  offsite: ObjectStore;
}

/** The most documents one hold resolves a search to. */
const MAX_SEARCH_DOCUMENTS = 5000;
const SEARCH_PAGE = 500;

const filtersSchema = z
  .object({
    docType: plainText(200).optional(),
    department: plainText(200).optional(),
    classification: plainText(40).optional(),
    register: plainText(60).optional(),
    correspondentId: plainText(60).optional(),
    year: z.coerce.number().int().optional(),
    registeredFrom: plainText(10).optional(),
    registeredTo: plainText(10).optional(),
  })
  .strict();

/** The body of a new hold (also the API contract's, src/http/openapi/requests.ts). */
export const addSchema = z
  .object({
    caseRef: plainText(200).pipe(z.string().trim().min(1)),
    reason: plainText(2000).pipe(z.string().trim().min(3)),
    /** Document ids or registry numbers. */
    documents: z.array(plainText(100)).max(10_000).optional(),
    correspondentId: plainText(60).optional(),
    query: plainText(500).optional(),
    filters: filtersSchema.optional(),
  })
  .refine(
    (v) =>
      [v.documents !== undefined, v.correspondentId !== undefined, v.query !== undefined || v.filters !== undefined].filter(
        Boolean,
      ).length === 1,
    {
      message: 'one of documents, correspondentId, query',
    },
  );

export const liftSchema = z.object({ reason: plainText(2000).pipe(z.string().trim().min(3)) });

/** Document ids or registry numbers, as ids; unknown ones are a 400 naming them, one the caller may not read a 403. */
async function resolveDocuments(deps: HoldDeps, caller: Caller, refs: string[]): Promise<string[]> {
  const docs: DocumentRecord[] = [];
  const unknown: string[] = [];
  for (const ref of refs) {
    const doc = isUuid(ref) ? await deps.documents.get(ref) : await deps.documents.getByRegistryNo(ref);
    if (doc) docs.push(doc);
    else unknown.push(ref);
  }
  const known = await holdableDocuments(
    deps.db,
    docs.map((d) => d.id),
  );
  unknown.push(...docs.filter((d) => !known.has(d.id)).map((d) => d.registryNo));
  if (unknown.length > 0) {
    throw new DomainError('unknown_registry_no', { ar: `(${unknown.join('، ')})`, en: `(${unknown.join(', ')})` });
  }
  refuseUnseen(caller, docs);
  return [...new Set(docs.map((d) => d.id))];
}

/** Every document a search finds (all its pages' documents), within the caller's own reach. */
async function searchDocuments(
  deps: HoldDeps,
  caller: Caller,
  q: string,
  filters: z.infer<typeof filtersSchema>,
): Promise<string[]> {
  const ids = new Set<string>();
  for (let offset = 0; ids.size < MAX_SEARCH_DOCUMENTS; offset += SEARCH_PAGE) {
    const res = await deps.search.search({
      q,
      filters,
      sort: 'oldest',
      limit: SEARCH_PAGE,
      offset,
      clearance: caller.clearance,
      ...(caller.departments !== null ? { departments: caller.departments } : {}),
    });
    for (const h of res.hits) ids.add(h.documentId);
    if (res.hits.length < SEARCH_PAGE || offset + SEARCH_PAGE >= res.total) break;
  }
  return [...ids];
}

/** Places a hold from a request body (the caller has 'hold'); the buckets are told before it answers. */
export async function placeHold(deps: HoldDeps, caller: Caller, body: unknown): Promise<ShownHold> {
  const input = parseOr400(addSchema, body);
  let scope: HoldScope;
  let ids: string[];
  if (input.documents !== undefined) {
    ids = await resolveDocuments(deps, caller, input.documents);
    scope = { documents: input.documents };
  } else if (input.correspondentId !== undefined) {
    if (!isUuid(input.correspondentId)) throw new DomainError('unknown_correspondent');
    ids = await correspondentDocuments(deps.db, input.correspondentId);
    scope = { correspondent: input.correspondentId };
  } else {
    const filters = input.filters ?? {};
    ids = await searchDocuments(deps, caller, input.query ?? '', filters);
    scope = { query: input.query ?? '', filters };
  }
  if (ids.length === 0) {
    throw new DomainError('bad_request', { ar: '(لم يُعثر على وثائق يشملها الحجز)', en: '(the hold finds no documents)' });
  }
  const hold = await createHoldsRepo(deps.db).create({
    caseRef: input.caseRef,
    reason: input.reason,
    scope,
    documentIds: ids,
    by: caller.name,
  });
  const sync = await syncLegalHolds(deps.db, deps);
  return { ...hold, documents: shownTo(caller, hold.documents), sync };
}

/** Lifts a hold with a reason; the objects lose legal hold unless another hold keeps them. */
export async function liftHold(deps: HoldDeps, caller: Caller, id: string, body: unknown): Promise<ShownHold> {
  if (!isUuid(id)) throw new DomainError('not_found');
  const input = parseOr400(liftSchema, body);
  const hold = await createHoldsRepo(deps.db).lift(id, input.reason, caller.name);
  const sync = await syncLegalHolds(deps.db, deps);
  return { ...hold, documents: shownTo(caller, hold.documents), sync };
}
