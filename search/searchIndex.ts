/**
 * The search index: a projection of the archive in Meilisearch, one record per
 * page, with `documentId` as the distinct attribute so that a hit names the
 * best page of each document. It can always be rebuilt from the database.
 * Only this file imports `meilisearch`.
 *
 * Matching runs on the stemmed, normalised forms (search/normalize.ts), the
 * same on both sides; the page's text as read is kept for display.
 */
import http from 'node:http';
import https from 'node:https';
import { Meilisearch, type SearchResponse } from 'meilisearch';
import { stemmedText } from './normalize';
import type { Classification } from '../kernel/clearance';
import { asRegistryNo, filterFor, quote, searchParams, type MeiliSearchParams } from './query';

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

// The request's parameters are built in search/query.ts; these names are kept here for their users.
export { asRegistryNo, filterFor, registryKeys, searchParams, FACETS, HIT_ATTRIBUTES } from './query';

/** An index being built beside the live one (SearchIndex.buildAside). */
export interface AsideIndex {
  addPages(pages: PageDoc[]): Promise<void>;
  /** Makes this index the live one and drops the old. */
  swapIn(): Promise<void>;
  /** Drops this index, leaving the live one as it was. */
  discard(): Promise<void>;
}

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

/**
 * A Meilisearch client that asks for answers uncompressed: Meilisearch sits on
 * the same host or network, where gzip saves no time and costs both ends CPU on
 * every search (compressing there, inflating here).
 */
export function meiliClient(url: string, key: string): Meilisearch {
  return new Meilisearch({ host: url, apiKey: key, requestInit: { headers: { 'accept-encoding': 'identity' } } });
}

/** How long one search may wait for Meilisearch's answer. */
const SEARCH_TIMEOUT_MS = 30_000;

/**
 * Searches of one index, sent straight over HTTP on kept-alive connections. A
 * search is the one call made for every person's query; through the client
 * library's fetch (web streams, a text decoder, more writes per request) it cost
 * the API about as much CPU again as the HTTP exchange itself. Everything else
 * (settings, documents, tasks) goes through the client library.
 */
export function searchCall(opts: { url: string; key: string; index: string }) {
  const base = new URL(opts.url);
  const lib = base.protocol === 'https:' ? https : http;
  const agent = new lib.Agent({ keepAlive: true, maxSockets: 64 });
  const path = `${base.pathname.replace(/\/$/, '')}/indexes/${encodeURIComponent(opts.index)}/search`;
  return (q: string, params: MeiliSearchParams): Promise<SearchResponse<PageDoc>> =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify({ q, ...params });
      const req = lib.request(
        {
          host: base.hostname,
          port: base.port,
          path,
          method: 'POST',
          agent,
          headers: {
            authorization: `Bearer ${opts.key}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200) {
              reject(new Error(`Meilisearch search failed (${String(res.statusCode)}): ${text.slice(0, 300)}`));
              return;
            }
            try {
              resolve(JSON.parse(text) as SearchResponse<PageDoc>);
            } catch (e) {
              reject(e as Error);
            }
          });
        },
      );
      // A Meilisearch that stops answering fails the search, not the request's whole time.
      req.setTimeout(SEARCH_TIMEOUT_MS, () =>
        req.destroy(new Error(`Meilisearch did not answer within ${SEARCH_TIMEOUT_MS} ms`)),
      );
      req.on('error', reject);
      req.end(body);
    });
}

export function createSearchIndex(opts: { url: string; key: string; index: string }): SearchIndex {
  const client = meiliClient(opts.url, opts.key);
  const index = client.index<PageDoc>(opts.index);
  const searching = searchCall(opts);
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
      const run = (q: string, extra: string[]) => searching(q, searchParams(req, filter, extra));
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
