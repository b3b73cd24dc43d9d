/**
 * Benchmark: upload about 1 GB of scans in one batch, beside a bare PUT of the
 * same files into the same locked bucket, in the same run.
 *
 * Each round starts fresh embedded services (so no upload is a duplicate of
 * the last round's) and `diwan serve` against them, workers off so only the
 * door is measured (spooling, hashing, type and page checks, registration,
 * storing originals under Object Lock), then, in an order that alternates
 * from round to round:
 * - Diwan: `diwan ingest DIR --batch …` with a clerk's token, as a clerk
 *   would run it; files go one request after another and the server stores
 *   them one at a time, in order;
 * - the reference: each file PUT straight into the server's primary bucket
 *   (Object Lock on), its COMPLIANCE retention in the request's headers and
 *   its payload unsigned, one file at a time, as Diwan stores them (Diwan's
 *   store also makes one request per object).
 * The server's resident memory is read from /proc every 50 ms during Diwan's upload.
 * Each figure is the median of --runs rounds, with the range.
 *
 * Usage: npm run bench:ingest [-- --mb 1024 --runs 3 --profile DIR]
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as Minio from 'minio';
import pg from 'pg';
import sharp from 'sharp';
import crypto from 'node:crypto';
import { loadConfig, type Config } from '../../src/config';
import { examine } from '../../ingest/intake/accept';
import { s3Client } from '../../storage/objectStore';
import { cpuBelow, cpuSince } from './procs';
import { renderArabicScan, SAMPLE_LINES } from '../fixtures/arabicScan';
import { CLI, personToken, withServices } from './serve';
import { median, numberArg, profilerArgs, targetLine, withSpread } from './stats';

const run = promisify(execFile);
const log = (m: string) => process.stderr.write(`${m}\n`);

function rssMb(pid: number): number {
  try {
    const kb = /VmRSS:\s*(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** A 300-dpi A4 page, greyscale, uncompressed TIFF (about 8.7 MB), as many registry scanners write them. */
async function makeScans(dir: string, totalMb: number): Promise<{ files: string[]; bytes: number }> {
  fs.mkdirSync(dir, { recursive: true });
  const base = await renderArabicScan(SAMPLE_LINES, { width: 2480, height: 3508, format: 'png' });
  const files: string[] = [];
  let bytes = 0;
  for (let i = 0; bytes < totalMb * 1024 * 1024; i++) {
    const file = path.join(dir, `scan-${String(i).padStart(4, '0')}.tif`);
    if (!fs.existsSync(file)) {
      // Each page differs by a stamp of pixels, so no two files are duplicates.
      const mark = Buffer.from(`<svg width="400" height="60"><text x="0" y="40" font-size="36">${i}</text></svg>`);
      await sharp(base)
        .composite([{ input: mark, top: 3300, left: 100 }])
        .removeAlpha()
        .toColourspace('b-w')
        .tiff({ compression: 'none' })
        .toFile(file);
    }
    bytes += fs.statSync(file).size;
    files.push(file);
  }
  return { files, bytes };
}

/**
 * The reference: every file PUT into the primary bucket, one at a time, each in one request that carries its
 * COMPLIANCE retention in its headers and an unsigned payload (no checksum computed by the client): a PUT at its
 * best. Diwan's store also makes one request per object, with its lock headers and the SHA-256 it already has.
 */
async function barePut(c: Config, files: string[], round: number): Promise<number> {
  const t = c.s3!;
  const client = s3Client(t);
  // Over plain HTTP the client would hash every payload to sign it; the reference sends it unsigned instead.
  client.enableSHA256 = false;
  const lock = (await (client.getObjectLockConfig(t.bucket) as unknown as Promise<{ objectLockEnabled?: string }>))
    .objectLockEnabled;
  if (lock !== 'Enabled') throw new Error(`the primary bucket ${t.bucket} has no Object Lock (${String(lock)})`);
  const until = new Date(Date.now() + 86_400_000).toISOString();
  const t0 = performance.now();
  for (const f of files) {
    const headers = {
      'Content-Length': fs.statSync(f).size,
      'Content-Type': 'image/tiff',
      'x-amz-object-lock-mode': Minio.RETENTION_MODES.COMPLIANCE,
      'x-amz-object-lock-retain-until-date': until,
    };
    const res = await client.makeRequestStreamAsync(
      { method: 'PUT', bucketName: t.bucket, objectName: `bench-put/${round}/${path.basename(f)}`, headers },
      fs.createReadStream(f),
      '', // signed as UNSIGNED-PAYLOAD
      [200],
      '',
    );
    res.resume();
  }
  const seconds = (performance.now() - t0) / 1000;
  // The retention must have been applied, or the reference did less than Diwan.
  const kept = await client.getObjectRetention(t.bucket, `bench-put/${round}/${path.basename(files[0]!)}`);
  if ((kept as { mode?: string } | null)?.mode !== 'COMPLIANCE') throw new Error('the bare PUT left no COMPLIANCE retention');
  return seconds;
}

/**
 * Where a file's time at the door goes, each part timed alone on the same files in this process: the copy to
 * the spool, SHA-256 of the bytes, and Diwan's check of the file with the look at a scan's pages (sniff, decode
 * every page under the limits, read its QR codes, measure its ink).
 */
async function doorParts(files: string[], spoolDir: string): Promise<string> {
  const limits = loadConfig({}).limits;
  fs.mkdirSync(spoolDir, { recursive: true });
  const ms = { spool: 0, hash: 0, examine: 0 };
  for (const f of files) {
    let t = performance.now();
    const copy = path.join(spoolDir, path.basename(f));
    fs.writeFileSync(copy, fs.readFileSync(f));
    ms.spool += performance.now() - t;
    t = performance.now();
    const bytes = fs.readFileSync(copy);
    const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
    ms.hash += performance.now() - t;
    t = performance.now();
    // As the door does for a scan: each page decoded once, for the check and for the look (QR codes, ink).
    const spooled = { path: copy, size: bytes.length, sha256, head: bytes.subarray(0, 4096), originalName: null };
    await examine(spooled, limits, { look: true });
    ms.examine += performance.now() - t;
    fs.rmSync(copy);
  }
  const per = (x: number) => `${(x / files.length).toFixed(0)} ms`;
  return `a file's parts alone, mean of ${files.length} files: spool copy ${per(ms.spool)}, read and SHA-256 ${per(ms.hash)}, check and look (sniff; decode every page once; QR codes, ink) ${per(ms.examine)}`;
}

/** From the records of one upload: per file, registered → original stored, and stored → the next file registered (ms). */
async function fileCycle(databaseUrl: string): Promise<{ store: number; between: number }> {
  const db = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    const { rows } = await db.query<{ registered: Date; stored: Date }>(
      `SELECT d.created_at AS registered, a.created_at AS stored
       FROM documents d JOIN artefacts a ON a.document_id = d.id AND a.kind = 'original' ORDER BY d.created_at`,
    );
    const store = rows.map((r) => r.stored.getTime() - r.registered.getTime());
    const between = rows.slice(1).map((r, i) => r.registered.getTime() - rows[i]!.stored.getTime());
    return { store: median(store), between: median(between) };
  } finally {
    await db.end();
  }
}

interface Round {
  cycle: { store: number; between: number };
  cpu: { put: Record<string, number>; diwan: Record<string, number> };
  putS: number;
  diwanS: number;
  before: number;
  peak: number;
  after: number;
  counts: Record<string, number>;
}

async function round(r: number, scansDir: string, files: string[]): Promise<Round> {
  const nodeArgs = profilerArgs(); // --profile DIR: the server writes a profile a round into DIR
  return withServices('diwan-bench-ingest-', { env: { DIWAN_INPROCESS_WORKERS: 'false' }, nodeArgs }, async (s) => {
    const clerk = await personToken(s.base, s.token, {
      username: `clerk${r}`,
      role: 'clerk',
      clearance: 'internal',
      departments: null,
    });
    await new Promise((res) => setTimeout(res, 1000));
    const cpu = () => cpuBelow(process.pid, { pid: s.pid, name: 'diwan serve' });
    const diwan = async () => {
      const cpu0 = cpu();
      const before = rssMb(s.pid);
      let peak = before;
      const watch = setInterval(() => (peak = Math.max(peak, rssMb(s.pid))), 50);
      const t1 = performance.now();
      const { stdout } = await run(process.execPath, [CLI, 'ingest', ...files, '--batch', `bench ${r}`, '--json', '--quiet'], {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DIWAN_URL: s.base, DIWAN_TOKEN: clerk },
        maxBuffer: 64 << 20,
      }).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
      const diwanS = (performance.now() - t1) / 1000;
      clearInterval(watch);
      const counts = (JSON.parse(stdout) as { counts: Record<string, number> }).counts;
      if (counts.queued !== files.length) throw new Error(`not every file was accepted: ${JSON.stringify(counts)}`);
      const diwanCpu = cpuSince(cpu0, cpu());
      return { diwanS, before, peak, after: rssMb(s.pid), counts, diwanCpu, cycle: await fileCycle(s.config.databaseUrl!) };
    };
    const put = async () => {
      const cpu0 = cpu();
      const putS = await barePut(s.config, files, r);
      return { putS, putCpu: cpuSince(cpu0, cpu()) };
    };
    // The order alternates, so neither side always meets a fresh (or a fuller) disk.
    const [p, d] = r % 2 === 0 ? [await put(), await diwan()] : await diwan().then(async (x) => [await put(), x] as const);
    return { putS: p.putS, ...d, cpu: { put: p.putCpu, diwan: d.diwanCpu } };
  });
}

/** "diwan serve 20.1 s, MinIO 9.0 s, …": the median over rounds of each kind's CPU seconds. */
function cpuLine(byRound: Array<Record<string, number>>): string {
  const kinds = [...new Set(byRound.flatMap((x) => Object.keys(x)))];
  return kinds
    .map((k) => [k, median(byRound.map((x) => x[k] ?? 0))] as const)
    .filter(([, v]) => v >= 0.1)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
    .join(', ');
}

async function main() {
  const totalMb = numberArg('mb', 1024);
  const runs = Math.max(1, numberArg('runs', 3));
  const work = path.join(os.tmpdir(), 'diwan-bench-ingest');
  const scansDir = path.join(work, 'scans');
  log(`preparing about ${totalMb} MB of scans in ${scansDir} (kept for the next run)…`);
  const { files, bytes } = await makeScans(scansDir, totalMb);
  const mb = bytes / 1048576;
  const rounds: Round[] = [];
  for (let r = 0; r < runs; r++) {
    log(`round ${r + 1} of ${runs}`);
    rounds.push(await round(r, scansDir, files));
  }
  log('timing the parts of the door alone on 10 files');
  const parts = await doorParts(files.slice(0, 10), path.join(work, 'spool'));
  const put = rounds.map((x) => mb / x.putS);
  const diwan = rounds.map((x) => mb / x.diwanS);
  const ratio = median(diwan) / median(put);
  const rows = [
    ['', 'MB/s (range)', 'seconds'],
    [
      'bare PUT with lock headers → locked primary bucket (reference)',
      withSpread(put),
      median(rounds.map((x) => x.putS)).toFixed(1),
    ],
    [
      'diwan ingest → Diwan (accepted, hashed, checked, stored)',
      withSpread(diwan),
      median(rounds.map((x) => x.diwanS)).toFixed(1),
    ],
  ];
  const peakGrowth = rounds.map((x) => x.peak - x.before);
  process.stdout.write(
    [
      '',
      `Upload of ${mb.toFixed(0)} MB (${files.length} uncompressed 300-dpi TIFF pages), one file at a time on both sides, ${os.cpus().length} cores, median of ${runs} rounds`,
      ...rows.map((r) => `${r[0]!.padEnd(58)}${r[1]!.padStart(24)}${r[2]!.padStart(9)}`),
      `Diwan stores at ${ratio.toFixed(2)}× the bare PUT's throughput (per round: ${rounds.map((x) => (x.putS / x.diwanS).toFixed(2)).join(', ')}).`,
      `Server memory (RSS), median round: ${median(rounds.map((x) => x.before)).toFixed(0)} MB before, peak growth ${withSpread(peakGrowth, 0)} MB (aim: under 200 MB).`,
      `Outcome of the last round: ${JSON.stringify(rounds.at(-1)!.counts)}`,
      `CPU seconds by process, median round: Diwan's upload: ${cpuLine(rounds.map((x) => x.cpu.diwan))}; bare PUT: ${cpuLine(rounds.map((x) => x.cpu.put))}`,
      `a file in Diwan's upload, from the records (median round, median file): registered → original stored ${median(
        rounds.map((x) => x.cycle.store),
      ).toFixed(0)} ms, stored → next file registered ${median(rounds.map((x) => x.cycle.between)).toFixed(0)} ms` +
        ` (${((1000 * median(rounds.map((x) => x.diwanS))) / files.length).toFixed(0)} ms a file in all; bare PUT ${((1000 * median(rounds.map((x) => x.putS))) / files.length).toFixed(0)} ms)`,
      parts,
      targetLine({
        name: 'upload',
        figure: `Diwan ${median(diwan).toFixed(1)} MB/s`,
        reference: `bare PUT ${median(put).toFixed(1)} MB/s`,
        ratio,
        aim: { atLeast: 0.75 },
      }),
      '',
    ].join('\n'),
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
