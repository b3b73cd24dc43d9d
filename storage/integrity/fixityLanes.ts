/**
 * The reading engine shared by the cycle and the whole pass: `concurrency`
 * lanes take objects from a queue that `source` fills a page at a time, each
 * object's copies read together (fixityCheck.ts), paced to a share of the
 * disks' bandwidth. There is no barrier between batches: as soon as
 * `batchSize` copies have been read, their state is written in one
 * transaction (fixityState.ts) while the lanes go on reading, and the next
 * page is asked for before the queue runs dry.
 *
 *   source page ──> queue ──> lanes (read, hash, repair; ledger entries as they happen)
 *                                  │ every batchSize copies read
 *                                  v
 *            crash point fixity.before-state#<batch> ──> one transaction: fixity rows, cycle places
 *
 * Killed, a run loses the copies read since the last write and those in
 * flight: their place in the cycle is unchanged, so the next run reads them
 * first. A repair already made is found intact then, so nothing is recorded twice.
 */
import { crashPoint } from '../../kernel/crashPoints';
import type { Db } from '../db';
import type { ObjectStore } from '../objectStore';
import { checkObject, newBatchState, type BatchState, type FixityObject, type FixityReport } from './fixityCheck';
import { writeBatchState } from './fixityState';

/** An object to check, and on which copies. */
export interface Work {
  object: FixityObject;
  targets: ObjectStore[];
}

export interface LaneOptions {
  /** Objects read at once (both copies of each together). */
  concurrency?: number;
  /** Pace (0 or unset: as fast as the disks go). */
  maxBytesPerSecond?: number;
  /** Copies read between two writes of their state. */
  batchSize?: number;
}

function merge(into: BatchState, from: BatchState): void {
  for (const [k, row] of from.rows) into.rows.set(k, row);
  into.read.push(...from.read);
}

/**
 * Checks everything `source` gives (a page at a time; null when there is no more) on `copies`;
 * findings, errors and bytes go to `report`. `onWritten` is told how many copies each written batch held.
 */
export async function checkAll(
  db: Db,
  copies: ObjectStore[],
  source: () => Promise<Work[] | null>,
  report: FixityReport,
  opts: LaneOptions & { onWritten?: (copies: number) => void } = {},
): Promise<void> {
  const startedAt = Date.now();
  const batchSize = opts.batchSize ?? 200;
  const lanes = Math.max(1, opts.concurrency ?? 1);
  const queue: Work[] = [];
  let exhausted = false;
  let sourceError: { e: unknown } | undefined;
  let fetching: Promise<void> | undefined;
  const refill = () =>
    (fetching ??= source()
      .then(
        (page) => {
          if (page === null) exhausted = true;
          else queue.push(...page);
        },
        (e: unknown) => {
          sourceError = { e };
          exhausted = true;
        },
      )
      .finally(() => (fetching = undefined)));
  let failed = false;
  const take = async (): Promise<Work | undefined> => {
    while (queue.length === 0 && !exhausted && !failed) await refill();
    if (queue.length === 0 && sourceError) throw sourceError.e;
    // The next page is asked for while the lanes still have work, so that none waits for it.
    if (queue.length <= lanes && !exhausted) void refill();
    return failed ? undefined : queue.shift();
  };

  let state = newBatchState();
  let batch = 0;
  let writing: Promise<void> = Promise.resolve();
  // Writes are chained, so that batches are written in turn and a failed write stops the run.
  const write = (): void => {
    const done = state;
    const n = ++batch;
    state = newBatchState();
    writing = writing.then(async () => {
      crashPoint(`fixity.before-state#${n}`);
      await writeBatchState(db, done).catch((e: unknown) => {
        failed = true;
        throw e;
      });
      opts.onWritten?.(done.read.length);
    });
    // Awaited at the end; a failure meanwhile stops the lanes (`failed`), not the process.
    writing.catch(() => undefined);
  };
  const pace = async () => {
    if (!opts.maxBytesPerSecond) return;
    const due = (report.bytes / opts.maxBytesPerSecond) * 1000 - (Date.now() - startedAt);
    if (due > 0) await new Promise((r) => setTimeout(r, due));
  };
  const lane = async () => {
    for (let w = await take(); w; w = await take()) {
      await pace();
      report.objects++;
      // Each object gathers its own state, added to the batch once it is whole.
      const mine = newBatchState();
      try {
        await checkObject(db, copies, w.targets, w.object, report, mine);
      } catch (e) {
        const error = String((e as Error)?.message ?? e);
        report.errors.push({
          documentId: w.object.documentId,
          registryNo: w.object.registryNo,
          key: w.object.key,
          target: null,
          error,
        });
      }
      merge(state, mine);
      // The batch is written while this lane reads on.
      if (state.read.length >= batchSize) write();
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  if (state.read.length > 0 || state.rows.size > 0) write();
  await writing;
}
