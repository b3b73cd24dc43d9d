/**
 * The words of the registry stamp and of the page footer: one source for the
 * archive PDF (drawn by the compose stage) and for the viewer, which shows the
 * same lines beside the document.
 */
import { toArabicIndic } from '../kernel/text';

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
