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

/**
 * What is wrong with a stored reading read back from a bucket (restore), or
 * undefined when nothing is: every page has a size, and every word is a string
 * with a box of finite numbers inside its page and a confidence from 0 to 100.
 * The boxes end up in the viewer's markup: nothing else may pass.
 */
export function ocrFileProblem(file: OcrFile): string | undefined {
  if (!Array.isArray(file.pages)) return 'no pages';
  for (const p of file.pages) {
    const size = [p.n, p.width, p.height];
    if (!size.every((v) => Number.isInteger(v) && v >= 0)) return `page ${String(p.n)}: no valid size`;
    if (typeof p.text !== 'string' || !Array.isArray(p.words)) return `page ${p.n}: no text`;
    for (const w of p.words) {
      // Read back from a bucket: typed as the file should be, checked as what it may be.
      const box: unknown[] = Array.isArray(w) ? w.slice(1, 5) : [];
      const [x0, y0, x1, y1] = box as number[];
      const inside =
        Array.isArray(w) &&
        w.length === 6 &&
        typeof w[0] === 'string' &&
        box.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0) &&
        x0! <= x1! &&
        y0! <= y1! &&
        x1! <= p.width &&
        y1! <= p.height &&
        typeof w[5] === 'number' &&
        w[5] >= 0 &&
        w[5] <= 100;
      if (!inside) return `page ${p.n}: a word with no valid box (${JSON.stringify(w).slice(0, 80)})`;
    }
  }
  return undefined;
}
