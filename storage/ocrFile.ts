/**
 * The stored format of a document's text, `ocr.json` (the first reading) and
 * `ocr-vN.json` (later readings): written by the record stage and the
 * re-reading, read back by restore. One module, so writer and reader agree.
 */
import type { DocumentRecord, OcrWord, PageRecord } from './repos/documents';

/** One reading of a document's text, as the file holds it. */
export interface OcrFile {
  registryNo?: string;
  engine?: string;
  textVersion: { version: number; settings?: unknown; source?: string; reason?: string | null };
  pages: Array<{ n: number; width: number; height: number; confidence: number | null; text: string; words: OcrWord[] }>;
}

/** The file's bytes for one reading of `doc`'s pages (`version` says which reading, and how it was made). */
export function serialiseOcrFile(doc: DocumentRecord, pages: PageRecord[], version: Record<string, unknown>): Buffer {
  return Buffer.from(
    JSON.stringify({
      registryNo: doc.registryNo,
      engine: 'tesseract.js (LSTM, ara+eng)',
      textVersion: version,
      pages: pages.map((p) => ({
        n: p.n,
        width: p.width,
        height: p.height,
        confidence: p.confidence,
        text: p.text,
        words: p.words,
      })),
    }),
  );
}

/** A stored reading, parsed. */
export function parseOcrFile(bytes: Buffer): OcrFile {
  return JSON.parse(bytes.toString('utf8')) as OcrFile;
}
