/**
 * Where are Arabic-Indic numbers lost? Reads again the pages of an OCR
 * evaluation run (scripts/eval/ocr.ts, its `pages/` folder) whose Arabic-Indic
 * number was missed, with the engine's trace of its second look (lines.ts), and
 * puts every miss in one class:
 *
 * - `segmentation`: the number's line was cut wrong (its label and its number
 *   in different lines, or no line resembles the truth line);
 * - `not-suspect`: no word of the line was chosen for a second reading as a
 *   number (it stayed an Arabic word, or a Latin-digit word trusted as is);
 * - `model-misread`: the number model's reading over the number is wrong;
 * - `model-missed`: the number model gave no number there (the shape fallback read it, or nothing did);
 * - `placement`: the right digits were read but came out in the wrong place or order;
 * - `look-alike`: Latin letters or digits (1, 7, Y, V, O, ...) survived in the number's place.
 *
 * Pages the evaluation already read (a `.diwan.txt` beside them) are read again only when they missed
 * their number. Usage: node dist/scripts/eval/numberLoss.js DIR [--number-lang diwan_ara] > report.txt
 * Only for tuning-face runs while choosing a change.
 */
import fs from 'node:fs';
import path from 'node:path';
import { normalisePage } from '../../ingest/adapters/images';
import { prepareForOcrWithGeometry } from '../../ingest/adapters/ocrImage';
import { createOcrEngine } from '../../ingest/ocr/engine';
import type { LineTrace } from '../../ingest/ocr/lines';
import { loadConfig } from '../../src/config';
import { cer, extractNumbers, latinDigits as latin } from './metrics';
import { evalCacheDir } from './ocrOptions';

const LIMITS = { maxPagePixels: 100_000_000, maxPages: 500 };
const INDIC = /[\u0660-\u0669]/;

export type LossClass = 'segmentation' | 'not-suspect' | 'model-misread' | 'model-missed' | 'placement' | 'look-alike';

const digitsOnly = (s: string) => latin(s).replace(/[^0-9]/g, '');

/** The class of one missed number, from the traces of its page's lines. */
export function classify(truthLine: string, number: string, traces: LineTrace[]): { cls: LossClass; trace?: LineTrace } {
  const label = truthLine.replace(/[\u0660-\u0669/0-9:.-]+/g, '').trim();
  let best: LineTrace | undefined;
  let bestCer = Infinity;
  for (const t of traces) {
    const c = cer(latin(truthLine), latin(t.after.text));
    if (c < bestCer) [best, bestCer] = [t, c];
  }
  if (!best || bestCer > 0.6) return { cls: 'segmentation', trace: best };
  const t = best;
  // The label's words and the number must share a line: a line holding the label alone lost its number.
  const labelWords = label.split(/\s+/).filter(Boolean).length;
  if (t.before.words.length <= labelWords) return { cls: 'segmentation', trace: t };
  const sameDigits = (s: string) => digitsOnly(s) === digitsOnly(number);
  if (sameDigits(t.after.text)) return { cls: 'placement', trace: t };
  const lookAlike = t.after.words.some((w) => /[A-Za-z]/.test(w.text) || (/[0-9]/.test(w.text) && INDIC.test(w.text)));
  if (lookAlike) return { cls: 'look-alike', trace: t };
  if (!t.kinds.includes('suspect')) return { cls: 'not-suspect', trace: t };
  const modelNumbers = (t.model ?? []).filter(
    (w) => /^[0-9\u0660-\u0669/.-]+$/.test(w.text) && /[0-9\u0660-\u0669]/.test(w.text),
  );
  if (modelNumbers.length === 0) return { cls: 'model-missed', trace: t };
  if (modelNumbers.some((w) => latin(w.text) === number)) return { cls: 'placement', trace: t };
  return { cls: 'model-misread', trace: t };
}

function show(t: LineTrace | undefined): string {
  if (!t) return '  (no line)';
  const words = t.before.words.map((w, i) => `${w.text}{${t.kinds[i]},${Math.round(w.confidence)},${w.box.join(':')}}`).join(' ');
  const model = t.model ? t.model.map((w) => `${w.text}{${w.box.join(':')}}`).join(' ') : '-';
  return `  before: ${words}\n  model:  ${model}\n  after:  ${t.after.text}`;
}

async function main(): Promise<void> {
  const dir = path.resolve(process.argv[2] ?? '');
  const pagesDir = fs.existsSync(path.join(dir, 'pages')) ? path.join(dir, 'pages') : dir;
  const i = process.argv.indexOf('--number-lang');
  const numberLang = i >= 0 ? process.argv[i + 1] : loadConfig({}).ocr.numberLang;
  const names = fs
    .readdirSync(pagesDir)
    .filter((f) => f.endsWith('.jpg'))
    .map((f) => f.replace(/\.jpg$/, ''));
  const engine = await createOcrEngine({
    cacheDir: evalCacheDir(),
    langs: loadConfig({}).ocr.langs,
    numberLang,
    workers: 1,
  });
  const counts = new Map<LossClass, number>();
  let total = 0;
  let missed = 0;
  try {
    for (const name of names.sort()) {
      const truth = fs.readFileSync(path.join(pagesDir, `${name}.gt.txt`), 'utf8').trim();
      const truthLine = truth.split('\n').find((l) => INDIC.test(l));
      if (!truthLine) continue;
      const wanted = extractNumbers(truthLine);
      // A page the evaluation already read is read again only when it missed its number.
      const earlier = path.join(pagesDir, `${name}.diwan.txt`);
      if (fs.existsSync(earlier)) {
        const found = extractNumbers(fs.readFileSync(earlier, 'utf8'));
        const hits = wanted.filter((n) => found.includes(n)).length;
        total += hits;
        if (hits === wanted.length) continue;
        wanted.splice(0, wanted.length, ...wanted.filter((n) => !found.includes(n)));
      }
      const traces: LineTrace[] = [];
      const page = await normalisePage(fs.readFileSync(path.join(pagesDir, `${name}.jpg`)), 300, LIMITS);
      const { text } = await engine.recognize((await prepareForOcrWithGeometry(page)).ink, { trace: (t) => traces.push(t) });
      const got = extractNumbers(text);
      for (const n of wanted) {
        total++;
        if (got.includes(n)) continue;
        missed++;
        const { cls, trace } = classify(truthLine, n, traces);
        counts.set(cls, (counts.get(cls) ?? 0) + 1);
        process.stdout.write(`${name}: ${n} -> ${cls}\n  truth:  ${truthLine}\n${show(trace)}\n`);
      }
    }
  } finally {
    await engine.close();
  }
  process.stdout.write(`\n${missed} of ${total} Arabic-Indic numbers missed\n`);
  for (const [cls, n] of [...counts].sort((a, b) => b[1] - a[1])) process.stdout.write(`  ${cls}: ${n}\n`);
}

if (require.main === module)
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
