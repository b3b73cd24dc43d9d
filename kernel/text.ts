/**
 * Small text helpers shared by every floor: HTML escaping, the two ways of
 * writing digits, and the shape of an id.
 */

/** Text safe inside HTML or XML content and quoted attributes (and Pango markup). */
export function escapeHtml(s: unknown): string {
  return String(s ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** The Arabic-Indic digits, ٠ to ٩, in order. */
export const ARABIC_INDIC_DIGITS = '٠١٢٣٤٥٦٧٨٩';

/** Latin digits to Arabic-Indic, for text a person reads ("2026/000123" -> "٢٠٢٦/٠٠٠١٢٣"). */
export function toArabicIndic(s: string): string {
  return s.replace(/[0-9]/g, (d) => ARABIC_INDIC_DIGITS[Number(d)]!);
}

/** Arabic-Indic and Persian digits to Latin ones, so a number typed either way is found. */
export function toLatinDigits(s: string): string {
  return s
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[\u06F0-\u06F9]/g, (d) => String(d.charCodeAt(0) - 0x06f0));
}

/** Whether `s` has the shape of a UUID (the ids of documents, batches, users and tokens). */
export function isUuid(s: string): boolean {
  return /^[0-9a-f-]{36}$/i.test(s);
}

/**
 * Whether `s` is a day of the calendar written YYYY-MM-DD, in the years 1000-9999 (a registry's dates; the
 * database refuses year 0, and two-digit years would be read as the 1900s).
 */
export function isCalendarDate(s: string): boolean {
  if (!/^[1-9]\d{3}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}
