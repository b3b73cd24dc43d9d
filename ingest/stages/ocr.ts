/**
 * Reads every page in Arabic and English and keeps text, words, boxes and
 * confidence per page. A born-digital PDF keeps its own text layer instead.
 *
 * Pages are read as many at a time as the OCR pool has workers, so one long
 * document uses every core; each page is saved as soon as it is read, so a
 * crash keeps what was read before it.
 */
import type { OcrWord } from '../../storage/repos/documents';
import { boxOnPage, prepareForOcrWithGeometry } from '../adapters/ocrImage';
import { documentPageText } from '../source';
import { inLanes } from './lanes';
import type { RenderedPage } from '../adapters/images';
import type { OcrEngine } from '../ocr/engine';
import type { PageLayout } from '../../storage/repos/textVersions';
import { failedOrThrow, type Stage, type StageContext, type StageResult } from './stage';

async function readPage(ctx: StageContext, n: number): Promise<void> {
  const { doc, deps } = ctx;
  if (doc.textLayer) {
    const t = await documentPageText(await ctx.parts(), n);
    await deps.documents.savePage(doc.id, { n, width: t.width, height: t.height, text: t.text, confidence: 100, words: t.words });
    return;
  }
  const page = await ctx.page(n);
  const read = await readScan(page, deps.ocr);
  await deps.documents.savePage(doc.id, { n, ...read });
  if (read.confidence !== null) deps.metrics?.ocrConfidence(read.confidence);
}

/**
 * One scanned page read by the OCR engine (the first reading here, and any
 * later reading, ingest/reocr.ts): its text, confidence, and words with boxes
 * in the scan's own pixels, where the viewer and the PDF text layer use them.
 */
export async function readScan(
  page: RenderedPage,
  ocr: OcrEngine,
  settings?: { layout?: PageLayout },
): Promise<{ width: number; height: number; text: string; confidence: number | null; words: OcrWord[] }> {
  const input = await prepareForOcrWithGeometry(page);
  const result = await ocr.recognize(input.ink, settings);
  const words = result.words.map(([t, x0, y0, x1, y1, c]): OcrWord => [t, ...boxOnPage([x0, y0, x1, y1], input), c]);
  return { width: page.width, height: page.height, text: result.text, confidence: result.confidence, words };
}

export const ocrStage: Stage = {
  id: 'ocr',
  description: 'recognise text (ara+eng) on every page, or keep a PDF text layer',
  run: (ctx) => readPages(ctx).catch(failedOrThrow),
};

async function readPages(ctx: StageContext): Promise<StageResult> {
  const { doc, deps } = ctx;
  const count = doc.pageCount ?? 1;
  const done = new Set((await deps.documents.pages(doc.id)).map((p) => p.n));
  const todo = Array.from({ length: count }, (_, i) => i + 1).filter((n) => !done.has(n)); // read before a crash: keep it
  // A text layer is read from the PDF in one process per page: one at a time.
  await inLanes(todo, doc.textLayer ? 1 : deps.ocr.stats().workers, (n) => readPage(ctx, n));
  return { kind: 'done', detail: { pages: count, source: doc.textLayer ? 'text-layer' : 'ocr' } };
}
