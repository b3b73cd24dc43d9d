/**
 * Rebuilds the search index from PostgreSQL. The index is a projection: lost
 * or stale, it is rebuilt, never a loss of data. The new index is built beside
 * the live one, which keeps answering searches (and taking newly archived
 * documents) until the new one is swapped in, in one step; documents touched
 * while it was being built are then indexed again in the new one. Documents
 * are read a page at a time, so memory does not grow with the archive.
 */
import type { Db } from '../storage/db';
import { readState, writeState } from '../storage/state';
import { documentStatusCounts } from '../storage/stats';
import { createCorrespondents } from '../storage/repos/correspondents';
import type { DocumentsRepo } from '../storage/repos/documents';
import { normalizeArabic } from './normalize';
import type { PageDoc, SearchIndex } from './searchIndex';
import { pageRecords } from './records';

export interface ReindexReport {
  documents: number;
  pages: number;
  /** Documents changed while the new index was built, indexed again after the swap. */
  caughtUp: number;
  ms: number;
}

/**
 * The format of the index's records. Raise it whenever what pageRecords()
 * writes changes, and every installation rebuilds its index once after the
 * upgrade (ensureIndexFormat), in the background, without a command.
 */
export const INDEX_FORMAT = 3;
const INDEX_FORMAT_KEY = 'search_index_format';

/** Documents read from the database at a time. */
const DOCUMENTS_PER_PAGE = 200;
/** Page records sent to Meilisearch in one task. */
const RECORDS_PER_TASK = 2000;
/** How far before the rebuild's start a change is looked for (a transaction that began earlier commits later). */
const CHANGE_MARGIN_MS = 60_000;

type Deps = { db: Db; documents: DocumentsRepo; search: SearchIndex; reviewBelow: number };

/** Whether the index was written in an older format (and must be rebuilt). */
export async function indexIsStale(db: Db): Promise<boolean> {
  const current = await readState<number>(db, INDEX_FORMAT_KEY);
  return current === undefined || current < INDEX_FORMAT;
}

/**
 * Whether the index must be rebuilt in the current format: it was written in
 * an older one and there is something archived to write (an archive with
 * nothing archived is marked current at once).
 */
export async function indexNeedsRebuild(db: Db): Promise<boolean> {
  if (!(await indexIsStale(db))) return false;
  if ((await documentStatusCounts(db)).get('archived')) return true;
  await writeState(db, INDEX_FORMAT_KEY, INDEX_FORMAT);
  return false;
}

/** Rebuilds the index when it was written in an older format; returns the report, or undefined when it was current. */
export async function ensureIndexFormat(deps: Deps): Promise<ReindexReport | undefined> {
  if (!(await indexIsStale(deps.db))) return undefined;
  return rebuildIndex(deps);
}

/**
 * Rebuilds the index from the database in the current format, beside the live
 * one, swaps it in, and records that it is current. `onProgress` hears the
 * documents done out of those archived when it started.
 */
export async function rebuildIndex(
  deps: Deps,
  opts: { onProgress?: (done: number, total: number) => void | Promise<void> } = {},
): Promise<ReindexReport> {
  const t0 = Date.now();
  const mark = await deps.documents.changeMark();
  const total = (await documentStatusCounts(deps.db)).get('archived') ?? 0;
  const aside = await deps.search.buildAside();
  let documents = 0;
  let pages = 0;
  try {
    let pending: PageDoc[] = [];
    let after: { year: number; seq: number; register: string } | null = null;
    do {
      const page = await deps.documents.archivedIdsPage(after, DOCUMENTS_PER_PAGE);
      for (const id of page.ids) {
        const records = await recordsOf(deps, id);
        if (!records) continue;
        pending.push(...records);
        documents++;
        pages += records.length;
        if (pending.length >= RECORDS_PER_TASK) {
          await aside.addPages(pending);
          pending = [];
        }
      }
      await opts.onProgress?.(documents, Math.max(total, documents));
      after = page.next;
    } while (after);
    await aside.addPages(pending);
    await aside.swapIn();
  } catch (e) {
    await aside.discard().catch(() => undefined);
    throw e;
  }
  // What changed while the new index was built went into the old one: it goes into the new one now.
  const touched = await deps.documents.archivedTouchedSince(mark.seq, new Date(mark.at.getTime() - CHANGE_MARGIN_MS));
  for (const id of touched) await reindexDocument(deps, id);
  await writeState(deps.db, INDEX_FORMAT_KEY, INDEX_FORMAT);
  return { documents, pages, caughtUp: touched.length, ms: Date.now() - t0 };
}

/** A document's page records, from the database; undefined when it is gone. */
async function recordsOf(deps: Deps, id: string): Promise<PageDoc[] | undefined> {
  const doc = await deps.documents.get(id);
  if (!doc) return undefined;
  return pageRecords(doc, await deps.documents.pages(id), deps.reviewBelow);
}

/**
 * Indexes one document again from the database, after its record, its links,
 * its referrals or its text changed. A document not archived yet is left to its
 * pipeline's index stage, which reads the record as it then is.
 */
export async function reindexDocument(deps: Pick<Deps, 'documents' | 'search' | 'reviewBelow'>, id: string): Promise<void> {
  const doc = await deps.documents.get(id);
  if (!doc || doc.status !== 'archived') return;
  await deps.search.indexDocument(id, pageRecords(doc, await deps.documents.pages(id), deps.reviewBelow));
}

/** Letters read a page at a time when a correspondent's letters are indexed again. */
const LETTERS_PER_PAGE = 200;

/**
 * Indexes again every archived letter of a correspondent, a page at a time
 * (its names changed, and search finds letters by them). A job: a
 * correspondent of a busy ministry has tens of thousands of letters.
 */
export async function reindexLetters(
  deps: Pick<Deps, 'db' | 'documents' | 'search' | 'reviewBelow'>,
  correspondentId: string,
  onProgress?: (done: number, total: number | null) => void,
): Promise<{ documents: number }> {
  const repo = createCorrespondents(deps.db, normalizeArabic);
  let after: string | null = null;
  let documents = 0;
  for (;;) {
    const ids = await repo.archivedLetterIds(correspondentId, after, LETTERS_PER_PAGE);
    for (const id of ids) await reindexDocument(deps, id);
    documents += ids.length;
    onProgress?.(documents, ids.length < LETTERS_PER_PAGE ? documents : null);
    if (ids.length < LETTERS_PER_PAGE) return { documents };
    after = ids.at(-1)!;
  }
}
