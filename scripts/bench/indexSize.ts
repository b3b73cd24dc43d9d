/**
 * Benchmark: what one Meilisearch node holds, to size the search tier
 * (docs/production.md, "Search beyond one node").
 *
 * A Meilisearch of its own (the embedded binary, as `npm start` runs it) is
 * filled, step by step, with page records as Diwan writes them
 * (search/records.ts, the same settings), up to each size given; at each size:
 * the index's size on disk (its LMDB files, which must stay in the page cache
 * for searches to be fast), the process's resident memory, the indexing rate,
 * and the latency of a person's searches (clearance and department filters,
 * facets) one at a time. Then the figures per million pages, by a straight
 * line through the measured points.
 *
 * Pages are generated: 180-260 words each (a one-page letter), drawn with a
 * Zipf law from a vocabulary of real letter words plus 150,000 made-up words
 * (names, places, numbers and OCR's misreadings make a large archive's
 * vocabulary grow without end). Generated text is what is measured: the
 * figures size the hardware, they say nothing of search quality.
 *
 * Usage: npm run bench:indexSize [-- --sizes 50000,100000,200000]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSearchIndex, registryKeys, type PageDoc } from '../../search/searchIndex';
import { stemmedText } from '../../search/normalize';
import { loadConfig } from '../../src/config';
import { startMeilisearch } from '../../src/runtime/services/meilisearch';
import { LETTERS } from '../eval/corpus';
import { percentile } from './stats';

const log = (m: string) => process.stderr.write(`${m}\n`);
const argList = (name: string, dflt: number[]) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]!.split(',').map(Number) : dflt;
};

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const LETTERS_AR = 'ابتثجحخدذرزسشصضطظعغفقكلمنهوي';
const REAL = [...new Set(LETTERS.flatMap((l) => l.lines.join(' ').split(/\s+/)).filter((w) => /^[\u0621-\u064A]{2,}$/.test(w)))];

function vocabulary(r: () => number): string[] {
  const made = new Set<string>();
  while (made.size < 150_000) {
    const n = 3 + Math.floor(r() * 6);
    made.add(Array.from({ length: n }, () => LETTERS_AR[Math.floor(r() * LETTERS_AR.length)]).join(''));
  }
  // The real words first: a Zipf law makes the first ranks the common ones.
  return [...REAL, ...made];
}

/** Rank k drawn with probability ~ 1/k (Zipf, s = 1) by inverting the harmonic sum's integral. */
function zipf(r: () => number, n: number): number {
  return Math.min(n - 1, Math.floor(Math.exp(r() * Math.log(n + 1)) - 1));
}

const DEPARTMENTS = ['الموارد البشرية', 'الشؤون المالية', 'الشؤون الإدارية', 'الشؤون القانونية'];
const CLASSES = ['public', 'internal', 'confidential', 'secret'];

function page(i: number, r: () => number, vocab: string[]): PageDoc {
  const words = Array.from({ length: 180 + Math.floor(r() * 80) }, () => vocab[zipf(r, vocab.length)]!);
  const text = words.join(' ');
  const docNo = Math.floor(i / 3);
  const year = 2000 + (docNo % 27);
  const regNo = `${year}/${String(docNo).padStart(6, '0')}`;
  const title = words.slice(0, 4).join(' ');
  const classIx = Math.floor(r() * 4);
  return {
    id: `d${docNo}-${(i % 3) + 1}`,
    documentId: `d${docNo}`,
    registryNo: regNo,
    registryKeys: registryKeys(regNo),
    title,
    titleStem: stemmedText(title),
    page: (i % 3) + 1,
    text,
    textStem: stemmedText(text),
    correspondent: null,
    correspondentStem: '',
    correspondentId: null,
    register: 'incoming',
    externalRef: null,
    externalRefKeys: [],
    referralState: 'none',
    referralDue: null,
    docType: 'letter',
    department: DEPARTMENTS[docNo % DEPARTMENTS.length]!,
    classification: CLASSES[classIx]!,
    clearance: classIx,
    batchId: null,
    needsReview: false,
    registeredAt: Date.UTC(year, docNo % 12, 1 + (docNo % 28)),
    registryYear: year,
    docDate: null,
  };
}

// Blocks in use, not the apparent size: LMDB's files are sparse, mapped far larger than they are.
const du = (dir: string) => Number(execFileSync('du', ['-s', '--block-size=1', dir]).toString().split('\t')[0]);
const rssMiB = (pid: number) => {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  // The process's own memory (anonymous), apart from the index's files mapped in (the page cache's).
  return { own: kb('RssAnon') / 1024, mapped: kb('RssFile') / 1024, peak: kb('VmHWM') / 1024 };
};

async function main(): Promise<void> {
  const sizes = argList('sizes', [50_000, 100_000, 200_000]).sort((a, b) => a - b);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-index-size-'));
  const { cacheDir } = loadConfig(process.env);
  const key = 'index-size-master-key-0123456789';
  const meili = await startMeilisearch({ dataDir, cacheDir, masterKey: key });
  const index = createSearchIndex({ url: meili.url, key, index: 'pages' });
  await index.ensureIndex();
  const r = rng(7);
  const vocab = vocabulary(r);
  const rows: Array<{
    pages: number;
    diskMiB: number;
    usedMiB: number;
    ownMiB: number;
    mappedMiB: number;
    peakMiB: number;
    pagesPerSecond: number;
    p50: number;
    p95: number;
  }> = [];
  let done = 0;
  try {
    for (const size of sizes) {
      const t0 = Date.now();
      while (done < size) {
        const batch = Array.from({ length: Math.min(5000, size - done) }, (_, k) => page(done + k, r, vocab));
        await index.addPages(batch);
        done += batch.length;
      }
      const pagesPerSecond = (size - (rows.at(-1)?.pages ?? 0)) / ((Date.now() - t0) / 1000);
      const latencies: number[] = [];
      const q = rng(11);
      for (let k = 0; k < 200; k++) {
        const words = Array.from({ length: 1 + Math.floor(q() * 2) }, () => vocab[zipf(q, 3000)]!).join(' ');
        const s0 = performance.now();
        await index.search({
          q: words,
          filters: {},
          sort: 'relevance',
          limit: 20,
          offset: 0,
          clearance: 'confidential',
          departments: DEPARTMENTS.slice(0, 2),
        });
        latencies.push(performance.now() - s0);
      }
      latencies.sort((a, b) => a - b);
      const mem = rssMiB(meili.process.pid);
      // Meilisearch's own account: the database's size, and the part of it in use (LMDB never gives space back).
      const stats = (await (await fetch(`${meili.url}/stats`, { headers: { authorization: `Bearer ${key}` } })).json()) as {
        databaseSize: number;
        usedDatabaseSize?: number;
      };
      const row = {
        pages: size,
        diskMiB: du(path.join(dataDir, 'meilisearch', 'data.ms')) / 1048576,
        usedMiB: (stats.usedDatabaseSize ?? stats.databaseSize) / 1048576,
        ownMiB: mem.own,
        mappedMiB: mem.mapped,
        peakMiB: mem.peak,
        pagesPerSecond,
        p50: percentile(latencies, 50),
        p95: percentile(latencies, 95),
      };
      rows.push(row);
      log(`${size} pages: ${JSON.stringify(row)}`);
    }
  } finally {
    await meili.process.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  // Per million pages: the slope of the line through the first and last points.
  const [a, b] = [rows[0]!, rows.at(-1)!];
  const perMillion = (f: (x: (typeof rows)[number]) => number) => ((f(b) - f(a)) / (b.pages - a.pages)) * 1_000_000;
  const lines = [
    '## Search index size (one Meilisearch node)',
    '',
    `Generated one-page letters (180-260 words, Zipf over ${vocab.length.toLocaleString('en')} words), Diwan's settings; ${os.cpus().length} cores.`,
    '',
    '| pages | on disk (MiB) | in use (MiB) | own memory (MiB) | index mapped in (MiB) | peak resident (MiB) | indexing (pages/s) | search p50 (ms) | search p95 (ms) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (x) =>
        `| ${x.pages.toLocaleString('en')} | ${x.diskMiB.toFixed(0)} | ${x.usedMiB.toFixed(0)} | ${x.ownMiB.toFixed(0)} | ${x.mappedMiB.toFixed(0)} | ${x.peakMiB.toFixed(0)} | ${x.pagesPerSecond.toFixed(0)} | ${x.p50.toFixed(1)} | ${x.p95.toFixed(1)} |`,
    ),
    '',
    `Per million pages: ${(perMillion((x) => x.usedMiB) / 1024).toFixed(1)} GiB of index in use (${(perMillion((x) => x.diskMiB) / 1024).toFixed(1)} GiB on disk): the page cache a node needs to search from memory.`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${String((e as Error)?.stack ?? e)}\n`);
  process.exit(1);
});
