/**
 * Arabic normalisation, applied the same way to indexed text and to queries,
 * so that people find a word however they type it: with or without hamza on
 * alef, alef maqsura or ya, ta marbuta or ha, with or without diacritics and
 * tatweel, with Arabic-Indic, Persian or Latin digits.
 */

const DIACRITICS = /[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06DC\u06DF-\u06E8\u06EA-\u06ED]/g;
const TATWEEL = /\u0640/g;
const BIDI_MARKS = /[\u200E\u200F\u202A-\u202E\u2066-\u2069\u061C]/g;

const CHAR_MAP: Record<string, string> = {
  '\u0623': '\u0627', // أ -> ا
  '\u0625': '\u0627', // إ -> ا
  '\u0622': '\u0627', // آ -> ا
  '\u0671': '\u0627', // ٱ -> ا
  '\u0649': '\u064A', // ى -> ي
  '\u0629': '\u0647', // ة -> ه
  '\u0624': '\u0648', // ؤ -> و
  '\u0626': '\u064A', // ئ -> ي
  '\u06CC': '\u064A', // Persian ی -> ي
  '\u06A9': '\u0643', // Persian ک -> ك
};

export function normalizeArabic(input: string): string {
  let s = input.normalize('NFC').replace(BIDI_MARKS, '').replace(DIACRITICS, '').replace(TATWEEL, '');
  s = s.replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660));
  s = s.replace(/[\u06F0-\u06F9]/g, (d) => String(d.charCodeAt(0) - 0x06f0));
  s = s.replace(/[\u0622\u0623\u0625\u0671\u0649\u0629\u0624\u0626\u06CC\u06A9]/g, (c) => CHAR_MAP[c] ?? c);
  return s.replace(/\s+/g, ' ').trim().toLowerCase();
}
