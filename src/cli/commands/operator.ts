/**
 * Commands an IT operator runs on the archive's own machine, in this process
 * rather than through the API: `serve`, `worker`, `doctor` and `restore`.
 */
import { createLogger } from '../../../kernel/log';
import { rebuildIndex } from '../../../search/reindex';
import { restoreArchive, RestoreRefused } from '../../../storage/restore/restore';
import type { RestoreReport } from '../../../storage/restore/report';
import type { Config } from '../../config';
import { runDoctor } from '../../runtime/doctor';
import { startCore } from '../../runtime/core';
import { startFixitySchedule, startSweeper } from '../../runtime/schedules';
import { startServer } from '../../runtime/server';
import { startJobRunner } from '../../runtime/jobs';
import { serveMetrics, startWorkers } from '../../runtime/workers';
import { startIntakeServices } from '../../runtime/intakeServices';
import { UsageError, type CommandInput } from '../input';
import { countManifests } from '../manifestCount';
import { progressBar, quietOf } from '../progress';
import { json } from '../output';

function onSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (sig: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${sig}: stopping…\n`);
    // In-flight jobs get their time (the queue waits up to 20 s for them, then hands them back), but not forever.
    setTimeout(() => {
      process.stderr.write('shutdown took longer than 60 s: exiting; unfinished jobs are picked up again\n');
      process.exit(1);
    }, 60_000).unref();
    stop()
      .then(() => process.exit(0))
      .catch((e: unknown) => {
        process.stderr.write(`shutdown failed: ${String(e)}\n`);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => handler('SIGINT'));
  process.on('SIGTERM', () => handler('SIGTERM'));
}

export async function serve(config: Config): Promise<number> {
  const t0 = Date.now();
  const server = await startServer(config, {
    onAdminToken: (token) => {
      process.stdout.write(
        `\nرمز المدير (يُعرض مرة واحدة) / Admin token (shown once, kept in ${config.dataDir}/admin-token):\n  ${token}\n\n`,
      );
    },
    onFirstAdmin: (username, password) => {
      process.stdout.write(
        `\nمدير العارض (تُعرض كلمة المرور مرة واحدة) / Viewer administrator (password shown once): ${username} / ${password}\n\n`,
      );
    },
  });
  onSignals(() => server.stop());
  process.stdout.write(
    `Diwan is serving at ${server.url} (ready in ${((Date.now() - t0) / 1000).toFixed(1)} s; data in ${config.dataDir})\n`,
  );
  return new Promise<number>(() => undefined);
}

export async function worker(config: Config): Promise<number> {
  const core = await startCore(config);
  const workers = await startWorkers(core);
  const sweeper = startSweeper(core);
  const jobs = startJobRunner(core);
  const intake = await startIntakeServices(core);
  // A worker placed at a copy's site, set to check only that copy (DIWAN_FIXITY_TARGETS), runs that copy's fixity cycle.
  const fixity = config.fixityCycle.targets ? startFixitySchedule(core) : undefined;
  const metrics = config.metricsPort ? await serveMetrics(core, config.metricsPort) : undefined;
  // Stop taking jobs and let the running ones finish (or hand them back), then close connections.
  onSignals(async () => {
    await metrics?.stop();
    await intake.stop();
    await sweeper.stop();
    await fixity?.stop();
    await jobs.stop();
    await core.stop();
    await workers.stop();
  });
  process.stdout.write(`Diwan worker is running${config.metricsPort ? ` (metrics on :${config.metricsPort})` : ''}\n`);
  return new Promise<number>(() => undefined);
}

export async function doctor(config: Config, args: CommandInput): Promise<number> {
  const checks = await runDoctor(config);
  if (args.flags.has('json')) json(checks);
  else {
    const mark = { ok: '✓', warn: '!', fail: '✗' } as const;
    for (const c of checks) {
      process.stdout.write(`${mark[c.state]} ${c.name}: ${c.detail}\n${c.fix ? `    → ${c.fix}\n` : ''}`);
    }
  }
  return checks.some((c) => c.state === 'fail') ? 1 : 0;
}

/** Rebuilds the archive from one bucket, in this process (no server needs to run). */
export async function restore(config: Config, args: CommandInput): Promise<number> {
  const from = args.options.get('from') ?? 'offsite';
  if (from !== 'offsite' && from !== 'primary') throw new UsageError('restore --from takes offsite or primary');
  const core = await startCore(config, createLogger(args.flags.has('json') ? 'silent' : config.log));
  try {
    const [source, other] = from === 'offsite' ? [core.offsite, core.primary] : [core.primary, core.offsite];
    const quiet = quietOf(args);
    const documentsBar = progressBar('الاستعادة / restore', { quiet });
    const counted = quiet ? undefined : countManifests(source);
    let report: RestoreReport;
    try {
      report = await restoreArchive({
        db: core.db,
        source,
        other,
        offsiteName: core.offsite.name,
        onProgress: (done, total) => documentsBar.update(done, total ?? counted?.total ?? null),
      });
    } finally {
      await counted?.stop();
      documentsBar.end();
    }
    const indexBar = progressBar('الفهرسة / search index', { quiet });
    const index = await rebuildIndex({ ...core, reviewBelow: core.config.ocr.reviewBelow }, { onProgress: indexBar.update });
    indexBar.end();
    const ok = report.documents.failed === 0 && report.keptStacks.failed === 0 && report.ledger.brokenAt === null;
    if (args.flags.has('json')) json({ ...report, index, ok });
    else {
      process.stdout.write(
        [
          `استُعيد الأرشيف من ${from} / restored from ${from} in ${(report.ms / 1000).toFixed(1)} s`,
          `الوثائق / documents: ${report.documents.restored} restored, ${report.documents.alreadyPresent} already present, ${report.documents.failed} failed (of ${report.documents.found})`,
          `الملفات / objects: ${report.objects.verified} verified (${(report.objects.bytes / 1048576).toFixed(1)} MB), ${report.objects.copiedToOther} copied to ${other.name}, ${report.objects.repairedInSource} repaired in ${source.name}`,
          `السجل / ledger: ${report.ledger.entries} entries, ${report.ledger.brokenAt === null ? 'chain intact' : `BROKEN at ${report.ledger.brokenAt}`}; ${report.checkpoints} checkpoints`,
          `أرقام القيد / registry: ${report.registry.map((r) => `${r.register} ${r.year}: ${r.lastSeq}`).join(', ') || 'none'}`,
          `عمل الديوان / registry work: ${report.registryWork.replayed} changes replayed from the ledger${report.registryWork.skipped ? `, ${report.registryWork.skipped} skipped (their document is missing)` : ''}`,
          `الرزم المحفوظة / kept stacks: ${report.keptStacks.restored} restored${report.keptStacks.failed ? `, ${report.keptStacks.failed} failed (their file is in neither bucket)` : ''}`,
          `الفهرس / index: ${index.pages} pages of ${index.documents} documents`,
          ...report.problems.map((p) => `  ! ${p}`),
        ].join('\n') + '\n',
      );
    }
    return ok ? 0 : 1;
  } catch (e) {
    if (e instanceof RestoreRefused) {
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    throw e;
  } finally {
    await core.stop();
  }
}
