/**
 * The search index: a projection of the archive in Meilisearch, one record per
 * page, with `documentId` as the distinct attribute so that a hit names the
 * best page of each document. It can always be rebuilt from the database.
 * Only this file imports `meilisearch`.
 *
 * Matching runs on the stemmed, normalised forms (search/normalize.ts), the
 * same on both sides; the page's text as read is kept for display.
 */
import { Meilisearch } from 'meilisearch';
import { normalizeArabic, stemmedText } from './normalize';
import { clearanceRank, type Classification } from '../kernel/clearance';

export interface PageDoc {
  id: string;
  documentId: string;
  registryNo: string;
  /** Every way to type the registry number: 2026/000123, 2026/123, 000123, 123. */
  registryKeys: string[];
  title: string;
  titleStem: string;
  page: number;
  /** The recognised text as read (shown in snippets). */
  text: string;
  /** The text normalised and stemmed, for matching. */
  textStem: string;
  correspondent: string | null;
  /** The correspondent's names, Arabic and Latin, normalised and stemmed. */
  correspondentStem: string;
  correspondentId: string | null;
  /** The register (book) it is numbered in. */
  register: string;
  /** The sender's own number, and the ways it is typed (records.ts externalRefKeys). */
  externalRef: string | null;
  externalRefKeys: string[];
  referralState: string;
  /** Milliseconds since 1970 at midnight UTC of the earliest open referral's due date. */
  referralDue: number | null;
  docType: string | null;
  department: string | null;
  classification: string;
  clearance: number;
  batchId: string | null;
  needsReview: boolean;
  /** Milliseconds since 1970 (registrations a second apart still sort). */
  registeredAt: number;
  registryYear: number;
  /** Milliseconds since 1970 at midnight UTC of the document's own date, when it has one. */
  docDate: number | null;
}

export interface SearchFilters {
  docType?: string;
  department?: string;
  classification?: string;
  batchId?: string;
  needsReview?: boolean;
  year?: number;
  register?: string;
  correspondentId?: string;
  referralState?: 'none' | 'open' | 'closed';
  /** Open referrals due before this day (YYYY-MM-DD, the registry's today): overdue. */
  overdueBefore?: string;
  /** Registration date range, inclusive, YYYY-MM-DD. */
  registeredFrom?: string;
  registeredTo?: string;
  /** Document date range, inclusive, YYYY-MM-DD. */
  docDateFrom?: string;
  docDateTo?: string;
}

export type SearchSort = 'relevance' | 'newest' | 'oldest' | 'docDateDesc' | 'docDateAsc';

export interface SearchRequest {
  q: string;
  filters: SearchFilters;
  sort: SearchSort;
  limit: number;
  offset: number;
  /** The caller's clearance: pages classified above it do not exist for them. */
  clearance: Classification;
  /** The caller's departments, when scoped to some: other departments' pages do not exist for them. */
  departments?: string[];
}

export interface SearchHit {
  documentId: string;
  registryNo: string;
  title: string;
  page: number;
  text: string;
  docType: string | null;
  department: string | null;
  classification: string;
  registeredAt: string;
  docDate: string | null;
  needsReview: boolean;
  register: string;
  externalRef: string | null;
  correspondent: string | null;
  referralState: string;
  referralDue: string | null;
}

export interface SearchResult {
  total: number;
  hits: SearchHit[];
  facets: {
    docType: Record<string, number>;
    department: Record<string, number>;
    year: Record<string, number>;
    register: Record<string, number>;
    referralState: Record<string, number>;
  };
  /** The registry number the query named, when it named one that exists (and is visible). */
  registryMatch: string | null;
}

export interface SearchIndex {
  /** Creates the index and applies its settings (idempotent; run at every start). */
  ensureIndex(): Promise<void>;
  ping(): Promise<boolean>;
  /** Replaces the pages of one document and waits until Meilisearch has applied it. */
  indexDocument(documentId: string, pages: PageDoc[]): Promise<void>;
  /** Adds page records (of one new document, or of many into a cleared index) in one task; nothing is removed first. */
  addPages(pages: PageDoc[]): Promise<void>;
  search(req: SearchRequest): Promise<SearchResult>;
  /** Drops every record (the index is rebuilt from the database after). */
  clear(): Promise<void>;
  /** Number of page records. */
  count(): Promise<number>;
  /**
   * A new, empty index beside the live one, with the same settings (one left
   * by a rebuild that stopped is dropped first). Searches go on reading the
   * live index until `swapIn` makes the new one live, in one step.
   */
  buildAside(): Promise<AsideIndex>;
}

/** An index being built beside the live one (SearchIndex.buildAside). */
export interface AsideIndex {
  addPages(pages: PageDoc[]): Promise<void>;
  /** Makes this index the live one and drops the old. */
  swapIn(): Promise<void>;
  /** Drops this index, leaving the live one as it was. */
  discard(): Promise<void>;
}

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
const quote = (v: string) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

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

const SETTINGS = {
  searchableAttributes: ['registryKeys', 'externalRefKeys', 'titleStem', 'correspondentStem', 'textStem'],
  distinctAttribute: 'documentId',
  filterableAttributes: [
    'documentId',
    'registryNo',
    'docType',
    'department',
    'classification',
    'clearance',
    'batchId',
    'needsReview',
    'registeredAt',
    'registryYear',
    'docDate',
    'register',
    'correspondentId',
    'referralState',
    'referralDue',
  ],
  sortableAttributes: ['registeredAt', 'docDate'],
  // Every word of the query must be there; a word's typos are forgiven only when it is long.
  typoTolerance: { minWordSizeForTypos: { oneTypo: 5, twoTypos: 9 } },
  faceting: { maxValuesPerFacet: 100 },
  // Arabic, always: left to guess, the tokenizer takes some pages (those with ك, say) for Persian
  // and normalises them its own way, and then the query (guessed Arabic) no longer meets them.
  localizedAttributes: [{ attributePatterns: ['*'], locales: ['ara' as const] }],
  pagination: { maxTotalHits: 10_000 },
};

export function createSearchIndex(opts: { url: string; key: string; index: string }): SearchIndex {
  const client = new Meilisearch({ host: opts.url, apiKey: opts.key });
  const index = client.index<PageDoc>(opts.index);
  const wait = { timeout: 120_000, interval: 50 };
  const must = (task: { status: string; error?: unknown }, what: string) => {
    if (task.status !== 'succeeded') throw new Error(`Meilisearch ${what} failed: ${JSON.stringify(task.error)}`);
  };

  const ensure = async (name: string) => {
    // Creating an index that exists fails its task harmlessly; the settings are what must succeed.
    await client.createIndex(name, { primaryKey: 'id' }).waitTask(wait);
    must(await client.index(name).updateSettings(SETTINGS).waitTask(wait), 'settings');
  };

  return {
    ensureIndex: () => ensure(opts.index),
    async buildAside() {
      const name = `${opts.index}__next`;
      const aside = client.index<PageDoc>(name);
      const drop = async () => {
        const task = await client.deleteIndex(name).waitTask(wait);
        // An index that is not there is already dropped.
        if (task.status !== 'succeeded' && (task.error as { code?: string } | null)?.code !== 'index_not_found')
          must(task, 'drop');
      };
      await drop();
      await ensure(opts.index);
      await ensure(name);
      return {
        async addPages(pages) {
          if (pages.length > 0) must(await aside.addDocuments(pages).waitTask(wait), 'indexing');
        },
        async swapIn() {
          must(await client.swapIndexes([{ indexes: [opts.index, name], rename: false }]).waitTask(wait), 'swap');
          await drop();
        },
        discard: drop,
      };
    },
    async ping() {
      const h = await client.health();
      return h.status === 'available';
    },
    async indexDocument(documentId, pages) {
      // Both tasks are queued at once: Meilisearch applies one index's tasks in order, so the old pages go first.
      const removal = index.deleteDocuments({ filter: `documentId = ${quote(documentId)}` });
      await removal;
      const adding = pages.length > 0 ? index.addDocuments(pages) : undefined;
      must(await removal.waitTask(wait), 'delete');
      if (adding) must(await adding.waitTask(wait), 'indexing');
    },
    async addPages(pages) {
      if (pages.length > 0) must(await index.addDocuments(pages).waitTask(wait), 'indexing');
    },
    async clear() {
      must(await index.deleteAllDocuments().waitTask(wait), 'clear');
    },
    async count() {
      return (await index.getStats()).numberOfDocuments;
    },
    async search(req) {
      const filter = filterFor(req);
      // A registry number is looked up exactly first; if none has it, it is searched as text.
      const named = asRegistryNo(req.q);
      const run = (q: string, extra: string[]) =>
        index.search(q, {
          filter: [...filter, ...extra],
          sort: SORTS[req.sort],
          limit: req.limit,
          offset: req.offset,
          facets: ['docType', 'department', 'registryYear', 'register', 'referralState'],
          matchingStrategy: 'all',
          locales: ['ara'],
          attributesToRetrieve: [
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
          ],
        });
      let res = named ? await run('', [`registryNo = ${quote(named)}`]) : undefined;
      const exact = Boolean(res && res.hits.length > 0);
      if (!res || !exact) res = await run(stemmedText(req.q), []);
      const f = (res.facetDistribution ?? {}) as Record<string, Record<string, number>>;
      return {
        total: res.estimatedTotalHits ?? res.hits.length,
        hits: res.hits.map((h) => ({
          documentId: h.documentId,
          registryNo: h.registryNo,
          title: h.title,
          page: h.page,
          text: h.text,
          docType: h.docType,
          department: h.department,
          classification: h.classification,
          registeredAt: new Date(h.registeredAt).toISOString(),
          docDate: h.docDate === null ? null : new Date(h.docDate).toISOString().slice(0, 10),
          needsReview: h.needsReview,
          register: h.register ?? 'incoming',
          externalRef: h.externalRef ?? null,
          correspondent: h.correspondent ?? null,
          referralState: h.referralState ?? 'none',
          referralDue: h.referralDue == null ? null : new Date(h.referralDue).toISOString().slice(0, 10),
        })),
        facets: {
          docType: f.docType ?? {},
          department: f.department ?? {},
          year: f.registryYear ?? {},
          register: f.register ?? {},
          referralState: f.referralState ?? {},
        },
        registryMatch: exact ? (named ?? null) : null,
      };
    },
  };
}

export function pageDocId(documentId: string, page: number): string {
  return `${documentId}-${page}`;
}
