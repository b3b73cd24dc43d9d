/**
 * The search page's route: the same query parameters as the search API
 * (a malformed one falls back to the plain query), searched within the
 * person's clearance and departments; with no query, the newest documents.
 */
import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { SearchHit } from '../../../search/searchIndex';
import { queryTerms, snippet } from '../../../search/highlight';
import { callerOf } from '../../auth';
import { searchQuerySchema, todayIn } from '../../http/search';
import { listRegisters } from '../../../storage/repos/registers';
import { raw } from '../html';
import { searchPage, type SearchFilters, type SearchHitView } from '../pages/search';
import { allowed, pageCtx, type ViewerDeps } from './shared';

type SearchQuery = z.infer<typeof searchQuerySchema>;

/** The request's search parameters; when they do not parse, just its query text. */
function searchQuery(req: Request): SearchQuery {
  const parsed = searchQuerySchema.safeParse(req.query);
  if (parsed.success) return parsed.data;
  // A query the form cannot hold (too long, a bad filter) still gets a page: its first 500 plain characters, no filters.
  const q = typeof req.query.q === 'string' ? req.query.q : '';
  const kept = searchQuerySchema.safeParse({ q: q.slice(0, 500) });
  return kept.success ? kept.data : searchQuerySchema.parse({});
}

function hitView(h: SearchHit, terms: string[]): SearchHitView {
  return {
    id: h.documentId,
    registryNo: h.registryNo,
    title: h.title,
    page: h.page,
    // The index's text with each part escaped and the matches marked, by the highlighter.
    snippet: raw(snippet(h.text, terms, 24)),
    docType: h.docType,
    department: h.department,
    registeredAt: h.registeredAt,
    docDate: h.docDate,
    needsReview: h.needsReview,
    register: h.register,
    externalRef: h.externalRef,
    correspondent: h.correspondent,
  };
}

export async function showSearch(deps: ViewerDeps, req: Request, res: Response): Promise<void> {
  if (!(await allowed(deps, req, res, 'search'))) return;
  const caller = callerOf(res.locals);
  const ctx = pageCtx(deps, req, res, caller);
  const p = searchQuery(req);
  const filters: SearchFilters = {
    type: p.type,
    department: p.department,
    year: p.year,
    from: p.from,
    to: p.to,
    needsReview: p.needsReview === 'true' ? true : undefined,
    register: p.register,
    correspondentId: p.correspondentId,
    overdue: p.overdue === 'true' ? true : undefined,
  };
  const result = await deps.search.search({
    q: p.q,
    filters: {
      docType: p.type,
      department: p.department,
      year: p.year,
      registeredFrom: p.from,
      registeredTo: p.to,
      needsReview: filters.needsReview,
      register: p.register,
      correspondentId: p.correspondentId,
      referralState: p.referralState,
      overdueBefore: p.overdue === 'true' ? todayIn(deps.archive.timeZone) : undefined,
    },
    sort: p.q ? p.sort : 'newest',
    limit: p.limit,
    offset: p.offset,
    clearance: caller.clearance,
    departments: caller.departments ?? undefined,
  });
  const terms = queryTerms(p.q);
  res.type('html').send(
    searchPage(ctx, {
      q: p.q,
      filters,
      result,
      offset: p.offset,
      limit: p.limit,
      hits: result.hits.map((h) => hitView(h, terms)),
      registers: await listRegisters(deps.db),
    }),
  );
}
