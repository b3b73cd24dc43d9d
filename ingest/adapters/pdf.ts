/**
 * The archival PDF through pdf-lib (the only file that imports it).
 *
 * - Each page shows the original: a JPEG scan is embedded byte for byte, a
 *   PNG by its own pixels, other images as lossless PNG, a PDF page as the
 *   original page itself (its own text and images untouched). The image keeps
 *   its pixel size; the page is the image's size at its resolution.
 * - Over a scanned page lies an invisible text layer made from the OCR words:
 *   one text run per line, the words placed where they were read, each
 *   Arabic word's letters written in visual order (right to left on the page)
 *   with a font whose characters map back to plain Unicode letters, so that
 *   pdf.js and poppler extract and copy the text in logical (reading) order.
 * - Nothing is drawn over the scan. The first page gets a band above it with
 *   the registry stamp (an image whose Arabic text was shaped by Pango) and a
 *   vector QR code with the verification address; every page gets a band
 *   below it with the registry number and the page number.
 * - Title, registry number, dates and the original's SHA-256 are in the info
 *   dictionary and in XMP metadata, with PDF/A-2b identification, an sRGB
 *   output intent and a document ID.
 */
import fontkit from '@pdf-lib/fontkit';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PDFDict, PDFDocument, PDFHexString, PDFName, PDFString, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import type { OcrWord } from '../../storage/repos/documents';
import { drawXObject, ImageSpool, jpegImage, pngImage } from './pdfImages';
import { writeSpliced } from './pdfSplice';
import { textLayerFont } from './textFont';
import { markFont, placeOcrLine, placeTextLine, writeInvisibleLines, type PlacedLine, type TextFont } from './textLayer';
import { escapeHtml } from '../../kernel/text';

/** Where a page's picture comes from. */
export type PageSource =
  | { kind: 'jpeg' | 'png'; bytes: Buffer; width: number; height: number; dpi: number }
  | {
      kind: 'pdf';
      /** Names the original file: pages of one file share one parse of it. */
      file: string;
      /** The file's pages as a plain, bounded PDF made in the PDF reader's process (pdfread.ts copyPdfPages), not the original. */
      bytes: () => Promise<Buffer>;
      index: number;
      raster: () => Promise<{ png: Buffer; width: number; height: number; dpi: number }>;
    };

export interface ArchivePage {
  source: PageSource;
  /** OCR words in pixels of the page (at `wordsDpi`); empty when the page keeps its own text. */
  words: OcrWord[];
  wordsDpi: number;
}

/** An image made elsewhere (Pango-shaped text), and its size on the page in points. */
export interface PlacedImage {
  png: Buffer;
  width: number;
  height: number;
  /** The lines the image shows, top to bottom: written over it as invisible text, so readers find them. */
  lines?: string[];
}

export interface ArchiveInfo {
  title: string;
  registryNo: string;
  /** Registration time: also the PDF's creation date, so a re-made PDF has the same dates. */
  registeredAt: Date;
  originalSha256: string;
  organisation: string;
  /** The address in the QR code: the public verification page. */
  verifyUrl: string;
  /** The sRGB ICC profile for the PDF/A output intent. */
  iccProfile: Buffer;
}

/** Height of the band under every page (registry number, page n of N), in points. */
export const FOOTER_PT = 20;
const PAD = 8;

/** Words of a page, in the order they were read, cut into lines (a line: words whose boxes overlap vertically). */
export function linesOfWords(words: OcrWord[]): OcrWord[][] {
  const lines: OcrWord[][] = [];
  for (const w of words) {
    const line = lines[lines.length - 1];
    const last = line?.[line.length - 1];
    const overlap = last ? Math.min(last[4], w[4]) - Math.max(last[2], w[2]) : 0;
    if (line && last && overlap > 0.5 * Math.min(last[4] - last[2], w[4] - w[2])) line.push(w);
    else lines.push([w]);
  }
  return lines;
}

/**
 * The lines of a picture of known text (the stamp, a footer) as invisible
 * text over it: the picture's height shared equally between its lines.
 */
function linesOver(f: TextFont, lines: string[], box: { x: number; y: number; width: number; height: number }): PlacedLine[] {
  const pitch = box.height / Math.max(1, lines.length);
  return lines.map((text, i) =>
    placeTextLine(text, f, {
      x0: box.x,
      x1: box.x + box.width,
      baseline: box.y + box.height - (i + 1) * pitch + pitch * 0.25,
      size: pitch * 0.7,
    }),
  );
}

/** The QR code's dark modules as filled squares: crisp at any zoom, and no image to decode. */
function drawQr(page: PDFPage, modules: boolean[][], x: number, y: number, size: number): void {
  const n = modules.length;
  const quiet = 2;
  const cell = size / (n + 2 * quiet);
  page.drawRectangle({ x, y, width: size, height: size, color: rgb(1, 1, 1) });
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      if (!modules[r]?.[c]) continue;
      page.drawRectangle({
        x: x + (c + quiet) * cell,
        y: y + size - (r + quiet + 1) * cell,
        width: cell,
        height: cell,
        color: rgb(0, 0, 0),
      });
    }
  }
}

function xmp(info: ArchiveInfo, producer: string): string {
  const date = info.registeredAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
    xmlns:diwan="https://diwan.invalid/ns/1.0/">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">${escapeHtml(info.title)}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>${escapeHtml(info.organisation)}</rdf:li></rdf:Seq></dc:creator>
   <dc:identifier>${escapeHtml(info.registryNo)}</dc:identifier>
   <xmp:CreateDate>${date}</xmp:CreateDate>
   <xmp:ModifyDate>${date}</xmp:ModifyDate>
   <xmp:MetadataDate>${date}</xmp:MetadataDate>
   <xmp:CreatorTool>${producer}</xmp:CreatorTool>
   <pdf:Producer>${producer}</pdf:Producer>
   <pdf:Keywords>${escapeHtml(`${info.registryNo} sha256:${info.originalSha256}`)}</pdf:Keywords>
   <pdfaid:part>2</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
   <diwan:registryNo>${escapeHtml(info.registryNo)}</diwan:registryNo>
   <diwan:originalSha256>${info.originalSha256}</diwan:originalSha256>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`;
}

/**
 * Composes the archive PDF. `footers[i]` is page i's footer image; the text
 * layer is written in the glyphless font of textFont.ts.
 */
/** A page, or how to load it when its turn comes (so that only one page's picture is in memory at a time). */
export type PageToCompose = ArchivePage | (() => Promise<ArchivePage>);

/**
 * Writes the archive PDF to `out`; returns its SHA-256 and size. The pages' pictures go to files in a
 * folder beside `out` as each page is composed and are streamed into `out` at the end (pdfImages.ts),
 * so memory does not grow with the document's pixels.
 */
export async function writeArchivePdf(
  pages: PageToCompose[],
  stamp: { text: PlacedImage; qr: boolean[][] },
  footers: PlacedImage[],
  info: ArchiveInfo,
  out: string,
): Promise<{ sha256: string; size: number }> {
  const dir = await fs.promises.mkdtemp(path.join(path.dirname(out), 'pdf-images-'));
  try {
    const spool = new ImageSpool(dir);
    const pdf = await buildPdf(pages, stamp, footers, info, spool);
    return await writeSpliced(Buffer.from(await pdf.save({ useObjectStreams: false })), spool.deferred, out);
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}

/** The archive PDF as bytes (tools and tests; the pipeline writes it to a file with writeArchivePdf). */
export async function composeArchivePdf(
  pages: PageToCompose[],
  stamp: { text: PlacedImage; qr: boolean[][] },
  footers: PlacedImage[],
  info: ArchiveInfo,
): Promise<Buffer> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'diwan-pdf-'));
  try {
    const out = path.join(dir, 'archive.pdf');
    await writeArchivePdf(pages, stamp, footers, info, out);
    return await fs.promises.readFile(out);
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}

async function buildPdf(
  pages: PageToCompose[],
  stamp: { text: PlacedImage; qr: boolean[][] },
  footers: PlacedImage[],
  info: ArchiveInfo,
  spool: ImageSpool,
): Promise<PDFDocument> {
  const textFont = textLayerFont();
  const producer = 'Diwan';
  const pdf = await PDFDocument.create({ updateMetadata: false });
  pdf.registerFontkit(fontkit);
  pdf.setTitle(info.title);
  pdf.setAuthor(info.organisation);
  pdf.setSubject(info.registryNo);
  pdf.setKeywords([info.registryNo, `sha256:${info.originalSha256}`]);
  pdf.setProducer(producer);
  pdf.setCreator(producer);
  pdf.setCreationDate(info.registeredAt);
  pdf.setModificationDate(info.registeredAt);
  const infoDict = pdf.context.lookup(pdf.context.trailerInfo.Info, PDFDict);
  infoDict.set(PDFName.of('DiwanRegistryNo'), PDFString.of(info.registryNo));
  infoDict.set(PDFName.of('DiwanOriginalSHA256'), PDFString.of(info.originalSha256));

  // Shaping off: the text layer wants each letter's own glyph, which maps back to the plain letter.
  const off = Object.fromEntries(
    ['isol', 'init', 'medi', 'fina', 'med2', 'fin2', 'fin3', 'liga', 'rlig', 'calt', 'ccmp', 'mark', 'mkmk', 'kern', 'dlig'].map(
      (f) => [f, false],
    ),
  );
  const kit = fontkit.create(textFont);
  let font: PDFFont | undefined;
  const loadedPdfs = new Map<string, PDFDocument>();
  const stampImage = await pdf.embedPng(stamp.text.png);

  for (const [i, toCompose] of pages.entries()) {
    const p = typeof toCompose === 'function' ? await toCompose() : toCompose;
    const footer = footers[i];
    let scanW: number;
    let scanH: number;
    let draw: (page: PDFPage, x: number, y: number) => void;
    if (p.source.kind === 'pdf') {
      const src = p.source;
      let doc = loadedPdfs.get(src.file);
      if (!doc) {
        doc = await PDFDocument.load(await src.bytes(), { updateMetadata: false });
        loadedPdfs.set(src.file, doc);
      }
      const original = doc.getPage(src.index);
      if (original.getRotation().angle % 360 === 0) {
        // The page itself, as the reader shows it (its crop box): its own pixels, vectors and text.
        const crop = original.getCropBox();
        const embedded = await pdf.embedPage(original, {
          left: crop.x,
          bottom: crop.y,
          right: crop.x + crop.width,
          top: crop.y + crop.height,
        });
        scanW = embedded.width;
        scanH = embedded.height;
        draw = (page, x, y) => page.drawPage(embedded, { x, y });
      } else {
        // A turned page: its rendering, upright, where the words were read.
        const r = await src.raster();
        const image = await pdf.embedPng(r.png);
        scanW = (r.width * 72) / r.dpi;
        scanH = (r.height * 72) / r.dpi;
        draw = (page, x, y) => page.drawImage(image, { x, y, width: scanW, height: scanH });
      }
    } else {
      const src = p.source;
      scanW = (src.width * 72) / src.dpi;
      scanH = (src.height * 72) / src.dpi;
      const [w, h] = [scanW, scanH];
      const asIs = src.kind === 'png' ? await pngImage(pdf, spool, src.bytes) : await jpegImage(pdf, spool, src.bytes);
      if (asIs) draw = (page, x, y) => drawXObject(page, asIs, x, y, w, h);
      else {
        const image = src.kind === 'jpeg' ? await pdf.embedJpg(src.bytes) : await pdf.embedPng(src.bytes);
        draw = (page, x, y) => page.drawImage(image, { x, y, width: w, height: h });
      }
    }
    const first = i === 0;
    const qrSize = Math.max(72, stamp.text.height);
    const bandH = first ? Math.max(stamp.text.height, qrSize) + 2 * PAD : 0;
    const pageW = first ? Math.max(scanW, stamp.text.width + qrSize + 4 * PAD) : scanW;
    const page = pdf.addPage([pageW, FOOTER_PT + scanH + bandH]);
    const left = (pageW - scanW) / 2;
    draw(page, left, FOOTER_PT);
    // The page's invisible text: the OCR words over the scan, the stamp's and the footer's lines over their pictures.
    const lines: PlacedLine[] = [];
    font ??= await pdf.embedFont(textFont, { subset: true, features: off });
    const f: TextFont = {
      font,
      key: page.node.newFontDictionary(font.name, font.ref),
      has: (c) => c === ' ' || kit.hasGlyphForCodePoint(c.codePointAt(0) ?? 0),
      marks: page.node.newFontDictionary('DiwanMarks', markFont(pdf)),
    };
    for (const line of linesOfWords(p.words))
      lines.push(placeOcrLine(line, p.wordsDpi, { left, bottom: FOOTER_PT, height: scanH }));
    if (first) {
      const y = FOOTER_PT + scanH + PAD;
      // Stamp text at the right (Arabic reads from there), the QR code at the left.
      const at = {
        x: pageW - PAD - stamp.text.width,
        y: y + (bandH - 2 * PAD - stamp.text.height) / 2,
        width: stamp.text.width,
        height: stamp.text.height,
      };
      page.drawImage(stampImage, at);
      lines.push(...linesOver(f, stamp.text.lines ?? [], at));
      drawQr(page, stamp.qr, PAD, y + (bandH - 2 * PAD - qrSize) / 2, qrSize);
      page.drawLine({
        start: { x: 0, y: y - PAD / 2 },
        end: { x: pageW, y: y - PAD / 2 },
        thickness: 0.5,
        color: rgb(0.55, 0.05, 0.05),
      });
    }
    if (footer) {
      const at = {
        x: (pageW - footer.width) / 2,
        y: (FOOTER_PT - footer.height) / 2,
        width: footer.width,
        height: footer.height,
      };
      const asIs = await pngImage(pdf, spool, footer.png);
      if (asIs) drawXObject(page, asIs, at.x, at.y, at.width, at.height);
      else page.drawImage(await pdf.embedPng(footer.png), at);
      lines.push(...linesOver(f, footer.lines ?? [], at));
    }
    page.pushOperators(...writeInvisibleLines(pdf, f, lines));
  }

  // PDF/A identification: XMP metadata, an sRGB output intent and a document ID.
  const metadata = pdf.context.stream(xmp(info, producer), { Type: 'Metadata', Subtype: 'XML' });
  pdf.catalog.set(PDFName.of('Metadata'), pdf.context.register(metadata));
  const icc = pdf.context.flateStream(info.iccProfile, { N: 3 });
  const intent = pdf.context.obj({
    Type: 'OutputIntent',
    S: 'GTS_PDFA1',
    OutputConditionIdentifier: PDFString.of('sRGB IEC61966-2.1'),
    Info: PDFString.of('sRGB IEC61966-2.1'),
    DestOutputProfile: pdf.context.register(icc),
  });
  pdf.catalog.set(PDFName.of('OutputIntents'), pdf.context.obj([intent]));
  pdf.catalog.set(PDFName.of('Lang'), PDFString.of('ar'));
  const id = PDFHexString.of(info.originalSha256.slice(0, 32));
  pdf.context.trailerInfo.ID = pdf.context.obj([id, id]);
  return pdf;
}
