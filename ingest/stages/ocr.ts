/** Reads every page in Arabic and English; keeps text, words, boxes and confidence per page. */
import { renderPage } from '../images';
import type { Stage } from './stage';

export const ocrStage: Stage = {
  id: 'ocr',
  description: 'recognise text (ara+eng) on every page',
  async run(ctx) {
    const { doc, deps } = ctx;
    const file = await ctx.original();
    const count = doc.pageCount ?? 1;
    const done = new Set((await deps.documents.pages(doc.id)).map((p) => p.n));
    for (let n = 1; n <= count; n++) {
      if (done.has(n)) continue; // read before a crash: keep it
      const page = await renderPage(file, n - 1, deps.config.limits);
      const result = await deps.ocr.recognize(page.png);
      await deps.documents.savePage(doc.id, { n, width: page.width, height: page.height, ...result });
    }
    return { kind: 'done', detail: { pages: count } };
  },
};
