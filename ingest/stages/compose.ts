/**
 * Composes and stores the stamped archival PDF, `archive.pdf` (see pdf.ts):
 * the original pages, the invisible OCR text, the registry stamp with its QR
 * code on a band above the first page, a footer under every page.
 */
import { keys } from '../../storage/layout';
import { renderFooter, renderStamp, srgbIccProfile } from '../adapters/stampImage';
import { composeArchivePdf, type ArchivePage } from '../adapters/pdf';
import { qrModules } from '../adapters/qr';
import { archivePageSource, PDF_DPI } from '../source';
import { footerText, stampLines, verifyUrl } from '../stamp';
import { failedOrThrow, type Stage, type StageContext, type StageResult } from './stage';

export const composeStage: Stage = {
  id: 'compose',
  description: 'compose the stamped archival PDF',
  run: (ctx) => compose(ctx).catch(failedOrThrow),
};

async function compose(ctx: StageContext): Promise<StageResult> {
  const { doc, deps } = ctx;
  const { archive, limits } = deps.config;
  const count = doc.pageCount ?? 1;
  const parts = await ctx.parts();
  const words = new Map(doc.textLayer ? [] : (await deps.documents.pages(doc.id)).map((p) => [p.n, p.words]));
  const pages: ArchivePage[] = [];
  for (let n = 1; n <= count; n++) {
    const source = await archivePageSource(parts, n, limits);
    pages.push({ source, words: words.get(n) ?? [], wordsDpi: source.kind === 'pdf' ? PDF_DPI : source.dpi });
  }
  const registeredAt = new Date(doc.createdAt);
  const lines = stampLines({ ...archive, registryNo: doc.registryNo, registeredAt, sha256: doc.originalSha256 });
  const stamp = await renderStamp(lines, { widthPt: 220, emphasise: 1 });
  const footers = [];
  for (let n = 1; n <= count; n++) footers.push(await renderFooter(footerText(doc.registryNo, n, count)));
  const url = verifyUrl(archive.publicUrl, doc.registryNo, doc.originalSha256);
  const pdf = await composeArchivePdf(pages, { text: stamp, qr: qrModules(url) }, footers, {
    title: doc.title ?? doc.originalName ?? `${archive.organisation} ${doc.registryNo}`,
    registryNo: doc.registryNo,
    registeredAt,
    originalSha256: doc.originalSha256,
    organisation: archive.organisation,
    verifyUrl: url,
    iccProfile: await srgbIccProfile(),
  });
  // Made once: after a crash past the put, the stored bytes stay the record.
  const stored = await deps.primary.putBufferOnce(keys.archivePdf(doc), pdf, 'application/pdf');
  await deps.documents.saveArtefact(doc.id, { kind: 'archive-pdf', ...stored, contentType: 'application/pdf' });
  await deps.ledger.recordOnce('stamped', doc.id, {
    registryNo: doc.registryNo,
    archiveSha256: stored.sha256,
    pages: count,
    verifyUrl: url,
  });
  return { kind: 'done', detail: { sha256: stored.sha256, verifyUrl: url } };
}
