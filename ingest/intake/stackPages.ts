/**
 * Looking at every page of a scan (an image, a multi-page TIFF, a PDF without a text layer) for the registry's
 * printed sheets and for blank backs. Each page is drawn small and grey (stackImages.ts: an A4 page at about
 * 150 dpi): a PDF page that is one scanned JPEG from the JPEG's own bytes (pdfScans, one reading process for
 * the whole file), any other PDF page by pdf.js; its QR codes are read (barcodes.ts) and told apart
 * (sheetCodes.ts); its ink is measured (blankPage.ts). Every scanned upload passes here, so a page costs one
 * small decode and one QR search, a few tens of milliseconds.
 */
import fs from 'node:fs';
import type { RegistryRef } from '../../kernel/registry';
import { readQrCodes, type GreyPicture } from '../adapters/barcodes';
import type { ImageLimits } from '../adapters/images';
import { pdfScans, renderPdfPage } from '../adapters/pdfread';
import { checkedImagePage, lookAtImagePage, lookAtPicture } from '../adapters/stackImages';
import { makeWorkFolder } from '../leftovers';
import type { Examined, SpooledFile } from './accept';
import { isBlank } from './blankPage';
import { parseSheetCode } from './sheetCodes';

/** What one page of a stack is, for the plan. */
export interface PageLook {
  /** It bears the separator sheet's code: the end of one letter and the start of the next. */
  separator: boolean;
  /** The registry number of a label it bears (the first one read), if any. */
  label: Required<RegistryRef> | null;
  /** No ink worth keeping (a page with a code is never blank). */
  blank: boolean;
}

/** A PDF page drawn for a look: at most this resolution (the look is brought to its size afterwards). */
const LOOK_DPI = 150;

/** What a grey picture of a page shows. */
export async function lookAt(picture: GreyPicture): Promise<PageLook> {
  const codes = (await readQrCodes(picture)).map(parseSheetCode);
  const separator = codes.some((c) => c.kind === 'separator');
  const label = codes.flatMap((c) => (c.kind === 'label' ? [c.ref] : []))[0] ?? null;
  return { separator, label, blank: codes.length === 0 && isBlank(picture) };
}

/**
 * Every page of an image file looked at, each decoded once: that decode is also the door's check that the page
 * decodes (examine), so a page that will not is refused as corrupt, by its number.
 */
export async function checkAndLookAtImagePages(file: string, pages: number, limits: ImageLimits): Promise<PageLook[]> {
  const looks: PageLook[] = [];
  for (let i = 0; i < pages; i++) looks.push(await lookAt(await checkedImagePage(file, i, limits)));
  return looks;
}

/** Every page of the scan, in the file's order (those examine looked at already, as it saw them). */
export async function lookAtPages(file: SpooledFile, examined: Examined, limits: ImageLimits): Promise<PageLook[]> {
  if (examined.looks) return examined.looks;
  const looks: PageLook[] = [];
  if (examined.mime !== 'application/pdf') {
    for (let i = 0; i < examined.pageCount; i++) looks.push(await lookAt(await lookAtImagePage(file.path, i, limits)));
    return looks;
  }
  const dir = makeWorkFolder();
  try {
    const scans = await pdfScans(file.path, dir, { maxPagePixels: limits.maxPagePixels }).catch(() => []);
    for (let i = 0; i < examined.pageCount; i++) {
      const scan = scans[i];
      const input = scan ? scan.file : await renderPdfPage(file.path, i, { dpi: LOOK_DPI, maxPagePixels: limits.maxPagePixels });
      looks.push(await lookAt(await lookAtPicture(input, limits)));
      if (scan) fs.rmSync(scan.file, { force: true });
    }
    return looks;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
