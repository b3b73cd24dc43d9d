/**
 * Fixity as a rolling cycle: each scheduled run checks the copies checked
 * longest ago (never-checked first), as many as keep every copy within the
 * cycle (DIWAN_FIXITY_CYCLE_DAYS): its share, total × period ÷ cycle, or more
 * when some are already late. The copies come a page at a time from the
 * cycle's index (fixityState.ts), each page after the last one's place (a
 * keyset), and are read by the lanes of fixityLanes.ts, which write their
 * results batch by batch; a killed run loses one batch and what was in flight,
 * and the next run reads those first.
 */
import type { Db } from '../db';
import type { ObjectStore } from '../objectStore';
import { archivedFileCounts } from '../stats';
import { newReport, type FixityReport } from './fixityCheck';
import { checkAll, type LaneOptions, type Work } from './fixityLanes';
import { lateCopies, oldestCheck, oldestCopies, type CycleCursor } from './fixityState';

export interface FixityCycleDeps {
  db: Db;
  primary: ObjectStore;
  offsite: ObjectStore;
}

export interface FixityCycleOptions extends LaneOptions {
  /** Hours between scheduled runs. */
  periodHours: number;
  /** Days within which every copy is checked. */
  cycleDays: number;
  /** Which copies to check (names; unset: all). */
  targets?: string[];
  /** Checks exactly this many copies (instead of the share the period and cycle give). */
  limit?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface FixityCycleReport extends FixityReport {
  /** Copies this run was to check, and how many it read through. */
  quota: number;
  copies: number;
  /** Copies already past the cycle when the run began. */
  late: number;
  /** The least recent check left after the run (null: a copy never checked remains). */
  oldestCheckedAt: string | null;
}

/** One scheduled run of the cycle. */
export async function runFixityCycle(deps: FixityCycleDeps, opts: FixityCycleOptions): Promise<FixityCycleReport> {
  const startedAt = Date.now();
  const begun = new Date(startedAt);
  const copies = [deps.primary, deps.offsite];
  const stores = opts.targets ? copies.filter((c) => opts.targets!.includes(c.name)) : copies;
  const names = stores.map((s) => s.name);
  const cycleMs = opts.cycleDays * 24 * 3600_000;
  const late = await lateCopies(deps.db, names, new Date(startedAt - cycleMs));
  let quota = opts.limit;
  if (quota === undefined) {
    const total = (await archivedFileCounts(deps.db)).files * names.length;
    quota = Math.max(Math.ceil((total * opts.periodHours) / (opts.cycleDays * 24)), late);
  }
  const report: FixityCycleReport = { ...newReport(), quota, copies: 0, late, oldestCheckedAt: null };
  const batchSize = opts.batchSize ?? 200;
  let cursor: CycleCursor | null = null;
  let ended = false;
  // Pages of the oldest copies, until the run's share is taken; the copies of one object in a page are read together.
  const source = async (): Promise<Work[] | null> => {
    if (ended || report.copies >= quota) return null;
    const page = await oldestCopies(deps.db, names, begun, cursor, Math.min(batchSize, quota - report.copies));
    cursor = page.next;
    ended = cursor === null;
    report.copies += page.due.length;
    report.documents += new Set(page.due.map((d) => d.object.documentId)).size;
    const work = new Map<string, Work>();
    for (const d of page.due) {
      const id = `${d.object.documentId}\n${d.object.key}`;
      const w = work.get(id) ?? { object: d.object, targets: [] };
      w.targets.push(stores.find((s) => s.name === d.target)!);
      work.set(id, w);
    }
    return [...work.values()];
  };
  let written = 0;
  await checkAll(deps.db, copies, source, report, {
    ...opts,
    batchSize,
    onWritten: (n) => opts.onProgress?.((written += n), quota),
  });
  const oldest = await oldestCheck(deps.db, names);
  report.oldestCheckedAt = oldest === undefined ? begun.toISOString() : oldest && oldest.toISOString();
  report.ms = Date.now() - startedAt;
  return report;
}
