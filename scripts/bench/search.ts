/**
 * Benchmark: search throughput and latency on a large archive, beside raw Meilisearch.
 *
 * - Starts the embedded services, then `diwan serve` (workers off) as a child
 *   process pointed at them.
 * - Seeds 100,000 pages (10,000 documents of 10 pages, generated Arabic
 *   text with word boxes) into PostgreSQL, and the same pages into the search
 *   index as Diwan projects them (search/records.ts).
 * - `diwan serve` logs every request (DIWAN_LOG=info, to a file), and the
 *   searches are an official's: a person made through the API with a
 *   clearance and two of the three departments, not the administrator.
 * - Through the API (GET /api/v1/search: token, normalise, stem, clearance and
 *   department filters, facets, snippets) and, in the same run, straight to
 *   Meilisearch with the very calls the API makes for that person
 *   (searchParams; scripts/bench/searchLoad.ts): saturation throughput (closed loop,
 *   --clients) and, at half of raw saturation, open-loop Poisson arrivals
 *   with latency from each query's due time; --rounds rounds, interleaved.
 *   Then one round of the API asked for word boxes too (`boxes=true`: each
 *   hit's page words read from PostgreSQL).
 * - Then the viewer on the same archive (10,000 documents by default): Debian's
 *   Chromium (playwright-core) signs in and loads the search page, result pages
 *   for several queries, documents opened from them (their page images stored),
 *   the upload and audit pages, each several times; prints the median and worst
 *   time to the load event (images and fonts included) beside the server's own
 *   time for the same HTML (fetch, no browser). Skipped without Chromium.
 *
 * With `--profile DIR`, the server writes a V8 CPU profile (`node --cpu-prof`) into DIR when it stops.
 *
 * Usage: npm run bench:search [-- --pages 100000 --clients 16 --seconds 15 --rounds 3 --no-viewer --profile DIR]
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { asRegistryNo, filterFor, meiliClient, searchParams } from '../../search/searchIndex';
import { stemmedText } from '../../search/normalize';
import { pageRecords } from '../../search/records';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../kernel/log';
import type { DocumentRecord, OcrWord } from '../../storage/repos/documents';
import { registryNo } from '../../kernel/registry';
import { toArabicIndic } from '../../kernel/text';
import { LETTERS } from '../eval/corpus';
import { startEmbeddedServices } from '../../src/runtime/services/embedded';
import { freePort } from '../../src/runtime/services/util';
import { personToken, serveChild, stopChild } from './serve';
import { closedLoop, compareSearch } from './searchLoad';
import { machineName, numberArg, percentile, profilerArgs } from './stats';
import { cpuBelow } from './procs';
import sharp from 'sharp';
import { chromium } from 'playwright-core';
import type { Config } from '../../src/config';
import { keys } from '../../storage/layout';
import { createObjectStore } from '../../storage/objectStore';
import { renderArabicScan } from '../fixtures/arabicScan';
import { passSecondStep } from '../fixtures/secondStep';

const TOKEN = 'bench-search-token-0123456789';

const log = (m: string) => process.stderr.write(`${m}\n`);

/** A deterministic generator, so every run searches the same archive. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const VOCABULARY = [
  ...new Set(
    LETTERS.flatMap((l) => l.lines.join(' ').split(/\s+/))
      .filter((w) => /^[\u0621-\u064A]{3,}$/.test(w))
      .concat(['الموازنة', 'الموظفين', 'إجازة', 'تعميم', 'الدوام', 'المديرية', 'الأرشيف', 'المراسلات', 'اللجنة', 'التقرير']),
  ),
];

function pageText(r: () => number): { text: string; words: OcrWord[] } {
  const words: OcrWord[] = [];
  const lines: string[] = [];
  for (let line = 0; line < 8; line++) {
    const n = 6 + Math.floor(r() * 5);
    const ws = Array.from({ length: n }, () => VOCABULARY[Math.floor(r() * VOCABULARY.length)]!);
    let x = 2300;
    for (const w of ws) {
      const width = 28 * w.length;
      words.push([w, x - width, 300 + line * 90, x, 360 + line * 90, 90]);
      x -= width + 30;
    }
    lines.push(ws.join(' '));
  }
  return { text: lines.join('\n'), words };
}

const CHROMIUM = '/usr/bin/chromium';

/** Page loads in a real browser on the seeded archive: median and worst to the load event, beside the server's HTML time. */
async function viewerLoads(base: string, c: Config, docs: number): Promise<string[]> {
  const auth = { authorization: `Bearer ${TOKEN}` };
  const words = ['الموازنة', 'الأرشيف', 'اللجنة', 'التقرير', 'المراسلات'];
  // The documents the searches lead to get their page image stored, as archived documents have.
  const primary = createObjectStore('primary', c.s3!);
  const image = await sharp(await renderArabicScan(['مراسلة', 'الأرشيف'], { seed: 9 }))
    .resize({ width: 2000 })
    .webp({ quality: 80 })
    .toBuffer();
  const opened: string[] = [];
  for (const w of words) {
    const res = (await (await fetch(`${base}/api/v1/search?q=${encodeURIComponent(w)}&limit=20`, { headers: auth })).json()) as {
      hits: Array<{ id: string; registryNo: string; page: number }>;
    };
    for (const h of res.hits) {
      const [year, seq] = h.registryNo.split('/').map(Number) as [number, number];
      await primary.putBufferOnce(keys.pageImage({ year, seq }, h.page), image, 'image/webp');
    }
    opened.push(`/documents/${res.hits[0]!.id}?page=${res.hits[0]!.page}&q=${encodeURIComponent(w)}`);
  }
  const targets: Array<[string, string[]]> = [
    ['search page, latest documents', ['/search']],
    ['search results (20 hits, thumbnails)', words.map((w) => `/search?q=${encodeURIComponent(w)}`)],
    ['document page (image, boxes, text)', opened],
    ['upload page', ['/upload']],
    ['audit page', ['/audit']],
  ];
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  const lines = [
    `Viewer page loads, ${docs.toLocaleString('en')} documents archived, Chromium headless, ${os.cpus().length} cores`,
    `${'page'.padEnd(40)} ${'load p50'.padStart(9)} ${'load max'.padStart(9)} ${'HTML p50'.padStart(9)}`,
  ];
  try {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    const password = 'bench-viewer-password-0123';
    await fetch(`${base}/api/v1/users`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bench', role: 'admin', clearance: 'secret', password }),
    });
    await page.goto(`${base}/login`);
    await page.fill('input[name=username]', 'bench');
    await page.fill('input[name=password]', password);
    await page.click('button[type=submit]');
    await passSecondStep(page);
    const cookie = (await context.cookies()).map((k) => `${k.name}=${k.value}`).join('; ');
    for (const [label, paths] of targets) {
      const loads: number[] = [];
      const html: number[] = [];
      for (let round = 0; round < 3; round++) {
        for (const p of paths) {
          const t0 = performance.now();
          await page.goto(`${base}${p}`, { waitUntil: 'load' });
          loads.push(performance.now() - t0);
          const t1 = performance.now();
          await (await fetch(`${base}${p}`, { headers: { cookie } })).text();
          html.push(performance.now() - t1);
        }
      }
      loads.sort((a, b) => a - b);
      html.sort((a, b) => a - b);
      lines.push(
        `${label.padEnd(40)} ${percentile(loads, 50).toFixed(0).padStart(6)} ms ${loads.at(-1)!.toFixed(0).padStart(6)} ms ${percentile(html, 50).toFixed(0).padStart(6)} ms`,
      );
    }
  } finally {
    await browser.close();
  }
  return lines;
}

async function main(): Promise<void> {
  const pages = numberArg('pages', 100_000);
  const clients = numberArg('clients', 16);
  const seconds = numberArg('seconds', 15);
  const rounds = Math.max(1, numberArg('rounds', 3));
  const perDoc = 10;
  const docs = Math.ceil(pages / perDoc);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-bench-search-'));
  fs.chmodSync(dataDir, 0o755);
  const config = loadConfig({ DIWAN_DATA_DIR: dataDir, DIWAN_LOG: 'silent' });
  const services = await startEmbeddedServices(config, createLogger('silent'));
  const c = services.config;
  const port = await freePort();
  const s3 = (t: typeof c.s3) => `${t!.useSSL ? 'https' : 'http'}://${t!.endPoint}:${t!.port}`;
  let server: ChildProcess | undefined;
  try {
    server = await serveChild(
      {
        DIWAN_DATA_DIR: dataDir,
        PORT: String(port),
        DIWAN_ADMIN_TOKEN: TOKEN,
        DIWAN_INPROCESS_WORKERS: 'false',
        // Request logging on, as in production: one line a request, written to a file as a collector would take it.
        DIWAN_LOG: 'info',
        DATABASE_URL: c.databaseUrl!,
        DATABASE_OWNER_URL: c.databaseOwnerUrl!,
        S3_ENDPOINT: s3(c.s3),
        S3_ACCESS_KEY: c.s3!.accessKey,
        S3_SECRET_KEY: c.s3!.secretKey,
        OFFSITE_S3_ENDPOINT: s3(c.offsite),
        OFFSITE_S3_ACCESS_KEY: c.offsite!.accessKey,
        OFFSITE_S3_SECRET_KEY: c.offsite!.secretKey,
        MEILI_URL: c.meili!.url,
        MEILI_MASTER_KEY: c.meili!.key,
      },
      path.join(dataDir, 'server.log'),
      profilerArgs(),
    );

    log(`seeding ${docs} documents × ${perDoc} pages into PostgreSQL and Meilisearch…`);
    const t0 = Date.now();
    const db = new pg.Pool({ connectionString: c.databaseUrl!, max: 2 });
    // The client the API uses (uncompressed answers), so the reference is Meilisearch at its best.
    const meili = meiliClient(c.meili!.url, c.meili!.key);
    const index = meili.index(c.meiliIndex);
    const r = rng(7);
    const BATCH = 500;
    for (let first = 1; first <= docs; first += BATCH) {
      const seqs = Array.from({ length: Math.min(BATCH, docs - first + 1) }, (_, i) => first + i);
      const rows = await db.query<{ id: string; registry_seq: number; created_at: Date }>(
        `INSERT INTO documents (registry_year, registry_seq, title, doc_type, department, classification, original_name, original_mime,
           original_ext, original_size, original_sha256, status, page_count)
         SELECT 2026, s, 'مراسلة ' || s, (ARRAY['letter','circular','decision'])[1 + s % 3], (ARRAY['المالية','الموارد البشرية','الشؤون الإدارية'])[1 + s % 3],
           (ARRAY['public','internal','confidential','secret'])[1 + s % 4], 'scan.jpg', 'image/jpeg', 'jpg', 0,
           md5('bench' || s) || md5('search' || s), 'archived', $2
         FROM unnest($1::int[]) AS s RETURNING id, registry_seq, created_at`,
        [seqs, perDoc],
      );
      const records = [];
      const pageRows: Array<[string, number, string, string]> = [];
      for (const row of rows.rows) {
        const doc = {
          id: row.id,
          year: 2026,
          seq: row.registry_seq,
          registryNo: registryNo({ year: 2026, seq: row.registry_seq }),
          title: `مراسلة ${row.registry_seq}`,
          docType: ['letter', 'circular', 'decision'][row.registry_seq % 3]!,
          department: ['المالية', 'الموارد البشرية', 'الشؤون الإدارية'][row.registry_seq % 3]!,
          classification: ['public', 'internal', 'confidential', 'secret'][row.registry_seq % 4]!,
          docDate: null,
          correspondent: null,
          batchId: null,
          createdAt: row.created_at.toISOString(),
        } as unknown as DocumentRecord;
        const pagesOfDoc = Array.from({ length: perDoc }, (_, i) => ({
          n: i + 1,
          width: 2480,
          height: 3508,
          confidence: 90,
          ...pageText(r),
        }));
        for (const p of pagesOfDoc) pageRows.push([row.id, p.n, p.text, JSON.stringify(p.words)]);
        records.push(...pageRecords(doc, pagesOfDoc, 60));
      }
      await db.query(
        `INSERT INTO pages (document_id, n, width, height, text, confidence, words)
         SELECT d, n, 2480, 3508, t, 90, w::jsonb FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[]) AS x(d, n, t, w)`,
        [pageRows.map((p) => p[0]), pageRows.map((p) => p[1]), pageRows.map((p) => p[2]), pageRows.map((p) => p[3])],
      );
      const task = await index.addDocuments(records).waitTask({ timeout: 600_000, interval: 200 });
      if (task.status !== 'succeeded') throw new Error(`indexing failed: ${JSON.stringify(task.error)}`);
      if ((first - 1) % 2000 === 0) log(`  ${Math.min(docs, first + BATCH - 1)} documents`);
    }
    await db.end();
    log(`seeded in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

    const qr = rng(11);
    const queries = Array.from({ length: 200 }, (_, i) => {
      if (i % 10 === 9) return toArabicIndic(registryNo({ year: 2026, seq: 1 + Math.floor(qr() * docs) }));
      const n = 1 + Math.floor(qr() * 2);
      return Array.from({ length: n }, () => VOCABULARY[Math.floor(qr() * VOCABULARY.length)]!).join(' ');
    });
    // A real person: an official cleared to "confidential", limited to two of the three departments, made through the API.
    const departments = ['المالية', 'الشؤون الإدارية'];
    const official = await personToken(`http://127.0.0.1:${port}`, TOKEN, {
      username: 'official',
      role: 'official',
      clearance: 'confidential',
      departments,
    });
    const api = async (q: string, extra = '') => {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/search?q=${encodeURIComponent(q)}&limit=20${extra}`, {
        headers: { authorization: `Bearer ${official}` },
      });
      if (!res.ok) throw new Error(String(res.status));
      await res.arrayBuffer();
    };
    // The same calls the API makes to Meilisearch for this person (search/searchIndex.ts searchParams): their
    // clearance and departments as filters, a registry number looked up exactly first, the same facets and attributes.
    const filter = filterFor({ filters: {}, clearance: 'confidential', departments });
    const meiliSearch = (q: string, extra: string[]) =>
      index.search(q, searchParams({ sort: 'relevance', limit: 20, offset: 0 }, filter, extra));
    const raw = async (q: string) => {
      const named = asRegistryNo(q);
      const exact = named ? await meiliSearch('', [`registryNo = "${named}"`]) : undefined;
      if (!exact || exact.hits.length === 0) await meiliSearch(stemmedText(q), []);
    };
    const table = await compareSearch({
      api,
      raw,
      queries,
      clients,
      seconds,
      rounds,
      log,
      cpu: () => cpuBelow(process.pid, { pid: server!.pid!, name: 'diwan (API)' }),
    });
    // The word boxes (read from PostgreSQL) are asked for only where they are drawn: their cost, for one round.
    const withBoxes = await closedLoop(clients, seconds, queries, (q) => api(q, '&boxes=true'));
    table.push(
      `API with boxes=true (each hit's page words from PostgreSQL), one round: ${withBoxes.perSecond.toFixed(0)} req/s, ${withBoxes.errors} errors`,
    );
    const viewer = process.argv.includes('--no-viewer')
      ? ['(viewer page loads skipped: --no-viewer)']
      : fs.existsSync(CHROMIUM)
        ? await viewerLoads(`http://127.0.0.1:${port}`, c, docs)
        : ['(viewer page loads skipped: no Chromium at /usr/bin/chromium)'];
    process.stdout.write(
      [
        '',
        `Search, ${pages.toLocaleString('en')} pages indexed, an official's token (clearance and department filters), request logging on, ${machineName()}`,
        ...table,
        '',
        ...viewer,
        '',
      ].join('\n'),
    );
  } finally {
    // Waited for: a server that exits late (writing its profile) must not find its services gone.
    await stopChild(server);
    await services.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
