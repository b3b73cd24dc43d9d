/** Normalises each page (upright, greyscale) and stores the viewer image `pages/NNNN.webp`. */
import { keys } from '../../storage/layout';
import { viewerImage } from '../images';
import type { Stage } from './stage';

export const pagesStage: Stage = {
  id: 'pages',
  description: 'normalise pages and store viewer images',
  async run(ctx) {
    const { doc, deps } = ctx;
    const count = doc.pageCount ?? 1;
    for (let n = 1; n <= count; n++) {
      const page = await ctx.page(n);
      const webp = await viewerImage(page.png);
      const stored = await deps.primary.putBufferOnce(keys.pageImage(doc, n), webp, 'image/webp');
      await deps.documents.saveArtefact(doc.id, { kind: 'page-image', ...stored, contentType: 'image/webp' });
    }
    return { kind: 'done', detail: { pages: count } };
  },
};
