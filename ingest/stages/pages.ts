/** Normalises each page (upright, greyscale) and stores the viewer image `pages/NNNN.webp`. */
import { crashPoint } from '../../kernel/crashPoints';
import { keys } from '../../storage/layout';
import { viewerImage } from '../adapters/images';
import { inLanes } from './lanes';
import { failedOrThrow, type Stage, type StageContext, type StageResult } from './stage';

export const pagesStage: Stage = {
  id: 'pages',
  description: 'normalise pages and store viewer images',
  run: (ctx) => storeViewerImages(ctx).catch(failedOrThrow),
};

async function storeViewerImages(ctx: StageContext): Promise<StageResult> {
  const { doc, deps } = ctx;
  const count = doc.pageCount ?? 1;
  const pages = Array.from({ length: count }, (_, i) => i + 1);
  // As many pages at once as the OCR reads: a long document uses every core here too.
  await inLanes(pages, deps.ocr.stats().workers, async (n) => {
    const page = await ctx.page(n);
    crashPoint('pages.after-draw');
    const webp = await viewerImage(page);
    const stored = await deps.primary.putBufferOnce(keys.pageImage(doc, n), webp, 'image/webp');
    await deps.documents.saveArtefact(doc.id, { kind: 'page-image', ...stored, contentType: 'image/webp' });
  });
  return { kind: 'done', detail: { pages: count } };
}
