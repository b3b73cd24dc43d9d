/**
 * Benchmark: upload about 1 GB of scans in one batch and watch the server.
 *
 * - The server (`diwan serve`, embedded services, workers off so only the
 *   door is measured: spooling, hashing, type and page checks, registration,
 *   storing originals) runs as a child process; its resident memory is read
 *   from /proc every 50 ms.
 * - The upload is `diwan ingest DIR --batch …`, as a clerk would run it.
 * - The reference, in the same run: curl sending the same bytes as one
 *   multipart request to a trivial endpoint that only reads and drops them.
 *
 * Usage: npm run bench:ingest [-- --mb 1024]
 */
import { execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { freePort } from '../../src/runtime/services/util';
import { CLI, serveChild } from './serve';
import { renderArabicScan, SAMPLE_LINES } from '../fixtures/arabicScan';

const run = promisify(execFile);

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

function rssMb(pid: number): number {
  try {
    const kb = /VmRSS:\s*(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** A300-dpi A4 page, greyscale, uncompressed TIFF (about 8.7 MB), as many registry scanners write them. */
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

function startServer(dataDir: string, port: number): Promise<ChildProcess> {
  return serveChild({ DIWAN_DATA_DIR: dataDir, PORT: String(port), DIWAN_INPROCESS_WORKERS: 'false', DIWAN_LOG: 'silent' });
}

/** The trivial endpoint: reads every byte of the request and drops it. */
async function trivialEndpoint(): Promise<{ url: string; close(): void }> {
  const server = http.createServer((req, res) => {
    req.on('data', () => undefined);
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/drop`, close: () => server.close() };
}

async function main() {
  const totalMb = arg('mb', 1024);
  const work = path.join(os.tmpdir(), 'diwan-bench-ingest');
  const scansDir = path.join(work, 'scans');
  process.stdout.write(`Preparing about ${totalMb} MB of scans in ${scansDir} (kept for the next run)…\n`);
  const { files, bytes } = await makeScans(scansDir, totalMb);
  const mb = bytes / 1048576;

  // Reference: curl, the same bytes in one multipart request, to an endpoint that drops them.
  const drop = await trivialEndpoint();
  const curlArgs = ['-s', '-o', '/dev/null', ...files.flatMap((f) => ['-F', `files=@${f}`]), drop.url];
  const t0 = Date.now();
  await run('curl', curlArgs, { maxBuffer: 1 << 20 });
  const curlS = (Date.now() - t0) / 1000;
  drop.close();

  // Diwan.
  const dataDir = path.join(work, `data-${Date.now()}`);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  fs.chmodSync(dataDir, 0o755);
  const port = await freePort();
  const server = await startServer(dataDir, port);
  let peak = 0;
  try {
    await new Promise((r) => setTimeout(r, 1000));
    const before = rssMb(server.pid!);
    const watch = setInterval(() => (peak = Math.max(peak, rssMb(server.pid!))), 50);
    const t1 = Date.now();
    const { stdout } = await run(process.execPath, [CLI, 'ingest', scansDir, '--batch', 'bench', '--json', '--quiet'], {
      env: { ...process.env, DIWAN_DATA_DIR: dataDir, DIWAN_URL: `http://127.0.0.1:${port}` },
      maxBuffer: 64 << 20,
    }).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
    const diwanS = (Date.now() - t1) / 1000;
    clearInterval(watch);
    const after = rssMb(server.pid!);
    const report = JSON.parse(stdout) as { counts: Record<string, number> };

    const rows = [
      ['', 'seconds', 'MB/s', 'files'],
      ['curl → trivial endpoint (reference)', curlS.toFixed(1), (mb / curlS).toFixed(1), String(files.length)],
      [
        'diwan ingest → Diwan (accepted, hashed, checked, stored)',
        diwanS.toFixed(1),
        (mb / diwanS).toFixed(1),
        String(files.length),
      ],
    ];
    process.stdout.write(
      `\nUpload of ${mb.toFixed(0)} MB (${files.length} uncompressed 300-dpi TIFF pages), ${os.cpus().length} cores\n`,
    );
    for (const r of rows)
      process.stdout.write(`${r[0]!.padEnd(58)}${r[1]!.padStart(9)}${r[2]!.padStart(9)}${r[3]!.padStart(7)}\n`);
    process.stdout.write(`Diwan at the door is ${(diwanS / curlS).toFixed(2)}× the time of the plain upload.\n`);
    process.stdout.write(
      `Server memory (RSS): ${before.toFixed(0)} MB before, peak ${peak.toFixed(0)} MB, ${after.toFixed(0)} MB after; ` +
        `peak growth ${(peak - before).toFixed(0)} MB (aim: under 200 MB).\n`,
    );
    process.stdout.write(`Outcome: ${JSON.stringify(report.counts)}\n`);
  } finally {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGINT');
    await exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`);
  process.exit(1);
});
