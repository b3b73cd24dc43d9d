/**
 * Synthetic scans for the OCR evaluation: a letter set line by line in a
 * chosen face and point size at 300 dpi on an A4 page, then degraded the way
 * registry scans are (tilt, scanner blur, uneven lighting, grain and specks,
 * JPEG compression) at one of three levels. Everything is seeded, so a page
 * can be regenerated bit for bit.
 *
 * Each line is drawn as its own Pango paragraph and placed against the right
 * margin here: with Pango's automatic direction, "right" alignment of an
 * Arabic paragraph would otherwise flip to the left edge.
 */
import sharp from 'sharp';

export const DPI = 300;
/** A4 at 300 dpi. */
export const PAGE = { width: 2480, height: 3508 } as const;
const MARGIN = 240;
const TOP = 300;
const PAPER = 244;
const INK = '#1b1b1b';

export interface FontFace {
  /** Short name used in file names and tables. */
  id: string;
  family: string;
  file: string;
}

export type Level = 'light' | 'medium' | 'heavy';
export const LEVELS: readonly Level[] = ['light', 'medium', 'heavy'];

/** What is done to a clean page; recorded with each result. */
export interface Degradation {
  level: Level;
  /** Tilt in degrees (signed). */
  skewDeg: number;
  /** Gaussian blur sigma in pixels (0: none). */
  blurSigma: number;
  /** Standard deviation of the additive grain, in grey levels. */
  noiseSigma: number;
  /** Probability of a dark speck per pixel. */
  speckRate: number;
  /** Darkening at the dimmest corner, 0..1. */
  illumination: number;
  /** Direction of the lighting gradient, in radians. */
  lightAngle: number;
  jpegQuality: number;
}

const RANGES: Record<
  Level,
  { skew: [number, number]; blur: number; noise: number; speck: number; illumination: number; jpeg: number }
> = {
  light: { skew: [0.5, 1], blur: 0.5, noise: 4, speck: 0.0003, illumination: 0.08, jpeg: 85 },
  medium: { skew: [1, 2], blur: 0.9, noise: 10, speck: 0.0015, illumination: 0.22, jpeg: 60 },
  heavy: { skew: [2, 3], blur: 1.3, noise: 18, speck: 0.004, illumination: 0.4, jpeg: 35 },
};

/** mulberry32: a small, fast, seedable generator; returns floats in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The degradation of one page at `level`, drawn from the page's seed. */
export function degradation(level: Level, seed: number): Degradation {
  const r = rng(seed);
  const range = RANGES[level];
  const skew = range.skew[0] + r() * (range.skew[1] - range.skew[0]);
  return {
    level,
    skewDeg: Number((r() < 0.5 ? -skew : skew).toFixed(2)),
    blurSigma: range.blur,
    noiseSigma: range.noise,
    speckRate: range.speck,
    illumination: range.illumination,
    lightAngle: Number((r() * 2 * Math.PI).toFixed(3)),
    jpegQuality: range.jpeg,
  };
}

function escapeMarkup(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The clean page: greyscale PNG, lines right-aligned, the first line (the ministry) a little larger. */
export async function renderLetter(lines: string[], face: FontFace, sizePt: number): Promise<Buffer> {
  const layers: sharp.OverlayOptions[] = [];
  let top = TOP;
  const pitch = Math.round(((sizePt * DPI) / 72) * 0.9);
  for (const [i, line] of lines.entries()) {
    const size = i === 0 ? Math.round(sizePt * 1.3) : sizePt;
    const t = await sharp({
      text: {
        text: `<span foreground="${INK}">${escapeMarkup(line)}</span>`,
        font: `${face.family} ${size}`,
        fontfile: face.file,
        rgba: true,
        dpi: DPI,
      },
    })
      .png()
      .toBuffer({ resolveWithObject: true });
    layers.push({ input: t.data, top, left: Math.max(MARGIN, PAGE.width - MARGIN - t.info.width) });
    top += t.info.height + pitch;
  }
  return sharp({ create: { width: PAGE.width, height: PAGE.height, channels: 3, background: { r: PAPER, g: PAPER, b: PAPER } } })
    .composite(layers)
    .greyscale()
    .png({ compressionLevel: 1 })
    .toBuffer();
}

/** The clean page as a scanner would return it: a greyscale JPEG marked 300 dpi (JFIF). */
export async function degrade(clean: Buffer, d: Degradation, seed: number): Promise<Buffer> {
  const { width, height } = PAGE;
  const rotated = await sharp(clean)
    .rotate(d.skewDeg, { background: { r: PAPER, g: PAPER, b: PAPER } })
    .png({ compressionLevel: 1 })
    .toBuffer({ resolveWithObject: true });
  let img = sharp(rotated.data).extract({
    left: Math.floor((rotated.info.width - width) / 2),
    top: Math.floor((rotated.info.height - height) / 2),
    width,
    height,
  });
  if (d.blurSigma >= 0.3) img = img.blur(d.blurSigma);
  const grey = await img.greyscale().raw().toBuffer();
  lightAndGrain(grey, d, seed);
  const jpeg = await sharp(grey, { raw: { width, height, channels: 1 } })
    .toColourspace('b-w')
    .jpeg({ quality: d.jpegQuality })
    .toBuffer();
  return withJfifDensity(jpeg, DPI);
}

/**
 * Adds a JFIF header giving the resolution in dots per inch. sharp's own
 * density option goes into EXIF and turns the image into sRGB; native
 * Tesseract (Leptonica) reads only JFIF and would otherwise guess the scale.
 */
export function withJfifDensity(jpeg: Buffer, dpi: number): Buffer {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('not a JPEG');
  if (jpeg[2] === 0xff && jpeg[3] === 0xe0) return jpeg; // already has an APP0 segment
  const app0 = Buffer.alloc(18);
  app0.writeUInt16BE(0xffe0, 0);
  app0.writeUInt16BE(16, 2); // segment length, excluding the marker
  app0.write('JFIF\0', 4, 'latin1');
  app0.writeUInt16BE(0x0101, 9); // version 1.01
  app0.writeUInt8(1, 11); // units: dots per inch
  app0.writeUInt16BE(dpi, 12);
  app0.writeUInt16BE(dpi, 14);
  // No thumbnail: bytes 16 and 17 stay zero.
  return Buffer.concat([jpeg.subarray(0, 2), app0, jpeg.subarray(2)]);
}

/** Uneven lighting (a gradient towards one side plus a vignette), Gaussian grain and dark specks, in place. */
function lightAndGrain(px: Buffer, d: Degradation, seed: number): void {
  const { width, height } = PAGE;
  const r = rng(seed ^ 0x5bd1e995);
  const cos = Math.cos(d.lightAngle);
  const sin = Math.sin(d.lightAngle);
  const cx = width / 2;
  const cy = height / 2;
  const maxR2 = cx * cx + cy * cy;
  const span = Math.abs(cos) * width + Math.abs(sin) * height;
  const lowest = Math.min(0, cos * width) + Math.min(0, sin * height);
  let spare: number | undefined;
  const gauss = (): number => {
    // Box-Muller, two values per pair of draws.
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const u = Math.max(r(), 1e-12);
    const v = r();
    const m = Math.sqrt(-2 * Math.log(u));
    spare = m * Math.sin(2 * Math.PI * v);
    return m * Math.cos(2 * Math.PI * v);
  };
  for (let y = 0; y < height; y++) {
    const dy = y - cy;
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const dx = x - cx;
      const along = (x * cos + y * sin - lowest) / span;
      const shade = 1 - d.illumination * (0.6 * along + (0.4 * (dx * dx + dy * dy)) / maxR2);
      let v = (px[i] as number) * shade + d.noiseSigma * gauss();
      if (r() < d.speckRate) v = 40 + r() * 120;
      px[i] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
    }
  }
}
