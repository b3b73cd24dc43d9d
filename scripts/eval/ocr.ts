/**
 * OCR evaluation: how well does Diwan read registry letters, and how does
 * that compare with plain Tesseract on the same pages?
 *
 * 1. Renders synthetic ministry letters (scripts/eval/corpus.ts) in several
 *    faces at 10-16 pt, 300 dpi, and degrades them at three levels (light,
 *    medium, heavy: tilt, blur, grain, uneven lighting, JPEG quality), seeded.
 * 2. Reads each page as the pipeline does: normalisePage -> prepareForOcr ->
 *    the tesseract.js engine (ara+eng, 2 workers).
 * 3. Reads the same JPEGs with the native `tesseract` CLI (ara+eng, --psm 3,
 *    no preprocessing, two processes of one thread each), installing the
 *    Debian packages first if it is missing and we are root.
 * 4. Prints CER, WER, the exact-number rate and pages per minute per level
 *    and overall, and writes every page's result as JSON.
 *
 * Usage: npm run eval:ocr [-- --pages 24] [--seed 1] [--out DIR | --out FILE.json]
 * With a directory (default: a new temp dir) the results go to DIR/results.json;
 * the generated pages, ground truth and both readings are kept beside them in pages/.
 */
import { aptInstall } from './apt';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { normalisePage, prepareForOcr } from '../../ingest/images';
import { createOcrEngine, type OcrEngine } from '../../ingest/ocr';
import { FONTS } from '../fixtures/arabicScan';
import { LETTERS } from './corpus';
import { charErrors, matchNumbers, rate, wordErrors, type ErrorCount } from './metrics';
import { degradation, degrade, LEVELS, renderLetter, type Degradation, type FontFace, type Level } from './pages';

const run = promisify(execFile);

const WORKERS = 2;
const LIMITS = { maxPagePixels: 100_000_000, maxPages: 500 };
const SIZES_PT = [12, 10, 14, 16, 11, 13, 15];
const KUFI: FontFace = { id: 'kacst-office', family: 'KacstOffice', file: '/usr/share/fonts/truetype/kacst/KacstOffice.ttf' };

interface Options {
  pages: number;
  seed: number;
  out: string;
}

function parseArgs(argv: string[]): Options {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const pages = Number(value('pages') ?? 24);
  const seed = Number(value('seed') ?? 1);
  if (!Number.isInteger(pages) || pages < 1) throw new Error('--pages must be a positive integer');
  if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');
  const out = value('out') ?? fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-ocr-eval-'));
  return { pages, seed, out: path.resolve(out) };
}

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

async function faces(notes: string[]): Promise<FontFace[]> {
  const list: FontFace[] = [
    { id: 'naskh', ...FONTS.naskh },
    { id: 'amiri', ...FONTS.amiri },
  ];
  if (!fs.existsSync(KUFI.file)) await aptInstall(['fonts-kacst']);
  if (fs.existsSync(KUFI.file)) list.push(KUFI);
  else notes.push('KacstOffice (fonts-kacst) unavailable: evaluated with Naskh and Amiri only');
  return list;
}

async function tesseractVersion(): Promise<string | undefined> {
  try {
    const { stdout, stderr } = await run('tesseract', ['--version']);
    return (stdout || stderr).split('\n')[0]?.trim();
  } catch {
    return undefined;
  }
}

async function nativeTesseract(notes: string[]): Promise<string | undefined> {
  let version = await tesseractVersion();
  if (!version && (await aptInstall(['tesseract-ocr', 'tesseract-ocr-ara', 'tesseract-ocr-eng'])))
    version = await tesseractVersion();
  if (!version) notes.push('native tesseract unavailable (not installed and could not be installed): its figures are missing');
  return version;
}

interface PageSpec {
  n: number;
  name: string;
  letter: string;
  font: string;
  sizePt: number;
  degradation: Degradation;
  truth: string;
  file: string;
}

/**
 * Page i has level i mod 3; each group of three pages shares a letter offset
 * and a point size, and fonts rotate across both, so any multiple of three
 * pages is balanced over levels and every face meets every level.
 */
async function generate(opts: Options, fonts: FontFace[], dir: string): Promise<PageSpec[]> {
  const specs: PageSpec[] = [];
  for (let n = 0; n < opts.pages; n++) {
    const levelIndex = n % LEVELS.length;
    const group = Math.floor(n / LEVELS.length);
    const level = LEVELS[levelIndex] as Level;
    const face = fonts[(group + levelIndex) % fonts.length] as FontFace;
    const letter = LETTERS[(group + levelIndex * 4 + opts.seed) % LETTERS.length];
    const sizePt = SIZES_PT[group % SIZES_PT.length] as number;
    if (!letter) throw new Error('empty corpus');
    const pageSeed = (opts.seed * 7919 + n * 104729) >>> 0;
    const d = degradation(level, pageSeed);
    const name = `${String(n + 1).padStart(3, '0')}-${level}-${face.id}-${sizePt}pt-${letter.id}`;
    const file = path.join(dir, `${name}.jpg`);
    const truth = letter.lines.join('\n');
    const clean = await renderLetter(letter.lines, face, sizePt);
    fs.writeFileSync(file, await degrade(clean, d, pageSeed));
    fs.writeFileSync(path.join(dir, `${name}.gt.txt`), `${truth}\n`);
    specs.push({ n: n + 1, name, letter: letter.id, font: face.id, sizePt, degradation: d, truth, file });
  }
  return specs;
}

interface Reading {
  text: string;
  ms: number;
  error?: string;
}

/** Runs `read` over items with at most `limit` in flight, keeping order. */
async function pool<T, R>(items: T[], limit: number, read: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await read(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

async function timed(read: () => Promise<string>): Promise<Reading> {
  const t0 = performance.now();
  try {
    const text = await read();
    return { text, ms: Math.round(performance.now() - t0) };
  } catch (e) {
    return { text: '', ms: Math.round(performance.now() - t0), error: String((e as Error).message) };
  }
}

function diwanReader(engine: OcrEngine) {
  return (spec: PageSpec) =>
    timed(async () => {
      const page = await normalisePage(fs.readFileSync(spec.file), 300, LIMITS);
      return (await engine.recognize(await prepareForOcr(page.png))).text;
    });
}

function nativeReader(spec: PageSpec): Promise<Reading> {
  return timed(async () => {
    const { stdout } = await run('tesseract', [spec.file, '-', '-l', 'ara+eng', '--psm', '3'], {
      env: { ...process.env, OMP_THREAD_LIMIT: '1' },
      maxBuffer: 16 * 1024 * 1024,
      timeout: 300_000,
    });
    return stdout.trim();
  });
}

interface Scores {
  chars: ErrorCount;
  words: ErrorCount;
  numbers: { total: number; exact: number; reversed: number };
  /** Registry numbers (Arabic-Indic digits in the letter) and the rest (Latin digits), separately. */
  arabicIndicNumbers: { total: number; exact: number };
  latinNumbers: { total: number; exact: number };
}

function score(truth: string, text: string): Scores & { missedNumbers: string[] } {
  const lines = truth.split('\n');
  const indic = lines.filter((l) => /[\u0660-\u0669]/.test(l)).join('\n');
  const latin = lines.filter((l) => !/[\u0660-\u0669]/.test(l)).join('\n');
  const all = matchNumbers(truth, text);
  const a = matchNumbers(indic, text);
  const l = matchNumbers(latin, text);
  return {
    chars: charErrors(truth, text),
    words: wordErrors(truth, text),
    numbers: { total: all.total, exact: all.exact, reversed: all.reversed },
    arabicIndicNumbers: { total: a.total, exact: a.exact },
    latinNumbers: { total: l.total, exact: l.exact },
    missedNumbers: all.missed,
  };
}

interface Summary {
  pages: number;
  cer: number;
  wer: number;
  numbersExact: number;
  numbersReversed: number;
  arabicIndicNumbersExact: number;
  latinNumbersExact: number;
  pagesPerMinute: number;
  failedPages: number;
}

function summarise(scores: Scores[], wallMs: number, failed: number): Summary {
  const sum = (f: (s: Scores) => number) => scores.reduce((acc, s) => acc + f(s), 0);
  const frac = (a: number, b: number) => (b === 0 ? 0 : a / b);
  return {
    pages: scores.length,
    cer: rate({ errors: sum((s) => s.chars.errors), length: sum((s) => s.chars.length) }),
    wer: rate({ errors: sum((s) => s.words.errors), length: sum((s) => s.words.length) }),
    numbersExact: frac(
      sum((s) => s.numbers.exact),
      sum((s) => s.numbers.total),
    ),
    numbersReversed: frac(
      sum((s) => s.numbers.reversed),
      sum((s) => s.numbers.total),
    ),
    arabicIndicNumbersExact: frac(
      sum((s) => s.arabicIndicNumbers.exact),
      sum((s) => s.arabicIndicNumbers.total),
    ),
    latinNumbersExact: frac(
      sum((s) => s.latinNumbers.exact),
      sum((s) => s.latinNumbers.total),
    ),
    pagesPerMinute: wallMs > 0 ? (scores.length * 60_000) / wallMs : 0,
    failedPages: failed,
  };
}

type Row = Level | 'overall';

/** Reads every level's pages in turn (so pages/min is per level), `WORKERS` at a time. */
async function evaluate(
  specs: PageSpec[],
  read: (s: PageSpec) => Promise<Reading>,
  dir: string,
  suffix: string,
): Promise<{ readings: Map<number, Reading & Scores & { missedNumbers: string[] }>; summary: Record<Row, Summary> }> {
  const readings = new Map<number, Reading & Scores & { missedNumbers: string[] }>();
  const summary = {} as Record<Row, Summary>;
  let totalMs = 0;
  for (const level of LEVELS) {
    const batch = specs.filter((s) => s.degradation.level === level);
    const t0 = performance.now();
    const results = await pool(batch, WORKERS, read);
    const wall = performance.now() - t0;
    totalMs += wall;
    for (const [i, r] of results.entries()) {
      const spec = batch[i] as PageSpec;
      fs.writeFileSync(path.join(dir, `${spec.name}.${suffix}.txt`), `${r.text}\n`);
      readings.set(spec.n, { ...r, ...score(spec.truth, r.text) });
      if (r.error) log(`  ${spec.name}: ${r.error}`);
    }
    const scores = batch.map((s) => readings.get(s.n) as Scores);
    summary[level] = summarise(scores, wall, results.filter((r) => r.error).length);
    log(`  ${level}: ${batch.length} pages in ${(wall / 1000).toFixed(1)} s`);
  }
  const all = specs.map((s) => readings.get(s.n) as Scores);
  const failed = [...readings.values()].filter((r) => r.error).length;
  summary.overall = summarise(all, totalMs, failed);
  return { readings, summary };
}

function table(diwan: Record<Row, Summary>, native: Record<Row, Summary> | undefined): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const cells = (s: Summary | undefined) =>
    s ? [pct(s.cer), pct(s.wer), pct(s.numbersExact), s.pagesPerMinute.toFixed(1)] : ['n/a', 'n/a', 'n/a', 'n/a'];
  const header = ['level', 'pages', 'Diwan CER', 'WER', 'numbers', 'pages/min', 'tesseract CER', 'WER', 'numbers', 'pages/min'];
  const rows: string[][] = (['light', 'medium', 'heavy', 'overall'] as const).map((row) => [
    row,
    String(diwan[row].pages),
    ...cells(diwan[row]),
    ...cells(native?.[row]),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const resultsFile = opts.out.endsWith('.json') ? opts.out : path.join(opts.out, 'results.json');
  const pagesDir = opts.out.endsWith('.json') ? opts.out.replace(/\.json$/, '.pages') : path.join(opts.out, 'pages');
  fs.mkdirSync(pagesDir, { recursive: true });
  const notes: string[] = [];

  const fonts = await faces(notes);
  const tesseract = await nativeTesseract(notes);

  log(`generating ${opts.pages} pages (seed ${opts.seed}) in ${pagesDir}`);
  const t0 = performance.now();
  const specs = await generate(opts, fonts, pagesDir);
  const generateMs = Math.round(performance.now() - t0);

  log(`Diwan OCR (normalisePage -> prepareForOcr -> tesseract.js ara+eng, ${WORKERS} workers)`);
  const s0 = performance.now();
  const engine = await createOcrEngine({
    cacheDir: path.join(os.tmpdir(), 'diwan-ocr-eval-cache'),
    langs: ['ara', 'eng'],
    workers: WORKERS,
  });
  const engineStartMs = Math.round(performance.now() - s0);
  let diwan;
  try {
    diwan = await evaluate(specs, diwanReader(engine), pagesDir, 'diwan');
  } finally {
    await engine.close();
  }

  let native: Awaited<ReturnType<typeof evaluate>> | undefined;
  if (tesseract) {
    log(`native ${tesseract} (ara+eng, --psm 3, no preprocessing, ${WORKERS} single-threaded processes)`);
    native = await evaluate(specs, nativeReader, pagesDir, 'native');
  }

  const results = {
    createdAt: new Date().toISOString(),
    options: { pages: opts.pages, seed: opts.seed },
    fonts: fonts.map((f) => ({ id: f.id, family: f.family })),
    nativeTesseract: tesseract ?? null,
    notes,
    timingsMs: { generate: generateMs, diwanEngineStart: engineStartMs },
    summary: { diwan: diwan.summary, native: native?.summary ?? null },
    pages: specs.map((s) => ({
      ...s,
      file: path.relative(path.dirname(resultsFile), s.file),
      diwan: diwan.readings.get(s.n),
      native: native?.readings.get(s.n) ?? null,
    })),
  };
  fs.writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);

  const o = diwan.summary.overall;
  const n = native?.summary.overall;
  const both = (f: (s: Summary) => number) =>
    `Diwan ${(f(o) * 100).toFixed(1)}%` + (n ? `, tesseract ${(f(n) * 100).toFixed(1)}%` : '');
  process.stdout.write(
    [
      '',
      table(diwan.summary, native?.summary),
      '',
      `numbers exact by script: Arabic-Indic (registry no.) ${both((s) => s.arabicIndicNumbersExact)}; ` +
        `Latin (dates, decisions) ${both((s) => s.latinNumbersExact)}`,
      `numbers read with their parts reversed (e.g. 2019/634): ${both((s) => s.numbersReversed)}`,
      `fonts: ${fonts.map((f) => f.family).join(', ')}; sizes 10-16 pt at 300 dpi; engine start ${engineStartMs} ms (not in pages/min)`,
      ...notes.map((x) => `note: ${x}`),
      `results: ${resultsFile}`,
      `pages:   ${pagesDir}`,
      '',
    ].join('\n'),
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
