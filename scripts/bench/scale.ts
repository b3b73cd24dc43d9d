/**
 * Benchmark: do the probes and the everyday API stay as fast, and the long paths as small in
 * memory, when the archive grows?
 *
 * - Starts the embedded services and a Diwan server on them (in this process).
 * - Seeds the database with SQL alone (generate_series, no OCR, no objects): archived
 *   documents, each with its original and its archive PDF, both replicated offsite and
 *   checked by fixity on both copies, and a chained ledger of 3 entries per document
 *   (registered, archived, replicated; hashed here, inserted many to a statement) counted
 *   as exported; 10k, then 100k, then 1M (`--sizes 10000,100000,1000000`).
 * - At each size times /readyz, /metrics, the document list API, the audit report API,
 *   verify-ledger of 100 new entries (`diwan audit verify-ledger`: /audit/ledger) and a
 *   checkpoint of 100 new entries (POST /audit/checkpoint), median of 7 each with its range (the probes
 *   1.1 s apart, past their shared answer; one checkpoint and one full verification first,
 *   untimed here, the full one's time printed), and the streamed audit export
 *   (/audit/export?format=ndjson, read and dropped by a client in this process): its time,
 *   its size, and the growth of this process's V8 heap and RSS while it runs (sampled every
 *   50 ms). A table gives each figure's ratio to the smallest size's.
 * - Restore's memory at two sizes (`--restore-sizes 1000,5000`; 0 to skip): documents with
 *   small objects (five each) seeded into a bucket of their own, restored by
 *   scripts/bench/restore.ts's restoring process, its peak RSS and V8 heap.
 *
 *   The export is run up to --export-max documents (100k): it looks up each document's clearance
 *   one query at a time, which at 1M takes far longer than the rest of the step.
 *
 * Usage: npm run bench:scale [-- --sizes 10000,100000,1000000 --restore-sizes 1000,5000 --export-max 100000 --repeat 7]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { createLogger } from '../../kernel/log';
import { loadConfig } from '../../src/config';
import { startServer } from '../../src/runtime/server';
import { startEmbeddedServices } from '../../src/runtime/services/embedded';
import { createDb, migrate, type Db } from '../../storage/db';
import { appendLedger } from '../../storage/integrity/ledger';
import { createObjectStore } from '../../storage/objectStore';
import { runRestoreChild, seedOffsite, type ChildResult, type SeedSizes } from './restore';
import { seedArchive, seedIdOf, seedLedger } from './scaleSeed';
import { growthTargets, numberArg } from './stats';

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (m: string) => process.stderr.write(`${m}\n`);
const mib = (b: number) => b / 1048576;
/** How long the first checkpoint after seeding is given. */
const CHECKPOINT_WAIT = 240_000;

/** A list of numbers given as `--name 1,2,3`, or `dflt`. */
function listArg(name: string, dflt: number[]): number[] {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0
    ? process.argv[i + 1]!.split(',')
        .map(Number)
        .filter((n) => n > 0)
    : dflt;
}

/** Peak growth of this process's V8 heap and RSS over their values at the start, while `fn` runs (sampled every 50 ms). */
async function memoryDuring<T>(fn: () => Promise<T>): Promise<{ result: T; heap: number; rss: number; ms: number }> {
  global.gc?.();
  const heap0 = v8.getHeapStatistics().used_heap_size;
  const rss0 = process.memoryUsage.rss();
  let heap = 0;
  let rss = 0;
  const sample = () => {
    heap = Math.max(heap, v8.getHeapStatistics().used_heap_size - heap0);
    rss = Math.max(rss, process.memoryUsage.rss() - rss0);
  };
  const timer = setInterval(sample, 50);
  const t0 = performance.now();
  try {
    const result = await fn();
    sample();
    return { result, heap, rss, ms: performance.now() - t0 };
  } finally {
    clearInterval(timer);
  }
}

/** Small documents for restore's memory: five objects each, about 9 KB. */
const SMALL: SeedSizes = { original: 4000, archivePdf: 4000, pageImage: 500, pages: 1 };

/** Restore's peak memory for each of `sizes` documents (a bucket and a source database of their own). */
async function restoreMemory(c: ReturnType<typeof loadConfig>, owner: string, sizes: number[]): Promise<string[]> {
  if (sizes.length === 0) return [];
  const admin = createDb(owner.replace(/\/diwan$/, '/postgres'), 1);
  const source = `${owner.replace(/\/diwan$/, '')}/restore_source`;
  await admin.query('CREATE DATABASE restore_source');
  const db: Db = createDb(source, 4);
  const results: Array<{ size: number; r: ChildResult }> = [];
  try {
    await migrate(db);
    const offsite = createObjectStore(
      'offsite',
      { ...c.offsite!, bucket: 'restore-source' },
      { ms: 60_000, applies: () => true },
    );
    await offsite.ensureBucket();
    let seeded = 0;
    for (const size of sizes) {
      log(`restore memory: seeding to ${size} documents…`);
      await seedOffsite(db, offsite, { from: seeded + 1, to: size }, SMALL);
      seeded = size;
      const name = `restore_${size}`;
      await admin.query(`CREATE DATABASE ${name}`);
      const target = createDb(`${owner.replace(/\/diwan$/, '')}/${name}`, 2);
      await migrate(target);
      await target.end();
      const bucket = { ...c.s3!, bucket: `restore-${size}` };
      await createObjectStore('primary', bucket).ensureBucket();
      log(`restore memory: restoring ${size} documents…`);
      const r = await runRestoreChild({
        database: `${owner.replace(/\/diwan$/, '')}/${name}`,
        concurrency: 8,
        source: { ...c.offsite!, bucket: 'restore-source' },
        other: bucket,
      });
      if (r.report.documents.restored !== size)
        throw new Error(`restore of ${size} was not whole: ${JSON.stringify(r.report.documents)}`);
      results.push({ size, r });
    }
  } finally {
    await db.end();
    await admin.end();
  }
  const base = results[0]!.r;
  return [
    `Restore's memory (its own process; small objects, five a document; peak RSS from getrusage, V8 heap sampled every 100 ms)`,
    `${'documents'.padEnd(12)}${'objects'.padStart(10)}${'seconds'.padStart(10)}${'peak RSS MB'.padStart(14)}${'ratio'.padStart(8)}${'peak heap MB'.padStart(14)}${'ratio'.padStart(8)}`,
    ...results.map(
      ({ size, r }) =>
        `${String(size).padEnd(12)}${String(r.report.objects.verified).padStart(10)}${(r.report.ms / 1000).toFixed(0).padStart(10)}${mib(r.peakRss).toFixed(0).padStart(14)}${`${(r.peakRss / base.peakRss).toFixed(2)}×`.padStart(8)}${mib(r.peakHeap).toFixed(0).padStart(14)}${`${(r.peakHeap / base.peakHeap).toFixed(2)}×`.padStart(8)}`,
    ),
  ];
}

async function main(): Promise<void> {
  const sizes = listArg('sizes', [10_000, 100_000, 1_000_000]);
  const restoreSizes = listArg('restore-sizes', [1000, 5000]);
  // The export reads every document's clearance row by row (src/http/auditExport.ts): hours at 1M, so it stops here.
  const exportMax = numberArg('export-max', 100_000);
  // Each timed path this many times, its median kept with its range (the probes answer in milliseconds: one slow call is noise).
  const repeat = Math.max(3, numberArg('repeat', 7));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-bench-scale-'));
  fs.chmodSync(dataDir, 0o755);
  const token = 'bench-scale-admin-token-0123456789';
  const config = loadConfig({
    DIWAN_DATA_DIR: dataDir,
    DIWAN_LOG: 'silent',
    DIWAN_ADMIN_TOKEN: token,
    PORT: '0',
    // Nothing is processed while it is timed (the scheduled fixity sweep is first due a day after start).
    DIWAN_INPROCESS_WORKERS: 'false',
  });
  const services = await startEmbeddedServices(config, createLogger('silent'));
  const server = await startServer(services.config);
  const c = services.config;
  const owner = c.databaseOwnerUrl ?? c.databaseUrl!;
  const db = createDb(owner, 2);
  const auth = { headers: { authorization: `Bearer ${token}` } };
  const get = async (p: string, init?: RequestInit) => {
    const res = await fetch(`${server.url}${p}`, init);
    await res.arrayBuffer();
    if (res.status >= 500) throw new Error(`${p}: ${res.status}`);
  };
  /** 100 new ledger entries, as a day's views of seeded documents would add (not timed). */
  let views = 0;
  const newEntries = async () => {
    for (let k = 0; k < 100; k++) await appendLedger(db, 'viewed', seedIdOf((views++ % 1000) + 1), { by: 'bench' });
  };
  const ops: Array<{ name: string; probe: boolean; before?: () => Promise<void>; fn: () => Promise<unknown> }> = [
    { name: '/readyz', probe: true, fn: () => get('/readyz') },
    { name: '/metrics', probe: true, fn: () => get('/metrics') },
    { name: 'GET /api/v1/documents', probe: false, fn: () => get('/api/v1/documents', auth) },
    { name: 'GET /api/v1/audit/report', probe: false, fn: () => get('/api/v1/audit/report', auth) },
    // What `diwan audit verify-ledger` asks the server for, after 100 new entries.
    { name: 'verify-ledger, 100 new', probe: false, before: newEntries, fn: () => get('/api/v1/audit/ledger', auth) },
    {
      name: 'checkpoint, 100 new',
      probe: false,
      before: newEntries,
      fn: () => get('/api/v1/audit/checkpoint', { ...auth, method: 'POST' }),
    },
  ];
  const results = new Map<string, number>();
  const spreads = new Map<string, [number, number]>();
  const exportRuns = new Map<number, { ms: number; heap: number; rss: number; bytes: number }>();
  const fullVerify = new Map<number, number>();
  const firstCheckpoint = new Map<number, number | string>();
  let restoreLines: string[] = [];
  try {
    restoreLines = await restoreMemory(c, owner, restoreSizes);
    let seeded = 0;
    for (const size of sizes) {
      log(`seeding to ${size} documents…`);
      for (let from = seeded; from < size; from += 100_000) {
        const to = Math.min(size, from + 100_000);
        await seedArchive(db, from, to, { primary: server.core.primary.name, offsite: server.core.offsite.name });
        await seedLedger(db, from, to);
      }
      seeded = size;
      await db.query('VACUUM ANALYZE');
      // The first check after seeding goes over the whole chain (what a full re-check, a job, costs); then only what is new.
      fullVerify.set(size, await timed(() => get('/api/v1/audit/ledger?full=true', auth)));
      log(`  full verification at ${size}: ${fullVerify.get(size)!.toFixed(0)} ms`);
      // The first checkpoint after seeding signs everything seeded: given up to CHECKPOINT_WAIT, and the timed ones skipped if it fails.
      const first = await timed(() =>
        get('/api/v1/audit/checkpoint', { ...auth, method: 'POST', signal: AbortSignal.timeout(CHECKPOINT_WAIT) }),
      ).catch((e: Error) => `failed (${e.name === 'TimeoutError' ? `no answer within ${CHECKPOINT_WAIT / 1000} s` : e.message})`);
      firstCheckpoint.set(size, first);
      log(`  first checkpoint at ${size}: ${typeof first === 'number' ? `${first.toFixed(0)} ms` : first}`);
      for (const op of ops) {
        if (op.name.startsWith('checkpoint') && typeof first !== 'number') continue;
        const ms: number[] = [];
        try {
          for (let k = 0; k < repeat; k++) {
            if (op.probe) await sleep(1100);
            await op.before?.();
            ms.push(await timed(op.fn));
          }
        } catch (e) {
          log(`  ${op.name} at ${size}: failed (${(e as Error).message})`);
          continue;
        }
        results.set(`${op.name}@${size}`, median(ms));
        spreads.set(`${op.name}@${size}`, [Math.min(...ms), Math.max(...ms)]);
        log(`  ${op.name} at ${size}: ${median(ms).toFixed(1)} ms (${ms.map((x) => x.toFixed(1)).join(', ')})`);
      }
      if (size > exportMax) continue;
      const ex = await memoryDuring(async () => {
        const res = await fetch(`${server.url}/api/v1/audit/export?format=ndjson`, auth);
        let bytes = 0;
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
        if (res.status !== 200) throw new Error(`export: ${res.status}`);
        return bytes;
      });
      exportRuns.set(size, { ms: ex.ms, heap: ex.heap, rss: ex.rss, bytes: ex.result });
      log(
        `  export at ${size}: ${mib(ex.result).toFixed(0)} MB in ${(ex.ms / 1000).toFixed(1)} s, heap +${mib(ex.heap).toFixed(0)} MB`,
      );
    }
    const cell = (v: number, base: number, digits = 1) =>
      v.toFixed(digits).padStart(12) + `${(v / base).toFixed(2)}×`.padStart(8);
    const head1 = `${'operation'.padEnd(34)}${sizes.map((n) => `${n}`.padStart(12) + 'ratio'.padStart(8)).join('')}`;
    const lines = ops.map((op) => {
      const base = results.get(`${op.name}@${sizes[0]}`) ?? NaN;
      const v = (n: number) => results.get(`${op.name}@${n}`);
      return `${op.name.padEnd(34)}${sizes.map((n) => (v(n) === undefined ? 'not run'.padStart(20) : cell(v(n)!, base))).join('')}`;
    });
    // Each median's range (min–max of its calls), under the table.
    const ranges = ops.map((op) => {
      const r = (n: number) => spreads.get(`${op.name}@${n}`);
      return `${op.name.padEnd(34)}${sizes.map((n) => (r(n) ? `${r(n)![0].toFixed(1)}–${r(n)![1].toFixed(1)}` : '').padStart(20)).join('')}`;
    });
    // Every path an operator or a probe touches: its cost at the largest size beside the smallest, at most 1.5×.
    const targets = growthTargets(
      ops.map((op) => op.name),
      sizes,
      (name, n) => results.get(`${name}@${n}`),
      1.5,
    );
    const row = (name: string, f: (n: number) => number | undefined, digits = 1) =>
      `${name.padEnd(34)}${sizes.map((n) => (f(n) === undefined ? 'not run'.padStart(20) : cell(f(n)!, f(sizes[0]!)!, digits))).join('')}`;
    const exportRows = () =>
      exportRuns.size === 0
        ? []
        : [
            row('audit export (ndjson), s', (n) => exportRuns.get(n) && exportRuns.get(n)!.ms / 1000),
            row('audit export, MB sent', (n) => exportRuns.get(n) && mib(exportRuns.get(n)!.bytes), 0),
            row('audit export, heap growth MB', (n) => exportRuns.get(n) && mib(exportRuns.get(n)!.heap)),
            row('audit export, RSS growth MB', (n) => exportRuns.get(n) && mib(exportRuns.get(n)!.rss)),
          ];
    process.stdout.write(
      [
        '',
        `Scale, documents seeded by SQL (3 ledger entries each), ${os.cpus().length} cores; median of ${repeat} calls, ms`,
        head1,
        ...lines,
        '',
        `range of the ${repeat} calls (min–max, ms):`,
        ...ranges,
        '',
        'O(archive) by nature, for scale (one run each):',
        head1,
        row('full ledger re-check, ms', (n) => fullVerify.get(n)!, 0),
        row('first checkpoint after seeding, ms', (n) => {
          const f = firstCheckpoint.get(n);
          return typeof f === 'number' ? f : undefined;
        }),
        ...[...firstCheckpoint].filter(([, f]) => typeof f !== 'number').map(([n, f]) => `first checkpoint at ${n}: ${f}`),
        ...exportRows(),
        '',
        ...restoreLines,
        '',
        ...targets,
        '',
      ].join('\n'),
    );
  } finally {
    await db.end();
    await server.stop();
    await services.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
