/**
 * Rebuilds the search index from PostgreSQL, document by document. The index
 * is a projection: lost or stale, it is rebuilt, never a loss of data. It runs
 * while the server serves: each document's pages are replaced in one step, so
 * a search sees either the old pages or the new ones.
 */
import type { DocumentsRepo } from '../storage/documents';
import type { SearchIndex } from './index';
import { pageRecords } from './records';

export interface ReindexReport {
  documents: number;
  pages: number;
  ms: number;
}

export async function reindexAll(
  deps: { documents: DocumentsRepo; search: SearchIndex; reviewBelow: number },
  opts: { clear?: boolean } = {},
): Promise<ReindexReport> {
  const t0 = Date.now();
  await deps.search.ensureIndex();
  if (opts.clear) await deps.search.clear();
  let documents = 0;
  let pages = 0;
  for (const id of await deps.documents.archivedIds()) {
    const doc = await deps.documents.get(id);
    if (!doc) continue;
    const records = pageRecords(doc, await deps.documents.pages(id), deps.reviewBelow);
    await deps.search.indexDocument(id, records);
    documents++;
    pages += records.length;
  }
  return { documents, pages, ms: Date.now() - t0 };
}
