/**
 * A search request as Meilisearch calls: the filter that always carries the
 * caller's clearance and departments, the sort, facets and attributes, and a
 * registry number typed any way. Pure; the search benchmark's reference uses
 * these very parameters.
 */
import { normalizeArabic } from './normalize';
import { clearanceRank } from '../kernel/clearance';
import type { PageDoc, SearchRequest, SearchSort } from './searchIndex';

/**
 * A registry number typed any way (٢٠٢٦/١٢٣, 2026/000123, 2026-123, outgoing/2026/1), as stored
 * (2026/000123, outgoing/2026/000001); undefined otherwise.
 */
export function asRegistryNo(q: string): string | undefined {
  const m = /^\s*(?:([a-z][a-z0-9-]{1,30})\s*\/\s*)?(\d{4})\s*[/\-\\]\s*(\d{1,6})\s*$/.exec(normalizeArabic(q));
  if (!m) return undefined;
  const n = `${m[2]}/${(m[3] as string).padStart(6, '0')}`;
  return m[1] && m[1] !== 'incoming' ? `${m[1]}/${n}` : n;
}

export function registryKeys(registryNo: string): string[] {
  const parts = registryNo.split('/');
  const [year, seq] = parts.slice(-2) as [string, string];
  const short = String(Number(seq));
  return [...new Set([registryNo, `${year}/${String(seq)}`, `${year}/${short}`, seq, short])];
}

const day = (d: string) => Date.parse(`${d}T00:00:00Z`);
const DAY_MS = 86_400_000;
export const quote = (v: string) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** The Meilisearch filter for a request: the caller's clearance always, then each filter given. */
export function filterFor(req: Pick<SearchRequest, 'filters' | 'clearance' | 'departments'>): string[] {
  const f = req.filters;
  const out = [`clearance <= ${clearanceRank(req.clearance)}`];
  // A person scoped to departments sees only theirs.
  if (req.departments)
    out.push(req.departments.length ? `department IN [${req.departments.map(quote).join(', ')}]` : 'department IN []');
  if (f.docType) out.push(`docType = ${quote(f.docType)}`);
  if (f.department) out.push(`department = ${quote(f.department)}`);
  if (f.classification) out.push(`classification = ${quote(f.classification)}`);
  if (f.batchId) out.push(`batchId = ${quote(f.batchId)}`);
  if (f.needsReview !== undefined) out.push(`needsReview = ${f.needsReview}`);
  if (f.year !== undefined) out.push(`registryYear = ${f.year}`);
  if (f.register) out.push(`register = ${quote(f.register)}`);
  if (f.correspondentId) out.push(`correspondentId = ${quote(f.correspondentId)}`);
  if (f.referralState) out.push(`referralState = ${quote(f.referralState)}`);
  if (f.overdueBefore) out.push(`referralState = "open" AND referralDue < ${day(f.overdueBefore)}`);
  if (f.registeredFrom) out.push(`registeredAt >= ${day(f.registeredFrom)}`);
  if (f.registeredTo) out.push(`registeredAt < ${day(f.registeredTo) + DAY_MS}`);
  if (f.docDateFrom) out.push(`docDate >= ${day(f.docDateFrom)}`);
  if (f.docDateTo) out.push(`docDate < ${day(f.docDateTo) + DAY_MS}`);
  return out;
}

const SORTS: Record<SearchSort, string[] | undefined> = {
  relevance: undefined,
  newest: ['registeredAt:desc'],
  oldest: ['registeredAt:asc'],
  docDateDesc: ['docDate:desc'],
  docDateAsc: ['docDate:asc'],
};

/** The facets every search counts. */
export const FACETS = ['docType', 'department', 'registryYear', 'register', 'referralState'];

/** What a hit brings back from the index (the stemmed forms and keys stay there). */
export const HIT_ATTRIBUTES: Array<keyof PageDoc> = [
  'documentId',
  'registryNo',
  'title',
  'page',
  'text',
  'docType',
  'department',
  'classification',
  'registeredAt',
  'docDate',
  'needsReview',
  'register',
  'externalRef',
  'correspondent',
  'referralState',
  'referralDue',
];

/**
 * Meilisearch's parameters for one call of a request, given its filter (filterFor) and any
 * extra condition; the search benchmark's reference makes the very same calls.
 */
export function searchParams(
  req: Pick<SearchRequest, 'sort' | 'limit' | 'offset'>,
  filter: string[],
  extra: string[],
): MeiliSearchParams {
  return {
    filter: [...filter, ...extra],
    sort: SORTS[req.sort],
    limit: req.limit,
    offset: req.offset,
    facets: FACETS,
    matchingStrategy: 'all',
    locales: ['ara'],
    attributesToRetrieve: HIT_ATTRIBUTES,
  };
}

/** The search parameters sent (a subset of Meilisearch's own). */
export interface MeiliSearchParams {
  filter: string[];
  sort: string[] | undefined;
  limit: number;
  offset: number;
  facets: string[];
  matchingStrategy: 'all';
  locales: ['ara'];
  attributesToRetrieve: Array<keyof PageDoc>;
}
