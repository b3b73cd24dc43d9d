import { toLatinDigits } from '../kernel/text';
/**
 * Arabic normalisation, applied the same way to indexed text and to queries,
 * so that people find a word however they type it: with or without hamza on
 * alef, alef maqsura or ya, ta marbuta or ha, with or without diacritics and
 * tatweel, with Arabic-Indic, Persian or Latin digits.
 */

const DIACRITICS = /[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06DC\u06DF-\u06E8\u06EA-\u06ED]/g;
const TATWEEL = /\u0640/g;
const BIDI_MARKS = /[\u200B-\u200F\u202A-\u202E\u2066-\u2069\u061C\uFEFF]/g;
/** Arabic punctuation to its Latin counterpart (the index splits words on both the same way). */
const PUNCTUATION: Record<string, string> = {
  '\u060C': ',',
  '\u061B': ';',
  '\u061F': '?',
  '\u066A': '%',
  '\u066B': '.',
  '\u066C': ',',
  '\u06D4': '.',
};

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
  s = toLatinDigits(s);
  s = s.replace(/[\u0622\u0623\u0625\u0671\u0649\u0629\u0624\u0626\u06CC\u06A9]/g, (c) => CHAR_MAP[c] ?? c);
  s = s.replace(/[\u060C\u061B\u061F\u066A-\u066C\u06D4]/g, (c) => PUNCTUATION[c] ?? c);
  return s.replace(/\s+/g, ' ').trim().toLowerCase();
}

/**
 * Prefixes a word may carry in front of its stem: the article and the
 * one-letter conjunctions and prepositions (و، ف، ب، ك، ل) alone or before the
 * article. Longest first; applied to normalised words.
 */
const PREFIXES = ['وبال', 'وال', 'فال', 'بال', 'كال', 'ولل', 'لل', 'ال', 'و', 'ف', 'ب', 'ل'];

/**
 * Light stemming of one normalised word: strips one prefix when at least three
 * letters remain (والموازنه and بالموازنه become موازنه). A word that merely
 * begins with such a letter is cut too (وزاره becomes زاره), but the same way
 * in the index's stemmed field and in the query, so they still meet.
 */
export function stemWord(word: string): string {
  if (!/^[\u0621-\u064A]+$/.test(word)) return word;
  for (const p of PREFIXES) {
    if (word.startsWith(p) && word.length - p.length >= 3) return word.slice(p.length);
  }
  return word;
}

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/**
 * A word without the punctuation around it, in one pass from each end (a
 * regular expression anchored at the end would go quadratic on a long run of
 * punctuation inside a token).
 */
function trimPunctuation(w: string): string {
  const chars = [...w]; // code points, so a letter outside the BMP is one character
  let start = 0;
  let end = chars.length;
  while (start < end && !LETTER_OR_DIGIT.test(chars[start]!)) start++;
  while (end > start && !LETTER_OR_DIGIT.test(chars[end - 1]!)) end--;
  return start === 0 && end === chars.length ? w : chars.slice(start, end).join('');
}

/** Normalised words of a text, punctuation around them set aside. */
export function words(text: string): string[] {
  return normalizeArabic(text)
    .split(' ')
    .map(trimPunctuation)
    .filter((w) => w !== '');
}

/** The text as the stemmed field holds it: each word normalised and stemmed. */
export function stemmedText(text: string): string {
  return words(text).map(stemWord).join(' ');
}
