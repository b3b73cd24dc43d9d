/**
 * Real scanned lines for the OCR evaluation: the printed-book lines with
 * double-checked transcriptions kept beside the project (`../shared/ocr-real/`,
 * see its README). They are read from there at run time, never copied into
 * the repository, and nothing is trained or tuned on them: they measure.
 *
 * Each line is read by Diwan's own path (normalisePage -> prepareForOcr -> the
 * engine, as an uploaded scan would be) and by native Tesseract on the same
 * file (`--psm 7`, one line, `ara`), and scored twice: strict (Unicode NFC,
 * whitespace collapsed) and loose (also without diacritics, tatweel and bidi
 * marks, as the rest of the evaluation compares).
 */
import fs from 'node:fs';
import path from 'node:path';
import { levenshtein, chars, charErrors, type ErrorCount } from './metrics';

export interface RealLine {
  id: string;
  book: string;
  file: string;
  truth: string;
}

/** The folder of real lines: `--real DIR`, else `../shared/ocr-real` beside the repository. */
export function realLinesDir(arg: string | undefined, repoRoot: string): string {
  return path.resolve(arg ?? path.join(repoRoot, '..', 'shared', 'ocr-real'));
}

/** The lines listed in the folder's manifest.json that have both an image and a transcription. */
export function loadRealLines(dir: string): RealLine[] {
  const manifest = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifest)) return [];
  const entries = JSON.parse(fs.readFileSync(manifest, 'utf8')) as Array<{ id: string; book: string }>;
  const lines: RealLine[] = [];
  for (const e of entries) {
    const file = path.join(dir, 'lines', `${e.id}.png`);
    const gt = path.join(dir, 'lines', `${e.id}.gt.txt`);
    if (!fs.existsSync(file) || !fs.existsSync(gt)) continue;
    lines.push({ id: e.id, book: e.book, file, truth: fs.readFileSync(gt, 'utf8').trim() });
  }
  return lines;
}

/** Strict comparison: NFC and whitespace only, every mark and symbol counted. */
export function strictErrors(reference: string, hypothesis: string): ErrorCount {
  const norm = (s: string) => s.normalize('NFC').replace(/\s+/g, ' ').trim();
  const ref = chars(norm(reference));
  return { errors: levenshtein(ref, chars(norm(hypothesis))), length: ref.length };
}

export interface LineScore {
  strict: ErrorCount;
  loose: ErrorCount;
}

export function scoreLine(truth: string, text: string): LineScore {
  return { strict: strictErrors(truth, text), loose: charErrors(truth, text) };
}

/** Errors over length summed over lines, per book and overall. */
export function summariseLines(
  lines: RealLine[],
  scores: Map<string, LineScore>,
): Array<{ book: string; lines: number; strict: number; loose: number }> {
  const groups = new Map<string, RealLine[]>();
  for (const l of lines) groups.set(l.book, [...(groups.get(l.book) ?? []), l]);
  const row = (book: string, ls: RealLine[]) => {
    const sum = (k: keyof LineScore) =>
      ls.reduce(
        (acc, l) => {
          const s = scores.get(l.id)?.[k] ?? { errors: 0, length: 0 };
          return { errors: acc.errors + s.errors, length: acc.length + s.length };
        },
        { errors: 0, length: 0 },
      );
    const r = (c: ErrorCount) => (c.length === 0 ? 0 : c.errors / c.length);
    return { book, lines: ls.length, strict: r(sum('strict')), loose: r(sum('loose')) };
  };
  return [...[...groups.entries()].map(([book, ls]) => row(book, ls)), row('all', lines)];
}
