/**
 * Page images through sharp (the only file that imports it). Process-wide
 * settings are made once here: no operation cache (uploads are seen once) and
 * one libvips thread per operation, since OCR workers already use the cores.
 */
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import sharp from 'sharp';
import { DomainError } from '../src/errors';
import { fontFile } from './fonts';
import { projectScript } from './scripts';

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
  // Transparency, if any, over white paper, as a page is seen.
  const png = await base
    .clone()
    .rotate()
    .flatten({ background: '#ffffff' })
    .png({ compressionLevel: 6 })
    .toBuffer()
    .catch((e: unknown) => Promise.reject(asCorruptFile(e)));
  return { kind: 'png', bytes: png, width, height, dpi };
}

/** A page rasterised elsewhere (a PDF page), normalised like a scan. */
export async function normalisePage(png: Buffer, dpi: number, limits: ImageLimits): Promise<RenderedPage> {
  return finish(sharp(png, { limitInputPixels: limits.maxPagePixels }).timeout({ seconds: DECODE_TIMEOUT_S }), dpi);
}

async function finish(img: sharp.Sharp, dpi: number): Promise<RenderedPage> {
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

const STAMP_FONT = fontFile('amiri').file;

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
  opts: { widthPt: number; scale?: number; /** Index of a line set large and bold (the registry number). */ emphasise?: number },
): Promise<{ png: Buffer; width: number; height: number; lines: string[] }> {
  const scale = opts.scale ?? 4;
  const markup = lines
    .map((l, i) => {
      const size = i === 0 || i === opts.emphasise ? 'large' : i === lines.length - 1 ? 'small' : 'medium';
      const weight = i === opts.emphasise ? ' weight="bold"' : '';
      return `<span foreground="#8c0d0d" size="${size}"${weight}>${escapeMarkup(l)}</span>`;
    })
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
      `fill="white" stroke="#8c0d0d" stroke-width="${border}"/></svg>`,
  );
  const png = await sharp(frame)
    .composite([{ input: text.data, left: Math.round((width - text.info.width) / 2), top: pad }])
    .png()
    .toBuffer();
  return { png, width: width / scale, height: height / scale, lines };
}

/** A line of small grey text (the footer of an archive page), shaped by Pango; size in points. */
export async function renderFooter(
  text: string,
  scale = 4,
): Promise<{ png: Buffer; width: number; height: number; lines: string[] }> {
  const out = await sharp({
    text: {
      text: `<span foreground="#555555">${escapeMarkup(text)}</span>`,
      font: 'Amiri 7',
      fontfile: STAMP_FONT,
      rgba: true,
      dpi: 72 * scale,
    },
  })
    .png()
    .toBuffer({ resolveWithObject: true });
  return { png: out.data, width: out.info.width / scale, height: out.info.height / scale, lines: [text] };
}

let iccOnce: Promise<Buffer> | undefined;
/** The sRGB ICC profile that comes with libvips, for the archive PDF's output intent. */
export function srgbIccProfile(): Promise<Buffer> {
  iccOnce ??= (async () => {
    const probe = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#ffffff' } })
      .withIccProfile('srgb')
      .jpeg()
      .toBuffer();
    const { icc } = await sharp(probe).metadata();
    if (!icc) throw new Error('sharp gave no sRGB profile');
    return icc;
  })();
  return iccOnce;
}

let pixelWorker: Worker | undefined;
let nextRequest = 0;
interface PixelAnswer {
  ink?: ArrayBuffer;
  threshold?: number;
  angle?: number;
}
const pendingPixels = new Map<number, { resolve: (r: PixelAnswer) => void; reject: (e: Error) => void }>();

/** The one pixel worker thread of this process, started on first use; it keeps the process alive only while it works. */
function pixels(): Worker {
  if (pixelWorker) return pixelWorker;
  const w = new Worker(projectScript('ingest/pixels.worker.mjs'));
  w.unref();
  w.on('message', (m: PixelAnswer & { id: number; error?: string }) => {
    const p = pendingPixels.get(m.id);
    pendingPixels.delete(m.id);
    if (pendingPixels.size === 0) w.unref();
    if (!p) return;
    if (m.error) p.reject(new Error(`pixel worker: ${m.error}`));
    else p.resolve(m);
  });
  w.on('error', (e) => {
    for (const p of pendingPixels.values()) p.reject(e);
    pendingPixels.clear();
    pixelWorker = undefined;
  });
  pixelWorker = w;
  return w;
}

function askPixels(message: Record<string, unknown>, transfer: ArrayBuffer[]): Promise<PixelAnswer> {
  return new Promise((resolve, reject) => {
    const id = nextRequest++;
    pendingPixels.set(id, { resolve, reject });
    const w = pixels();
    w.ref(); // held only while a page is being worked on
    w.postMessage({ id, ...message }, transfer);
  });
}

/** The skew of a binarised page's text lines, in degrees (positive: lines rise to the right). */
export async function measureSkew(binary: Buffer | InkImage): Promise<number> {
  const png = Buffer.isBuffer(binary) ? binary : await inkPng(binary);
  const { data, info } = await sharp(png)
    .resize({ width: 800, withoutEnlargement: true })
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const ink = new Uint8Array(data).buffer;
  const answer = await askPixels({ op: 'skew', ink, width: info.width, height: info.height }, [ink]);
  return answer.angle ?? 0;
}

/**
 * What the OCR engine sees (never what is archived): speckle removed (3×3
 * median), the background flattened (each pixel divided by a blurred estimate
 * of the paper around it, so shadows and uneven grey vanish), then binarised at
 * Otsu's threshold, then deskewed. Paper grain and uneven grey otherwise send
 * the recogniser hunting for letters in the noise. The pixel loops run in a
 * worker thread.
 */
export async function prepareForOcr(page: Buffer | RenderedPage): Promise<InkImage> {
  return (await prepareForOcrWithGeometry(page)).ink;
}

/** A binarised page as the recogniser and the number reader take it: one byte per pixel, 0 ink, 255 paper. */
export interface InkImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** The ink image as a PNG (to look at, or to hand to a tool that wants a file). */
export function inkPng(ink: InkImage): Promise<Buffer> {
  return sharp(ink.data, { raw: { width: ink.width, height: ink.height, channels: 1 } })
    .png({ compressionLevel: 1 })
    .toBuffer();
}

/** The recogniser's image and how it was turned, so its word boxes can be put back on the page. */
export interface OcrInput {
  ink: InkImage;
  /** Degrees the page was turned, clockwise (0 when it was level). */
  turned: number;
  width: number;
  height: number;
  turnedWidth: number;
  turnedHeight: number;
}

/** Maps a box [x0, y0, x1, y1] found on the turned image back onto the page as scanned. */
export function boxOnPage(box: [number, number, number, number], g: OcrInput): [number, number, number, number] {
  if (g.turned === 0) return box;
  const t = (g.turned * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  const back = (x: number, y: number): [number, number] => {
    const dx = x - g.turnedWidth / 2;
    const dy = y - g.turnedHeight / 2;
    return [g.width / 2 + dx * cos + dy * sin, g.height / 2 - dx * sin + dy * cos];
  };
  const corners = [back(box[0], box[1]), back(box[2], box[1]), back(box[0], box[3]), back(box[2], box[3])];
  const clamp = (v: number, max: number) => Math.max(0, Math.min(max, Math.round(v)));
  return [
    clamp(Math.min(...corners.map((c) => c[0])), g.width),
    clamp(Math.min(...corners.map((c) => c[1])), g.height),
    clamp(Math.max(...corners.map((c) => c[0])), g.width),
    clamp(Math.max(...corners.map((c) => c[1])), g.height),
  ];
}

/** Prepares a rendered page, or an image file's bytes (any format sharp reads). */
export async function prepareForOcrWithGeometry(page: Buffer | RenderedPage): Promise<OcrInput> {
  const { grey, width, height } = Buffer.isBuffer(page) ? await finish(sharp(page), 300) : page;
  // The paper: a heavily blurred small copy, scaled back up. Separate pipelines, because sharp
  // applies only the last resize of a chain; one channel out, as the pixel loop expects.
  const small = await sharp(grey, { raw: { width, height, channels: 1 } })
    .resize(Math.max(16, Math.round(width / 8)))
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const blurred = await sharp(small.data, { raw: { width: small.info.width, height: small.info.height, channels: 1 } })
    .blur(4)
    .toColourspace('b-w')
    .raw()
    .toBuffer();
  const bg = await sharp(blurred, { raw: { width: small.info.width, height: small.info.height, channels: 1 } })
    .resize(width, height, { fit: 'fill', kernel: 'linear' }) // a smooth background: linear is as good as lanczos, and a third faster
    .toColourspace('b-w')
    .raw()
    .toBuffer();
  if (bg.length !== grey.length) throw new Error(`background estimate has ${bg.length} bytes for ${grey.length} pixels`);
  // Median, flattening, Otsu's threshold and the skew of the lines, in the pixel worker.
  // Copies, so the worker can take ownership of the memory.
  const g = new Uint8Array(grey).buffer;
  const b = new Uint8Array(bg).buffer;
  const answer = await askPixels({ op: 'prepare', grey: g, bg: b, width, height }, [g, b]);
  if (!answer.ink || answer.angle === undefined) throw new Error('pixel worker: no answer');
  const ink: InkImage = { data: new Uint8Array(answer.ink), width, height };
  const skew = answer.angle;
  const level = { ink, turned: 0, width, height, turnedWidth: width, turnedHeight: height };
  // Straighten tilted lines: the recogniser reads level lines far better.
  if (Math.abs(skew) < 0.3) return level;
  const turned = await sharp(ink.data, { raw: { width, height, channels: 1 } })
    .rotate(-skew, { background: '#ffffff' })
    .threshold(128)
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    ...level,
    ink: {
      data: new Uint8Array(turned.data.buffer, turned.data.byteOffset, turned.data.length),
      width: turned.info.width,
      height: turned.info.height,
    },
    turned: -skew,
    turnedWidth: turned.info.width,
    turnedHeight: turned.info.height,
  };
}
