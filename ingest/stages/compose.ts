/** Composes and stores the stamped archival PDF, `archive.pdf`. */
import { keys, toArabicIndic } from '../../storage/layout';
import { archiveJpeg, renderStamp } from '../images';
import { composeArchivePdf, type PdfPage } from '../pdf';
import type { Stage } from './stage';

export const composeStage: Stage = {
  id: 'compose',
  description: 'compose the stamped archival PDF',
  async run(ctx) {
    const { doc, deps } = ctx;
    const pages: PdfPage[] = [];
    for (let n = 1; n <= (doc.pageCount ?? 1); n++) {
      const p = await ctx.page(n);
      pages.push({ jpeg: await archiveJpeg(p.png), width: p.width, height: p.height, dpi: p.dpi });
    }
    const date = doc.createdAt.slice(0, 10);
    const stamp = await renderStamp(
      [
        `الديوان — رقم القيد ${toArabicIndic(doc.registryNo)}`,
        `Diwan registry no. ${doc.registryNo}`,
        `${toArabicIndic(date)} · ${date}`,
      ],
      { widthPt: 200 },
    );
    const pdf = await composeArchivePdf(pages, stamp, { title: `Diwan ${doc.registryNo}`, date: new Date(doc.createdAt) });
    // Made once: after a crash past the put, the stored bytes stay the record.
    const stored = await deps.primary.putBufferOnce(keys.archivePdf(doc), pdf, 'application/pdf');
    await deps.documents.saveArtefact(doc.id, { kind: 'archive-pdf', ...stored, contentType: 'application/pdf' });
    return { kind: 'done', detail: { sha256: stored.sha256 } };
  },
};
