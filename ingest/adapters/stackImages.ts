/**
 * Pictures for looking at a scanned stack's pages (ingest/intake/stackPages.ts) and the lossless page files
 * a split image stack is made of (ingest/intake/stackFiles.ts). A look is small and grey: at most LOOK_SIDE
 * pixels on its longer side (an A4 page at about 150 dpi), never enlarged, enough to read a label's QR code
 * and to tell a blank back, at a fraction of the cost of the 300 dpi page the pipeline draws.
 */
import { asCorruptFile, pageDecodeError, type ImageLimits } from './images';
import type { GreyPicture } from './barcodes';
import { sharp } from './sharp';

/** The longer side of a look, in pixels: an A4 page at 150 dpi. */
export const LOOK_SIDE = 1754;

const DECODE_TIMEOUT_S = 60;

async function grey(img: sharp.Sharp): Promise<GreyPicture> {
  const { data, info } = await img
    // Bilinear: a third cheaper than the default kernel, and as good for reading codes and measuring ink.
    .resize({ width: LOOK_SIDE, height: LOOK_SIDE, fit: 'inside', withoutEnlargement: true, kernel: 'linear' })
    .flatten({ background: '#ffffff' })
    .greyscale()
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { grey: data, width: info.width, height: info.height };
}

function imagePage(file: string, index: number, limits: ImageLimits): Promise<GreyPicture> {
  const img = sharp(file, { page: index, limitInputPixels: limits.maxPagePixels, failOn: 'truncated' })
    .timeout({ seconds: DECODE_TIMEOUT_S })
    .rotate();
  return grey(img);
}

/** Page `index` of an image file (a TIFF's page, or the one page of a JPEG or PNG), upright, as a look. */
export async function lookAtImagePage(file: string, index: number, limits: ImageLimits): Promise<GreyPicture> {
  try {
    return await imagePage(file, index, limits);
  } catch (e) {
    throw asCorruptFile(e);
  }
}

/**
 * As lookAtImagePage, where drawing the look is also the door's check that the page decodes (inspectImage's,
 * done once for both): any failure refuses the file as corrupt and names the page.
 */
export async function checkedImagePage(file: string, index: number, limits: ImageLimits): Promise<GreyPicture> {
  try {
    return await imagePage(file, index, limits);
  } catch (e) {
    throw pageDecodeError(e, index);
  }
}

/**
 * An encoded picture (a PDF page's scanned JPEG, as stored: a PDF ignores EXIF orientation; a page pdf.js drew)
 * as a look.
 */
export async function lookAtPicture(input: string | Buffer, limits: ImageLimits): Promise<GreyPicture> {
  try {
    return await grey(
      sharp(input, { limitInputPixels: limits.maxPagePixels, failOn: 'truncated' }).timeout({ seconds: DECODE_TIMEOUT_S }),
    );
  } catch (e) {
    throw asCorruptFile(e);
  }
}

/**
 * Page `index` of an image file as a lossless PNG of its own, upright, in its own colours (grey stays grey),
 * with its resolution kept: the same input gives the same bytes, so a stack split again makes the same files.
 */
export async function losslessPage(file: string, index: number, limits: ImageLimits): Promise<Buffer> {
  try {
    const base = sharp(file, { page: index, limitInputPixels: limits.maxPagePixels, failOn: 'truncated' }).timeout({
      seconds: DECODE_TIMEOUT_S,
    });
    const meta = await base.metadata();
    const density = meta.density && meta.density >= 72 && meta.density <= 1200 ? meta.density : undefined;
    let out = base.clone().rotate().flatten({ background: '#ffffff' });
    if (meta.channels === 1 || (meta.channels === 2 && meta.hasAlpha)) out = out.toColourspace('b-w');
    if (density) out = out.withMetadata({ density });
    return await out.png({ compressionLevel: 6 }).toBuffer();
  } catch (e) {
    throw asCorruptFile(e);
  }
}
