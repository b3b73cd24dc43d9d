/**
 * Whether a scanned page is blank (a duplex scan's empty back, a separator sheet's back). The page is averaged
 * in blocks down to about 50 dpi, a light blur that leaves no single speck of scanner noise dark enough to
 * count, and only its inside is measured: a margin of MARGIN on every side holds the scanner's shadowed edges
 * and the punch holes. Ink is what is clearly darker than the paper (the paper's own level is taken from the
 * page, so grey recycled paper is paper); a faint show-through of the other side is not ink.
 */
import type { GreyPicture } from '../adapters/barcodes';

/** The share of each side left out. */
export const MARGIN = 0.06;
/** How much darker than the paper an averaged block must be to be ink (of 255). */
export const INK_CONTRAST = 64;
/** A page with less ink than this share of its inside is blank (one short line of text is about ten times more). */
export const BLANK_INK = 0.0004;
/** Paper darker than this is not paper: a page dark all over (a photograph, a black cover) is never blank. */
const DARKEST_PAPER = 120;

/** The long side, in blocks, a page is averaged down to (an A4 page at about 50 dpi). */
const BLOCKS_LONG_SIDE = 585;

/** The share of the page's inside that is ink (0 to 1). */
export function inkShare(p: GreyPicture): number {
  const k = Math.max(1, Math.round(Math.max(p.width, p.height) / BLOCKS_LONG_SIDE));
  const bw = Math.floor(p.width / k);
  const bh = Math.floor(p.height / k);
  const x0 = Math.ceil(bw * MARGIN);
  const y0 = Math.ceil(bh * MARGIN);
  const x1 = bw - x0;
  const y1 = bh - y0;
  if (x1 <= x0 || y1 <= y0) return 0;
  // Block sums in one pass over the rows inside the margin, then each block's mean.
  const cols = x1 - x0;
  const blocks = new Uint8Array(cols * (y1 - y0));
  const histogram = new Uint32Array(256);
  const sums = new Uint32Array(cols);
  const area = k * k;
  let n = 0;
  for (let by = y0; by < y1; by++) {
    sums.fill(0);
    for (let y = by * k; y < by * k + k; y++) {
      let i = y * p.width + x0 * k;
      for (let c = 0; c < cols; c++) {
        let s = 0;
        for (let j = 0; j < k; j++) s += p.grey[i++]!;
        sums[c]! += s;
      }
    }
    for (let c = 0; c < cols; c++) {
      const v = Math.round(sums[c]! / area);
      blocks[n++] = v;
      histogram[v]!++;
    }
  }
  const paper = percentile(histogram, n, 0.9);
  if (paper < DARKEST_PAPER) return 1;
  const limit = paper - INK_CONTRAST;
  let ink = 0;
  for (let i = 0; i < n; i++) if (blocks[i]! < limit) ink++;
  return ink / n;
}

/** Whether the page holds no ink worth keeping. */
export function isBlank(p: GreyPicture): boolean {
  return inkShare(p) < BLANK_INK;
}

/** The level below which a share `q` of the `n` values counted lies. */
function percentile(histogram: Uint32Array, n: number, q: number): number {
  const want = Math.ceil(n * q);
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += histogram[v]!;
    if (seen >= want) return v;
  }
  return 255;
}
