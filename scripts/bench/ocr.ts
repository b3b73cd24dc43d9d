/**
 * Benchmark: how many pages a minute does Diwan's OCR read, end to end
 * (decode and normalise the scan, preprocess, recognise, second look at
 * numbers and misread words), with every worker busy, and what does it cost
 * in memory?
 *
 * In the same run, on the same pages:
 * - native `tesseract` (ara+eng, --psm 3) on the scans as they are, two
 *   single-threaded processes at a time;
 * - native `tesseract` on Diwan's preprocessed pages, the preprocessing timed
 *   in, the nearest like-for-like reference.
 * Then a long run (default 500 pages, the generated pages read over and over)
 * checks that the pool never grows past its size, that workers are recycled,
 * and how the process's memory behaves from the first hundred pages to the last.
 *
 * Usage: npm run bench:ocr [-- --pages 48] [--pool-pages 500] [--workers N]
 */
import { aptInstall } from '../eval/apt';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fontFile } from '../../ingest/fonts';
import { inkPng, prepareForOcrWithGeometry, renderPage, type ImageLimits } from '../../ingest/images';
import { loadConfig } from '../../src/config';
import { createOcrEngine, type OcrEngine } from '../../ingest/ocr';
import { LETTERS } from '../eval/corpus';
import { degradation, degrade, LEVELS, renderLetter, type FontFace } from '../eval/pages';

const run = promisify(execFile);
const LIMITS: ImageLimits = { maxPagePixels: 100_000_000, maxPages: 500 };

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} must be a whole number`);
  return v;
}

const log = (m: string) => process.stderr.write(`${m}\n`);
const rssMb = () => process.memoryUsage.rss() / 1024 / 1024;

/** Runs `work` over items with `lanes` in flight. */
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

async function generate(dir: string, pages: number): Promise<string[]> {
  const faces: FontFace[] = (['naskh', 'amiri', 'sans'] as const).map((id) => ({ id, ...fontFile(id) }));
  const files: string[] = [];
  for (let n = 0; n < pages; n++) {
    const level = LEVELS[n % LEVELS.length]!;
    const face = faces[Math.floor(n / LEVELS.length) % faces.length]!;
    const letter = LETTERS[n % LETTERS.length]!;
    const seed = (n * 104729 + 17) >>> 0;
    const file = path.join(dir, `${String(n + 1).padStart(3, '0')}-${level}-${face.id}.jpg`);
    fs.writeFileSync(file, await degrade(await renderLetter(letter.lines, face, 12), degradation(level, seed), seed));
    files.push(file);
  }
  return files;
}

async function diwanRead(engine: OcrEngine, file: string): Promise<number> {
  const page = await renderPage(file, 0, LIMITS);
  const input = await prepareForOcrWithGeometry(page.png);
  const result = await engine.recognize(input.ink);
  return result.text.length;
}

async function nativeAvailable(): Promise<string | undefined> {
  try {
    const { stdout, stderr } = await run('tesseract', ['--version']);
    const langs = await run('tesseract', ['--list-langs']);
    if (!/\bara\b/.test(langs.stdout + langs.stderr)) return undefined;
    return (stdout || stderr).split('\n')[0]?.trim();
  } catch {
    return undefined;
  }
}

async function native(file: string): Promise<void> {
  await run('tesseract', [file, '-', '-l', 'ara+eng', '--psm', '3'], {
    env: { ...process.env, OMP_THREAD_LIMIT: '1' },
    maxBuffer: 16 * 1024 * 1024,
    timeout: 300_000,
  });
}

async function main(): Promise<void> {
  const pages = arg('pages', 48);
  const poolPages = arg('pool-pages', 500);
  const workers = arg('workers', os.availableParallelism());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-bench-ocr-'));
  log(`generating ${pages} A4 pages at 300 dpi (Naskh, Amiri, Noto Sans Arabic; light, medium, heavy) in ${dir}`);
  const files = await generate(dir, pages);

  const baseline = rssMb();
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb())), 100);
  const t0 = performance.now();
  const { langs, numberLang } = loadConfig({}).ocr;
  const engine = await createOcrEngine({ cacheDir: path.join(dir, 'cache'), langs, numberLang, workers });
  const startMs = performance.now() - t0;
  const afterStart = rssMb();
  log(`Diwan: ${workers} workers, ${files.length} pages`);
  await diwanRead(engine, files[0]!); // warm-up: first-page allocations and the digit shapes, not in the figure
  const diwanMs = await lanes(files, workers, async (f) => void (await diwanRead(engine, f)));
  const diwanPeak = peak;

  // The reference is native Tesseract: installed from Debian's packages when missing (as root), like eval:ocr does.
  const version =
    (await nativeAvailable()) ??
    ((await aptInstall(['tesseract-ocr', 'tesseract-ocr-ara', 'tesseract-ocr-eng'])) ? await nativeAvailable() : undefined);
  let nativeMs: number | undefined;
  let nativePrepMs: number | undefined;
  if (version) {
    log(`native ${version}: ${files.length} pages, as scanned`);
    nativeMs = await lanes(files, workers, native);
    log(`native ${version}: ${files.length} pages, after Diwan's preprocessing`);
    nativePrepMs = await lanes(files, workers, async (f) => {
      const page = await renderPage(f, 0, LIMITS);
      const input = await prepareForOcrWithGeometry(page.png);
      const png = `${f}.prepared.png`;
      fs.writeFileSync(png, await inkPng(input.ink));
      await native(png);
    });
  } else
    log('native tesseract with Arabic is not installed (apt-get install tesseract-ocr tesseract-ocr-ara): no reference figures');

  // The long run: the pool must stay at its size while workers are recycled.
  let maxWorkers = 0;
  const rssByHundred: number[] = [];
  if (poolPages > 0) {
    log(`pool check: ${poolPages} pages`);
    const long = Array.from({ length: poolPages }, (_, i) => files[i % files.length]!);
    let done = 0;
    let windowPeak = 0;
    const watch = setInterval(() => {
      maxWorkers = Math.max(maxWorkers, engine.stats().workers);
      windowPeak = Math.max(windowPeak, rssMb());
    }, 100);
    await lanes(long, workers, async (f) => {
      await diwanRead(engine, f);
      done++;
      if (done % 100 === 0 || done === poolPages) {
        rssByHundred.push(Math.round(windowPeak));
        windowPeak = 0;
        log(`  ${done} pages, ${engine.stats().recycled} workers recycled`);
      }
    });
    clearInterval(watch);
  }
  clearInterval(sampler);
  const stats = engine.stats();
  await engine.close();

  const perMin = (ms: number | undefined) => (ms === undefined ? 'n/a' : ((files.length * 60_000) / ms).toFixed(1));
  const rows = [
    ['Diwan (decode, preprocess, tesseract.js, number and word second look)', perMin(diwanMs)],
    [`native ${version ?? 'tesseract'}, scans as they are`, perMin(nativeMs)],
    [`native ${version ?? 'tesseract'}, after Diwan's preprocessing (timed in)`, perMin(nativePrepMs)],
  ];
  const width = Math.max(...rows.map((r) => r[0]!.length));
  const perWorker = (diwanPeak - baseline) / (workers + 1);
  const lines = [
    '',
    `OCR speed on ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}), ${files.length} pages, ${workers} lanes each`,
    `${'reader'.padEnd(width)}  pages/min`,
    ...rows.map((r) => `${r[0]!.padEnd(width)}  ${r[1]!.padStart(9)}`),
    '',
    `memory: process ${baseline.toFixed(0)} MB before the pool, ${afterStart.toFixed(0)} MB after starting ${workers} workers (${startMs.toFixed(0)} ms),` +
      ` peak ${diwanPeak.toFixed(0)} MB reading; about ${perWorker.toFixed(0)} MB per worker (${workers} page workers + 1 Arabic re-reader)`,
  ];
  if (poolPages > 0) {
    lines.push(
      `pool over ${poolPages} pages: at most ${maxWorkers} workers (size ${workers}), ${stats.recycled} recycled, ${stats.timeouts} timed out;` +
        ` peak memory per hundred pages: ${rssByHundred.map((m) => `${m} MB`).join(', ')}`,
    );
  }
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
