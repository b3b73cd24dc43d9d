/**
 * The pages of a document, whatever its originals are: images (JPEG, PNG,
 * WebP, multi-page TIFF) or PDFs, one file or several. Page n of the document
 * is found in its part, rendered, and normalised (upright, greyscale) the same
 * way for every format.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { PartRecord } from '../storage/repos/documents';
import type { ObjectStore } from '../storage/objectStore';
import { archiveImage, normalisePage, renderPage, scannedPage, type ImageLimits, type RenderedPage } from './adapters/images';
import type { PageSource } from './adapters/pdf';
import { copyPdfPages, pdfPageText, pdfScans, pdfScansAndCopy, renderPdfPage, type ScannedPdfPage } from './adapters/pdfread';

/** PDF pages are rasterised at this resolution for OCR and the archive copy. */
export const PDF_DPI = 300;

export interface LocalPart extends PartRecord {
  path: string;
}

/** Fetches the originals into `dir` (once per run). */
export async function fetchParts(parts: PartRecord[], store: ObjectStore, dir: string): Promise<LocalPart[]> {
  const out: LocalPart[] = [];
  for (const p of parts) {
    const file = path.join(dir, `part-${p.n}.${p.ext}`);
    if (!fs.existsSync(file)) await pipeline(await store.get(p.key), fs.createWriteStream(file));
    out.push({ ...p, path: file });
  }
  return out;
}

/** Which part holds document page n (1-based), and the page's index inside it. */
export function locatePage<T extends Pick<PartRecord, 'pageCount'>>(parts: T[], n: number): { part: T; index: number } {
  let first = 1;
  for (const part of parts) {
    if (n < first + part.pageCount) return { part, index: n - first };
    first += part.pageCount;
  }
  throw new Error(`page ${n} is beyond the document's ${first - 1} pages`);
}

/** Each PDF part's scanned pages (pdfScans), looked for once per part and run. */
const scansOf = new WeakMap<LocalPart, Promise<Array<ScannedPdfPage | null>>>();

/**
 * The part's scanned pages. The plain copy of its pages (pagesCopy) is made by
 * the same reading process when it has not been asked for yet, since the
 * pipeline needs both; when that call fails in any way, each is made alone, as
 * if it had not been tried (the copy only when it is asked for, so its error
 * reaches the stage that needs it).
 */
function scannedPages(part: LocalPart, limits: ImageLimits): Promise<Array<ScannedPdfPage | null>> {
  let found = scansOf.get(part);
  if (!found) {
    const dir = fs.mkdtempSync(path.join(path.dirname(part.path), `scans-${part.n}-`));
    const alone = () => pdfScans(part.path, dir, { maxPagePixels: limits.maxPagePixels }).catch(() => []);
    if (copiesOf.has(part)) found = alone();
    else {
      const opts = { maxPagePixels: limits.maxPagePixels };
      const both = pdfScansAndCopy(part.path, dir, copyFileOf(part), opts).catch(() => undefined);
      copiedWithScans.set(
        part,
        both.then((b) => b?.copied === true),
      );
      found = both.then((b) => b?.scans ?? alone());
    }
    scansOf.set(part, found);
  }
  return found;
}

/**
 * Page n, upright and in greyscale. A PDF page that is one scanned JPEG is
 * decoded from the JPEG's own bytes and brought to the size pdf.js would draw
 * it at (PDF_DPI); any other PDF page is drawn by pdf.js.
 */
export async function renderDocumentPage(parts: LocalPart[], n: number, limits: ImageLimits): Promise<RenderedPage> {
  const { part, index } = locatePage(parts, n);
  if (part.mime === 'application/pdf') {
    const scan = (await scannedPages(part, limits))[index];
    if (scan) {
      const size = {
        width: Math.max(1, Math.round((scan.widthPt * PDF_DPI) / 72)),
        height: Math.max(1, Math.round((scan.heightPt * PDF_DPI) / 72)),
      };
      return scannedPage(scan.file, size, limits);
    }
    const png = await renderPdfPage(part.path, index, { dpi: PDF_DPI, maxPagePixels: limits.maxPagePixels });
    return normalisePage(png, PDF_DPI, limits);
  }
  return renderPage(part.path, index, limits);
}

/** The text layer of a born-digital PDF page, in the pixel space of its rendering. */
export async function documentPageText(parts: LocalPart[], n: number) {
  const { part, index } = locatePage(parts, n);
  if (part.mime !== 'application/pdf') throw new Error(`page ${n} is not from a PDF`);
  return pdfPageText(part.path, index, PDF_DPI);
}

/** Each PDF part's pages copied into a plain PDF (copyPdfPages), made once per part and run; its path. */
const copiesOf = new WeakMap<LocalPart, Promise<string>>();

/** Whether scannedPages made a part's plain copy along with its scans (never rejects). */
const copiedWithScans = new WeakMap<LocalPart, Promise<boolean>>();

function pagesCopy(part: LocalPart): Promise<string> {
  let copy = copiesOf.get(part);
  if (!copy) {
    const file = copyFileOf(part);
    copy = (copiedWithScans.get(part) ?? Promise.resolve(false)).then((made) =>
      made ? file : copyPdfPages(part.path, file).then(() => file),
    );
    copiesOf.set(part, copy);
  }
  return copy;
}

function copyFileOf(part: LocalPart): string {
  return path.join(path.dirname(part.path), `pages-${part.n}.pdf`);
}

/**
 * Page n as the archive PDF shows it: the original page of a PDF (from the
 * plain copy of its pages the PDF reader's process made, never the original
 * parsed in this one), or the original image (see archiveImage).
 */
export async function archivePageSource(parts: LocalPart[], n: number, limits: ImageLimits): Promise<PageSource> {
  const { part, index } = locatePage(parts, n);
  if (part.mime === 'application/pdf') {
    const raster = async () => {
      const png = await renderPdfPage(part.path, index, { dpi: PDF_DPI, maxPagePixels: limits.maxPagePixels });
      const page = await normalisePage(png, PDF_DPI, limits);
      return { png, width: page.width, height: page.height, dpi: PDF_DPI };
    };
    return { kind: 'pdf', file: part.path, bytes: async () => fs.promises.readFile(await pagesCopy(part)), index, raster };
  }
  return archiveImage(part.path, index, part.mime, part.pageCount, limits);
}
