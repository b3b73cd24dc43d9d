/**
 * Reading order of words on a line from where they stand: the one place that
 * decides which words run right to left and in what order a line's words are
 * read (a simplified Unicode bidi algorithm at word level: a right-to-left line
 * reads its words from the right, but a run of left-to-right words, numbers
 * and Latin, keeps its own left-to-right order). Used by the OCR's second look
 * (lines.ts) and the archive PDF's text layer (textLayer.ts).
 */

/** A letter of a right-to-left script: a word holding one is written right to left. */
export const RTL_LETTER =
  /[\u0590-\u05FF\u0620-\u064A\u066E-\u06D3\u06D5\u06FA-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]/;
/** A letter or digit that runs left to right (Latin, and digits of every kind). */
export const LTR_STRONG = /[A-Za-z\u00C0-\u024F0-9\u0660-\u0669\u06F0-\u06F9]/;

/** Whether a word reads right to left: it has a right-to-left letter, or no strong letter in a right-to-left line. */
export function isRtlWord(text: string, lineRtl: boolean): boolean {
  if (RTL_LETTER.test(text)) return true;
  return LTR_STRONG.test(text) ? false : lineRtl;
}

/** Whether a line reads right to left: it has words with right-to-left letters, and no fewer than with Latin ones. */
export function isRtlLine(texts: string[]): boolean {
  const rtl = texts.filter((t) => RTL_LETTER.test(t)).length;
  const latin = texts.filter((t) => !RTL_LETTER.test(t) && /[A-Za-z]/.test(t)).length;
  return rtl > 0 && rtl >= latin;
}

/**
 * Words of one line in logical order, from their boxes: in a right-to-left
 * line, right to left, except that a run of left-to-right words (numbers,
 * Latin) keeps its left-to-right order; the mirror image in a left-to-right line.
 */
export function logicalOrder<T extends { x0: number; x1: number; rtl: boolean }>(words: T[], lineRtl: boolean): T[] {
  const byPosition = [...words].sort((a, b) => (lineRtl ? b.x1 - a.x1 : a.x0 - b.x0));
  const out: T[] = [];
  let run: T[] = [];
  for (const w of byPosition) {
    if (w.rtl !== lineRtl) run.push(w);
    else {
      out.push(...run.reverse(), w);
      run = [];
    }
  }
  out.push(...run.reverse());
  return out;
}
