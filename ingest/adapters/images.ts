/**
 * Page images: checking an uploaded image, drawing pages at 300 dpi, the
 * archive's and the viewer's copies. What the OCR sees is made in ocrImage.ts,
 * the stamp in stampImage.ts.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { DomainError } from '../../kernel/errors';
import { sharp } from './sharp';

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

/**
 * Reads the header and checks it against the limits (size of a page, number of pages), without decoding pages:
 * the caller decodes each one (inspectImage, or the look at a scan's pages, which decodes each page once for
 * both), mapping a failure with pageDecodeError.
 */
export async function imageHeader(file: string, limits: ImageLimits): Promise<InspectedImage> {
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
  return { pages, width, height };
}

/** A page that would not decode (0-based `page`), as the door refuses it. */
export function pageDecodeError(e: unknown, page: number): DomainError {
  const m = String((e as Error)?.message ?? e);
  return new DomainError('corrupt_file', { en: `(page ${page + 1}: ${m})`, details: { page: page + 1 } });
}

/** Reads the header and decodes every page once, so a corrupt or hostile file is refused at the door. */
export async function inspectImage(file: string, limits: ImageLimits): Promise<InspectedImage> {
  const header = await imageHeader(file, limits);
  for (let page = 0; page < header.pages; page++) {
    try {
      // Decoding to a small thumbnail reads every byte while keeping memory low.
      await sharp(file, { page, limitInputPixels: limits.maxPagePixels, failOn: 'truncated' })
        .timeout({ seconds: DECODE_TIMEOUT_S })
        .resize({ width: 256 })
        .raw()
        .toBuffer({ resolveWithObject: false });
    } catch (e) {
      throw pageDecodeError(e, page);
    }
  }
  return header;
}

export interface RenderedPage {
  width: number;
  height: number;
  /** Greyscale pixels, one byte each, row after row: an intermediate, never stored, so never encoded. */
  grey: Buffer;
  /** Effective resolution, in dots per inch (300 when the file does not say). */
  dpi: number;
}

/**
 * Decoding as the door does (examineImage): a scan with damage the decoder can
 * read past (a bad Huffman code, a short strip) is read as it is, like any
 * viewer shows it; only a file cut short is refused.
 */
const DECODE = { failOn: 'truncated' } as const;

/** A decoder's complaint about the file's own bytes: the file is damaged, and reading it again will not help. */
export function asCorruptFile(e: unknown): unknown {
  const m = String((e as Error)?.message ?? '');
  if (e instanceof DomainError || !/Vips|tiff2vips|jpeg|png|webp|Corrupt|decode|Input (file|buffer)/i.test(m)) return e;
  return new DomainError('corrupt_file', { en: `(${m.split('\n')[0]})` });
}

/** One page of an image file, upright (EXIF orientation applied) and in greyscale. */
export async function renderPage(file: string, pageIndex: number, limits: ImageLimits): Promise<RenderedPage> {
  try {
    const base = sharp(file, { page: pageIndex, limitInputPixels: limits.maxPagePixels, ...DECODE }).timeout({
      seconds: DECODE_TIMEOUT_S,
    });
    const meta = await base.metadata();
    const dpi = meta.density && meta.density >= 72 && meta.density <= 1200 ? meta.density : 300;
    return await finish(base.clone().rotate(), dpi);
  } catch (e) {
    throw asCorruptFile(e);
  }
}

/**
 * Page `pageIndex` of an image file as the archive PDF shows it: the file's
 * own bytes when a PDF can carry them as they are (a single upright JPEG in
 * grey or RGB; an 8-bit grey or RGB PNG), otherwise its pixels, upright, in
 * their own colours (over white where transparent), as a lossless PNG. Width and height in pixels (upright), resolution in dpi.
 */
export async function archiveImage(
  file: string,
  pageIndex: number,
  mime: string,
  pages: number,
  limits: ImageLimits,
): Promise<{ kind: 'jpeg' | 'png'; bytes: Buffer; width: number; height: number; dpi: number }> {
  const base = sharp(file, { page: pageIndex, limitInputPixels: limits.maxPagePixels, ...DECODE }).timeout({
    seconds: DECODE_TIMEOUT_S,
  });
  const meta = await base.metadata();
  const dpi = meta.density && meta.density >= 72 && meta.density <= 1200 ? meta.density : 300;
  const upright = !meta.orientation || meta.orientation === 1;
  const width = meta.orientation && meta.orientation >= 5 ? meta.height : meta.width;
  const height = meta.orientation && meta.orientation >= 5 ? meta.width : meta.height;
  if (!width || !height) throw new Error('image without a size');
  if (pages === 1 && upright && mime === 'image/jpeg' && meta.space !== 'cmyk' && (meta.channels === 1 || meta.channels === 3)) {
    return { kind: 'jpeg', bytes: await fs.promises.readFile(file), width, height, dpi };
  }
  // A plain 8-bit grey or colour PNG goes into the PDF as it is (pdf.ts); others are written as one.
  if (pages === 1 && mime === 'image/png' && meta.depth === 'uchar' && !meta.isProgressive && !meta.hasAlpha && !meta.isPalette) {
    return { kind: 'png', bytes: await fs.promises.readFile(file), width, height, dpi };
  }
  // Transparency, if any, over white paper, as a page is seen. Grey stays grey (one channel), and a bilevel
  // page (one bit a sample: fax, most office scanners) stays bilevel, as a one-bit PNG a PDF carries as it is.
  const grey = meta.channels === 1 || (meta.channels === 2 && meta.hasAlpha);
  const bilevel = grey && meta.bitsPerSample === 1;
  let out = base.clone().rotate().flatten({ background: '#ffffff' });
  if (grey) out = out.toColourspace('b-w');
  const png = await (
    bilevel ? out.raw().toBuffer({ resolveWithObject: true }).then(oneBitPng) : out.png({ compressionLevel: 6 }).toBuffer()
  ).catch((e: unknown) => Promise.reject(asCorruptFile(e)));
  return { kind: 'png', bytes: png, width, height, dpi };
}

/** A page rasterised elsewhere (a PDF page), normalised like a scan. */
export async function normalisePage(png: Buffer, dpi: number, limits: ImageLimits): Promise<RenderedPage> {
  return finish(sharp(png, { limitInputPixels: limits.maxPagePixels }).timeout({ seconds: DECODE_TIMEOUT_S }), dpi);
}

export async function finish(img: sharp.Sharp, dpi: number): Promise<RenderedPage> {
  const { data, info } = await img
    .flatten({ background: '#ffffff' })
    .greyscale()
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 1) throw new Error(`expected one grey channel, got ${info.channels}`);
  return { width: info.width, height: info.height, grey: data, dpi };
}

/** A rendered page's pixels as sharp's input. */
function pixelsOf(page: RenderedPage): sharp.Sharp {
  return sharp(page.grey, { raw: { width: page.width, height: page.height, channels: 1 } });
}

/** A rendered page as a PNG file's bytes (to keep it as a file, or to embed it in a PDF). */
export function pagePng(page: RenderedPage): Promise<Buffer> {
  return pixelsOf(page).png({ compressionLevel: 1 }).toBuffer();
}

/**
 * A PDF page's scanned JPEG (pdfscans.mjs), decoded as it is stored (a PDF
 * ignores EXIF orientation) and brought to `size`, the page's size in pixels
 * when drawn at 300 dpi, as pdf.js would draw it.
 */
export async function scannedPage(
  file: string,
  size: { width: number; height: number },
  limits: ImageLimits,
): Promise<RenderedPage> {
  try {
    let img = sharp(file, { limitInputPixels: limits.maxPagePixels, ...DECODE }).timeout({ seconds: DECODE_TIMEOUT_S });
    const meta = await img.metadata();
    if (meta.width !== size.width || meta.height !== size.height) img = img.resize(size.width, size.height, { fit: 'fill' });
    return await finish(img, 300);
  } catch (e) {
    throw asCorruptFile(e);
  }
}

/** The viewer's image of a page: WebP, at most 2000 px wide (effort 2: half the time of the default for 3% more bytes). */
export async function viewerImage(page: RenderedPage): Promise<Buffer> {
  return pixelsOf(page).resize({ width: 2000, withoutEnlargement: true }).webp({ quality: 80, effort: 2 }).toBuffer();
}

/** A result list's thumbnail of a viewer image: 192 pixels wide. */
export async function thumbnail(webp: Buffer): Promise<Buffer> {
  return sharp(webp).resize({ width: 192, withoutEnlargement: true }).webp({ quality: 70 }).toBuffer();
}

/** A bilevel page's grey pixels (0 or 255) as a one-bit grey PNG: eight pixels a byte, black 0, white 1. */
function oneBitPng({ data, info }: { data: Buffer; info: { width: number; height: number } }): Buffer {
  const { width, height } = info;
  const rowBytes = Math.ceil(width / 8);
  const rows = Buffer.alloc((rowBytes + 1) * height); // each row: filter type 0, then its bits
  for (let y = 0; y < height; y++) {
    const row = y * (rowBytes + 1) + 1;
    for (let x = 0; x < width; x++) if (data[y * width + x]! >= 128) rows[row + (x >> 3)]! |= 0x80 >> (x & 7);
  }
  const chunk = (type: string, body: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(body.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), body])), 0);
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([1, 0, 0, 0, 0], 8); // bit depth 1, grey, deflate, no filter choice, not interlaced
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(rows, { level: 6 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
