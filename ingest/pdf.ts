/**
 * The archival PDF through pdf-lib (the only file that imports it): one PDF
 * page per scanned page, the page image at its real size, and the visible
 * registry stamp (an image made by ingest/images.ts) in the top right corner
 * of the first page.
 */
import { PDFDocument } from 'pdf-lib';

export interface PdfPage {
  jpeg: Buffer;
  width: number;
  height: number;
  dpi: number;
}

export interface StampImage {
  png: Buffer;
  /** Size on the page, in points. */
  width: number;
  height: number;
}

export interface PdfInfo {
  title: string;
  /** Fixed dates keep the bytes of a re-made PDF identical. */
  date: Date;
}

export async function composeArchivePdf(pages: PdfPage[], stamp: StampImage, info: PdfInfo): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  pdf.setTitle(info.title);
  pdf.setProducer('Diwan');
  pdf.setCreator('Diwan');
  pdf.setCreationDate(info.date);
  pdf.setModificationDate(info.date);

  for (const [i, p] of pages.entries()) {
    const w = (p.width * 72) / p.dpi;
    const h = (p.height * 72) / p.dpi;
    const page = pdf.addPage([w, h]);
    page.drawImage(await pdf.embedJpg(p.jpeg), { x: 0, y: 0, width: w, height: h });
    if (i === 0) {
      const scale = Math.min(1, (w - 20) / stamp.width);
      const sw = stamp.width * scale;
      const sh = stamp.height * scale;
      page.drawImage(await pdf.embedPng(stamp.png), { x: w - sw - 12, y: h - sh - 12, width: sw, height: sh });
    }
  }
  return Buffer.from(await pdf.save({ useObjectStreams: true }));
}
