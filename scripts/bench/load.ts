/**
 * Benchmark: searching while a batch is being archived, on loopback, bounded in time.
 *
 * - `diwan serve` (embedded services, in-process workers) as a child process.
 * - A few documents are archived first, so there is something to find.
 * - Reference, in the same run: --clients searchers for --seconds with nothing else running.
 * - Then a batch of --pages one-page scans is uploaded and, while it is being
 *   archived (at most --max-seconds), the same searchers run again.
 * - Prints error rate and search latency (p50/p95/p99) idle and under ingest,
 *   and the batch's pages per minute.
 *
 * Usage: npm run bench:load [-- --clients 8 --seconds 15 --pages 30 --max-seconds 300]
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { renderArabicScan, SAMPLE_LINES } from '../fixtures/arabicScan';
import { freePort } from '../../src/runtime/services/util';
import { serveChild } from './serve';
import { numberArg, percentile } from './stats';

const log = (m: string) => process.stderr.write(`${m}\n`);
const WORDS = ['الأرشيف', 'الديوان', 'المراسلات', 'قرار', 'تنظيم', 'الصادرة', 'موثقة', 'الوزارة'];

async function searchers(
  base: string,
  token: string,
  clients: number,
  until: () => boolean,
): Promise<{ ms: number[]; errors: number; seconds: number }> {
  const ms: number[] = [];
  let errors = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = c; !until(); i += clients) {
        const q = WORDS[i % WORDS.length]!;
        const t = performance.now();
        try {
          const res = await fetch(`${base}/api/v1/search?q=${encodeURIComponent(q)}&limit=20`, {
            headers: { authorization: `Bearer ${token}` },
          });
          await res.arrayBuffer();
          if (res.ok) ms.push(performance.now() - t);
          else errors++;
        } catch {
          errors++;
        }
      }
    }),
  );
  return { ms: ms.sort((a, b) => a - b), errors, seconds: (performance.now() - t0) / 1000 };
}

async function main(): Promise<void> {
  const clients = numberArg('clients', 8);
  const seconds = numberArg('seconds', 15);
  const pages = numberArg('pages', 30);
  const maxSeconds = numberArg('max-seconds', 300);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-bench-load-'));
  fs.chmodSync(dataDir, 0o755);
  const port = await freePort();
  const token = crypto.randomBytes(16).toString('hex');
  const base = `http://127.0.0.1:${port}`;
  const auth = { authorization: `Bearer ${token}` };
  let server: ChildProcess | undefined;
  try {
    server = await serveChild({ DIWAN_DATA_DIR: dataDir, PORT: String(port), DIWAN_ADMIN_TOKEN: token, DIWAN_LOG: 'silent' });
    const batch = async (n: number, seed: number) => {
      const b = (await (
        await fetch(`${base}/api/v1/batches`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ name: `load ${seed}` }),
        })
      ).json()) as { id: string };
      for (let i = 0; i < n; i += 10) {
        const form = new FormData();
        for (let k = i; k < Math.min(n, i + 10); k++) {
          const lines = [SAMPLE_LINES[k % SAMPLE_LINES.length]!, `${WORDS[k % WORDS.length]} رقم ${seed + k}`];
          form.append('files', new Blob([await renderArabicScan(lines, { seed: seed + k })]), `scan-${seed + k}.jpg`);
        }
        await fetch(`${base}/api/v1/batches/${b.id}/files`, { method: 'POST', body: form, headers: auth });
      }
      return b.id;
    };
    const done = async (id: string) =>
      ((await (await fetch(`${base}/api/v1/batches/${id}`, { headers: auth })).json()) as { done: boolean }).done;

    log('archiving a few documents to search…');
    const seedBatch = await batch(5, 1);
    while (!(await done(seedBatch))) await new Promise((r) => setTimeout(r, 500));

    log(`reference: ${clients} searchers for ${seconds} s with nothing else running…`);
    let end = Date.now() + seconds * 1000;
    const idle = await searchers(base, token, clients, () => Date.now() > end);

    log(`${clients} searchers while a batch of ${pages} scans is archived (at most ${maxSeconds} s)…`);
    const t0 = Date.now();
    const loadBatch = await batch(pages, 100);
    let finished = false;
    end = t0 + maxSeconds * 1000;
    const watcher = (async () => {
      while (!finished && Date.now() < end) {
        if (await done(loadBatch)) finished = true;
        else await new Promise((r) => setTimeout(r, 1000));
      }
    })();
    const busy = await searchers(base, token, clients, () => finished || Date.now() > end);
    await watcher;
    const ingestMinutes = (Date.now() - t0) / 60000;
    const row = (label: string, x: { ms: number[]; errors: number; seconds: number }) =>
      `${label.padEnd(34)} ${percentile(x.ms, 50).toFixed(1).padStart(7)} ${percentile(x.ms, 95).toFixed(1).padStart(7)} ${percentile(x.ms, 99).toFixed(1).padStart(7)} ${(x.ms.length / x.seconds).toFixed(0).padStart(7)} ${((100 * x.errors) / Math.max(1, x.errors + x.ms.length)).toFixed(2).padStart(7)}%`;
    process.stdout.write(
      [
        '',
        `Search under ingest: ${clients} concurrent searchers on loopback, ${os.cpus().length} cores`,
        `${'while'.padEnd(34)} ${'p50 ms'.padStart(7)} ${'p95 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'req/s'.padStart(7)} ${'errors'.padStart(8)}`,
        row('nothing else running (reference)', idle),
        row(`a batch of ${pages} scans archiving`, busy),
        `the batch: ${finished ? 'archived' : 'NOT finished'} in ${(ingestMinutes * 60).toFixed(0)} s, ${(pages / ingestMinutes).toFixed(1)} pages/min while serving searches`,
        '',
      ].join('\n'),
    );
  } finally {
    server?.kill('SIGTERM');
    await new Promise((r) => server?.once('exit', r) ?? r(undefined));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
