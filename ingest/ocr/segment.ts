/**
 * Text lines of a cleaned page, found from its ink. The recogniser's automatic
 * layout now and then cuts a line in two, reads the halves out of order, or
 * reads a word twice; a line found here is whole, and a line the layout cut
 * apart is read again from it (ocr.ts, mendSplitLines).
 *
 * Rows with ink make bands; the dots and marks above and below Arabic letters
 * make thin bands of their own, which join the line they belong to. Each
 * line's box is the extent of its ink, padded. Bands much taller than a line
 * (a logo, a stamp, a table drawn as one block) are kept as blocks, to be read
 * with a block layout.
 */
import type { InkImage } from '../adapters/ocrImage';

export type Box = [number, number, number, number];

export interface TextLine {
  box: Box;
  /** True for a region taller than a few lines of text: read it as a block, not as one line. */
  block: boolean;
}

/** A row holds ink when this share of its pixels (at least 2) is ink: specks and grain do not make a line. */
const ROW_INK = 0.0015;

interface Band {
  y0: number;
  y1: number; // exclusive
}

function rowInk(ink: InkImage): Uint32Array {
  const rows = new Uint32Array(ink.height);
  for (let y = 0; y < ink.height; y++) {
    let n = 0;
    const row = y * ink.width;
    for (let x = 0; x < ink.width; x++) if ((ink.data[row + x] as number) < 128) n++;
    rows[y] = n;
  }
  return rows;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : (s[Math.floor(s.length / 2)] as number);
}

/** Joins thin bands (dots, marks, a broken stroke) to the nearer neighbour within reach. */
function joinMarks(bands: Band[]): Band[] {
  const lineHeight = median(bands.filter((b) => b.y1 - b.y0 >= 4).map((b) => b.y1 - b.y0));
  let out = [...bands];
  for (let changed = true; changed && out.length > 1;) {
    changed = false;
    for (let i = 0; i < out.length; i++) {
      const b = out[i] as Band;
      if (b.y1 - b.y0 >= 0.5 * lineHeight) continue;
      const prev = out[i - 1];
      const next = out[i + 1];
      const gapPrev = prev ? b.y0 - prev.y1 : Infinity;
      const gapNext = next ? next.y0 - b.y1 : Infinity;
      const j = gapPrev <= gapNext ? i - 1 : i + 1;
      if (Math.min(gapPrev, gapNext) > 0.6 * lineHeight) continue;
      const other = out[j] as Band;
      const merged = { y0: Math.min(b.y0, other.y0), y1: Math.max(b.y1, other.y1) };
      out = [...out.slice(0, Math.min(i, j)), merged, ...out.slice(Math.max(i, j) + 1)];
      changed = true;
      break;
    }
  }
  return out;
}

/** The horizontal extent of the ink between rows y0 and y1, ignoring columns with a single stray pixel. */
function inkExtent(ink: InkImage, y0: number, y1: number): [number, number] | undefined {
  let x0 = -1;
  let x1 = -1;
  for (let x = 0; x < ink.width; x++) {
    let n = 0;
    for (let y = y0; y < y1 && n < 2; y++) if ((ink.data[y * ink.width + x] as number) < 128) n++;
    if (n >= 2) {
      if (x0 < 0) x0 = x;
      x1 = x + 1;
    }
  }
  return x0 < 0 ? undefined : [x0, x1];
}

/** The page's text lines, top to bottom, in the image's pixels. */
export function findTextLines(ink: InkImage): TextLine[] {
  const rows = rowInk(ink);
  const threshold = Math.max(2, ink.width * ROW_INK);
  const bands: Band[] = [];
  for (let y = 0; y < ink.height; y++) {
    if ((rows[y] as number) < threshold) continue;
    const last = bands[bands.length - 1];
    if (last && last.y1 === y) last.y1 = y + 1;
    else bands.push({ y0: y, y1: y + 1 });
  }
  const joined = joinMarks(bands);
  const lineHeight = median(joined.map((b) => b.y1 - b.y0));
  const lines: TextLine[] = [];
  for (const b of joined) {
    const h = b.y1 - b.y0;
    if (h < 6) continue; // a rule or a speck row, not text
    const extent = inkExtent(ink, b.y0, b.y1);
    if (!extent) continue;
    const pad = Math.round(Math.max(4, 0.25 * Math.min(h, lineHeight)));
    lines.push({
      box: [
        Math.max(0, extent[0] - pad),
        Math.max(0, b.y0 - pad),
        Math.min(ink.width, extent[1] + pad),
        Math.min(ink.height, b.y1 + pad),
      ],
      block: h > 2.5 * lineHeight && joined.length > 1,
    });
  }
  return lines;
}
