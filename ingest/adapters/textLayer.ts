/**
 * The archive PDF's invisible text (part of the PDF adapter with pdf.ts): OCR
 * words over a scan, and the stamp's and footers' lines over their pictures,
 * written so that text extraction gives them back in reading order whatever
 * the reader.
 *
 * Readers take two different routes, and the layer satisfies both:
 * - poppler (pdftotext, most desktop search) sorts glyphs by position and
 *   then applies its own bidi reordering, so every glyph must sit where the
 *   scan shows it: Arabic right to left, digits and Latin left to right;
 * - mupdf (mutool, many viewers' copy and search) keeps the order of the
 *   content stream, so the glyphs must be written in logical order.
 * So a line is written in logical order, cut into runs of right-to-left
 * characters and runs of everything else (digits, Latin, spaces and
 * punctuation, which poppler keeps together and turns around as one run). The
 * runs follow each other across the line from its starting edge; a
 * right-to-left run's glyphs are placed leftwards one by one (TJ moves the pen
 * back over each glyph), any other run's rightwards as usual. Each line is
 * scaled (Tz) to span its words' extent on the scan.
 */
import {
  beginText,
  endText,
  PDFHexString,
  PDFNumber,
  PDFOperator,
  PDFOperatorNames,
  popGraphicsState,
  pushGraphicsState,
  setCharacterSqueeze,
  setFontAndSize,
  setTextMatrix,
  setTextRenderingMode,
  showText,
  TextRenderingMode,
  type PDFDocument,
  type PDFFont,
  type PDFName,
} from 'pdf-lib';
import type { OcrWord } from '../../storage/repos/documents';
import { isRtlLine, isRtlWord, logicalOrder } from '../ocr/bidi';

/** A character poppler counts as right to left: the Hebrew and Arabic blocks, but for their digits. */
const RTL_CHAR = /[\u0590-\u05FF\u0600-\u065F\u066A-\u06EF\u06FA-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/;

/** Invisible direction marks (Intl puts them in dates): no glyph to place, and poppler would count them as letters. */
const BIDI_CONTROLS = /[\u200E\u200F\u061C\u202A-\u202E\u2066-\u2069]/g;

export interface TextFont {
  font: PDFFont;
  key: PDFName;
  has(c: string): boolean;
}

/** A line to write: its text in logical order, its extent and baseline in points on the page, the font size. */
export interface PlacedLine {
  text: string;
  x0: number;
  x1: number;
  baseline: number;
  size: number;
}

/** OCR words of one line (pixels at `dpi`, from the scan's top left) as a line placed on the page. */
export function placeOcrLine(line: OcrWord[], dpi: number, at: { left: number; bottom: number; height: number }): PlacedLine {
  const pt = (px: number) => (px * 72) / dpi;
  const lineRtl = isRtlLine(line.map((w) => w[0]));
  const top = Math.min(...line.map((w) => w[2]));
  const bottom = Math.max(...line.map((w) => w[4]));
  const size = Math.max(1, pt(bottom - top) * 0.8);
  const words = logicalOrder(
    line.map((w) => ({ text: w[0], x0: w[1], x1: w[3], rtl: isRtlWord(w[0], lineRtl) })),
    lineRtl,
  );
  return {
    text: words.map((w) => w.text).join(' '),
    x0: at.left + pt(Math.min(...line.map((w) => w[1]))),
    x1: at.left + pt(Math.max(...line.map((w) => w[3]))),
    baseline: at.bottom + at.height - pt(bottom) + size * 0.2,
    size,
  };
}

/** A line of known text (the stamp's, a footer's) centred in [x0, x1] at its natural width, shrunk to fit when wider. */
export function placeTextLine(
  text: string,
  f: TextFont,
  box: { x0: number; x1: number; baseline: number; size: number },
): PlacedLine {
  const width = Math.min(naturalWidth(f, text, box.size), box.x1 - box.x0);
  const centre = (box.x0 + box.x1) / 2;
  return { text, x0: centre - width / 2, x1: centre + width / 2, baseline: box.baseline, size: box.size };
}

/** The line cut into runs of right-to-left characters and runs of anything else, in logical order. */
function directionRuns(text: string): Array<{ text: string; rtl: boolean }> {
  const runs: Array<{ text: string; rtl: boolean }> = [];
  for (const c of text) {
    const rtl = RTL_CHAR.test(c);
    const last = runs[runs.length - 1];
    if (last && last.rtl === rtl) last.text += c;
    else runs.push({ text: c, rtl });
  }
  return runs;
}

function naturalWidth(f: TextFont, s: string, size: number): number {
  return [...s].filter((c) => f.has(c)).reduce((n, c) => n + f.font.widthOfTextAtSize(c, size), 0);
}

function glyphs(f: TextFont, s: string): string {
  return [...s]
    .filter((c) => f.has(c))
    .map((c) => f.font.encodeText(c).toString().slice(1, -1))
    .join('');
}

/** A right-to-left run from its right edge `x`: each glyph drawn, then the pen moved back over it and the next (a positive TJ number moves left). */
function leftwards(
  pdf: PDFDocument,
  f: TextFont,
  chars: string[],
  size: number,
  x: number,
  k: number,
  baseline: number,
): PDFOperator[] {
  const widths = chars.map((c) => f.font.widthOfTextAtSize(c, size));
  const items: Array<PDFHexString | PDFNumber> = [];
  chars.forEach((c, i) => {
    items.push(PDFHexString.of(glyphs(f, c)));
    const next = widths[i + 1];
    if (next !== undefined) items.push(PDFNumber.of((((widths[i] as number) + next) * 1000) / size));
  });
  return [
    setTextMatrix(1, 0, 0, 1, x - (widths[0] as number) * k, baseline),
    PDFOperator.of(PDFOperatorNames.ShowTextAdjusted, [pdf.context.obj(items)]),
  ];
}

/** Writes invisible lines on a page's content, each run after the other from the line's starting edge. */
export function writeInvisibleLines(pdf: PDFDocument, f: TextFont, lines: PlacedLine[]): PDFOperator[] {
  const ops: PDFOperator[] = [pushGraphicsState(), beginText(), setTextRenderingMode(TextRenderingMode.Invisible)];
  for (const line of lines) {
    const lineRtl = isRtlLine(line.text.split(' '));
    const runs = directionRuns([...line.text.replace(BIDI_CONTROLS, '')].filter((c) => f.has(c)).join('')).map((r) => ({
      ...r,
      width: naturalWidth(f, r.text, line.size),
    }));
    const natural = runs.reduce((n, r) => n + r.width, 0);
    if (natural <= 0) continue;
    const scale = Math.min(400, Math.max(10, ((line.x1 - line.x0) / natural) * 100));
    const k = scale / 100;
    ops.push(setFontAndSize(f.key, line.size), setCharacterSqueeze(scale));
    let x = lineRtl ? line.x1 : line.x0;
    for (const run of runs) {
      const left = lineRtl ? x - run.width * k : x;
      const right = left + run.width * k;
      if (run.rtl) ops.push(...leftwards(pdf, f, [...run.text], line.size, right, k, line.baseline));
      else ops.push(setTextMatrix(1, 0, 0, 1, left, line.baseline), showText(PDFHexString.of(glyphs(f, run.text))));
      x = lineRtl ? left : right;
    }
  }
  ops.push(endText(), popGraphicsState());
  return ops;
}
