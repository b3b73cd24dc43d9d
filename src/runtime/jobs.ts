/**
 * Runs long work (storage/jobs.ts) in this process: every server and worker
 * process looks for a waiting job now and then, takes one at a time, and
 * writes its progress (which is also its heartbeat) as it goes. What each kind
 * of job does is in `jobHandlers`: a fixity sweep, a rebuild of the search
 * index, the checkpoints' range built when much is missing from it, a
 * correspondent's letters indexed again after its names changed, an approved
 * disposal carried out.
 */
import os from 'node:os';
import { rebuildIndex, reindexLetters } from '../../search/reindex';
import { ledgerHead } from '../../storage/integrity/exportRows';
import { sweepFixity } from '../../storage/integrity/fixity';
import { appendArchived } from '../../storage/integrity/mmrStore';
import { crashPoint } from '../../kernel/crashPoints';
import { recomputeForRule } from '../../storage/records/retention';
import { extendLocks } from '../../storage/records/lockExtension';
import { executeDisposal } from '../records/dispose';
import { failJob, finishJob, releaseJob, reportProgress, takeJob } from '../../storage/jobs';
import type { Core } from './core';

/** The kinds of long work, and their parameters. */
export const JOB_KINDS = [
  'fixity',
  'reindex',
  'checkpoint-range',
  'reindex-letters',
  'retention-recompute',
  'lock-extension',
  'disposal-execute',
] as const;
export type JobKind = (typeof JOB_KINDS)[number];

type Progress = (done: number, total: number | null) => void;
/** `by`: who asked for the job (the name the ledger records for what it does). */
type Handler = (core: Core, params: Record<string, unknown>, progress: Progress, by: string) => Promise<unknown>;

export const jobHandlers: Record<JobKind, Handler> = {
  fixity: (core, params, progress) =>
    sweepFixity(core, {
      documentIds: typeof params.documentId === 'string' ? [params.documentId] : undefined,
      onProgress: progress,
    }),
  reindex: (core, _params, progress) =>
    rebuildIndex({ ...core, reviewBelow: core.config.ocr.reviewBelow }, { onProgress: progress }),
  // The checkpoints' range built up to the ledger's head, so that signing the next one adds little.
  'checkpoint-range': async (core, _params, progress) => ({
    leaves: await appendArchived(core.db, await ledgerHead(core.db), progress),
  }),
  // A correspondent's letters indexed again under its new names.
  'reindex-letters': (core, params, progress) =>
    reindexLetters({ ...core, reviewBelow: core.config.ocr.reviewBelow }, String(params.correspondentId), progress),
  // The due dates of the documents a retention rule touches, after it was made, changed or retired.
  'retention-recompute': async (core, params, progress) => ({
    documents: await recomputeForRule(core.db, String(params.code), (done) => progress(done, null)),
  }),
  // Locks of records kept permanently extended before they end, and objects locked again where a lock rose.
  'lock-extension': (core, _params, progress) =>
    extendLocks(
      {
        db: core.db,
        stores: [core.primary, core.offsite],
        retentionMs: core.config.retentionMs,
        beforeMs: core.config.records.lockExtendBeforeMs,
        dueStepMs: core.config.records.dueLockStepMs,
      },
      (done) => progress(done, null),
    ),
  // An approved disposal carried out, document by document.
  'disposal-execute': (core, params, progress, by) => executeDisposal(core, String(params.disposalId), by, progress),
};

/** How often an idle process looks for work. */
const LOOK_MS = 1000;
/** The least time between two progress writes (the heartbeat is written at least this often too). */
const PROGRESS_MS = 1000;
/** The heartbeat, well inside the time after which a job is taken as stopped. */
const heartbeatMs = (core: Core) => Math.min(10_000, (core.config.jobs.staleSeconds * 1000) / 3);

const OWNER = `${os.hostname()}:${process.pid}`;

/**
 * Starts looking for jobs. `stop` takes no more, and gives the job in hand
 * back for another process to take at once (a rebuild may run for hours: a
 * stopping process does not wait for it).
 */
export function startJobRunner(core: Core, opts: { lookMs?: number } = {}): { stop(): Promise<void> } {
  if (!core.config.jobs.run) return { stop: async () => undefined };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const hand: { job?: string } = {};
  const look = () => {
    running = runOne(core, hand)
      .catch((e: unknown) => core.log.warn('job runner', { error: String(e) }))
      .then((ran) => {
        if (stopped) return;
        timer = setTimeout(look, ran ? 0 : (opts.lookMs ?? LOOK_MS));
        timer.unref();
      });
  };
  look();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      if (hand.job) await releaseJob(core.db, hand.job, OWNER).catch(() => undefined);
      else await running;
    },
  };
}

/** Takes and runs one job; true when there was one. */
async function runOne(core: Core, hand: { job?: string }): Promise<boolean> {
  const job = await takeJob(core.db, OWNER, [...JOB_KINDS], core.config.jobs.staleSeconds);
  if (!job) return false;
  hand.job = job.id;
  crashPoint('job.taken');
  const handler = jobHandlers[job.kind as JobKind];
  core.log.info('job started', { job: job.id, kind: job.kind, attempt: job.attempts });
  let last = { done: job.done, total: job.total };
  let written = 0;
  let writing: Promise<unknown> = Promise.resolve();
  const write = () => {
    written = Date.now();
    writing = writing.then(() => reportProgress(core.db, job.id, OWNER, last.done, last.total)).catch(() => undefined);
  };
  const heartbeat = setInterval(write, heartbeatMs(core));
  heartbeat.unref();
  // Before the job's end is written: no heartbeat or progress write may land after it.
  const stopBeating = async () => {
    clearInterval(heartbeat);
    await writing;
  };
  try {
    const result = await handler(
      core,
      job.params,
      (done, total) => {
        last = { done, total };
        if (Date.now() - written >= PROGRESS_MS) write();
      },
      job.requestedBy ?? 'system',
    );
    await stopBeating();
    await reportProgress(core.db, job.id, OWNER, last.done, last.total);
    await finishJob(core.db, job.id, OWNER, result);
    core.log.info('job done', { job: job.id, kind: job.kind });
  } catch (e) {
    await stopBeating();
    await failJob(core.db, job.id, OWNER, String((e as Error)?.message ?? e));
    core.log.warn('job failed', { job: job.id, kind: job.kind, error: String(e) });
  } finally {
    hand.job = undefined;
  }
  return true;
}
