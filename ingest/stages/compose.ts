/**
 * Composes and stores the stamped archival PDF, `archive.pdf` (see pdf.ts):
 * the original pages, the invisible OCR text, the registry stamp with its QR
 * code on a band above the first page, a footer under every page.
 */
import { keys, toArabicIndic } from '../../storage/layout';
import { appendLedgerOnce } from '../../storage/integrity/ledger';
import { renderFooter, renderStamp, srgbIccProfile } from '../adapters/stampImage';
import { composeArchivePdf, type ArchivePage } from '../adapters/pdf';
import { qrModules } from '../adapters/qr';
import { archivePageSource, PDF_DPI } from '../source';
import type { Stage } from './stage';

/** The verification address a stamp's QR code carries. */
export function verifyUrl(publicUrl: string, registryNo: string, sha256: string): string {
  return `${publicUrl}/verify/${registryNo}?sha256=${sha256}`;
}

/** The stamp's lines: Arabic first, then one English line. */
export function stampLines(opts: {
  organisation: string;
  organisationEn: string;
  registryNo: string;
  registeredAt: Date;
  timeZone: string;
  sha256: string;
}): string[] {
  const { registeredAt: at, timeZone } = opts;
  const gregorian = new Intl.DateTimeFormat('ar-u-ca-gregory-nu-arab', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(at);
  const hijri = new Intl.DateTimeFormat('ar-u-ca-islamic-umalqura-nu-arab', {
    timeZone,
    year: 'numeric',
    month: 'long',
    day: 'numeric',
  }).format(at);
  const english = new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(at);
  return [
    opts.organisation,
    `رقم القيد: ${toArabicIndic(opts.registryNo)}`,
    `تاريخ القيد: ${gregorian}`,
    `${hijri}`,
    `البصمة: ${opts.sha256.slice(0, 16)}`,
    `${opts.organisationEn} · Registry no. ${opts.registryNo} · ${english} (${timeZone})`,
  ];
}

/** The line under every page of the archive PDF: registry number and page, in Arabic then English. */
export function footerText(registryNo: string, n: number, count: number): string {
  return (
    `رقم القيد ${toArabicIndic(registryNo)} — صفحة ${toArabicIndic(String(n))} من ${toArabicIndic(String(count))}` +
    `   ·   ${registryNo} — page ${n} of ${count}`
  );
}

export const composeStage: Stage = {
  id: 'compose',
  description: 'compose the stamped archival PDF',
  async run(ctx) {
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
    await appendLedgerOnce(deps.db, 'stamped', doc.id, {
      registryNo: doc.registryNo,
      archiveSha256: stored.sha256,
      pages: count,
      verifyUrl: url,
    });
    return { kind: 'done', detail: { sha256: stored.sha256, verifyUrl: url } };
  },
};
