/**
 * Some pages of a PDF as a PDF of their own (a letter of a scanned stack split at separator sheets). It reads
 * only the plain copy of the stack's pages that the PDF reader's process made (pdfread.ts copyPdfPages, bounded
 * in objects and bytes), never the received file itself, as the compose stage does. Pages are copied as they
 * are: their image streams keep their bytes, nothing is drawn again. No dates, no producer, no document ID:
 * the same pages of the same copy always give the same bytes, so a stack split again after a crash makes the
 * same files (and their registrations come back as duplicates).
 */
import fs from 'node:fs';
import { PDFDocument } from 'pdf-lib';

/** Writes, for each pick, its pages (0-based indices, in that order) of the plain copy `copyFile` to its file. */
export async function pickPdfPages(copyFile: string, picks: Array<{ indices: number[]; outFile: string }>): Promise<void> {
  const source = await PDFDocument.load(await fs.promises.readFile(copyFile), { updateMetadata: false });
  for (const { indices, outFile } of picks) {
    const pick = await PDFDocument.create({ updateMetadata: false });
    for (const page of await pick.copyPages(source, indices)) pick.addPage(page);
    await fs.promises.writeFile(outFile, await pick.save({ useObjectStreams: false, updateFieldAppearances: false }));
  }
}
