/**
 * The words of the registry stamp and of the page footer: one source for the
 * archive PDF (drawn by the compose stage) and for the viewer, which shows the
 * same lines beside the document.
 */
import { toArabicIndic } from '../kernel/text';
import { INCOMING, registryLabel, type RegisterNames, type RegistryRef } from '../kernel/registry';

/** The verification address a stamp's QR code carries. */
export function verifyUrl(publicUrl: string, registryNo: string, sha256: string): string {
  return `${publicUrl}/verify/${registryNo}?sha256=${sha256}`;
}

/** The register a stamp names, and the document's place in it. */
export interface StampRegister extends RegisterNames {
  ref: RegistryRef;
}

/**
 * The stamp's lines: Arabic first, then one English line (as long as before
 * registers: its length sets the stamp's width). A number outside the incoming
 * book is written as people write it («ص ٢٠٢٦/١», "OUT 2026/1") under its
 * register's name and letter; with `externalRef`, the sender's own number and date.
 */
export function stampLines(opts: {
  organisation: string;
  organisationEn: string;
  registryNo: string;
  registeredAt: Date;
  timeZone: string;
  sha256: string;
  register?: StampRegister;
  externalRef?: string | null;
  externalDate?: string | null;
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
  const reg = opts.register;
  const label = reg ? registryLabel(reg.ref, reg) : undefined;
  const inIncoming = !reg || (reg.ref.register ?? INCOMING) === INCOMING;
  const number = inIncoming || !label ? toArabicIndic(opts.registryNo) : label.ar;
  const numberEn = inIncoming || !label ? opts.registryNo : label.en;
  const sender = opts.externalRef
    ? [`مرجع المرسِل: ${opts.externalRef}${opts.externalDate ? ` بتاريخ ${toArabicIndic(opts.externalDate)}` : ''}`]
    : [];
  return [
    opts.organisation,
    `رقم القيد: ${number}`,
    // The incoming book's stamps read as they did before registers; another book's names itself.
    ...(reg && !inIncoming ? [`السجل: ${reg.nameAr} (${reg.letterAr})`] : []),
    ...sender,
    `تاريخ القيد: ${gregorian}`,
    `${hijri}`,
    `البصمة: ${opts.sha256.slice(0, 16)}`,
    `${opts.organisationEn} · Registry no. ${numberEn} · ${english} (${timeZone})`,
  ];
}

/** The line under every page of the archive PDF: registry number and page, in Arabic then English. */
export function footerText(registryNo: string, n: number, count: number): string {
  return (
    `رقم القيد ${toArabicIndic(registryNo)} — صفحة ${toArabicIndic(String(n))} من ${toArabicIndic(String(count))}` +
    `   ·   ${registryNo} — page ${n} of ${count}`
  );
}
