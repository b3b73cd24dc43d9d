/**
 * What the OCR engine sees, made from a drawn page: cleaned, binarised and
 * levelled, with the pixel loops in one worker thread per process.
 */
import { Worker } from 'node:worker_threads';
import { projectScript } from './files';
import { finish, type RenderedPage } from './images';
import { sharp } from './sharp';

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
  const w = new Worker(projectScript('ingest/adapters/pixels.worker.mjs'));
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

/** A run of text drawn in one face at 300 dpi, as ink (0) on paper (255); `threshold` sets the stroke weight. */
export async function renderTextInk(
  text: string,
  file: string,
  family: string,
  pt: number,
  threshold: number,
): Promise<InkImage> {
  const { data, info } = await sharp({ text: { text, font: `${family} ${pt}`, fontfile: file, dpi: 300 } })
    .extend({ top: 4, bottom: 4, left: 4, right: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } })
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  // Text renders as coverage (white on black); turn it into ink below 128 at the chosen stroke weight.
  const ink = new Uint8Array(info.width * info.height);
  for (let i = 0; i < ink.length; i++) ink[i] = (data[i] as number) > threshold ? 0 : 255;
  return { data: ink, width: info.width, height: info.height };
}
