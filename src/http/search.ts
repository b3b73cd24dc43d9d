/**
 * GET /api/v1/search: Arabic queries matched the way the index was built
 * (normalised, lightly stemmed), filters, sort, pagination and facets; each
 * hit names its page, with a snippet in the original spelling (<mark>ed, safe
 * in HTML), and, when asked for (`boxes=true`), the boxes of the matched words
 * on the page image: they are read from each page's words in PostgreSQL, a
 * cost most searches do not need (the viewer draws them on the document page,
 * src/web/routes/document.ts). A query that
 * is a registry number, in any digit style, finds that document first. The
 * caller's clearance is applied by the server, never taken from the request.
 */
import { Router } from 'express';
import { z } from 'zod';
import { type SearchIndex } from '../../search/searchIndex';
import { matchBoxes, queryTerms, snippet } from '../../search/highlight';
import type { Db } from '../../storage/db';
import type { DocumentsRepo } from '../../storage/repos/documents';
import { toArabicIndic } from '../../kernel/text';
import { DomainError } from '../../kernel/errors';
import { callerOf } from '../auth';
import { startJob } from './jobs';
import { isoDate, parseOr400, plainText } from './schemas';
import { CLASSIFICATIONS } from '../../kernel/clearance';
import { REGISTER_CODE } from '../../kernel/registry';

const date = isoDate;

export const searchQuerySchema = z.object({
  q: plainText(500).default(''),
  type: plainText(100).pipe(z.string().min(1)).optional(),
  department: plainText(200).pipe(z.string().min(1)).optional(),
  classification: z.enum(CLASSIFICATIONS).optional(),
  batchId: z.string().uuid().optional(),
  needsReview: z.enum(['true', 'false']).optional(),
  year: z.coerce.number().int().min(1900).max(2999).optional(),
  from: date.optional(),
  to: date.optional(),
  docFrom: date.optional(),
  docTo: date.optional(),
  register: z.string().trim().regex(REGISTER_CODE).optional(),
  correspondentId: z.string().uuid().optional(),
  referralState: z.enum(['none', 'open', 'closed']).optional(),
  overdue: z.enum(['true', 'false']).optional(),
  sort: z.enum(['relevance', 'newest', 'oldest', 'docDateDesc', 'docDateAsc']).default('relevance'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(10_000).default(0),
  /** With the boxes of the matched words on each hit's page. */
  boxes: z.enum(['true', 'false']).default('false'),
});

/** The filters a search may be made of alone, without a query. */
const FILTERS = [
  'type',
  'department',
  'classification',
  'batchId',
  'needsReview',
  'year',
  'from',
  'to',
  'docFrom',
  'docTo',
  'register',
  'correspondentId',
  'referralState',
  'overdue',
] as const;

export interface SearchRouteDeps {
  db: Db;
  search: SearchIndex;
  documents: DocumentsRepo;
  reviewBelow: number;
  /** Where the registry is: "overdue" is due before today there. */
  archive?: { timeZone: string };
}

/** Today's date (YYYY-MM-DD) in `timeZone`. */
export function todayIn(timeZone: string, now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA-u-ca-gregory-nu-latn', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}

export function searchRouter(deps: SearchRouteDeps): Router {
  const router = Router();
  router.get('/search', async (req, res) => {
    const p = parseOr400(searchQuerySchema, req.query);
    if (!p.q && FILTERS.every((k) => p[k] === undefined)) {
      throw new DomainError('bad_request', {
        ar: '(اكتب ما تبحث عنه أو اختر مرشحًا)',
        en: '(give a query q or at least one filter)',
      });
    }
    const caller = callerOf(res.locals);
    const result = await deps.search.search({
      q: p.q,
      filters: {
        docType: p.type,
        department: p.department,
        classification: p.classification,
        batchId: p.batchId,
        needsReview: p.needsReview === undefined ? undefined : p.needsReview === 'true',
        year: p.year,
        registeredFrom: p.from,
        registeredTo: p.to,
        docDateFrom: p.docFrom,
        docDateTo: p.docTo,
        register: p.register,
        correspondentId: p.correspondentId,
        referralState: p.referralState,
        overdueBefore: p.overdue === 'true' ? todayIn(deps.archive?.timeZone ?? 'UTC') : undefined,
      },
      sort: p.sort,
      limit: p.limit,
      offset: p.offset,
      clearance: caller.clearance,
      departments: caller.departments ?? undefined,
    });
    const terms = queryTerms(p.q);
    const pages =
      p.boxes === 'true'
        ? await deps.documents.pagesOf(result.hits.map((h) => ({ documentId: h.documentId, n: h.page })))
        : undefined;
    res.json({
      total: result.total,
      limit: p.limit,
      offset: p.offset,
      registryMatch: result.registryMatch,
      facets: result.facets,
      hits: result.hits.map((h) => ({
        id: h.documentId,
        registryNo: h.registryNo,
        registryNoAr: toArabicIndic(h.registryNo),
        title: h.title,
        page: h.page,
        snippet: snippet(h.text, terms),
        ...(pages ? { boxes: matchBoxes(pages.get(`${h.documentId}:${h.page}`) ?? [], terms) } : {}),
        docType: h.docType,
        department: h.department,
        classification: h.classification,
        registeredAt: h.registeredAt,
        docDate: h.docDate,
        needsReview: h.needsReview,
        register: h.register,
        externalRef: h.externalRef,
        correspondent: h.correspondent,
        referralState: h.referralState,
        referralDue: h.referralDue,
      })),
    });
  });

  // Rebuild the index from the database, as a job: a new index built aside, swapped in when whole.
  // (`clear` is accepted for older clients: the new index always starts empty.)
  router.post('/reindex', async (req, res) => {
    parseOr400(z.object({ clear: z.boolean().optional() }), req.body ?? {});
    await startJob(deps.db, res, 'reindex', {});
  });
  return router;
}
