/**
 * Composes and stores the stamped archival PDF, `archive.pdf` (see pdf.ts):
 * the original pages, the invisible OCR text, the registry stamp with its QR
 * code on a band above the first page, a footer under every page.
 */
import { keys } from '../../storage/layout';
import type { StoredObject } from '../../storage/objectStore';
import { renderFooter, renderStamp, srgbIccProfile } from '../adapters/stampImage';
import fs from 'node:fs';
import path from 'node:path';
import { writeArchivePdf, type PageToCompose } from '../adapters/pdf';
import { qrModules } from '../adapters/qr';
import { archivePageSource, PDF_DPI } from '../source';
import { footerText, stampLines, verifyUrl } from '../stamp';
import { getRegister } from '../../storage/repos/registers';
import { failedOrThrow, type Stage, type StageContext, type StageResult } from './stage';

export const composeStage: Stage = {
  id: 'compose',
  description: 'compose the stamped archival PDF',
  run: (ctx) => compose(ctx).catch(failedOrThrow),
};

async function compose(ctx: StageContext): Promise<StageResult> {
  const { doc, deps } = ctx;
  const url = verifyUrl(deps.config.archive.publicUrl, doc.registryNo, doc.originalSha256);
  // Made once: after a crash past the put, the stored bytes stay the record.
  const key = keys.archivePdf(doc);
  const kept = await deps.primary.stat(key);
  let stored: StoredObject;
  if (kept?.sha256) {
    await deps.primary.ensureRetention?.(key);
    stored = { key, sha256: kept.sha256, size: kept.size };
  } else {
    const file = path.join(ctx.workDir, 'archive.pdf');
    const written = await writeArchive(ctx, url, file);
    stored = await deps.primary.putFile(key, file, 'application/pdf', written.sha256);
    await fs.promises.rm(file, { force: true });
  }
  await deps.documents.saveArtefact(doc.id, { kind: 'archive-pdf', ...stored, contentType: 'application/pdf' });
  await deps.ledger.recordOnce('stamped', doc.id, {
    registryNo: doc.registryNo,
    archiveSha256: stored.sha256,
    pages: doc.pageCount ?? 1,
    verifyUrl: url,
  });
  return { kind: 'done', detail: { sha256: stored.sha256, verifyUrl: url } };
}

/** The archive PDF written to `file`, page by page. */
async function writeArchive(ctx: StageContext, url: string, file: string): Promise<{ sha256: string; size: number }> {
  const { doc, deps } = ctx;
  const { archive, limits } = deps.config;
  const count = doc.pageCount ?? 1;
  const parts = await ctx.parts();
  const words = new Map(doc.textLayer ? [] : (await deps.documents.pages(doc.id)).map((p) => [p.n, p.words]));
  // Each page's picture is read when its turn comes, and leaves memory once it is in the PDF's file.
  const pages: PageToCompose[] = Array.from({ length: count }, (_, i) => async () => {
    const source = await archivePageSource(parts, i + 1, limits);
    return { source, words: words.get(i + 1) ?? [], wordsDpi: source.kind === 'pdf' ? PDF_DPI : source.dpi };
  });
  const registeredAt = new Date(doc.createdAt);
  const register = await getRegister(deps.db, doc.register);
  const lines = stampLines({
    ...archive,
    registryNo: doc.registryNo,
    registeredAt,
    sha256: doc.originalSha256,
    register: register && { ...register, ref: doc },
    externalRef: doc.externalRef,
    externalDate: doc.externalDate,
  });
  const stamp = await renderStamp(lines, { widthPt: 220, emphasise: 1 });
  const footers = [];
  for (let n = 1; n <= count; n++) footers.push(await renderFooter(footerText(doc.registryNo, n, count)));
  const info = {
    title: doc.title ?? doc.originalName ?? `${archive.organisation} ${doc.registryNo}`,
    registryNo: doc.registryNo,
    registeredAt,
    originalSha256: doc.originalSha256,
    organisation: archive.organisation,
    verifyUrl: url,
    iccProfile: await srgbIccProfile(),
  };
  return writeArchivePdf(pages, { text: stamp, qr: qrModules(url) }, footers, info, file);
}
