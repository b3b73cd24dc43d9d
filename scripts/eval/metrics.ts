/**
 * Accuracy measures for the OCR evaluation: edit distance, character and word
 * error rates, and the exact-number rate (did every registry number, date and
 * decision number come out digit for digit?).
 *
 * Text is compared after a deliberately light normalisation: whitespace
 * collapsed, bidi marks, Arabic diacritics and tatweel removed, nothing else.
 * Unlike the search normalisation, hamza forms, ta marbuta and alef maqsura are
 * kept, so an OCR that confuses them is charged for it.
 */

const DIACRITICS = /[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06DC\u06DF-\u06E8\u06EA-\u06ED]/g;
const TATWEEL = /\u0640/g;
const BIDI_MARKS = /[\u200E\u200F\u202A-\u202E\u2066-\u2069\u061C\uFEFF]/g;

/** The text as compared: NFC, no bidi marks, diacritics or tatweel, whitespace collapsed to single spaces. */
export function normaliseForEval(text: string): string {
  return text.normalize('NFC').replace(BIDI_MARKS, '').replace(DIACRITICS, '').replace(TATWEEL, '').replace(/\s+/g, ' ').trim();
}

/** Levenshtein distance (unit costs) between two sequences, in O(min(n, m)) memory. */
export function levenshtein<T>(a: readonly T[], b: readonly T[]): number {
  if (a.length < b.length) [a, b] = [b, a];
  if (b.length === 0) return a.length;
  let prev = new Int32Array(b.length + 1);
  let cur = new Int32Array(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    const ai = a[i - 1];
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] as number) + (ai === b[j - 1] ? 0 : 1);
      const del = (prev[j] as number) + 1;
      const ins = (cur[j - 1] as number) + 1;
      cur[j] = Math.min(sub, del, ins);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length] as number;
}

/** Characters as Unicode code points (so surrogate pairs count once). */
export function chars(text: string): string[] {
  return Array.from(text);
}

export function words(text: string): string[] {
  return text.split(' ').filter((w) => w.length > 0);
}

/** Errors and reference length; rates are summed over pages as errors / length, not averaged per page. */
export interface ErrorCount {
  errors: number;
  length: number;
}

export function charErrors(reference: string, hypothesis: string): ErrorCount {
  const ref = chars(normaliseForEval(reference));
  return { errors: levenshtein(ref, chars(normaliseForEval(hypothesis))), length: ref.length };
}

export function wordErrors(reference: string, hypothesis: string): ErrorCount {
  const ref = words(normaliseForEval(reference));
  return { errors: levenshtein(ref, words(normaliseForEval(hypothesis))), length: ref.length };
}

/** Character error rate of one hypothesis; 0 for an empty reference read as empty. */
export function cer(reference: string, hypothesis: string): number {
  return rate(charErrors(reference, hypothesis));
}

/** Word error rate of one hypothesis (words split on whitespace). */
export function wer(reference: string, hypothesis: string): number {
  return rate(wordErrors(reference, hypothesis));
}

export function rate(c: ErrorCount): number {
  if (c.length === 0) return c.errors === 0 ? 0 : 1;
  return c.errors / c.length;
}

const DIGIT = '[0-9\\u0660-\\u0669\\u06F0-\\u06F9]';
const NUMBER = new RegExp(`${DIGIT}+(?:[/.\\-]${DIGIT}+)*`, 'g');

/** Arabic-Indic (U+0660..) and Persian (U+06F0..) digits as Latin ones; everything else unchanged. */
export function latinDigits(text: string): string {
  return text
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[\u06F0-\u06F9]/g, (d) => String(d.charCodeAt(0) - 0x06f0));
}

/**
 * The numbers in a text, in Latin digits: runs of digits joined by `/`, `-` or
 * `.` (registry numbers, dates, decision numbers), in either digit script.
 */
export function extractNumbers(text: string): string[] {
  return (normaliseForEval(text).match(NUMBER) ?? []).map(latinDigits);
}

export interface NumberMatch {
  /** Numbers in the reference. */
  total: number;
  /** Reference numbers found exactly in the hypothesis (each hypothesis number used once). */
  exact: number;
  /** Reference numbers not found exactly but present with their parts in reverse order (e.g. 2019/634 for 634/2019). */
  reversed: number;
  missed: string[];
}

/** How many of the reference's numbers appear digit for digit in the hypothesis. */
export function matchNumbers(reference: string, hypothesis: string): NumberMatch {
  const want = extractNumbers(reference);
  const pool = new Map<string, number>();
  for (const n of extractNumbers(hypothesis)) pool.set(n, (pool.get(n) ?? 0) + 1);
  const take = (n: string): boolean => {
    const left = pool.get(n) ?? 0;
    if (left === 0) return false;
    pool.set(n, left - 1);
    return true;
  };
  let exact = 0;
  const unmatched: string[] = [];
  for (const n of want) {
    if (take(n)) exact++;
    else unmatched.push(n);
  }
  let reversed = 0;
  for (const n of unmatched) {
    const parts = n.split(/([/.-])/);
    if (parts.length > 1 && take(parts.reverse().join(''))) reversed++;
  }
  return { total: want.length, exact, reversed, missed: unmatched };
}
