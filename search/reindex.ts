/**
 * Rebuilds the search index from PostgreSQL, document by document. The index
 * is a projection: lost or stale, it is rebuilt, never a loss of data. It runs
 * while the server serves: each document's pages are replaced in one step, so
 * a search sees either the old pages or the new ones.
 */
import type { Db } from '../storage/db';
import { readState, writeState } from '../storage/state';
import type { DocumentsRepo } from '../storage/repos/documents';
import type { SearchIndex } from './searchIndex';
import { pageRecords } from './records';

export interface ReindexReport {
  documents: number;
  pages: number;
  ms: number;
}

/**
 * The format of the index's records. Raise it whenever what pageRecords()
 * writes changes, and every installation rebuilds its index once after the
 * upgrade (ensureIndexFormat), in the background, without a command.
 */
export const INDEX_FORMAT = 2;
const INDEX_FORMAT_KEY = 'search_index_format';

/** Rebuilds the index when it was written in an older format; returns the report, or undefined when it was current. */
export async function ensureIndexFormat(deps: {
  db: Db;
  documents: DocumentsRepo;
  search: SearchIndex;
  reviewBelow: number;
}): Promise<ReindexReport | undefined> {
  const current = await readState<number>(deps.db, INDEX_FORMAT_KEY);
  if (current !== undefined && current >= INDEX_FORMAT) return undefined;
  return rebuildIndex(deps);
}

/** Rebuilds the index from the database in the current format, and records that it is current. */
export async function rebuildIndex(
  deps: { db: Db; documents: DocumentsRepo; search: SearchIndex; reviewBelow: number },
  opts: { clear?: boolean } = {},
): Promise<ReindexReport> {
  const report = await reindexAll(deps, opts);
  await writeState(deps.db, INDEX_FORMAT_KEY, INDEX_FORMAT);
  return report;
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
  // Into an empty index, many documents go in one task; otherwise each document's pages are replaced in one step.
  let pending: Awaited<ReturnType<typeof pageRecords>> = [];
  for (const id of await deps.documents.archivedIds()) {
    const doc = await deps.documents.get(id);
    if (!doc) continue;
    const records = pageRecords(doc, await deps.documents.pages(id), deps.reviewBelow);
    if (opts.clear) {
      pending.push(...records);
      if (pending.length >= 2000) {
        await deps.search.addPages(pending);
        pending = [];
      }
    } else {
      await deps.search.indexDocument(id, records);
    }
    documents++;
    pages += records.length;
  }
  await deps.search.addPages(pending);
  return { documents, pages, ms: Date.now() - t0 };
}
