/**
 * What runs on a timer in a server process: the sweep that re-queues
 * unfinished documents, scheduled fixity sweeps, ledger checkpoints, and the
 * ledger segments' export tried again after it failed.
 */
import { sweepUnfinished } from '../../ingest/intake/accept';
import { makeCheckpoint, type SigningKey } from '../../storage/integrity/checkpoints';
import { sweepFixity } from '../../storage/integrity/fixity';
import { retryFailedExport } from '../../storage/integrity/ledgerExport';
import { acceptDeps, type Core } from './core';

/**
 * Runs `job` every `hours` (the first time one interval after start), one run
 * at a time, its failures logged and never thrown; none when `hours` is 0.
 */
function every(core: Core, hours: number, name: string, job: () => Promise<void>): { stop(): Promise<void> } {
  return everyMs(core, hours * 3600 * 1000, name, job);
}

function everyMs(core: Core, ms: number, name: string, job: () => Promise<void>): { stop(): Promise<void> } {
  if (ms <= 0) return { stop: async () => undefined };
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() => job().catch((e: unknown) => core.log.warn(`${name} failed`, { error: String(e) })));
  }, ms);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
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
  const checkpoints = every(core, core.config.checkpoints.everyHours, 'ledger checkpoint', async () => {
    const c = await makeCheckpoint(core, signingKey);
    core.log.info('ledger checkpoint', { ledgerSeq: c.body.ledgerSeq, documents: c.body.documents });
  });
  const exports = everyMs(core, core.config.sweepSeconds * 1000, 'ledger segment export', async () => {
    if (await retryFailedExport(core.db, [core.primary, core.offsite])) core.log.info('ledger segments exported after a failure');
  });
  return {
    async stop() {
      await checkpoints.stop();
      await exports.stop();
    },
  };
}

/** A paced fixity sweep every DIWAN_FIXITY_HOURS. */
export function startFixitySchedule(core: Core): { stop(): Promise<void> } {
  const { everyHours, bytesPerSecond } = core.config.fixity;
  return every(core, everyHours, 'fixity sweep', async () => {
    const r = await sweepFixity(core, { maxBytesPerSecond: bytesPerSecond });
    const fields = {
      documents: r.documents,
      objects: r.objects,
      findings: r.findings.length,
      unrepaired: r.unrepaired,
      errors: r.errors.length,
    };
    if (r.findings.length > 0 || r.errors.length > 0) core.log.warn('fixity sweep', fields);
    else core.log.info('fixity sweep', fields);
  });
}

/** Runs the sweep now and then every `sweepSeconds`, one run at a time. */
export function startSweeper(core: Core): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const tick = () => {
    running = sweepUnfinished(acceptDeps(core))
      .then((r) => {
        if (r.requeued || r.waiting) core.log.info('sweep', r);
      })
      .catch((e: unknown) => core.log.warn('sweep failed', { error: String(e) }))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, core.config.sweepSeconds * 1000);
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
