/**
 * Printed sheets as PDF through pdf-lib (a PDF adapter, with pdf.ts): the
 * registry's receipts and the pages of its books. A sheet is a list of things
 * placed on a page, measured in points from the page's top left corner:
 * pictures of text (shaped by Pango, sheetText.ts), rules, boxes and QR codes.
 * The text under each picture is also written invisibly over it (the archive
 * PDF's text layer, textLayer.ts), so a reader's search, copy and pdftotext
 * find the numbers, names and dates the picture shows.
 */
import crypto from 'node:crypto';
import fontkit from '@pdf-lib/fontkit';
import zlib from 'node:zlib';
import { PDFDocument, PDFString, PDFName, rgb, type PDFPage, type PDFRef } from 'pdf-lib';
import { drawXObject } from './pdfImages';
import { textLayerFont } from './textFont';
import { markFont, placeTextLine, writeInvisibleLines, type PlacedLine, type TextFont } from './textLayer';
import type { TextPicture } from './sheetText';

export type SheetItem =
  | { kind: 'text'; picture: TextPicture; x: number; y: number }
  | { kind: 'rule'; x0: number; y0: number; x1: number; y1: number; thickness?: number; grey?: number }
  | { kind: 'box'; x: number; y: number; width: number; height: number; fill?: number; stroke?: number }
  | { kind: 'qr'; modules: boolean[][]; x: number; y: number; size: number };

export interface SheetPage {
  width: number;
  height: number;
  items: SheetItem[];
}

export interface SheetInfo {
  title: string;
  author: string;
  subject: string;
  /** The document's language ('ar'). */
  lang: string;
  /** Creation date written in the PDF (the same sheet made twice is the same file). */
  createdAt: Date;
}

/** The QR code as filled squares, a row's neighbouring dark modules joined into one rectangle. */
function drawQr(page: PDFPage, modules: boolean[][], x: number, top: number, size: number): void {
  const n = modules.length;
  const quiet = 2;
  const cell = size / (n + 2 * quiet);
  page.drawRectangle({ x, y: top - size, width: size, height: size, color: rgb(1, 1, 1) });
  modules.forEach((row, r) => {
    let c = 0;
    while (c < n) {
      if (!row[c]) {
        c++;
        continue;
      }
      const start = c;
      while (c < n && row[c]) c++;
      page.drawRectangle({
        x: x + (start + quiet) * cell,
        y: top - (r + quiet + 1) * cell,
        width: (c - start) * cell,
        height: cell,
        color: rgb(0, 0, 0),
      });
    }
  });
}

/**
 * A picture of text as an image: its colour everywhere, shown through its coverage (a soft mask), both
 * compressed by Node's zlib (pdf-lib's own PNG embedding decodes and compresses again in JavaScript,
 * which made a month's book slow).
 */
function textImage(pdf: PDFDocument, p: TextPicture): PDFRef {
  const { width, height } = p.pixels;
  const image = (data: Buffer, dict: Record<string, unknown>) =>
    pdf.context.register(
      pdf.context.stream(zlib.deflateSync(data), {
        Type: 'XObject',
        Subtype: 'Image',
        Width: width,
        Height: height,
        BitsPerComponent: 8,
        Filter: 'FlateDecode',
        ...dict,
      }),
    );
  const mask = image(p.alpha, { ColorSpace: 'DeviceGray' });
  const colour = Buffer.alloc(width * height * 3);
  for (let i = 0; i < colour.length; i += 3) colour.set(p.rgb, i);
  return image(colour, { ColorSpace: 'DeviceRGB', SMask: mask });
}

/** The sheets as one PDF. */
export async function sheetPdf(pages: SheetPage[], info: SheetInfo): Promise<Buffer> {
  const pdf = await PDFDocument.create({ updateMetadata: false });
  pdf.registerFontkit(fontkit);
  pdf.setTitle(info.title);
  pdf.setAuthor(info.author);
  pdf.setSubject(info.subject);
  pdf.setProducer('Diwan');
  pdf.setCreator('Diwan');
  pdf.setCreationDate(info.createdAt);
  pdf.setModificationDate(info.createdAt);
  pdf.catalog.set(PDFName.of('Lang'), PDFString.of(info.lang));

  const layerFont = textLayerFont();
  const kit = fontkit.create(layerFont);
  // Shaping off: each letter's own glyph, which maps back to the plain letter (as in the archive PDF).
  const off = Object.fromEntries(
    ['isol', 'init', 'medi', 'fina', 'med2', 'fin2', 'fin3', 'liga', 'rlig', 'calt', 'ccmp', 'mark', 'mkmk', 'kern', 'dlig'].map(
      (f) => [f, false],
    ),
  );
  const font = await pdf.embedFont(layerFont, { subset: true, features: off });
  // The same picture (a date, a repeated name) is embedded once.
  const images = new Map<string, PDFRef>();
  const imageOf = (p: TextPicture): PDFRef => {
    const key = crypto.createHash('sha256').update(p.alpha).update(Buffer.from(p.rgb)).digest('hex');
    let ref = images.get(key);
    if (!ref) {
      ref = textImage(pdf, p);
      images.set(key, ref);
    }
    return ref;
  };

  for (const sheet of pages) {
    const page = pdf.addPage([sheet.width, sheet.height]);
    const f: TextFont = {
      font,
      key: page.node.newFontDictionary(font.name, font.ref),
      has: (c) => c === ' ' || kit.hasGlyphForCodePoint(c.codePointAt(0) ?? 0),
      // Right-to-left marks after a number or a colon, so that poppler reads each Arabic line in logical order.
      marks: page.node.newFontDictionary('DiwanMarks', markFont(pdf)),
    };
    const y = (top: number) => sheet.height - top;
    const lines: PlacedLine[] = [];
    for (const item of sheet.items) {
      if (item.kind === 'box') {
        page.drawRectangle({
          x: item.x,
          y: y(item.y + item.height),
          width: item.width,
          height: item.height,
          ...(item.fill !== undefined ? { color: rgb(item.fill, item.fill, item.fill) } : {}),
          ...(item.stroke !== undefined ? { borderColor: rgb(item.stroke, item.stroke, item.stroke), borderWidth: 0.6 } : {}),
        });
      } else if (item.kind === 'rule') {
        const g = item.grey ?? 0;
        page.drawLine({
          start: { x: item.x0, y: y(item.y0) },
          end: { x: item.x1, y: y(item.y1) },
          thickness: item.thickness ?? 0.5,
          color: rgb(g, g, g),
        });
      } else if (item.kind === 'qr') {
        drawQr(page, item.modules, item.x, y(item.y), item.size);
      } else {
        const p = item.picture;
        drawXObject(page, imageOf(p), item.x, y(item.y + p.height), p.width, p.height);
        // One invisible line over the picture, however many lines it wraps to: found and copied whole.
        const size = Math.min(p.height * 0.6, 10);
        lines.push(
          placeTextLine(p.text, f, { x0: item.x, x1: item.x + p.width, baseline: y(item.y + p.height / 2 + size / 3), size }),
        );
      }
    }
    if (lines.length > 0) page.pushOperators(...writeInvisibleLines(pdf, f, lines));
  }
  return Buffer.from(await pdf.save());
}
