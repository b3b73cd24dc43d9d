/**
 * Benchmark: how many pages a minute does Diwan read, and how well, beside
 * native Tesseract on the same pages in the same run (2 cores).
 *
 * - end to end: realistic A4 letters (tuning and held-out faces, light to
 *   heavy scan damage, 300 dpi) uploaded to a running archive as 3-page
 *   scanned PDFs, timed from the first upload to the last document archived
 *   (pages, OCR, archive PDF, both copies, index); the archived text scored;
 * - one 50-page document alone, with the share of both cores it used;
 * - OCR only: Diwan's reader (decode, preprocess, tesseract.js, second looks)
 *   with as many lanes as cores, in this process;
 * - native `tesseract` 5 (ara+eng, --psm 3), one process per core, each
 *   loading its models once and reading its share of the pages from a list;
 * - a long run (default 500 pages) that checks the OCR pool never grows past
 *   its size while workers are recycled, and the memory it takes.
 * Each throughput has its CER (character error rate against the pages' text) beside it.
 *
 * Every throughput is the median of --runs runs (default 3).
 *
 * Usage: npm run bench:ocr [-- --pages 48] [--runs 3] [--long-pages 50] [--pool-pages 500] [--workers N]
 */
import { aptInstall } from '../eval/apt';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { renderPage, type ImageLimits } from '../../ingest/adapters/images';
import { prepareForOcrWithGeometry } from '../../ingest/adapters/ocrImage';
import { loadConfig } from '../../src/config';
import { createOcrEngine, type OcrEngine } from '../../ingest/ocr/engine';
import { LETTERS } from '../eval/corpus';
import { charErrors, rate } from '../eval/metrics';
import { degradation, degrade, LEVELS, renderLetter, type FontFace } from '../eval/pages';
import { EVALUATION_FACE_IDS, faceFile, FACE_SPLIT } from '../train/faces';
import { endToEnd, type BenchPage } from './ocrEndToEnd';

const run = promisify(execFile);
const LIMITS: ImageLimits = { maxPagePixels: 100_000_000, maxPages: 500 };
const SIZES_PT = [12, 10, 14, 11, 13];

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} must be a whole number`);
  return v;
}

const log = (m: string) => process.stderr.write(`${m}\n`);
const rssMb = () => process.memoryUsage.rss() / 1024 / 1024;

/** Runs `work` over items with `count` in flight; returns the wall time in ms. */
async function lanes<T>(items: T[], count: number, work: (item: T, i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(count, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i] as T, i);
      }
    }),
  );
  return performance.now() - t0;
}

/** The middle item of `items` ranked by `key` (the lower middle of an even count). */
function median<T>(items: T[], key: (t: T) => number): T {
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** CER of a set of readings against the pages' text, summed over characters. */
function cerOf(pages: BenchPage[], texts: string[]): number {
  let errors = 0;
  let length = 0;
  pages.forEach((p, i) => {
    const c = charErrors(p.truth, texts[i] ?? '');
    errors += c.errors;
    length += c.length;
  });
  return rate({ errors, length });
}

/** Letters in every installed tuning and held-out face in turn, at every level, 10-14 pt. */
async function generate(dir: string, count: number): Promise<BenchPage[]> {
  const faces: FontFace[] = [
    ...FACE_SPLIT.training,
    ...EVALUATION_FACE_IDS.map((id) => FACE_SPLIT.heldOut.find((f) => f.id === id)!),
  ].flatMap((f) => {
    const file = faceFile(f);
    return file ? [{ id: f.id, family: f.family, file }] : [];
  });
  const pages: BenchPage[] = [];
  for (let n = 0; n < count; n++) {
    const level = LEVELS[n % LEVELS.length]!;
    const face = faces[Math.floor(n / LEVELS.length + n) % faces.length]!;
    const letter = LETTERS[(n * 5 + 3) % LETTERS.length]!;
    const seed = (n * 104729 + 17) >>> 0;
    const file = path.join(dir, `${String(n + 1).padStart(3, '0')}-${level}-${face.id}.jpg`);
    const clean = await renderLetter(letter.lines, face, SIZES_PT[n % SIZES_PT.length]!);
    fs.writeFileSync(file, await degrade(clean, degradation(level, seed), seed));
    pages.push({ file, truth: letter.lines.join('\n') });
  }
  return pages;
}

async function diwanRead(engine: OcrEngine, file: string): Promise<string> {
  const page = await renderPage(file, 0, LIMITS);
  const input = await prepareForOcrWithGeometry(page);
  return (await engine.recognize(input.ink)).text;
}

async function nativeVersion(): Promise<string | undefined> {
  try {
    const { stdout, stderr } = await run('tesseract', ['--version']);
    const langs = await run('tesseract', ['--list-langs']);
    if (!/\bara\b/.test(langs.stdout + langs.stderr)) return undefined;
    return (stdout || stderr).split('\n')[0]?.trim();
  } catch {
    return undefined;
  }
}

/**
 * Native Tesseract at its best: `processes` single-threaded processes, each
 * loading ara+eng once and reading its share of the pages from a list file
 * (one page after another, text separated by form feeds).
 */
async function native(pages: BenchPage[], processes: number, dir: string): Promise<{ ms: number; texts: string[] }> {
  const texts: string[] = new Array<string>(pages.length).fill('');
  const shares = Array.from({ length: processes }, (_, k) => pages.map((_, i) => i).filter((i) => i % processes === k));
  const t0 = performance.now();
  await Promise.all(
    shares.map(async (share, k) => {
      const list = path.join(dir, `native-${k}.txt`);
      fs.writeFileSync(list, share.map((i) => pages[i]!.file).join('\n') + '\n');
      const { stdout } = await run('tesseract', [list, '-', '-l', 'ara+eng', '--psm', '3'], {
        env: { ...process.env, OMP_THREAD_LIMIT: '1' },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 1_800_000,
      });
      stdout.split('\f').forEach((t, j) => {
        if (j < share.length) texts[share[j]!] = t;
      });
    }),
  );
  return { ms: performance.now() - t0, texts };
}

async function main(): Promise<void> {
  const count = arg('pages', 48);
  const longPages = arg('long-pages', 50);
  const poolPages = arg('pool-pages', 500);
  const runs = Math.max(1, arg('runs', 3));
  const workers = arg('workers', os.availableParallelism());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-bench-ocr-'));
  log(`generating ${count} A4 pages at 300 dpi (tuning and held-out faces; light, medium, heavy) in ${dir}`);
  const pages = await generate(dir, count);
  const files = pages.map((p) => p.file);

  log(`end to end: ${count} pages as ${Math.ceil(count / 3)} documents of 3 pages, then one of ${longPages} pages`);
  const e2e = await endToEnd(pages, { perDocument: 3, runs, longPages, maxSeconds: 1800 });
  const batch = median(e2e.batches, (b) => b.pagesPerMinute);

  const baseline = rssMb();
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb())), 100);
  const t0 = performance.now();
  const { langs, numberLang } = loadConfig({}).ocr;
  const engine = await createOcrEngine({ cacheDir: path.join(dir, 'cache'), langs, numberLang, workers });
  const startMs = performance.now() - t0;
  const afterStart = rssMb();
  log(`OCR only: ${workers} workers, ${count} pages`);
  await diwanRead(engine, files[0]!); // warm-up: first-page allocations, not in the figure
  const ocrTexts: string[] = new Array<string>(count).fill('');
  const ocrRuns: number[] = [];
  for (let r = 0; r < runs; r++)
    ocrRuns.push(await lanes(files, workers, async (f, i) => void (ocrTexts[i] = await diwanRead(engine, f))));
  const ocrMs = median(ocrRuns, (ms) => -ms);
  const ocrPeak = peak;

  // The reference is native Tesseract: installed from Debian's packages when missing (as root), like eval:ocr does.
  const version =
    (await nativeVersion()) ??
    ((await aptInstall(['tesseract-ocr', 'tesseract-ocr-ara', 'tesseract-ocr-eng'])) ? await nativeVersion() : undefined);
  let nat: { ms: number; texts: string[] } | undefined;
  if (version) {
    log(`native ${version}: ${count} pages, ${workers} processes`);
    const natRuns: Array<{ ms: number; texts: string[] }> = [];
    for (let r = 0; r < runs; r++) natRuns.push(await native(pages, workers, dir));
    nat = median(natRuns, (x) => -x.ms);
  } else log('native tesseract with Arabic is not installed (apt-get install tesseract-ocr tesseract-ocr-ara): no reference');

  // The long run: the pool must stay at its size while workers are recycled.
  let maxWorkers = 0;
  const rssByHundred: number[] = [];
  if (poolPages > 0) {
    log(`pool check: ${poolPages} pages`);
    const longRun = Array.from({ length: poolPages }, (_, i) => files[i % files.length]!);
    let done = 0;
    let windowPeak = 0;
    const watch = setInterval(() => {
      maxWorkers = Math.max(maxWorkers, engine.stats().workers);
      windowPeak = Math.max(windowPeak, rssMb());
    }, 100);
    await lanes(longRun, workers, async (f) => {
      await diwanRead(engine, f);
      done++;
      if (done % 100 === 0 || done === poolPages) {
        rssByHundred.push(Math.round(windowPeak));
        windowPeak = 0;
      }
    });
    clearInterval(watch);
  }
  clearInterval(sampler);
  const stats = engine.stats();
  await engine.close();

  const perMin = (ms: number) => ((count * 60_000) / ms).toFixed(1);
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const nativePerMin = nat ? (count * 60_000) / nat.ms : undefined;
  const rows: string[][] = [
    [
      'Diwan end to end (upload → archived: pages, OCR, PDF, both copies, index)',
      batch.pagesPerMinute.toFixed(1),
      pct(cerOf(pages, batch.texts)),
    ],
    ['Diwan OCR only (decode, preprocess, tesseract.js, second looks)', perMin(ocrMs), pct(cerOf(pages, ocrTexts))],
    [
      `native ${version ?? 'tesseract'} (ara+eng, models loaded once per process)`,
      nat ? perMin(nat.ms) : 'n/a',
      nat ? pct(cerOf(pages, nat.texts)) : 'n/a',
    ],
  ];
  const width = Math.max(...rows.map((r) => r[0]!.length));
  const lines = [
    '',
    `OCR speed and accuracy on ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}), ${count} pages, ${workers} lanes each`,
    `${'reader'.padEnd(width)}  pages/min       CER`,
    ...rows.map((r) => `${r[0]!.padEnd(width)}  ${r[1]!.padStart(9)} ${r[2]!.padStart(9)}`),
    '',
    `median of ${runs} runs each; end to end runs: ${e2e.batches.map((b) => b.pagesPerMinute.toFixed(1)).join(', ')} pages/min` +
      ` (${batch.documents} documents; ${batch.flagged} of ${count} pages flagged for review)` +
      (nativePerMin ? `; ${(batch.pagesPerMinute / nativePerMin).toFixed(2)}× native OCR-only throughput` : ''),
  ];
  lines.push(
    `time in each stage over the batch (documents overlap): ${Object.entries(batch.stageSeconds)
      .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
      .join(', ')}`,
  );
  lines.push(
    `CPU over the batch, ${(Object.values(batch.cpuSeconds).reduce((a, b) => a + b, 0) / count).toFixed(2)} s a page: ${Object.entries(
      batch.cpuSeconds,
    )
      .filter(([, v]) => v >= 0.05)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
      .join(', ')}`,
  );
  if (e2e.long)
    lines.push(
      `one ${e2e.long.pages}-page document: archived in ${e2e.long.seconds.toFixed(0)} s (${e2e.long.pagesPerMinute.toFixed(1)} pages/min),` +
        ` server process used ${e2e.long.coresUsed.toFixed(2)} of ${os.cpus().length} cores`,
    );
  const perWorker = (ocrPeak - baseline) / (workers + 2);
  lines.push(
    `memory: process ${baseline.toFixed(0)} MB before the pool, ${afterStart.toFixed(0)} MB after starting ${workers} workers (${startMs.toFixed(0)} ms),` +
      ` peak ${ocrPeak.toFixed(0)} MB reading; about ${perWorker.toFixed(0)} MB per worker (${workers} page workers + Arabic and number re-readers)`,
  );
  if (poolPages > 0)
    lines.push(
      `pool over ${poolPages} pages: at most ${maxWorkers} workers (size ${workers}), ${stats.recycled} recycled, ${stats.timeouts} timed out;` +
        ` peak memory per hundred pages: ${rssByHundred.map((m) => `${m} MB`).join(', ')}`,
    );
  process.stdout.write(`${lines.join('\n')}\n`);
  fs.rmSync(dir, { recursive: true, force: true });
  if (maxWorkers > workers) {
    process.stderr.write(`the pool grew past its size (${maxWorkers} > ${workers})\n`);
    process.exitCode = 1;
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
