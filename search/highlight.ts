/**
 * What a hit shows: a snippet of the page in its original spelling with the
 * matched words in <mark> (escaped, safe to put in HTML), and the boxes of
 * those words on the page image. A word matches a query term when their
 * normalised, stemmed forms are equal, or the word's starts with the term
 * (people type the beginning of a word).
 */
import type { OcrWord } from '../storage/repos/documents';
import { stemWord, words } from './normalize';
import { escapeHtml } from '../kernel/text';

/** The query's terms as matching sees them. */
export function queryTerms(q: string): string[] {
  return [...new Set(words(q).map(stemWord))];
}

/** Each token's matching form, remembered: pages repeat their words, and normalising is the costly part. */
const forms = new Map<string, string>();
function form(token: string): string {
  let f = forms.get(token);
  if (f === undefined) {
    const w = words(token)[0];
    f = w === undefined ? '' : stemWord(w);
    if (forms.size >= 100_000) forms.clear(); // bounded
    forms.set(token, f);
  }
  return f;
}

/** A word as HTML: escaped only when it holds a character that needs it (most words hold none). */
const UNSAFE = /[&<>"']/;
const safe = (t: string) => (UNSAFE.test(t) ? escapeHtml(t) : t);

export function matches(token: string, terms: string[]): boolean {
  const f = form(token);
  return f !== '' && terms.some((t) => f === t || (t.length >= 3 && f.startsWith(t)));
}

/** About `width` words of `text` around the first match, matches marked; the start of the page when nothing matches. */
export function snippet(text: string, terms: string[], width = 16): string {
  const tokens = text.split(/\s+/).filter((t) => t !== '');
  // Only the words up to the first match and those shown are matched (a page has hundreds).
  const first = terms.length === 0 ? -1 : tokens.findIndex((t) => matches(t, terms));
  const start = Math.max(0, (first < 0 ? 0 : first) - Math.floor(width / 3));
  const end = Math.min(tokens.length, start + width);
  const body = tokens
    .slice(start, end)
    .map((t) => (first >= 0 && matches(t, terms) ? `<mark>${safe(t)}</mark>` : safe(t)))
    .join(' ');
  return `${start > 0 ? '… ' : ''}${body}${end < tokens.length ? ' …' : ''}`;
}

/** The whole text, safe in HTML, every matching word marked; line breaks kept. */
export function markText(text: string, terms: string[]): string {
  return text
    .split(/(\s+)/)
    .map((part) => (/^\s*$/.test(part) ? part : matches(part, terms) ? `<mark>${escapeHtml(part)}</mark>` : escapeHtml(part)))
    .join('');
}

/** Boxes [x0, y0, x1, y1] (page pixels) of the page's words that match. */
export function matchBoxes(pageWords: OcrWord[], terms: string[]): Array<[number, number, number, number]> {
  return pageWords.filter((w) => matches(w[0], terms)).map((w) => [w[1], w[2], w[3], w[4]]);
}
