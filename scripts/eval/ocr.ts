/**
 * OCR evaluation: how well does Diwan read registry letters, and how does
 * that compare with plain Tesseract on the same pages?
 *
 * 1. Renders synthetic ministry letters (scripts/eval/corpus.ts) in twelve
 *    faces at 10-16 pt, 300 dpi, and degrades them at three levels (light,
 *    medium, heavy: tilt, blur, grain, uneven lighting, JPEG quality), seeded.
 *    Half the faces are tuning faces (the only ones anything may be fitted
 *    to), half are held out (scripts/train/faces.ts keeps the split); every
 *    figure is reported for each half, and the targets are on the held-out.
 * 2. Reads each page as the pipeline does: normalisePage -> prepareForOcr ->
 *    the tesseract.js engine (ara+eng, 2 workers), composes its archive PDF
 *    and extracts that PDF's text with pdftotext and mutool.
 * 3. Reads the same JPEGs with the native `tesseract` CLI (ara+eng, --psm 3,
 *    no preprocessing, two processes of one thread each), installing the
 *    Debian packages first if it is missing and we are root.
 * 4. Reads the real scanned lines of ../shared/ocr-real (never tuned on) with
 *    Diwan and with native Tesseract (--psm 7, ara) in the same run.
 * 5. Prints CER, WER, the exact-number rate and pages per minute per level
 *    and overall, writes every page's result as JSON, and the report as
 *    docs/ocr-evaluation.md (or `--report FILE`).
 *
 * Usage: npm run eval:ocr [-- --pages 36] [--seed 1] [--split all|tuning|held-out] [--out DIR | --out FILE.json]
 *   [--real DIR|none] [--native none] [--pdf none] [--keep-pages] [--report FILE] [--langs ara+eng] [--number-lang diwan_ara|none]
 * `--split tuning` renders tuning faces only (what a change may be chosen on), `--split held-out` the
 * held-out faces only; `--real none`, `--native none` and `--pdf none` leave out the real lines, native Tesseract
 * and the archive PDFs' text.
 * With a directory (default: a new temp dir) the results go to DIR/results.json;
 * the generated pages, ground truth and both readings are kept beside them in pages/.
 */
import { aptInstall } from './apt';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { normalisePage, pagePng } from '../../ingest/adapters/images';
import { prepareForOcrWithGeometry } from '../../ingest/adapters/ocrImage';
import { createOcrEngine, type OcrEngine } from '../../ingest/ocr/engine';
import { loadConfig } from '../../src/config';
import { EVALUATION_FACE_IDS, faceFile, FACE_SPLIT } from '../train/faces';
import { LETTERS } from './corpus';
import { extractors, extractTextLayer, type ExtractedText } from './pdfText';
import { loadRealLines, scoreLine, summariseLines, type LineScore, type RealLine } from './real';
import { evalCacheDir, parseArgs, type Options } from './ocrOptions';
import { writeReport, type Split } from './report';
import { score, summarise, table, type Row, type Scores, type Summary } from './summary';
import { degradation, degrade, LEVELS, renderLetter, type Degradation, type FontFace, type Level } from './pages';

const run = promisify(execFile);

const WORKERS = 2;
const LIMITS = { maxPagePixels: 100_000_000, maxPages: 500 };
const SIZES_PT = [12, 10, 14, 16, 11, 13, 15];
/** Debian's packages of the faces not carried by npm. */
const FONT_PACKAGES = ['fonts-kacst', 'fonts-arabeyes', 'fonts-noto-core', 'fonts-dejavu-core'];

type EvalFace = FontFace & { split: Split };

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

/** The tuning faces, then the held-out ones chosen for measuring; Debian's font packages installed when missing. */
async function faces(notes: string[], which: Options['split']): Promise<EvalFace[]> {
  const wanted = [
    ...FACE_SPLIT.training.map((f) => ({ f, split: 'tuning' as const })),
    ...EVALUATION_FACE_IDS.map((id) => ({ f: FACE_SPLIT.heldOut.find((h) => h.id === id), split: 'held-out' as const })),
  ].filter(({ split }) => which === 'all' || split === which);
  if (wanted.some(({ f }) => f && !faceFile(f))) await aptInstall(FONT_PACKAGES);
  const list: EvalFace[] = [];
  for (const { f, split } of wanted) {
    const file = f && faceFile(f);
    if (f && file) list.push({ id: f.id, family: f.family, file, split });
    else notes.push(`face ${f?.family ?? '?'} (${split}) is not installed: left out`);
  }
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
  split: Split;
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
async function generate(opts: Options, fonts: EvalFace[], dir: string): Promise<PageSpec[]> {
  const specs: PageSpec[] = [];
  for (let n = 0; n < opts.pages; n++) {
    const levelIndex = n % LEVELS.length;
    const group = Math.floor(n / LEVELS.length);
    const level = LEVELS[levelIndex] as Level;
    const face = fonts[(group + levelIndex) % fonts.length] as EvalFace;
    const letter = LETTERS[(group + levelIndex * 4 + opts.seed) % LETTERS.length];
    const sizePt = SIZES_PT[group % SIZES_PT.length] as number;
    if (!letter) throw new Error('empty corpus');
    const pageSeed = (opts.seed * 7919 + n * 104729) >>> 0;
    const d = degradation(level, pageSeed);
    const name = `${String(n + 1).padStart(3, '0')}-${level}-${face.id}-${sizePt}pt-${letter.id}`;
    const file = path.join(dir, `${name}.jpg`);
    const truth = letter.lines.join('\n');
    if (!opts.keepPages || !fs.existsSync(file)) {
      const clean = await renderLetter(letter.lines, face, sizePt);
      fs.writeFileSync(file, await degrade(clean, d, pageSeed));
    }
    fs.writeFileSync(path.join(dir, `${name}.gt.txt`), `${truth}\n`);
    specs.push({ n: n + 1, name, letter: letter.id, font: face.id, split: face.split, sizePt, degradation: d, truth, file });
  }
  return specs;
}

interface Reading {
  text: string;
  ms: number;
  error?: string;
  /** The archive PDF's text as extractors read it (Diwan's readings only). */
  pdf?: ExtractedText;
  /** The page's confidence as the archive records it, 0-100, and the words' own (Diwan's readings only). */
  confidence?: number;
  wordConfidences?: number[];
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
    return { text: await read(), ms: Math.round(performance.now() - t0) };
  } catch (e) {
    return { text: '', ms: Math.round(performance.now() - t0), error: String((e as Error).message) };
  }
}

/**
 * Diwan's reading of a page. With `tools`, what it takes to compose the page's
 * archive PDF and extract its text is kept in `later`, run after the timed
 * reading (composing is not reading, and must not slow the figure down).
 */
function diwanReader(
  engine: OcrEngine,
  tools?: { pdftotext: boolean; mutool: boolean },
  later?: Map<number, () => Promise<ExtractedText>>,
) {
  return async (spec: PageSpec) => {
    let page: Awaited<ReturnType<typeof normalisePage>> | undefined;
    let geometry: Awaited<ReturnType<typeof prepareForOcrWithGeometry>> | undefined;
    let ocr: Awaited<ReturnType<OcrEngine['recognize']>> | undefined;
    const reading = await timed(async () => {
      page = await normalisePage(fs.readFileSync(spec.file), 300, LIMITS);
      geometry = await prepareForOcrWithGeometry(page);
      ocr = await engine.recognize(geometry.ink);
      return ocr.text;
    });
    const [p, g, o] = [page, geometry, ocr];
    if (o) Object.assign(reading, { confidence: o.confidence, wordConfidences: o.words.map((w) => w[5]) });
    if (tools && later && p && g && o)
      later.set(spec.n, async () =>
        extractTextLayer({ ...p, png: await pagePng(p) }, g, o, spec.file.replace(/\.jpg$/, '.archive.pdf'), tools),
      );
    return reading;
  };
}

/** Native Tesseract on each real line (`--psm 7`, Arabic), `WORKERS` single-threaded processes at a time. */
async function nativeLines(lines: RealLine[]): Promise<Map<string, LineScore>> {
  const scores = new Map<string, LineScore>();
  await pool(lines, WORKERS, async (line) => {
    const { stdout } = await run('tesseract', [line.file, '-', '-l', 'ara', '--psm', '7'], {
      env: { ...process.env, OMP_THREAD_LIMIT: '1' },
      timeout: 120_000,
    });
    scores.set(line.id, scoreLine(line.truth, stdout.trim()));
  });
  return scores;
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

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const resultsFile = opts.out.endsWith('.json') ? opts.out : path.join(opts.out, 'results.json');
  const pagesDir = opts.out.endsWith('.json') ? opts.out.replace(/\.json$/, '.pages') : path.join(opts.out, 'pages');
  fs.mkdirSync(pagesDir, { recursive: true });
  const notes: string[] = [];

  const fonts = await faces(notes, opts.split);
  const tesseract = opts.withNative ? await nativeTesseract(notes) : undefined;

  log(`generating ${opts.pages} pages (seed ${opts.seed}) in ${pagesDir}`);
  const t0 = performance.now();
  const specs = await generate(opts, fonts, pagesDir);
  const generateMs = Math.round(performance.now() - t0);

  const tools = await extractors();
  if (!tools.pdftotext || !tools.mutool) await aptInstall(['poppler-utils', 'mupdf-tools']);
  Object.assign(tools, await extractors());
  log(
    `Diwan OCR (normalisePage -> prepareForOcr -> tesseract.js ${opts.langs.join('+')}, numbers ${opts.numberLang ?? 'by shape'}, ${WORKERS} workers)`,
  );
  const s0 = performance.now();
  const engine = await createOcrEngine({
    cacheDir: evalCacheDir(),
    langs: opts.langs,
    numberLang: opts.numberLang,
    workers: WORKERS,
  });
  const engineStartMs = Math.round(performance.now() - s0);
  let diwan;
  const realLines = opts.withReal ? loadRealLines(opts.real) : [];
  const realDiwan = new Map<string, LineScore>();
  try {
    const later = new Map<number, () => Promise<ExtractedText>>();
    diwan = await evaluate(specs, diwanReader(engine, opts.withPdf ? tools : undefined, later), pagesDir, 'diwan');
    log(`archive PDFs: composing ${later.size} and extracting their text`);
    for (const [n, compose] of later) {
      const reading = diwan.readings.get(n);
      if (reading) reading.pdf = await compose();
    }
    log(`real lines: ${realLines.length} from ${opts.real}`);
    await pool(realLines, WORKERS, async (line) => {
      const page = await normalisePage(fs.readFileSync(line.file), 300, LIMITS);
      const { text } = await engine.recognize((await prepareForOcrWithGeometry(page)).ink);
      realDiwan.set(line.id, scoreLine(line.truth, text));
    });
  } finally {
    await engine.close();
  }

  let native: Awaited<ReturnType<typeof evaluate>> | undefined;
  if (tesseract) {
    log(`native ${tesseract} (ara+eng, --psm 3, no preprocessing, ${WORKERS} single-threaded processes)`);
    native = await evaluate(specs, nativeReader, pagesDir, 'native');
  }
  const realNative = tesseract ? await nativeLines(realLines) : undefined;

  const results = {
    createdAt: new Date().toISOString(),
    options: { pages: opts.pages, seed: opts.seed, split: opts.split },
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

  writeReport(opts.report, {
    createdAt: results.createdAt,
    pages: specs.map((s) => ({
      font: s.font,
      split: s.split,
      level: s.degradation.level,
      truth: s.truth,
      diwan: diwan.readings.get(s.n)?.text ?? '',
      native: native?.readings.get(s.n)?.text,
      pdftotext: diwan.readings.get(s.n)?.pdf?.pdftotext,
      mutool: diwan.readings.get(s.n)?.pdf?.mutool,
      confidence: diwan.readings.get(s.n)?.confidence,
    })),
    real: {
      dir: path.relative(path.resolve(__dirname, '..', '..', '..'), opts.real),
      diwan: summariseLines(realLines, realDiwan),
      native: realNative ? summariseLines(realLines, realNative) : null,
    },
    speed: {
      diwanPagesPerMinute: diwan.summary.overall.pagesPerMinute,
      nativePagesPerMinute: native?.summary.overall.pagesPerMinute ?? null,
    },
    nativeVersion: tesseract ?? null,
    reviewBelow: loadConfig({}).ocr.reviewBelow,
    notes,
  });

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
      `report:  ${opts.report}`,
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
