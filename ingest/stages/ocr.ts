/**
 * Reads every page in Arabic and English and keeps text, words, boxes and
 * confidence per page. A born-digital PDF keeps its own text layer instead.
 */
import type { OcrWord } from '../../storage/documents';
import { boxOnPage, prepareForOcrWithGeometry } from '../images';
import { documentPageText } from '../source';
import type { Stage } from './stage';

export const ocrStage: Stage = {
  id: 'ocr',
  description: 'recognise text (ara+eng) on every page, or keep a PDF text layer',
  async run(ctx) {
    const { doc, deps } = ctx;
    const count = doc.pageCount ?? 1;
    const done = new Set((await deps.documents.pages(doc.id)).map((p) => p.n));
    for (let n = 1; n <= count; n++) {
      if (done.has(n)) continue; // read before a crash: keep it
      if (doc.textLayer) {
        const t = await documentPageText(await ctx.parts(), n);
        await deps.documents.savePage(doc.id, {
          n,
          width: t.width,
          height: t.height,
          text: t.text,
          confidence: 100,
          words: t.words,
        });
        continue;
      }
      const page = await ctx.page(n);
      const input = await prepareForOcrWithGeometry(page.png);
      const result = await deps.ocr.recognize(input.ink);
      // Boxes are kept in the scan's own pixels, where the viewer and the PDF text layer use them.
      const words = result.words.map(([t, x0, y0, x1, y1, c]): OcrWord => [t, ...boxOnPage([x0, y0, x1, y1], input), c]);
      await deps.documents.savePage(doc.id, { n, width: page.width, height: page.height, ...result, words });
      if (result.confidence !== null) deps.metrics?.ocrConfidence(result.confidence);
    }
    return { kind: 'done', detail: { pages: count, source: doc.textLayer ? 'text-layer' : 'ocr' } };
  },
};
