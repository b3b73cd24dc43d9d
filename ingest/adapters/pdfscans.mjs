/**
 * Finds the pages of a PDF that are nothing but one scanned JPEG drawn over
 * the whole page (what scanners and most scanning software write), and
 * copies each such JPEG's own bytes out, so that the page can be decoded by
 * libjpeg (sharp) instead of drawn by pdf.js: the same pixels, many times
 * faster. Run only inside ingest/pdfread.worker.mjs, under its limits.
 * `copyPages` copies a PDF's pages into a plain file of their own for the
 * compose stage (below).
 *
 * A page qualifies only when all of this holds, and is otherwise drawn as before:
 * - no /Rotate, no annotations (an empty list is none), a crop box equal to the media box (or none);
 * - its content is `q`, `Q`, `cm` and one `Do` of one image XObject, and that
 *   draw covers the page exactly: [w 0 0 h x y] with the page's own box;
 * - the image is DCTDecode alone, 8 bits, DeviceGray or DeviceRGB (or ICCBased
 *   with 1 or 3 components), with no mask, soft mask, decode array or image mask.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

// pdf-lib's one-file build, required: imported as an ES module, its ~300 CommonJS files are each
// scanned for exports, and loading it took 0.27 s of CPU in every reading process instead of 0.12 s.
const { PDFArray, PDFDict, PDFDocument, PDFName, PDFNumber, PDFRawStream, decodePDFRawStream } = createRequire(import.meta.url)(
  'pdf-lib/dist/pdf-lib.js',
);

const num = (o) => (o instanceof PDFNumber ? o.asNumber() : undefined);

/** The page's box as [x0, y0, x1, y1], or undefined when it is not four numbers. */
function box(page, name) {
  const arr = page.node.lookup(PDFName.of(name));
  if (!(arr instanceof PDFArray) || arr.size() !== 4) return undefined;
  const v = arr.asArray().map((o) => num(page.node.context.lookup(o)));
  return v.every((x) => x !== undefined) ? v : undefined;
}

/** The content stream's bytes (all streams of a content array, joined), or undefined when one cannot be decoded. */
function contentBytes(page) {
  const ctx = page.node.context;
  const contents = page.node.Contents();
  const streams = contents instanceof PDFArray ? contents.asArray().map((o) => ctx.lookup(o)) : [contents];
  const parts = [];
  for (const s of streams) {
    if (!(s instanceof PDFRawStream)) return undefined;
    parts.push(Buffer.from(decodePDFRawStream(s).decode()));
  }
  return Buffer.concat(parts).toString('latin1');
}

/**
 * The operations of a content stream made of numbers, names and operators
 * only; undefined for anything else (strings, arrays, dictionaries, inline images).
 */
function operations(text) {
  const ops = [];
  let operands = [];
  for (const token of text.split(/[\s\0]+/).filter(Boolean)) {
    if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(token)) operands.push(Number(token));
    else if (/^\/[^\s/[\]<>(){}%]+$/.test(token)) operands.push(token.slice(1));
    else if (/^[A-Za-z'"*]+$/.test(token)) {
      ops.push({ op: token, operands });
      operands = [];
    } else return undefined;
  }
  return operands.length === 0 ? ops : undefined;
}

/** 3×3 affine matrices as [a b c d e f], multiplied m × n (PDF order: m applied first). */
function multiply(m, n) {
  return [
    m[0] * n[0] + m[1] * n[2],
    m[0] * n[1] + m[1] * n[3],
    m[2] * n[0] + m[3] * n[2],
    m[2] * n[1] + m[3] * n[3],
    m[4] * n[0] + m[5] * n[2] + n[4],
    m[4] * n[1] + m[5] * n[3] + n[5],
  ];
}

/** The one image drawn and the matrix it is drawn with, when the content is only q/Q/cm and one Do. */
function singleDraw(ops) {
  const stack = [];
  let ctm = [1, 0, 0, 1, 0, 0];
  let draw;
  for (const { op, operands } of ops) {
    if (op === 'q') stack.push(ctm);
    else if (op === 'Q') ctm = stack.pop() ?? ctm;
    else if (op === 'cm' && operands.length === 6 && operands.every((x) => typeof x === 'number')) ctm = multiply(operands, ctm);
    else if (op === 'Do' && operands.length === 1 && typeof operands[0] === 'string' && !draw) draw = { name: operands[0], ctm };
    else return undefined;
  }
  return draw;
}

const close = (a, b, tolerance) => Math.abs(a - b) <= tolerance;

/** The JPEG bytes of page `page` when it is a single full-page scan (see above), else undefined. */
function scanOf(page) {
  const node = page.node;
  if (node.lookup(PDFName.of('Rotate')) !== undefined && num(node.lookup(PDFName.of('Rotate'))) !== 0) return undefined;
  const annots = node.lookup(PDFName.of('Annots'));
  if (annots !== undefined && !(annots instanceof PDFArray && annots.size() === 0)) return undefined;
  const media = box(page, 'MediaBox');
  const crop = node.lookup(PDFName.of('CropBox')) === undefined ? media : box(page, 'CropBox');
  if (!media || !crop || media.some((v, i) => !close(v, crop[i], 0.01))) return undefined;
  const text = contentBytes(page);
  const ops = text === undefined ? undefined : operations(text);
  const draw = ops && singleDraw(ops);
  if (!draw) return undefined;
  const [x0, y0, x1, y1] = media;
  const [a, b, c, d, e, f] = draw.ctm;
  const tol = Math.max(0.5, (x1 - x0) * 0.002);
  if (!(close(a, x1 - x0, tol) && close(d, y1 - y0, tol) && close(b, 0, 1e-6) && close(c, 0, 1e-6))) return undefined;
  if (!(close(e, x0, tol) && close(f, y0, tol))) return undefined;

  const resources = node.Resources();
  const xobjects = resources?.lookup(PDFName.of('XObject'));
  if (!(xobjects instanceof PDFDict)) return undefined;
  const image = xobjects.lookup(PDFName.of(draw.name));
  if (!(image instanceof PDFRawStream)) return undefined;
  const dict = image.dict;
  const get = (k) => dict.lookup(PDFName.of(k));
  if (get('Subtype') !== PDFName.of('Image')) return undefined;
  const filter = get('Filter');
  const dct =
    filter === PDFName.of('DCTDecode') ||
    (filter instanceof PDFArray && filter.size() === 1 && dict.context.lookup(filter.get(0)) === PDFName.of('DCTDecode'));
  if (!dct || num(get('BitsPerComponent')) !== 8) return undefined;
  for (const k of ['SMask', 'Mask', 'Decode', 'ImageMask', 'DecodeParms', 'Alternates'])
    if (get(k) !== undefined) return undefined;
  const components = colourComponents(get('ColorSpace'), dict.context);
  if (components !== 1 && components !== 3) return undefined;
  const width = num(get('Width'));
  const height = num(get('Height'));
  if (!width || !height) return undefined;
  return { bytes: image.contents, width, height, components, widthPt: x1 - x0, heightPt: y1 - y0 };
}

function colourComponents(cs, context) {
  if (cs === PDFName.of('DeviceGray')) return 1;
  if (cs === PDFName.of('DeviceRGB')) return 3;
  if (cs instanceof PDFArray && cs.size() === 2 && context.lookup(cs.get(0)) === PDFName.of('ICCBased')) {
    const profile = context.lookup(cs.get(1));
    return profile instanceof PDFRawStream ? num(profile.dict.lookup(PDFName.of('N'))) : undefined;
  }
  return undefined;
}

/** A PDF's bytes parsed by pdf-lib, for `scans` and `copyPages` (which only read it). */
export function openPdf(bytes) {
  return PDFDocument.load(bytes, { updateMetadata: false });
}

/**
 * For each page of `source` (openPdf), the file its scanned JPEG was copied to
 * (in `outDir`) with the image's size in pixels and components and the page's
 * size in points, or null when the page must be drawn.
 */
export function scans({ source, outDir, maxPagePixels }) {
  return source.getPages().map((page, i) => {
    let scan;
    try {
      scan = scanOf(page);
    } catch {
      scan = undefined; // anything unexpected: the page is drawn by pdf.js instead
    }
    if (!scan || scan.width * scan.height > maxPagePixels) return null;
    const out = path.join(outDir, `scan-${i}.jpg`);
    fs.writeFileSync(out, scan.bytes);
    const { width, height, components, widthPt, heightPt } = scan;
    return { file: out, width, height, components, widthPt, heightPt };
  });
}

/**
 * The pages of `source` (openPdf) copied into a new file (`outFile`) for the compose stage,
 * which embeds them in the archive PDF in the worker itself: only what the
 * pages use, without object streams, and at most `maxObjects` objects and
 * `maxBytes` bytes, so that reading the copy there costs what its size says.
 * Whatever else the original holds (objects nothing uses, object streams that
 * inflate to millions of objects) is parsed here, under this process's limits.
 * The copy is read back once before it counts. Throws when a limit is passed.
 */
export async function copyPages({ source, outFile, maxObjects, maxBytes }) {
  const copy = await PDFDocument.create({ updateMetadata: false });
  for (const page of await copy.copyPages(source, source.getPageIndices())) copy.addPage(page);
  const objects = copy.context.enumerateIndirectObjects().length;
  if (objects > maxObjects) throw new Error(`(its pages use ${objects} objects; at most ${maxObjects} are allowed)`);
  const out = await copy.save({ useObjectStreams: false, updateFieldAppearances: false });
  if (out.length > maxBytes) throw new Error(`(its pages take ${out.length} bytes; at most ${maxBytes} are allowed)`);
  const check = await PDFDocument.load(out, { updateMetadata: false });
  if (check.getPageCount() !== source.getPageCount()) throw new Error('(its pages could not be copied)');
  fs.writeFileSync(outFile, out);
  return { pages: check.getPageCount(), objects, bytes: out.length };
}
