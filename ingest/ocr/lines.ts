/**
 * A second look at the recogniser's lines. With Arabic and English loaded
 * together, Tesseract sometimes reads a piece of an Arabic line as English:
 * a registry number in Arabic-Indic digits comes out as "Y-YO LAV", a stacked
 * Amiri ligature as "LE, Blk)". Inside a line that is otherwise Arabic such
 * words are misreadings, so:
 * 1. each is first read as a number: by the number model, which reads the
 *    whole line once (a model fine-tuned on many faces by `npm run train:ocr`),
 *    else by matching its marks against digit shapes (digits.ts);
 * 2. runs of the rest are read again by an Arabic-only recogniser;
 * and the lines that changed are rewritten in logical (reading) order. Every
 * other line with Arabic words is written in reading order from its words'
 * places too, since the recogniser sometimes orders a line holding a number
 * left to right.
 */
import { isRtlWord, logicalOrder } from './bidi';
import { readArabicIndicNumber } from './digits';
import type { InkImage } from '../adapters/ocrImage';

export interface LineWord {
  text: string;
  box: [number, number, number, number];
  confidence: number;
}

export interface Line {
  words: LineWord[];
  /** The line as the recogniser wrote it, in logical order. */
  text: string;
  /** True when this line starts a new paragraph. */
  paragraph: boolean;
}

/** Reads a region of the page with one recogniser (Arabic only, or the number model); words come back in page coordinates. */
export type RegionReader = (box: [number, number, number, number]) => Promise<LineWord[]>;

const ARABIC_LETTER = /[\u0621-\u064A\u0671-\u06D3]/;
const LATIN_LETTER = /[A-Za-z]/;
const ANY_DIGIT = /[0-9\u0660-\u0669\u06F0-\u06F9]/;
/** Below this confidence a Latin-digit word inside an Arabic line is more likely a misread word than a number. */
const DOUBTFUL_NUMBER = 60;

export type Kind = 'arabic' | 'number' | 'suspect' | 'other';

/** What the second look did to one line, for measuring where numbers are lost. */
export interface LineTrace {
  before: Line;
  kinds: Kind[];
  /** The number model's reading of the line, when it was asked. */
  model?: LineWord[];
  after: Line;
}

/** Arabic words have no slash: a word without digits that has one is a number read as letters («بدم/.؟» for ٢٠٢٤/٨٨٠). */
const SLASH = /\//;

/** What a word of a line looks like: a suspect is read again as a number, then in Arabic only. */
export function kind(w: LineWord): Kind {
  if (LATIN_LETTER.test(w.text)) return 'suspect';
  if (ANY_DIGIT.test(w.text)) return w.confidence < DOUBTFUL_NUMBER || /[\u0660-\u0669]/.test(w.text) ? 'suspect' : 'number';
  if (SLASH.test(w.text)) return 'suspect';
  if (ARABIC_LETTER.test(w.text)) return 'arabic';
  return 'other';
}

/** A right-to-left line's words in reading order, from their boxes (bidi.ts). */
function readingOrder(words: LineWord[]): LineWord[] {
  const placed = words.map((w) => ({ w, x0: w.box[0], x1: w.box[2], rtl: isRtlWord(w.text, true) }));
  return logicalOrder(placed, true).map((p) => p.w);
}

const union = (boxes: Array<[number, number, number, number]>): [number, number, number, number] => [
  Math.min(...boxes.map((b) => b[0])),
  Math.min(...boxes.map((b) => b[1])),
  Math.max(...boxes.map((b) => b[2])),
  Math.max(...boxes.map((b) => b[3])),
];

const area = (b: [number, number, number, number]) => Math.max(1, (b[2] - b[0]) * (b[3] - b[1]));
const overlap = (a: [number, number, number, number], b: [number, number, number, number]) =>
  Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0])) * Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));

/** A number as a reader gave it: digits of one script, joined by `/`, `-` or `.`. */
const NUMBER = /^(?:[0-9]+(?:[/.-][0-9]+)*|[\u0660-\u0669]+(?:[/.-][\u0660-\u0669]+)*)$/;

const INDIC_NUMBER_PIECE = /^[\u0660-\u0669/]+$/;

/** Whether `w` continues the Arabic-Indic number `prev` ends with: both digits and slashes, closer than 0.8 of `height`. */
const continuesNumber = (prev: LineWord, w: LineWord, height: number) =>
  INDIC_NUMBER_PIECE.test(prev.text) && INDIC_NUMBER_PIECE.test(w.text) && w.box[0] - prev.box[2] < height * 0.8;

/** A word read as Arabic with confidence: a word, never a piece of a number. */
const sure = (w: LineWord, k: Kind | undefined) => k === 'arabic' && w.confidence >= DOUBTFUL_NUMBER;

const DIGITS_AND_MARKS = /^[0-9\u0660-\u0669/.-]+$/;

/**
 * A reader's numbers made whole: a separator written twice («٢٠٢٦//١١٥») once,
 * and pieces of one Arabic-Indic number written as two words («٢٠٢٤/١ ٢٣» for
 * ٢٠٢٤/١٢٣) joined: neighbours closer than most of a digit's height.
 */
export function joinNumberPieces(words: LineWord[]): LineWord[] {
  const out: LineWord[] = [];
  const tidy = words.map((w) => (DIGITS_AND_MARKS.test(w.text) ? { ...w, text: w.text.replace(/([/.-])\1+/g, '$1') } : w));
  for (const w of tidy.sort((a, b) => a.box[0] - b.box[0])) {
    const prev = out[out.length - 1];
    const height = Math.max(w.box[3] - w.box[1], prev ? prev.box[3] - prev.box[1] : 0);
    if (prev && continuesNumber(prev, w, height))
      out[out.length - 1] = {
        text: prev.text + w.text,
        box: union([prev.box, w.box]),
        confidence: Math.min(prev.confidence, w.confidence),
      };
    else out.push(w);
  }
  return out;
}

const across = (a: [number, number, number, number], b: [number, number, number, number]) =>
  Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));

/**
 * True when a number the model boxed lies mostly over words that could be a
 * number (not words read as Arabic with confidence): a box drawn over the whole
 * line («وفقاً لأحكام قرار رقم 2045/2020» boxed as one number) belongs to no word.
 * Widths only: the model's boxes are taller than the recogniser's.
 */
function overNumberWords(m: LineWord, line: Line, kinds: Kind[]): boolean {
  const width = Math.max(1, m.box[2] - m.box[0]);
  const covered = line.words.reduce((sum, w, i) => sum + (sure(w, kinds[i]) ? 0 : across(m.box, w.box)), 0);
  return covered >= 0.5 * width;
}

/**
 * The number the number model reads where `w` stands: the model reads the
 * whole line once (numbers read better in their line than cut out alone), and
 * its number-shaped word over `w` is taken, when that word lies over `w` and
 * its like rather than over the line's sure Arabic words.
 */
function numberOver(w: LineWord, modelWords: LineWord[] | undefined, line: Line, kinds: Kind[]): LineWord | undefined {
  let best: LineWord | undefined;
  for (const m of modelWords ?? []) {
    if (!NUMBER.test(m.text) || !overNumberWords(m, line, kinds)) continue;
    const o = overlap(m.box, w.box);
    if (o > 0.3 * Math.min(area(m.box), area(w.box)) && (!best || o > overlap(best.box, w.box))) best = m;
  }
  return best;
}

/** The number model's number for each suspect word of a line (the model reads the line's whole box once). */
async function modelNumbers(
  line: Line,
  kinds: Kind[],
  readNumber: RegionReader | undefined,
): Promise<{ found: Array<LineWord | undefined>; modelWords?: LineWord[] }> {
  const found: Array<LineWord | undefined> = line.words.map(() => undefined);
  if (!readNumber) return { found };
  const words = joinNumberPieces(await readNumber(union(line.words.map((w) => w.box))));
  for (const [i, w] of line.words.entries()) if (kinds[i] === 'suspect') found[i] = numberOver(w, words, line, kinds);
  return { found, modelWords: words };
}

export async function reviseLines(
  ink: InkImage,
  lines: Line[],
  readArabic: RegionReader,
  readNumber?: RegionReader,
  trace?: (t: LineTrace) => void,
): Promise<Line[]> {
  const out: Line[] = [];
  for (const line of lines) {
    const kinds = line.words.map(kind);
    const revised = await reviseLine(ink, line, kinds, readArabic, readNumber);
    out.push(revised.line);
    if (trace) trace({ before: line, kinds, model: revised.model, after: revised.line });
  }
  return out;
}

/** One line revised, with the number model's words when it was asked. */
async function reviseLine(
  ink: InkImage,
  line: Line,
  kinds: Kind[],
  readArabic: RegionReader,
  readNumber?: RegionReader,
): Promise<{ line: Line; model?: LineWord[] }> {
  /** The line with these words in reading order (the line itself when its text comes out the same). */
  const rewritten = (words: LineWord[]): Line => {
    const ordered = readingOrder(words);
    const text = ordered.map((w) => w.text).join(' ');
    return text === line.text ? line : { words: ordered, text, paragraph: line.paragraph };
  };
  if (!kinds.includes('arabic')) return { line };
  if (!kinds.includes('suspect')) {
    // The recogniser now and then writes an Arabic line holding a number left to right
    // («09/01/2026 التاريخ:»): the line's text is written again from its words' places.
    return { line: rewritten(line.words) };
  }
  // 1. Numbers in Arabic-Indic digits; pieces of one number the recogniser cut apart are joined.
  type Read = LineWord & { kind: Kind };
  const read: Read[] = [];
  const { found, modelWords } = await modelNumbers(line, kinds, readNumber);
  for (const [i, w] of line.words.entries()) {
    const k = kinds[i] as Kind;
    const n = k === 'suspect' ? (found[i] ?? (await readArabicIndicNumber(ink, w.box))) : undefined;
    // A number boxed over words read as Arabic with confidence keeps its own word's place.
    const box = n && line.words.some((a, j) => sure(a, kinds[j]) && overlap(n.box, a.box) > 0.4 * area(a.box)) ? w.box : n?.box;
    read.push(n && box ? { text: n.text, box, confidence: n.confidence, kind: 'number' } : { ...w, kind: k });
  }
  // A number followed past its word covers the neighbours it took in: the same number found twice, or a stray piece.
  const numbers = read.filter((r) => r.kind === 'number');
  // Of two readings of one number, the wider one (it followed the number further) stays.
  const wider = (n: Read, r: Read) =>
    area(n.box) > area(r.box) || (area(n.box) === area(r.box) && numbers.indexOf(n) < numbers.indexOf(r));
  const covered = (r: { box: [number, number, number, number]; kind?: Kind }) =>
    numbers.some((n) => n !== r && overlap(n.box, r.box) > 0.4 * area(r.box) && (r.kind !== 'number' || wider(n, r as Read)));
  const insideNumber = (a: LineWord) =>
    numbers.some((n) => n !== a && (a.box[0] + a.box[2]) / 2 > n.box[0] && (a.box[0] + a.box[2]) / 2 < n.box[2]);
  // A word read as Arabic with confidence is a word, never part of a number, however wide the number's box.
  const kept = read.filter((r) => sure(r, r.kind) || (!covered(r) && (r.kind === 'number' || !insideNumber(r))));
  const visual: Read[] = [];
  for (const w of [...kept].sort((a, b) => a.box[0] - b.box[0])) {
    const prev = visual[visual.length - 1];
    if (prev && continuesNumber(prev, w, w.box[3] - w.box[1])) {
      prev.text += w.text;
      prev.box = union([prev.box, w.box]);
      prev.confidence = Math.min(prev.confidence, w.confidence);
    } else visual.push({ ...w, box: [...w.box] });
  }
  // 2. What is still suspect, run by run (neighbours in the line), read again in Arabic only.
  const words: LineWord[] = [];
  for (let i = 0; i < visual.length;) {
    const w = visual[i] as Read;
    if (w.kind !== 'suspect') {
      words.push(w);
      i++;
      continue;
    }
    let j = i;
    while (j < visual.length && (visual[j] as Read).kind === 'suspect') j++;
    const run = visual.slice(i, j);
    const again = await readArabic(union(run.map((r) => r.box)));
    const better =
      again.length > 0 && again.every((a) => !LATIN_LETTER.test(a.text)) && again.some((a) => ARABIC_LETTER.test(a.text));
    words.push(...(better ? again.filter((a) => !covered(a) && !insideNumber(a)) : run));
    i = j;
  }
  return { line: rewritten(words.map(({ text, box, confidence }) => ({ text, box, confidence }))), model: modelWords };
}
