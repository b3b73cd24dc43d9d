/**
 * A line of the invisible text layer (textLayer.ts) cut for writing: which of its characters run right to
 * left, the blocks of one direction and the pieces (runs of letters, spaces) they hold, and the font size
 * and squeeze that lay them across the line's extent with every word apart.
 */

/** A character poppler counts as right to left: the Hebrew and Arabic blocks, but for their digits. */
const RTL_CHAR = /[\u0590-\u05FF\u0600-\u065F\u066A-\u06EF\u06FA-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/;

/** A combining mark (a vowel sign, shadda): drawn over its letter, taking no room of its own on the line. */
export const MARK = /\p{Mn}/u;

/**
 * The least gap between two words, as a share of the font size: readers find a word break only in a gap
 * (pdf.js from a fifth of the size between two pieces of text, poppler from a tenth), so a space keeps
 * this width however much its line is squeezed.
 */
const WORD_GAP = 0.35;
/**
 * The least step back between two right-to-left letters, as a share of the font size. pdf.js takes a
 * smaller step backwards for kerning and joins the letters into one piece, which it then turns around.
 */
const RTL_STEP = 0.3;
/** Bounds of a line's squeeze (Tz); a line that would be squeezed more is written smaller instead. */
const MIN_SCALE = 0.1;
const MAX_SCALE = 4;

/** Characters written together (a run of one direction's letters, digits and marks), or one space: a gap between words. */
export interface Piece {
  text: string;
  rtl: boolean;
  space: boolean;
  /** Each character's width on the line at a font size of 1, unsqueezed (a mark's is 0). */
  widths: number[];
}

/** A block of one direction: a line's stretch, or a phrase of the other direction within it. */
export interface Block {
  rtl: boolean;
  pieces: Piece[];
}

/** Arabic-Indic digits: left to right among themselves, but right-to-left text around them takes in the marks between. */
export const ARABIC_DIGIT = /[\u0660-\u0669\u06F0-\u06F9]/;
/** A letter or a digit: a character with a direction of its own. */
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const DIGIT = /\p{Nd}/u;

/** Each unknown entry of `values` given `pick(before, after)` of the nearest known ones around it (`edge` past the ends). */
function resolve<T>(values: Array<T | undefined>, edge: T, pick: (before: T, after: T, index: number) => T): T[] {
  const after: T[] = [];
  let next = edge;
  for (let i = values.length - 1; i >= 0; i--) {
    after[i] = next;
    next = values[i] ?? next;
  }
  let before = edge;
  return values.map((v, i) => {
    if (v === undefined) return pick(before, after[i] as T, i);
    before = v;
    return v;
  });
}

/**
 * Which characters of a left-to-right line run right to left (a right-to-left line goes by
 * popplerDirections), in the manner of the Unicode bidi algorithm but coarser (a mark of punctuation
 * with the digits and Latin next to it): right-to-left
 * letters do; letters and digits of any other kind do not; a mark of punctuation does between
 * right-to-left text on both sides, or between it and Arabic-Indic digits it touches (the brackets of
 * «(رقم ٤٥)», which pdf.js would otherwise turn around with the digits), not between two digits
 * («١٣:٠٠») nor next to Latin («<a@b.org>»); a space takes the direction of the characters on both
 * sides of it when they agree, else the line's.
 */
function directions(chars: string[], lineRtl: boolean): boolean[] {
  const kinds = chars.map((c, i) => {
    if (RTL_CHAR.test(c)) return 'rtl';
    if (ARABIC_DIGIT.test(c)) return 'digit';
    if (LETTER_OR_DIGIT.test(c)) return 'ltr';
    const between = DIGIT.test(chars[i - 1] ?? '') && DIGIT.test(chars[i + 1] ?? '');
    return between ? 'ltr' : undefined;
  });
  const solid = chars.flatMap((c, i) => (c === ' ' ? [] : [i]));
  const touches = (i: number, side: -1 | 1) => ARABIC_DIGIT.test(chars[i + side] ?? '');
  const marks = resolve(
    solid.map((i) => kinds[i]),
    lineRtl ? 'rtl' : 'ltr',
    (before, after, n) => {
      const i = solid[n] as number;
      const rtl = (before === 'rtl' && (after === 'rtl' || touches(i, 1))) || (after === 'rtl' && touches(i, -1));
      return rtl ? 'rtl' : 'ltr';
    },
  );
  const own: Array<boolean | undefined> = [];
  let k = 0;
  chars.forEach((c) => own.push(c === ' ' ? undefined : marks[k++] === 'rtl'));
  return resolve(own, lineRtl, (before, after) => (before === after ? before : lineRtl));
}

/**
 * A right-to-left mark: written (as a glyph of no width) where poppler would otherwise carry the marks
 * and spaces after a number or a Latin word over to its far side (see withMarks).
 */
export const RLM = '\u200F';

/** What poppler takes for right-to-left: Hebrew and Arabic letters and vowel signs, not Arabic punctuation or digits. */
const POPPLER_RTL = /[\u0590-\u05FF\u0620-\u065F\u066E-\u06D3\u06D5-\u06EF\u06FA-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF\u200F]/;
/** What poppler keeps left to right: letters and digits of other scripts, and the marks it counts as part of a number. */
const POPPLER_LTR = /[\p{L}\p{Nd}#$%+,\-./:\u060C\u066A-\u066C]/u;

/**
 * The stretches of a right-to-left line that poppler keeps left to right, as [first, last] indices: the
 * characters it keeps so, next to each other. A space or a bracket ends a stretch too, so that a
 * stretch never holds one: pdf.js reads what is written in one direction as one piece, and turned a
 * colon, its space and the number after it («القيد: ٢٠٢٥») around together.
 */
function popplerRuns(chars: string[]): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  let first = -1;
  chars.forEach((c, i) => {
    if (!POPPLER_RTL.test(c) && POPPLER_LTR.test(c) && !MARK.test(c)) {
      if (first < 0) first = i;
      return;
    }
    if (first >= 0) runs.push([first, i - 1]);
    first = -1;
  });
  if (first >= 0) runs.push([first, chars.length - 1]);
  return runs;
}

/**
 * A right-to-left line with a right-to-left mark after every stretch poppler keeps left to right that is
 * followed by anything but a right-to-left letter (a space, a bracket). poppler reads a right-to-left line
 * from the right, taking turns: all it does not keep left to right, turned around, then all that is not
 * right to left, as it stands. So what stands between a number (or a colon, which poppler counts with
 * numbers) and the next Arabic word went with the number, to its far side: «القيد: ٢٠٢٥ بتاريخ» came
 * back «القيد : ٢٠٢٥بتاريخ». The mark is right to left for poppler: it ends the number's turn and takes
 * what follows into the Arabic's.
 */
function withMarks(chars: string[]): string[] {
  const out = [...chars];
  for (const [, last] of popplerRuns(chars).reverse())
    if (last + 1 < chars.length && !POPPLER_RTL.test(chars[last + 1] as string)) out.splice(last + 1, 0, RLM);
  return out;
}

/** Which characters of a right-to-left line (marks in, withMarks) run right to left: all but the stretches poppler keeps left to right. */
function popplerDirections(chars: string[]): boolean[] {
  const dirs = chars.map(() => true);
  for (const [first, last] of popplerRuns(chars)) for (let i = first; i <= last; i++) dirs[i] = false;
  return dirs;
}

/**
 * The line in logical order as blocks of one direction, each cut into pieces (`width`: a character's
 * width at a font size of 1). A right-to-left line, when right-to-left marks can be written (`marks`),
 * goes by poppler's turns, marks in (withMarks, popplerDirections); otherwise by directions: a phrase of
 * the other direction is one block with its inner spaces, and the spaces around it are the line's.
 */
export function blocks(text: string, lineRtl: boolean, width: (c: string) => number, marks = false): Block[] {
  const poppler = lineRtl && marks;
  const chars = poppler ? withMarks([...text]) : [...text];
  const dirs = poppler ? popplerDirections(chars) : directions(chars, lineRtl);
  const out: Block[] = [];
  chars.forEach((c, i) => {
    const rtl = dirs[i] as boolean;
    const space = c === ' ';
    const w = MARK.test(c) || c === RLM ? 0 : width(c);
    let block = out[out.length - 1];
    if (!block || block.rtl !== rtl) out.push((block = { rtl, pieces: [] }));
    const last = block.pieces[block.pieces.length - 1];
    if (last && !space && !last.space) {
      last.text += c;
      last.widths.push(w);
    } else block.pieces.push({ text: c, rtl, space, widths: [w] });
  });
  return out;
}

export const sum = (ns: number[]) => ns.reduce((n, w) => n + w, 0);

/** A piece's width on the page: its glyphs squeezed by `k`, a space never narrower than WORD_GAP. */
export function pieceWidth(p: Piece, size: number, k: number): number {
  const natural = sum(p.widths) * k;
  return (p.space ? Math.max(natural, WORD_GAP) : natural) * size;
}

/**
 * The font size and squeeze (Tz) that lay a line's pieces across its extent `span`: the line scaled
 * evenly while its spaces stay WORD_GAP wide; then the spaces keep that width and the letters take the
 * squeeze; and a line that would be squeezed more than its right-to-left letters allow is written smaller.
 */
export function fitLine(pieces: Piece[], span: number, size: number): { size: number; k: number } | null {
  const letters = sum(pieces.filter((p) => !p.space).map((p) => sum(p.widths)));
  if (letters <= 0) return null;
  const spaces = pieces.filter((p) => p.space).map((p) => sum(p.widths));
  // The narrowest step back between two right-to-left letters.
  let step = Infinity;
  for (const p of pieces.filter((q) => q.rtl && !q.space)) {
    const own = p.widths.filter((w) => w > 0);
    for (let i = 1; i < own.length; i++) step = Math.min(step, (own[i - 1] as number) + (own[i] as number));
  }
  const least = Math.max(MIN_SCALE, RTL_STEP / step);
  const even = span / (size * (letters + sum(spaces)));
  const k = spaces.every((w) => w * even >= WORD_GAP) ? even : (span / size - spaces.length * WORD_GAP) / letters;
  if (k >= least) return { size, k: Math.min(k, MAX_SCALE) };
  const room = letters * least + sum(spaces.map((w) => Math.max(w * least, WORD_GAP)));
  return { size: Math.max(Math.min(size, 1), span / room), k: least };
}
