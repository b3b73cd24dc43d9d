/**
 * Page images through sharp (the only file that imports it). Process-wide
 * settings are made once here: no operation cache (uploads are seen once) and
 * one libvips thread per operation, since OCR workers already use the cores.
 */
import sharp from 'sharp';
import { DomainError } from '../src/errors';

sharp.cache(false);
sharp.concurrency(1);

export interface ImageLimits {
  maxPagePixels: number;
  maxPages: number;
}

export interface InspectedImage {
  pages: number;
  width: number;
  height: number;
}

const DECODE_TIMEOUT_S = 60;

/** Reads the header and decodes every page once, so a corrupt or hostile file is refused at the door. */
export async function inspectImage(file: string, limits: ImageLimits): Promise<InspectedImage> {
  let meta: sharp.Metadata;
  try {
    meta = await sharp(file, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw new DomainError('corrupt_file', { en: String((e as Error).message), ar: '' });
  }
  const pages = meta.pages ?? 1;
  const width = meta.width ?? 0;
  const height = meta.pageHeight ?? meta.height ?? 0;
  if (width <= 0 || height <= 0) throw new DomainError('corrupt_file');
  if (width * height > limits.maxPagePixels) {
    throw new DomainError('too_many_pixels', {
      ar: `(${width}×${height})`,
      en: `(${width}×${height} > ${limits.maxPagePixels} pixels)`,
      details: { width, height, maxPixels: limits.maxPagePixels },
    });
  }
  if (pages > limits.maxPages) {
    throw new DomainError('too_many_pages', {
      en: `(${pages} > ${limits.maxPages})`,
      details: { pages, maxPages: limits.maxPages },
    });
  }
  for (let page = 0; page < pages; page++) {
    try {
      // Decoding to a small thumbnail reads every byte while keeping memory low.
      await sharp(file, { page, limitInputPixels: limits.maxPagePixels, failOn: 'truncated' })
        .timeout({ seconds: DECODE_TIMEOUT_S })
        .resize({ width: 256 })
        .raw()
        .toBuffer({ resolveWithObject: false });
    } catch (e) {
      throw new DomainError('corrupt_file', { en: `(page ${page + 1}: ${(e as Error).message})`, details: { page: page + 1 } });
    }
  }
  return { pages, width, height };
}

export interface RenderedPage {
  width: number;
  height: number;
  /** Greyscale PNG for OCR. */
  png: Buffer;
  /** Greyscale JPEG for the archive PDF. */
  jpeg: Buffer;
  /** Effective resolution, in dots per inch (300 when the file does not say). */
  dpi: number;
}

/** One page, upright (EXIF orientation applied) and in greyscale. */
export async function renderPage(file: string, pageIndex: number, limits: ImageLimits): Promise<RenderedPage> {
  const base = sharp(file, { page: pageIndex, limitInputPixels: limits.maxPagePixels }).timeout({ seconds: DECODE_TIMEOUT_S });
  const meta = await base.metadata();
  const grey = base.clone().rotate().flatten({ background: '#ffffff' }).greyscale();
  const png = await grey.clone().png({ compressionLevel: 3 }).toBuffer({ resolveWithObject: true });
  const jpeg = await grey.clone().jpeg({ quality: 85, mozjpeg: true }).toBuffer();
  const dpi = meta.density && meta.density >= 72 && meta.density <= 1200 ? meta.density : 300;
  return { width: png.info.width, height: png.info.height, png: png.data, jpeg, dpi };
}

/** The viewer's image of a page: WebP, at most 2000 px wide. */
export async function viewerImage(png: Buffer): Promise<Buffer> {
  return sharp(png).resize({ width: 2000, withoutEnlargement: true }).webp({ quality: 80 }).toBuffer();
}

const STAMP_FONT = require.resolve('@expo-google-fonts/amiri/400Regular/Amiri_400Regular.ttf');

function escapeMarkup(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The registry stamp as a PNG: Pango shapes and orders the Arabic text
 * (joining, right-to-left, digits), which a PDF library drawing glyphs left to
 * right cannot be trusted to do. Drawn at 4× so it stays sharp when printed.
 */
export async function renderStamp(
  lines: string[],
  opts: { widthPt: number; scale?: number },
): Promise<{ png: Buffer; width: number; height: number }> {
  const scale = opts.scale ?? 4;
  const markup = lines
    .map((l, i) => `<span foreground="#8c0d0d" size="${i === 0 ? 'large' : 'medium'}">${escapeMarkup(l)}</span>`)
    .join('\n');
  const text = await sharp({
    text: {
      text: markup,
      font: 'Amiri 11',
      fontfile: STAMP_FONT,
      rgba: true,
      dpi: 72 * scale,
      align: 'centre',
      spacing: 2 * scale,
    },
  })
    .png()
    .toBuffer({ resolveWithObject: true });
  const pad = 6 * scale;
  const border = Math.round(1.5 * scale);
  const width = Math.max(text.info.width + 2 * pad, Math.round(opts.widthPt * scale));
  const height = text.info.height + 2 * pad;
  const frame = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<rect x="${border / 2}" y="${border / 2}" width="${width - border}" height="${height - border}" rx="${3 * scale}" ` +
      `fill="white" fill-opacity="0.88" stroke="#8c0d0d" stroke-width="${border}"/></svg>`,
  );
  const png = await sharp(frame)
    .composite([{ input: text.data, left: Math.round((width - text.info.width) / 2), top: pad }])
    .png()
    .toBuffer();
  return { png, width: width / scale, height: height / scale };
}
