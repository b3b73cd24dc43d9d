/**
 * The archive PDF's invisible text (part of the PDF adapter with pdf.ts): OCR
 * words over a scan, and the stamp's and footers' lines over their pictures,
 * written so that text extraction gives them back in reading order whatever
 * the reader.
 *
 * Readers take two different routes, and the layer satisfies both:
 * - poppler (pdftotext, most desktop search) sorts glyphs by position and
 *   then reorders each line its own way (textLayerLine.ts withMarks): on a
 *   right-to-left page it reads a line from the right, in turns, all that is
 *   not left to right for it (turned around), then all that is not right to
 *   left (as it stands). It counts : / . , ، - with digits, so what stands
 *   between a number or a colon and the next Arabic word would go to the far
 *   side of the number; a right-to-left mark (U+200F, a glyph of no width in a
 *   font resource of its own, markFont) written after the number stops that;
 * - mupdf (mutool, many viewers' copy and search) keeps the order of the
 *   content stream, so the glyphs must be written in logical order.
 * So a line is written in logical order, cut into blocks of one direction
 * (for a right-to-left line, the stretches poppler keeps left to right and
 * the rest; for a left-to-right line, a phrase of the other direction with
 * its inner spaces), and the blocks into runs of letters and spaces. The
 * blocks follow each other across the line from its starting edge, a
 * block's runs from the block's own; a right-to-left run's glyphs are placed
 * leftwards one by one (TJ moves the pen back over each glyph), any other
 * run's rightwards as usual.
 *
 * Words are told apart by gaps: a space is a gap of its own, never narrower
 * than a reader's word break, however tightly its line is squeezed. Each line
 * is scaled (Tz) to span its words' extent on the scan or its picture.
 */
import {
  beginText,
  endText,
  PDFHexString,
  PDFNumber,
  PDFOperator,
  PDFOperatorNames,
  PDFString,
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
  type PDFRef,
} from 'pdf-lib';
import type { OcrWord } from '../../storage/repos/documents';
import { isRtlLine, isRtlWord, logicalOrder } from '../ocr/bidi';
import { blocks, fitLine, MARK, pieceWidth, RLM, sum, type Block, type Piece } from './textLayerLine';
import { MARK_GLYPH, TEXT_FONT_METRICS, textLayerFont } from './textFont';

/**
 * Where a right-to-left mark is drawn: this share of the font size inside its run (a mark's own width is
 * the squeeze's 1% of a glyph), clear of the glyph before it, which poppler would otherwise put on a line
 * of its own with the mark.
 */
const MARK_ROOM = 0.02;

/** The squeeze a mark is drawn with: next to nothing, so that it takes no room on the line for any reader. */
const MARK_SCALE = 0.01;

/** Invisible direction marks (Intl puts them in dates): no glyph to place, and poppler would count them as letters. */
const BIDI_CONTROLS = /[\u200E\u200F\u061C\u202A-\u202E\u2066-\u2069]/g;

export interface TextFont {
  font: PDFFont;
  key: PDFName;
  has(c: string): boolean;
  /**
   * The page's name for the direction marks' font (markFont). Without it no mark is written, and a
   * right-to-left line is laid by phrases (textLayerLine.ts directions), which poppler may read with a
   * colon or a space carried past a number. The marks' change of font also ends pdf.js's piece of text
   * after a number or a colon, so that pdf.js never joins «: ٢٠٢٦/٤٥٧» into one piece and turns it around.
   */
  marks?: PDFName;
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

function naturalWidth(f: TextFont, s: string, size: number): number {
  return [...s].filter((c) => f.has(c)).reduce((n, c) => n + f.font.widthOfTextAtSize(c, size), 0);
}

function glyphs(f: TextFont, s: string): PDFHexString {
  return PDFHexString.of(
    [...s]
      .filter((c) => f.has(c))
      .map((c) => f.font.encodeText(c).toString().slice(1, -1))
      .join(''),
  );
}

/**
 * A run of glyphs from its starting edge `x` (the right one for a right-to-left run), each glyph where the
 * line puts it: TJ moves the pen from one glyph to the next (back over the glyph just drawn and the next,
 * right to left; a positive number moves left).
 *
 * A mark (a vowel sign, shadda) belongs to its letter, and readers disagree on its room: pdf.js gives it
 * none whatever the font says (and would see a gap after it), poppler reads a glyph over another as a
 * second copy. So a mark is drawn all but flat (Tz) against its letter on the side the run goes on, and
 * the glyph after it placed anew (Tm).
 */
function writeRun(
  pdf: PDFDocument,
  f: TextFont,
  p: Piece,
  at: { x: number; size: number; k: number; baseline: number },
): PDFOperator[] {
  const unit = at.size * at.k;
  const ops: PDFOperator[] = [];
  let items: Array<PDFHexString | PDFNumber> = [];
  const flush = () => {
    if (items.length > 0) ops.push(PDFOperator.of(PDFOperatorNames.ShowTextAdjusted, [pdf.context.obj(items)]));
    items = [];
  };
  // `pen`: where the run goes on; `end`: where the last glyph drawn left the pen, or null to place the next one anew.
  let pen = at.x;
  let end: number | null = null;
  [...p.text].forEach((c, i) => {
    if (c === RLM) {
      flush();
      if (f.marks)
        ops.push(
          setFontAndSize(f.marks, at.size),
          setCharacterSqueeze(MARK_SCALE * 100),
          setTextMatrix(1, 0, 0, 1, pen - at.size * MARK_ROOM, at.baseline),
          showText(PDFHexString.of(MARK_GLYPH)),
          setFontAndSize(f.key, at.size),
          setCharacterSqueeze(at.k * 100),
        );
      end = null;
      return;
    }
    const advance = f.font.widthOfTextAtSize(c, 1);
    if (MARK.test(c)) {
      flush();
      const flat = advance * at.size * MARK_SCALE;
      ops.push(
        setCharacterSqueeze(MARK_SCALE * 100),
        setTextMatrix(1, 0, 0, 1, p.rtl ? pen - flat : pen, at.baseline),
        showText(glyphs(f, c)),
        setCharacterSqueeze(at.k * 100),
      );
      end = null;
      return;
    }
    const w = (p.widths[i] as number) * unit;
    const x = p.rtl ? pen - w : pen;
    if (end === null) {
      flush();
      ops.push(setTextMatrix(1, 0, 0, 1, x, at.baseline));
    } else if (Math.abs(end - x) > 1e-9) items.push(PDFNumber.of(((end - x) / unit) * 1000));
    items.push(glyphs(f, c));
    end = x + advance * unit;
    pen = p.rtl ? x : x + w;
  });
  flush();
  return ops;
}

/** A piece laid on the line: its left edge and width on the page, and the direction of the run it is in. */
interface Laid {
  piece: Piece;
  x: number;
  width: number;
  rtl: boolean;
}

/** The pieces laid across the line from its starting edge: blocks one after the other, a block's pieces from its own starting edge. */
function layLine(laid: Block[], line: PlacedLine, lineRtl: boolean, size: number, k: number): Laid[] {
  const out: Laid[] = [];
  let pen = lineRtl ? line.x1 : line.x0;
  for (const block of laid) {
    const widths = block.pieces.map((p) => pieceWidth(p, size, k));
    const left = lineRtl ? pen - sum(widths) : pen;
    pen = lineRtl ? left : left + sum(widths);
    let at = block.rtl ? left + sum(widths) : left;
    block.pieces.forEach((piece, i) => {
      const width = widths[i] as number;
      const x = block.rtl ? at - width : at;
      at = block.rtl ? x : x + width;
      out.push({ piece, x, width, rtl: block.rtl });
    });
  }
  return out;
}

/**
 * Where a space's glyph is drawn: over its gap, squeezed or stretched to fill it (poppler and pdf.js go
 * by the gap, mupdf by the glyph and what follows it). mupdf takes a left-to-right character, or a space
 * after one, far from where the last glyph ended for a new line: in a right-to-left line, a space before
 * or after a left-to-right phrase is drawn against the phrase, as though they were one run.
 */
function spaceAt(all: Laid[], i: number, lineRtl: boolean): number {
  // A right-to-left mark before the space takes no room: the phrase is the mark's neighbour.
  const before = all[i - 1]?.piece.text === RLM ? i - 2 : i - 1;
  const [prev, self, next] = [all[before], all[i] as Laid, all[i + 1]];
  if (lineRtl && self.rtl && next && !next.rtl) return next.x - self.width;
  if (lineRtl && self.rtl && prev && !prev.rtl) return prev.x + prev.width;
  return self.x;
}

/** Writes invisible lines on a page's content, each in logical order (see above). */
export function writeInvisibleLines(pdf: PDFDocument, f: TextFont, lines: PlacedLine[]): PDFOperator[] {
  const ops: PDFOperator[] = [pushGraphicsState(), beginText(), setTextRenderingMode(TextRenderingMode.Invisible)];
  for (const line of lines) {
    const text = [...line.text.replace(BIDI_CONTROLS, '')].filter((c) => f.has(c)).join('');
    const lineRtl = isRtlLine(text.split(' '));
    const laid = blocks(text, lineRtl, (c) => f.font.widthOfTextAtSize(c, 1), f.marks !== undefined);
    const fit = fitLine(
      laid.flatMap((b) => b.pieces),
      line.x1 - line.x0,
      line.size,
    );
    if (!fit) continue;
    const { size, k } = fit;
    ops.push(setFontAndSize(f.key, size), setCharacterSqueeze(k * 100));
    const placed = layLine(laid, line, lineRtl, size, k);
    placed.forEach(({ piece, x, width }, i) => {
      if (piece.space) {
        const natural = sum(piece.widths) * size;
        if (natural > 0)
          ops.push(
            setCharacterSqueeze((width / natural) * 100),
            setTextMatrix(1, 0, 0, 1, spaceAt(placed, i, lineRtl), line.baseline),
            showText(glyphs(f, piece.text)),
            setCharacterSqueeze(k * 100),
          );
        return;
      }
      ops.push(...writeRun(pdf, f, piece, { x: piece.rtl ? x + width : x, size, k, baseline: line.baseline }));
    });
  }
  ops.push(endText(), popGraphicsState());
  return ops;
}

const markFonts = new WeakMap<PDFDocument, PDFRef>();

/** The direction marks' font (made once per document): the text layer's font, whole, with a ToUnicode map that names the mark. */
export function markFont(pdf: PDFDocument): PDFRef {
  const M = TEXT_FONT_METRICS;
  const made = markFonts.get(pdf);
  if (made) return made;
  const bytes = textLayerFont();
  const c = pdf.context;
  const file = c.register(c.flateStream(bytes, { Length1: bytes.length }));
  const descriptor = c.register(
    c.obj({
      Type: 'FontDescriptor',
      FontName: 'DiwanMarks',
      Flags: 4,
      FontBBox: [0, M.descent, M.advance, M.ascent],
      ItalicAngle: 0,
      Ascent: M.ascent,
      Descent: M.descent,
      CapHeight: M.ascent,
      StemV: 80,
      FontFile2: file,
    }),
  );
  const cmap = [
    '/CIDInit /ProcSet findresource begin',
    '12 dict begin',
    'begincmap',
    '/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def',
    '/CMapName /Adobe-Identity-UCS def',
    '/CMapType 2 def',
    '1 begincodespacerange',
    '<0000> <FFFF>',
    'endcodespacerange',
    '1 beginbfchar',
    `<${MARK_GLYPH}> <200F>`,
    'endbfchar',
    'endcmap',
    'CMapName currentdict /CMap defineresource pop',
    'end',
    'end',
  ].join('\n');
  const toUnicode = c.register(c.flateStream(cmap));
  const cid = c.register(
    c.obj({
      Type: 'Font',
      Subtype: 'CIDFontType2',
      BaseFont: 'DiwanMarks',
      CIDSystemInfo: { Registry: PDFString.of('Adobe'), Ordering: PDFString.of('Identity'), Supplement: 0 },
      FontDescriptor: descriptor,
      DW: M.advance,
      CIDToGIDMap: 'Identity',
    }),
  );
  const ref = c.register(
    c.obj({
      Type: 'Font',
      Subtype: 'Type0',
      BaseFont: 'DiwanMarks',
      Encoding: 'Identity-H',
      DescendantFonts: [cid],
      ToUnicode: toUnicode,
    }),
  );
  markFonts.set(pdf, ref);
  return ref;
}
