/**
 * Scores of the OCR evaluation's pages: character and word errors and exact
 * numbers per page, summed per level, and the console table.
 */
import { charErrors, matchNumbers, rate, wordErrors, type ErrorCount } from './metrics';
import type { Level } from './pages';

export interface Scores {
  chars: ErrorCount;
  words: ErrorCount;
  numbers: { total: number; exact: number; reversed: number };
  /** Registry numbers (Arabic-Indic digits in the letter) and the rest (Latin digits), separately. */
  arabicIndicNumbers: { total: number; exact: number };
  latinNumbers: { total: number; exact: number };
}

export function score(truth: string, text: string): Scores & { missedNumbers: string[] } {
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

export interface Summary {
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

export function summarise(scores: Scores[], wallMs: number, failed: number): Summary {
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

export type Row = Level | 'overall';

export function table(diwan: Record<Row, Summary>, native: Record<Row, Summary> | undefined): string {
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
