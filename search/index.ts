/**
 * The search index: a projection of the archive in Meilisearch, one record per
 * page, with `documentId` as the distinct attribute so that a hit names the
 * best page of each document. It can always be rebuilt from the database.
 * Only this file imports `meilisearch`.
 */
import { Meilisearch } from 'meilisearch';
import { normalizeArabic } from './normalize';

export interface PageDoc {
  id: string;
  documentId: string;
  registryNo: string;
  title: string;
  page: number;
  /** The recognised text as read (shown in snippets). */
  text: string;
  /** The same text normalised for matching. */
  textNorm: string;
  titleNorm: string;
  docType: string | null;
  department: string | null;
  classification: string;
  docDate: string | null;
}

export interface SearchHit {
  id: string;
  registryNo: string;
  title: string;
  page: number;
  snippet: string;
}

export interface SearchResult {
  total: number;
  hits: SearchHit[];
}

export interface SearchIndex {
  ensureIndex(): Promise<void>;
  ping(): Promise<boolean>;
  /** Replaces the pages of one document and waits until Meilisearch has applied it. */
  indexDocument(documentId: string, pages: PageDoc[]): Promise<void>;
  search(query: string, opts: { limit: number; offset?: number }): Promise<SearchResult>;
}

export function createSearchIndex(opts: { url: string; key: string; index: string }): SearchIndex {
  const client = new Meilisearch({ host: opts.url, apiKey: opts.key });
  const index = client.index<PageDoc>(opts.index);
  const wait = { timeout: 120_000, interval: 50 };

  return {
    async ensureIndex() {
      await client.createIndex(opts.index, { primaryKey: 'id' }).waitTask(wait);
      const task = await index
        .updateSettings({
          searchableAttributes: ['titleNorm', 'textNorm', 'registryNo'],
          displayedAttributes: ['id', 'documentId', 'registryNo', 'title', 'page', 'text', 'textNorm'],
          distinctAttribute: 'documentId',
          filterableAttributes: ['documentId', 'docType', 'department', 'classification', 'docDate'],
          sortableAttributes: ['docDate'],
        })
        .waitTask(wait);
      if (task.status !== 'succeeded') throw new Error(`Meilisearch settings failed: ${JSON.stringify(task.error)}`);
    },
    async ping() {
      const h = await client.health();
      return h.status === 'available';
    },
    async indexDocument(documentId, pages) {
      const del = await index.deleteDocuments({ filter: `documentId = "${documentId}"` }).waitTask(wait);
      if (del.status !== 'succeeded') throw new Error(`Meilisearch delete failed: ${JSON.stringify(del.error)}`);
      if (pages.length === 0) return;
      const add = await index.addDocuments(pages).waitTask(wait);
      if (add.status !== 'succeeded') throw new Error(`Meilisearch indexing failed: ${JSON.stringify(add.error)}`);
    },
    async search(query, { limit, offset = 0 }) {
      const res = await index.search(normalizeArabic(query), {
        limit,
        offset,
        attributesToCrop: ['textNorm'],
        cropLength: 24,
        attributesToHighlight: ['textNorm'],
        highlightPreTag: '«',
        highlightPostTag: '»',
      });
      return {
        total: res.estimatedTotalHits ?? res.hits.length,
        hits: res.hits.map((h) => ({
          id: h.documentId,
          registryNo: h.registryNo,
          title: h.title,
          page: h.page,
          snippet: String((h._formatted as Partial<PageDoc> | undefined)?.textNorm ?? h.textNorm).slice(0, 400),
        })),
      };
    },
  };
}

export function pageDocId(documentId: string, page: number): string {
  return `${documentId}-${page}`;
}
