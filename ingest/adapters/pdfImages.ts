/**
 * Page pictures in the archive PDF, as their files hold them and out of memory:
 * a JPEG's bytes as a DCT image, a PNG's compressed rows (IDAT) as a Flate
 * image with PNG's own predictors, so nothing is decoded or compressed again.
 * Grey stays grey, a one-bit (bilevel) or palette PNG stays as few bits.
 *
 * The bytes are not kept in the PDF being built: each image's data goes to a
 * file in `dir` at once, and the PDF holds a short marker in its place, which
 * pdfSplice.ts replaces with the file's bytes while the PDF is written out.
 * So a document's pixels are never all in memory, whatever its page count.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  concatTransformationMatrix,
  drawObject,
  PDFHexString,
  popGraphicsState,
  pushGraphicsState,
  type PDFDocument,
  type PDFPage,
  type PDFRef,
} from 'pdf-lib';
import type { Deferred } from './pdfSplice';

/** Images whose data waits in files, to be spliced into the PDF when it is written. */
export class ImageSpool {
  readonly deferred: Deferred[] = [];
  private readonly tag = crypto.randomBytes(8).toString('hex');

  constructor(readonly dir: string) {}

  /** Registers an image XObject with `dict`, its data (already encoded as `dict` says) written to a file now. */
  async add(pdf: PDFDocument, dict: Record<string, unknown>, data: Buffer[]): Promise<PDFRef> {
    const n = this.deferred.length;
    const marker = Buffer.from(`%diwan-image-${this.tag}-${String(n).padStart(6, '0')}%`, 'latin1');
    const file = path.join(this.dir, `image-${n}.bin`);
    await fs.promises.writeFile(file, Buffer.concat(data));
    const length = data.reduce((s, d) => s + d.length, 0);
    this.deferred.push({ marker, file, length });
    return pdf.context.register(pdf.context.stream(marker, { Type: 'XObject', Subtype: 'Image', ...dict }));
  }
}

interface PngHeader {
  width: number;
  height: number;
  depth: number;
  colour: number;
  interlace: number;
}

/**
 * A PNG as a PDF image as it is, or undefined when it cannot be carried so (interlaced, 16-bit,
 * with alpha or transparency): grey at 1, 2, 4 or 8 bits, RGB at 8, or a palette (an indexed colour space).
 */
export async function pngImage(pdf: PDFDocument, spool: ImageSpool, png: Buffer): Promise<PDFRef | undefined> {
  if (png.length < 33 || png.subarray(0, 8).toString('hex') !== '89504e470d0a1a0a') return undefined;
  const idat: Buffer[] = [];
  let header: PngHeader | undefined;
  let palette: Buffer | undefined;
  for (let at = 8; at + 12 <= png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    if (data.length !== length) return undefined;
    if (type === 'IHDR') {
      header = {
        width: data.readUInt32BE(0),
        height: data.readUInt32BE(4),
        depth: data[8]!,
        colour: data[9]!,
        interlace: data[12]!,
      };
    } else if (type === 'PLTE') palette = data;
    else if (type === 'tRNS')
      return undefined; // transparency: drawn the slow way, over white
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    at += 12 + length;
  }
  if (!header || idat.length === 0 || header.interlace !== 0) return undefined;
  const { width, height, depth, colour } = header;
  let colourSpace: unknown;
  let colours: number;
  if (colour === 0 && [1, 2, 4, 8].includes(depth)) [colourSpace, colours] = ['DeviceGray', 1];
  else if (colour === 2 && depth === 8) [colourSpace, colours] = ['DeviceRGB', 3];
  else if (colour === 3 && palette && palette.length % 3 === 0 && [1, 2, 4, 8].includes(depth)) {
    const entries = palette.length / 3;
    colourSpace = pdf.context.obj(['Indexed', 'DeviceRGB', entries - 1, PDFHexString.of(palette.toString('hex'))]);
    colours = 1;
  } else return undefined;
  return spool.add(
    pdf,
    {
      Width: width,
      Height: height,
      ColorSpace: colourSpace,
      BitsPerComponent: depth,
      Filter: 'FlateDecode',
      DecodeParms: { Predictor: 15, Colors: colours, BitsPerComponent: depth, Columns: width },
    },
    idat,
  );
}

/** A JPEG as a PDF image byte for byte (grey or RGB, 8 bits), or undefined for any other. */
export async function jpegImage(pdf: PDFDocument, spool: ImageSpool, jpeg: Buffer): Promise<PDFRef | undefined> {
  const frame = jpegFrame(jpeg);
  if (!frame || frame.precision !== 8 || (frame.components !== 1 && frame.components !== 3)) return undefined;
  return spool.add(
    pdf,
    {
      Width: frame.width,
      Height: frame.height,
      ColorSpace: frame.components === 1 ? 'DeviceGray' : 'DeviceRGB',
      BitsPerComponent: 8,
      Filter: 'DCTDecode',
    },
    [jpeg],
  );
}

/** The JPEG's frame header (SOFn): size, precision and number of components. */
function jpegFrame(jpeg: Buffer): { width: number; height: number; precision: number; components: number } | undefined {
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return undefined;
  for (let at = 2; at + 9 < jpeg.length;) {
    if (jpeg[at] !== 0xff) return undefined;
    const marker = jpeg[at + 1]!;
    if (marker === 0xff) {
      at++;
      continue;
    }
    const length = jpeg.readUInt16BE(at + 2);
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      return {
        precision: jpeg[at + 4]!,
        height: jpeg.readUInt16BE(at + 5),
        width: jpeg.readUInt16BE(at + 7),
        components: jpeg[at + 9]!,
      };
    }
    at += 2 + length;
  }
  return undefined;
}

/** Draws an image XObject at (x, y), `width` × `height` points. */
export function drawXObject(page: PDFPage, ref: PDFRef, x: number, y: number, width: number, height: number): void {
  const name = page.node.newXObject('Image', ref);
  page.pushOperators(
    pushGraphicsState(),
    concatTransformationMatrix(width, 0, 0, height, x, y),
    drawObject(name),
    popGraphicsState(),
  );
}
