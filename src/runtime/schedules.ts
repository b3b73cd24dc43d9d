/**
 * What runs on a timer in a server process: the sweep that re-queues
 * unfinished documents, the rolling fixity cycle, ledger checkpoints, the
 * ledger's deep check, and the ledger segments' export tried again after it
 * failed. Each runs once for
 * the whole cluster, its period counted from the last run any process
 * recorded (storage/schedules.ts), so restarts never put a run off.
 */
import os from 'node:os';
import path from 'node:path';
import { sweepUnfinished } from '../../ingest/intake/sweep';
import { makeCheckpoint, verifyCheckpoints, type SigningKey } from '../../storage/integrity/checkpoints';
import { runFixityCycle } from '../../storage/integrity/fixity';
import { verifyLedger } from '../../storage/integrity/ledger';
import { retryFailedExport } from '../../storage/integrity/ledgerExport';
import { recordRunAtStart, runIfDue } from '../../storage/schedules';
import { extendLocks } from '../../storage/records/lockExtension';
import { syncLegalHolds } from '../../storage/records/holds';
import { acceptDeps, type Core } from './core';

/** This process, as the recorded runs name it. */
const PROCESS = `${os.hostname()}:${process.pid}`;

/** The longest wait between two looks at a schedule's last run. */
const CHECK_MS = 30_000;

/**
 * Runs `job` every `periodMs` across the whole cluster: this process looks at
 * the last run recorded by any process at start and then every
 * min(period, 30 s), and runs the job only when due and not running
 * elsewhere. Failures are recorded and logged, never thrown; none when
 * `periodMs` is 0. A schedule never run before is due at once when
 * `dueAtFirstSight`, else one period after it was first seen.
 */
function clusterSchedule(
  core: Core,
  name: string,
  periodMs: number,
  dueAtFirstSight: boolean,
  job: () => Promise<void>,
): { stop(): Promise<void> } {
  if (periodMs <= 0) return { stop: async () => undefined };
  const checkMs = Math.min(periodMs, CHECK_MS);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const tick = () => {
    running = runIfDue(core.db, name, periodMs / 1000, { dueAtFirstSight, process: PROCESS }, job)
      .then((r) => (r.outcome === 'not-due' ? Math.max(50, Math.min(checkMs, r.dueInSeconds * 1000)) : checkMs))
      .catch((e: unknown) => {
        core.log.warn(`${name} failed`, { error: String(e) });
        return checkMs;
      })
      .then((delay) => {
        if (stopped) return;
        timer = setTimeout(tick, delay);
        timer.unref();
      });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/**
 * A signed ledger checkpoint every DIWAN_CHECKPOINT_HOURS; and, every
 * DIWAN_SWEEP_SECONDS, the ledger's segments exported again while the latest
 * export (by a checkpoint or a document's replication) has failed.
 */
export function startCheckpointSchedule(core: Core, signingKey: SigningKey): { stop(): Promise<void> } {
  const checkpoints = clusterSchedule(core, 'ledger checkpoint', hoursMs(core.config.checkpoints.everyHours), false, async () => {
    const c = await makeCheckpoint(core, signingKey);
    core.log.info('ledger checkpoint', { ledgerSeq: c.body.ledgerSeq, documents: c.body.documents });
  });
  const deep = clusterSchedule(core, 'ledger deep check', core.config.checkpoints.ledgerDeepMinutes * 60_000, true, async () => {
    const r = await verifyLedger(core.db, { deep: true });
    if (r.brokenAt !== null) core.log.error('ledger broken', { brokenAt: r.brokenAt, checked: r.checked });
    else core.log.info('ledger deep check', { entries: r.entries, checked: r.checked });
    const c = await verifyCheckpoints(core.db, signingKey.publicKeyPem, { all: true });
    if (c.badCheckpoint !== null) core.log.error('ledger checkpoint broken', { checkpoint: c.badCheckpoint });
    else core.log.info('ledger checkpoints checked', { checkpoints: c.checkpoints });
  });
  const exports = clusterSchedule(core, 'ledger segment export', core.config.sweepSeconds * 1000, false, async () => {
    if (await retryFailedExport(core.db, [core.primary, core.offsite])) core.log.info('ledger segments exported after a failure');
  });
  return {
    async stop() {
      await checkpoints.stop();
      await deep.stop();
      await exports.stop();
    },
  };
}

/**
 * The schedule's name: one for the whole cluster, or one per set of copies
 * when processes check different ones (an offsite process checking its own).
 * The name stays what the daily sweep's was, so an upgrade keeps its last run.
 */
export function fixityScheduleName(targets: string[] | undefined): string {
  return targets ? `fixity sweep ${[...targets].sort().join(',')}` : 'fixity sweep';
}

/**
 * A run of the rolling fixity cycle every DIWAN_FIXITY_HOURS: the copies
 * checked longest ago, as many as keep every copy within DIWAN_FIXITY_CYCLE_DAYS,
 * paced to DIWAN_FIXITY_MB_PER_SECOND.
 */
export function startFixitySchedule(core: Core): { stop(): Promise<void> } {
  const { everyHours, bytesPerSecond } = core.config.fixity;
  const { cycleDays, concurrency, batchSize, targets } = core.config.fixityCycle;
  return clusterSchedule(core, fixityScheduleName(targets), hoursMs(everyHours), false, async () => {
    const r = await runFixityCycle(core, {
      periodHours: everyHours,
      cycleDays,
      concurrency,
      batchSize,
      targets,
      maxBytesPerSecond: bytesPerSecond,
    });
    const fields = {
      copies: r.copies,
      quota: r.quota,
      late: r.late,
      documents: r.documents,
      objects: r.objects,
      mb: Math.round(r.bytes / 1048576),
      oldestCheckedAt: r.oldestCheckedAt,
      findings: r.findings.length,
      unrepaired: r.unrepaired,
      errors: r.errors.length,
    };
    if (r.findings.length > 0 || r.errors.length > 0) core.log.warn('fixity cycle', fields);
    else core.log.info('fixity cycle', fields);
  });
}

/**
 * The sweep's schedule: one per spool, since a sweep also stores the bytes
 * that wait in this machine's spool; processes sharing a spool share it.
 */
export function sweepScheduleName(core: Core): string {
  return `sweep ${os.hostname()}:${path.resolve(core.config.spoolDir)}`;
}

/**
 * The sweep of unfinished documents: once as the process starts (it claims
 * the spool before any upload is taken), then every `sweepSeconds` counted
 * from the last run on this spool by any process.
 */
export function startSweeper(core: Core): { stop(): Promise<void> } {
  const name = sweepScheduleName(core);
  const sweep = async () => {
    const r = await sweepUnfinished(acceptDeps(core));
    if (r.requeued || r.waiting) core.log.info('sweep', r);
  };
  const startedAt = new Date();
  let periodic: { stop(): Promise<void> } | undefined;
  let stopped = false;
  const first = sweep()
    .then(
      () => null,
      (e: unknown) => {
        core.log.warn('sweep failed', { error: String(e) });
        return String(e);
      },
    )
    .then((error) => recordRunAtStart(core.db, { name, process: PROCESS, startedAt, error }))
    .catch((e: unknown) => core.log.warn('sweep not recorded', { error: String(e) }))
    .then(() => {
      if (!stopped) periodic = clusterSchedule(core, name, core.config.sweepSeconds * 1000, false, sweep);
    });
  return {
    async stop() {
      stopped = true;
      await first;
      await periodic?.stop();
    },
  };
}

function hoursMs(hours: number): number {
  return hours * 3600 * 1000;
}

/**
 * The lock extension every DIWAN_LOCK_EXTEND_HOURS, once for the cluster: locks of permanent records
 * extended before they end, objects locked again where a lock rose (storage/records/lockExtension.ts).
 */
export function startLockExtensionSchedule(core: Core): { stop(): Promise<void> } {
  return clusterSchedule(core, 'lock extension', hoursMs(core.config.records.lockExtendHours), false, async () => {
    const r = await extendLocks({
      db: core.db,
      stores: [core.primary, core.offsite],
      retentionMs: core.config.retentionMs,
      beforeMs: core.config.records.lockExtendBeforeMs,
      dueStepMs: core.config.records.dueLockStepMs,
    });
    const fields = { ...r, errors: r.errors.length };
    if (r.errors.length > 0) core.log.warn('lock extension', { ...fields, first: r.errors[0] });
    else if (r.extended || r.relocked || r.ownFiles) core.log.info('lock extension', fields);
  });
}

/**
 * Legal holds the buckets have not taken yet (a bucket was away when the hold was placed or lifted), every
 * DIWAN_SWEEP_SECONDS, once for the cluster; held documents with a file or copy written since the last
 * runs (a new reading, a late offsite copy) are queued again so their new objects carry the hold too.
 */
export function startHoldSyncSchedule(core: Core): { stop(): Promise<void> } {
  const periodMs = core.config.sweepSeconds * 1000;
  return clusterSchedule(core, 'legal hold sync', periodMs, true, async () => {
    const r = await syncLegalHolds(core.db, core, { recheck: 3 * periodMs });
    if (r.failed > 0) core.log.warn('legal hold sync', r);
    else if (r.done > 0) core.log.info('legal hold sync', r);
  });
}
