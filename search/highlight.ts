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

/**
 * About `width` words of `text` around the first match, matches marked; the start of the page when nothing
 * matches. The page is read word by word only up to the first match and the words shown (a page has hundreds,
 * and most of a search's hits match early), not split whole.
 */
export function snippet(text: string, terms: string[], width = 16): string {
  const lead = Math.floor(width / 3);
  const word = /\S+/g;
  let m: RegExpExecArray | null;
  // Where the last `lead` + 1 words read began: the snippet starts `lead` words before the first match.
  const starts: number[] = [];
  let first = -1;
  for (let i = 0; terms.length > 0 && (m = word.exec(text)) !== null; i++) {
    starts.push(m.index);
    if (starts.length > lead + 1) starts.shift();
    if (matches(m[0], terms)) {
      first = i;
      break;
    }
  }
  const start = first < 0 ? 0 : first - (starts.length - 1);
  word.lastIndex = first < 0 ? 0 : starts[0]!;
  const shown: string[] = [];
  let ended = false;
  while (shown.length < width) {
    m = word.exec(text);
    if (m === null) {
      ended = true;
      break;
    }
    shown.push(first >= 0 && matches(m[0], terms) ? `<mark>${safe(m[0])}</mark>` : safe(m[0]));
  }
  const more = !ended && word.exec(text) !== null;
  return `${start > 0 ? '… ' : ''}${shown.join(' ')}${more ? ' …' : ''}`;
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
