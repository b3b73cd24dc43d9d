/**
 * Benchmark: how many pages a minute does Diwan read, and how well, beside
 * native Tesseract on the same pages in the same run (2 cores).
 *
 * The pages are generated letters (scripts/eval/pages.ts) set in the tuning
 * faces only, light to heavy scan damage, 300 dpi: a speed benchmark. The
 * held-out faces and the real scanned lines are kept for docs/ocr-evaluation.md
 * and never read here.
 *
 * - end to end: the pages uploaded to a running archive as 3-page scanned
 *   PDFs, timed from the first upload to the last document archived (pages,
 *   OCR, archive PDF, both copies, index); the archived text scored;
 * - OCR only: Diwan's reader (decode, preprocess, tesseract.js, second looks)
 *   with as many lanes as cores, in this process;
 * - native `tesseract` 5 (ara+eng, --psm 3), one single-threaded process per
 *   core, each loading its models once and reading its share of the pages from
 *   a list file: on the scans as they are, and on the cleaned images Diwan's
 *   preprocessing makes of them (cleaning not counted in native's time: its
 *   best case at an accuracy like Diwan's);
 * - one 50-page document alone, with the share of both cores it used;
 * - a long run (default 200 pages) that checks the OCR pool never grows past
 *   its size while workers are recycled, and the memory it takes.
 * Each throughput has its CER (character error rate against the pages' text)
 * beside it, and is the median of --runs runs (default 3) with the range. The
 * OCR-only and native runs are made between the end-to-end runs, so a change
 * in the machine's load falls on all of them.
 *
 * Usage: npm run bench:ocr [-- --pages 48] [--runs 3] [--long-pages 50] [--pool-pages 200] [--workers N] [--profile DIR]
 */
import { aptInstall } from '../eval/apt';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { renderPage, type ImageLimits } from '../../ingest/adapters/images';
import { inkPng, prepareForOcrWithGeometry } from '../../ingest/adapters/ocrImage';
import { loadConfig } from '../../src/config';
import { createOcrEngine, type OcrEngine } from '../../ingest/ocr/engine';
import { LETTERS } from '../eval/corpus';
import { charErrors, rate } from '../eval/metrics';
import { degradation, degrade, LEVELS, renderLetter, type FontFace } from '../eval/pages';
import { faceFile, FACE_SPLIT } from '../train/faces';
import { endToEnd, type BenchPage } from './ocrEndToEnd';
import { lanes, machineName, median, medianBy, numberArg, profilerArgs, targetLine, withSpread } from './stats';

const run = promisify(execFile);
const LIMITS: ImageLimits = { maxPagePixels: 100_000_000, maxPages: 500 };
const SIZES_PT = [12, 10, 14, 11, 13];

const log = (m: string) => process.stderr.write(`${m}\n`);
const rssMb = () => process.memoryUsage.rss() / 1024 / 1024;

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

/** Letters in every installed tuning face in turn, at every level, 10-14 pt. */
async function generate(dir: string, count: number): Promise<BenchPage[]> {
  const faces: FontFace[] = FACE_SPLIT.training.flatMap((f) => {
    const file = faceFile(f);
    return file ? [{ id: f.id, family: f.family, file }] : [];
  });
  if (faces.length === 0) throw new Error('no tuning face is installed');
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
async function native(files: string[], processes: number, dir: string): Promise<{ ms: number; texts: string[] }> {
  const texts: string[] = new Array<string>(files.length).fill('');
  const shares = Array.from({ length: processes }, (_, k) => files.map((_, i) => i).filter((i) => i % processes === k));
  const t0 = performance.now();
  await Promise.all(
    shares.map(async (share, k) => {
      const list = path.join(dir, `native-${k}.txt`);
      fs.writeFileSync(list, share.map((i) => files[i]!).join('\n') + '\n');
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

/** The long run: the pool must stay at its size while workers are recycled; peak memory per hundred pages. */
async function poolCheck(engine: OcrEngine, files: string[], pages: number, workers: number) {
  let maxWorkers = 0;
  const rssByHundred: number[] = [];
  const longRun = Array.from({ length: pages }, (_, i) => files[i % files.length]!);
  let done = 0;
  let windowPeak = 0;
  const watch = setInterval(() => {
    maxWorkers = Math.max(maxWorkers, engine.stats().workers);
    windowPeak = Math.max(windowPeak, rssMb());
  }, 100);
  await lanes(longRun, workers, async (f) => {
    await diwanRead(engine, f);
    done++;
    if (done % 100 === 0 || done === pages) {
      rssByHundred.push(Math.round(windowPeak));
      windowPeak = 0;
    }
  });
  clearInterval(watch);
  return { maxWorkers, rssByHundred };
}

/** The ink images Diwan's cleaning makes of the pages, as PNG files for native Tesseract. */
async function cleanedImages(files: string[], dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const [i, f] of files.entries()) {
    const file = path.join(dir, `clean-${String(i + 1).padStart(3, '0')}.png`);
    fs.writeFileSync(file, await inkPng((await prepareForOcrWithGeometry(await renderPage(f, 0, LIMITS))).ink));
    out.push(file);
  }
  return out;
}

interface Reading {
  perMin: number[];
  texts: string[];
}

async function main(): Promise<void> {
  const count = numberArg('pages', 48);
  const longPages = numberArg('long-pages', 50);
  const poolPages = numberArg('pool-pages', 200);
  const runs = Math.max(1, numberArg('runs', 3));
  const workers = numberArg('workers', os.availableParallelism());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-bench-ocr-'));
  log(`generating ${count} A4 pages at 300 dpi (tuning faces; light, medium, heavy) in ${dir}`);
  const pages = await generate(dir, count);
  const files = pages.map((p) => p.file);
  const perMin = (ms: number) => (count * 60_000) / ms;

  // The reference is native Tesseract: installed from Debian's packages when missing (as root), like eval:ocr does.
  const version =
    (await nativeVersion()) ??
    ((await aptInstall(['tesseract-ocr', 'tesseract-ocr-ara', 'tesseract-ocr-eng'])) ? await nativeVersion() : undefined);
  if (!version)
    log('native tesseract with Arabic is not installed (apt-get install tesseract-ocr tesseract-ocr-ara): no reference');
  const cleaned = version ? await cleanedImages(files, dir) : [];

  const baseline = rssMb();
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb())), 100);
  const t0 = performance.now();
  const { langs, numberLang } = loadConfig({}).ocr;
  const engine = await createOcrEngine({ cacheDir: path.join(dir, 'cache'), langs, numberLang, workers });
  const startMs = performance.now() - t0;
  const afterStart = rssMb();
  await diwanRead(engine, files[0]!); // warm-up: first-page allocations, not in the figure

  const diwan: Reading = { perMin: [], texts: [] };
  const nativeRaw: Reading = { perMin: [], texts: [] };
  const nativeClean: Reading = { perMin: [], texts: [] };
  const ocrOnly = async (r: number) => {
    log(
      `OCR only, run ${r + 1}: Diwan, ${workers} lanes${version ? `; native ${version}, ${workers} processes, scans and cleaned` : ''}`,
    );
    const texts = new Array<string>(count).fill('');
    diwan.perMin.push(perMin(await lanes(files, workers, async (f, i) => void (texts[i] = await diwanRead(engine, f)))));
    diwan.texts = texts;
    if (!version) return;
    const raw = await native(files, workers, dir);
    nativeRaw.perMin.push(perMin(raw.ms));
    nativeRaw.texts = raw.texts;
    const clean = await native(cleaned, workers, dir);
    nativeClean.perMin.push(perMin(clean.ms));
    nativeClean.texts = clean.texts;
  };

  log(`end to end: ${count} pages as ${Math.ceil(count / 3)} documents of 3 pages, ${runs} runs, then one of ${longPages} pages`);
  // --profile DIR: the end-to-end server runs under Node's CPU profiler.
  const nodeArgs = profilerArgs();
  const e2e = await endToEnd(pages, { perDocument: 3, runs, longPages, maxSeconds: 1800, between: ocrOnly, nodeArgs });
  const batch = medianBy(e2e.batches, (b) => b.pagesPerMinute);
  const ocrPeak = peak;

  let pool: { maxWorkers: number; rssByHundred: number[] } | undefined;
  if (poolPages > 0) {
    log(`pool check: ${poolPages} pages`);
    pool = await poolCheck(engine, files, poolPages, workers);
  }
  clearInterval(sampler);
  const stats = engine.stats();
  await engine.close();

  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const e2ePerMin = e2e.batches.map((b) => b.pagesPerMinute);
  const diwanCer = cerOf(pages, diwan.texts);
  const rows: string[][] = [
    [
      'Diwan end to end (upload → archived: pages, OCR, PDF, both copies, index)',
      withSpread(e2ePerMin),
      pct(cerOf(pages, batch.texts)),
    ],
    ['Diwan OCR only (decode, clean, tesseract.js, second looks)', withSpread(diwan.perMin), pct(diwanCer)],
  ];
  if (version)
    rows.push(
      [
        `native ${version}, models loaded once: the scans as they are`,
        withSpread(nativeRaw.perMin),
        pct(cerOf(pages, nativeRaw.texts)),
      ],
      [
        `native ${version}, models loaded once: Diwan's cleaned images`,
        withSpread(nativeClean.perMin),
        pct(cerOf(pages, nativeClean.texts)),
      ],
    );
  const width = Math.max(...rows.map((r) => r[0]!.length));
  const lines = [
    '',
    `OCR speed and accuracy on ${machineName()}, ${count} generated pages in the tuning faces (not the held-out evaluation set), ${workers} lanes each`,
    `${'reader'.padEnd(width)}  ${'pages/min (range)'.padStart(22)}       CER`,
    ...rows.map((r) => `${r[0]!.padEnd(width)}  ${r[1]!.padStart(22)} ${r[2]!.padStart(9)}`),
    '',
    `median of ${runs} runs each (${batch.documents} documents of 3 pages end to end; ${batch.flagged} of ${count} pages flagged for review)`,
  ];
  lines.push(
    `time in each stage over the batch (documents overlap): ${Object.entries(batch.stageSeconds)
      .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
      .join(', ')}`,
  );
  const cpuTotal = Object.values(batch.cpuSeconds).reduce((a, b) => a + b, 0);
  lines.push(
    `CPU over the batch, ${(cpuTotal / count).toFixed(2)} s a page end to end (OCR only: ${((os.availableParallelism() * 60) / median(diwan.perMin)).toFixed(2)} core-s a page at most): ${Object.entries(
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
  if (pool)
    lines.push(
      `pool over ${poolPages} pages: at most ${pool.maxWorkers} workers (size ${workers}), ${stats.recycled} recycled, ${stats.timeouts} timed out;` +
        ` peak memory per hundred pages: ${pool.rssByHundred.map((m) => `${m} MB`).join(', ')}`,
    );
  if (version) {
    // The issue's reference is native Tesseract on the same scans; native on Diwan's cleaned images (cleaning not
    // timed) is a stricter one, shown beside it. Either holds only with Diwan's CER at most 0.5 points above its own.
    for (const [label, r] of [
      ['native Tesseract, models loaded once, on the scans', nativeRaw],
      ["native Tesseract on Diwan's cleaned images (stricter: cleaning not timed)", nativeClean],
    ] as const) {
      const cer = cerOf(pages, r.texts);
      lines.push(
        targetLine({
          name: `OCR only vs ${label}`,
          figure: `Diwan ${median(diwan.perMin).toFixed(1)} pages/min, CER ${pct(diwanCer)}`,
          reference: `${median(r.perMin).toFixed(1)} pages/min, CER ${pct(cer)}`,
          ratio: median(diwan.perMin) / median(r.perMin),
          aim: { atLeast: 0.7 },
          condition: { ok: diwanCer <= cer + 0.005, text: 'Diwan CER ≤ reference CER + 0.5 points' },
        }),
      );
    }
  }
  if (version)
    lines.push(
      targetLine({
        name: 'end to end vs native Tesseract, models loaded once, OCR only on the scans',
        figure: `${median(e2ePerMin).toFixed(1)} pages/min archived`,
        reference: `${median(nativeRaw.perMin).toFixed(1)} pages/min`,
        ratio: median(e2ePerMin) / median(nativeRaw.perMin),
        aim: { atLeast: 0.5 },
        condition: { ok: median(e2ePerMin) >= 40, text: 'at least 40 pages/min archived' },
      }),
    );
  lines.push(
    targetLine({
      name: 'end to end vs OCR only',
      figure: `${median(e2ePerMin).toFixed(1)} pages/min archived`,
      reference: `OCR only ${median(diwan.perMin).toFixed(1)} pages/min`,
      ratio: median(e2ePerMin) / median(diwan.perMin),
      aim: { atLeast: 0.85 },
    }),
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  fs.rmSync(dir, { recursive: true, force: true });
  if (pool && pool.maxWorkers > workers) {
    process.stderr.write(`the pool grew past its size (${pool.maxWorkers} > ${workers})\n`);
    process.exitCode = 1;
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
