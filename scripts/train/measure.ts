/**
 * Measures a model on freshly rendered lines set in held-out faces (never
 * rendered for training), or in tuning faces to choose between models: native `tesseract --psm 7` reads each line
 * image and the result is compared with the logical-order text.
 *
 * Two figures per model: the character error rate (edit distance over the
 * reference length, summed over all lines) and the exact-number rate (the
 * share of numbers in the references, such as ٢٠٢٥/٧١٣١ or 14/03/2025, that
 * appear verbatim in the reading). Each is given strictly and "folded", with
 * Extended Arabic-Indic digits (۰-۹, which Tesseract's Arabic script model
 * often emits and which look alike) read as Arabic-Indic (٠-٩).
 */
import fs from 'node:fs';
import path from 'node:path';
import { EVALUATION_FACE_IDS, FACE_SPLIT, type Face, covers, faceFile } from './faces';
import { encodable } from './dataset';
import { Random } from './random';
import { renderLine } from './render';
import { makeLines, numbersIn } from './texts';
import { run } from './tools';

export interface EvalLine {
  png: string;
  text: string;
  face: string;
}

export interface Score {
  lines: number;
  cer: number;
  cerFolded: number;
  numbers: number;
  exactNumbers: number;
  exactNumbersFolded: number;
}

/**
 * Renders `count` lines, none of them in `exclude`, in faces that have all
 * their glyphs: the held-out evaluation faces (a measurement), or the tuning
 * faces (`split: 'tuning'`, to choose between models without looking at the
 * held-out ones).
 */
export async function buildEvalSet(opts: {
  dir: string;
  count: number;
  seed: number;
  exclude: Set<string>;
  chars: Set<string>;
  split?: 'held-out' | 'tuning';
}): Promise<EvalLine[]> {
  fs.mkdirSync(opts.dir, { recursive: true });
  const chosen =
    opts.split === 'tuning'
      ? [...FACE_SPLIT.training]
      : EVALUATION_FACE_IDS.map((id) => FACE_SPLIT.heldOut.find((f) => f.id === id));
  const faces = chosen.filter((f): f is Face => f !== undefined && faceFile(f) !== undefined);
  if (faces.length === 0) throw new Error(`no ${opts.split ?? 'held-out'} evaluation face is installed`);
  const r = new Random(opts.seed);
  const candidates = makeLines(opts.count * 3, r).filter((l) => !opts.exclude.has(l) && encodable(l, opts.chars));
  const out: EvalLine[] = [];
  for (const text of candidates) {
    if (out.length >= opts.count) break;
    const start = out.length % faces.length;
    let face: Face | undefined;
    for (let k = 0; k < faces.length && !face; k++) {
      const f = faces[(start + k) % faces.length] as Face;
      if (covers(f, text)) face = f;
    }
    if (!face) continue;
    const png = path.join(opts.dir, `eval-${String(out.length).padStart(4, '0')}-${face.id}.png`);
    fs.writeFileSync(png, (await renderLine(text, face, r)).png);
    out.push({ png, text, face: face.id });
  }
  return out;
}

/** Reads every line image with one tesseract run; returns one reading per image. */
export function recognise(lines: EvalLine[], tessdataDir: string, lang: string, workDir: string): string[] {
  const list = path.join(workDir, `list-${lang}.txt`);
  fs.writeFileSync(list, lines.map((l) => l.png).join('\n') + '\n');
  const outBase = path.join(workDir, `read-${lang}`);
  run('tesseract', [list, outBase, '--tessdata-dir', tessdataDir, '-l', lang, '--psm', '7']);
  const pages = fs.readFileSync(`${outBase}.txt`, 'utf8').split('\f');
  return lines.map((_l, i) => pages[i] ?? '');
}

/** Drops direction marks and extra spaces from a reading. */
export function clean(s: string): string {
  return s
    .replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Extended Arabic-Indic digits as Arabic-Indic. */
export function foldDigits(s: string): string {
  return s.replace(/[۰-۹]/g, (d) => String.fromCharCode((d.codePointAt(0) as number) - 0x6f0 + 0x660));
}

/** Levenshtein distance over code points. */
export function editDistance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  let prev = Array.from({ length: y.length + 1 }, (_v, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      const sub = (prev[j - 1] as number) + (x[i - 1] === y[j - 1] ? 0 : 1);
      cur.push(Math.min(sub, (prev[j] as number) + 1, (cur[j - 1] as number) + 1));
    }
    prev = cur;
  }
  return prev[y.length] as number;
}

/** True when `num` appears in `reading` not glued to further digits. */
function hasNumber(reading: string, num: string): boolean {
  let at = reading.indexOf(num);
  while (at >= 0) {
    const before = reading[at - 1] ?? ' ';
    const after = reading[at + num.length] ?? ' ';
    if (!/[0-9٠-٩۰-۹]/.test(before) && !/[0-9٠-٩۰-۹]/.test(after)) return true;
    at = reading.indexOf(num, at + 1);
  }
  return false;
}

/** Scores readings against the references. */
export function score(lines: EvalLine[], readings: string[]): Score {
  let chars = 0;
  let dist = 0;
  let distFolded = 0;
  let numbers = 0;
  let exact = 0;
  let exactFolded = 0;
  lines.forEach((l, i) => {
    const got = clean(readings[i] ?? '');
    const want = clean(l.text);
    chars += [...want].length;
    dist += editDistance(got, want);
    distFolded += editDistance(foldDigits(got), want);
    for (const n of numbersIn(want)) {
      numbers++;
      if (hasNumber(got, n)) exact++;
      if (hasNumber(foldDigits(got), n)) exactFolded++;
    }
  });
  return {
    lines: lines.length,
    cer: dist / Math.max(1, chars),
    cerFolded: distFolded / Math.max(1, chars),
    numbers,
    exactNumbers: exact / Math.max(1, numbers),
    exactNumbersFolded: exactFolded / Math.max(1, numbers),
  };
}

/** One table row. */
export function formatScore(name: string, s: Score): string {
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`.padStart(7);
  return `${name.padEnd(22)} CER ${pct(s.cer)}  (folded ${pct(s.cerFolded)})   exact numbers ${pct(s.exactNumbers)}  (folded ${pct(s.exactNumbersFolded)})  of ${s.numbers}`;
}
