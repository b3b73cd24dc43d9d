/**
 * Fixity: every stored object of every archived document is read back from
 * both copies (primary and offsite) and hashed, and compared with the SHA-256
 * recorded when it was stored (fixityCheck.ts: repairs from the other copy,
 * COMPLIANCE retention set where missing, each problem and repair a ledger
 * entry). The latest state of every copy is kept in the `fixity` table (for
 * /readyz and the audit report), written batch by batch (fixityState.ts).
 *
 * Two ways to run it: the scheduled rolling cycle (fixityCycle.ts), each run
 * checking the copies checked longest ago; and `sweepFixity` here, a whole pass
 * over every archived document (or the ones given) on demand, in registry
 * order, a page of documents at a time (fixityLanes.ts), with its progress. A whole pass also
 * moves the copies it reads to the end of the cycle. A copy that cannot be
 * read, or a repair that fails, is reported and the sweep goes on.
 */
import type { Db } from '../db';
import type { ObjectStore } from '../objectStore';
import { documentStatusCounts } from '../stats';
import { appendLedger } from './ledger';
import { newReport, type FixityObject, type FixityReport } from './fixityCheck';
import { checkAll, type Work } from './fixityLanes';
import { archivedPage, checkFirst, objectsOf, upsertFixityRows } from './fixityState';

export type { FixityError, FixityFinding, FixityReport, FixityState } from './fixityCheck';
export { runFixityCycle, type FixityCycleOptions, type FixityCycleReport } from './fixityCycle';

type SweepDeps = { db: Db; primary: ObjectStore; offsite: ObjectStore };

/** Documents per page of a whole pass. */
const PAGE = 50;

/** One sweep over every archived document (or the ones given), both copies. */
export async function sweepFixity(
  deps: SweepDeps,
  opts: {
    documentIds?: string[];
    /** Pace (0 or unset: as fast as the disks go). */
    maxBytesPerSecond?: number;
    /** Objects read at once (both copies of each together). */
    concurrency?: number;
    /** Called as the pass goes: documents done, of how many. */
    onProgress?: (done: number, total: number) => void;
  } = {},
): Promise<FixityReport> {
  const startedAt = Date.now();
  const report = newReport();
  const copies = [deps.primary, deps.offsite];
  const toWork = (objects: FixityObject[]): Work[] => objects.map((object) => ({ object, targets: copies }));
  let source: () => Promise<Work[] | null>;
  let total: number;
  if (opts.documentIds) {
    const ids = [...new Set(opts.documentIds)];
    total = ids.length;
    let i = 0;
    source = async () => {
      if (i >= ids.length) return null;
      const objects = await objectsOf(deps.db, ids.slice(i, (i += PAGE)));
      report.documents += new Set(objects.map((o) => o.documentId)).size;
      return toWork(objects);
    };
  } else {
    total = (await documentStatusCounts(deps.db)).get('archived') ?? 0;
    let after: { year: number; seq: number } | null = null;
    let ended = false;
    source = async () => {
      if (ended) return null;
      const page = await archivedPage(deps.db, after, PAGE);
      after = page.next;
      ended = after === null;
      report.documents += page.documents;
      return toWork(page.objects);
    };
  }
  // Progress in documents handed to the readers (a page ahead at most).
  await checkAll(deps.db, copies, source, report, {
    concurrency: opts.concurrency ?? 4,
    maxBytesPerSecond: opts.maxBytesPerSecond,
    onWritten: () => opts.onProgress?.(report.documents, Math.max(total, report.documents)),
  });
  opts.onProgress?.(report.documents, Math.max(total, report.documents));
  report.ms = Date.now() - startedAt;
  return report;
}

/**
 * A damaged or missing copy found outside a sweep (a download that hashed it first):
 * a ledger entry and the object's fixity state, and the copy put first in the
 * cycle, for the next run to repair.
 */
export async function recordFixityProblem(
  db: Db,
  p: { documentId: string; target: string; key: string; expected: string; found: string | null; during: string },
): Promise<void> {
  const state = p.found === null ? 'missing' : 'mismatch';
  await appendLedger(db, 'fixity-problem', p.documentId, {
    key: p.key,
    target: p.target,
    expected: p.expected,
    found: p.found,
    state,
    during: p.during,
  });
  await upsertFixityRows(db, [
    {
      documentId: p.documentId,
      target: p.target,
      key: p.key,
      expected: p.expected,
      found: p.found,
      state,
      at: new Date().toISOString(),
    },
  ]);
  await checkFirst(db, p);
}

/** Objects whose latest check found them damaged and not repaired. */
export async function openFixityProblems(db: Db): Promise<number> {
  const res = await db.query<{ n: string }>(`SELECT count(*) AS n FROM fixity WHERE state IN ('mismatch', 'missing')`);
  return Number(res.rows[0]?.n ?? 0);
}
