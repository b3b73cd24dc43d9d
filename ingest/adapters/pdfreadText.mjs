/**
 * The text of a page as pdfread.worker.mjs gives it (the `text` operation): pdf.js's text items (read
 * without normalisation, each right-to-left glyph of several letters already put back in order) joined
 * into lines and words in reading order, each word with its box in the pixels of the page drawn at the
 * requested dpi. Plain JavaScript with no imports, loaded by the worker.
 */

/**
 * Presentation forms (how many Arabic PDFs store shaped text) read as the
 * letters they show, and Latin ligatures and odd spaces as plain ones. pdf.js
 * would do this before turning right-to-left runs around, and so turn the two
 * letters of a ligature form around too; the page's text is read without it
 * and normalised here, once each run is in reading order.
 */
const COMPATIBILITY_FORMS = /[\u00A0\u00B5\u037E\u0EB3\u2000-\u200A\u202F\u2126\uFB00-\uFDFF\uFE70-\uFEFE]+/g;
const normalise = (s) => s.replace(COMPATIBILITY_FORMS, (m) => m.normalize('NFKC'));

/**
 * An item of one letter and its marks (vowel signs, shadda), as a text layer that writes right-to-left
 * letters one by one gives them: pdf.js adds a mark to the item before it and turns the item around,
 * marks first; they go back after their letter, in their own order. (No text starts with a mark.)
 */
function markAfterLetter(item) {
  const m = item.dir === 'rtl' ? /^(\p{Mn}+)(\P{Mn})$/u.exec(item.str) : null;
  return m ? m[2] + [...m[1]].reverse().join('') : item.str;
}

/**
 * Where the characters [start, end) of an item's text `str` are drawn: a box in the pixels of the page
 * drawn at the viewport's dpi. pdf.js gives runs of text, not glyphs, so their share of the run is taken in
 * proportion to the characters; right-to-left runs are laid out from their right end.
 */
function placer(item, style, viewport, str, transform) {
  const tx = transform(viewport.transform, item.transform);
  const fontHeight = Math.hypot(tx[2], tx[3]);
  let angle = Math.atan2(tx[1], tx[0]);
  if (style.vertical) angle += Math.PI / 2;
  const length = (style.vertical ? item.height : item.width) * viewport.scale;
  const ascent = (style.ascent || 0.8) * fontHeight;
  const descent = Math.abs(style.descent || -0.2) * fontHeight;
  const [ux, uy] = [Math.cos(angle), Math.sin(angle)];
  const [vx, vy] = [Math.sin(angle), -Math.cos(angle)];
  const count = [...str].length;
  return (start, end) => {
    let s0 = (start / count) * length;
    let s1 = (end / count) * length;
    if (item.dir === 'rtl') [s0, s1] = [length - s1, length - s0];
    const xs = [];
    const ys = [];
    for (const s of [s0, s1]) {
      for (const t of [-descent, ascent]) {
        xs.push(tx[4] + s * ux + t * vx);
        ys.push(tx[5] + s * uy + t * vy);
      }
    }
    return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
  };
}

/**
 * The page's text and words, items in content order. Where two items on a line stand apart by more than
 * a fifth of the text's height, a space goes between them: many writers leave the space as a gap rather
 * than a glyph, and a text layer that writes right-to-left letters one by one (the archive's own) has no
 * other word break pdf.js keeps. A word is what stands between spaces, however many items it was drawn
 * in (one a letter, in such a layer), with a box around its pieces' boxes (placer), confidence 100.
 * `transform` multiplies two pdf.js matrices (pdf.js's Util.transform).
 */
export function readPage(content, viewport, transform) {
  let text = '';
  const words = [];
  let word;
  const endWord = () => {
    if (!word) return;
    const clampX = (x) => Math.min(Math.max(Math.round(x), 0), Math.round(viewport.width));
    const clampY = (y) => Math.min(Math.max(Math.round(y), 0), Math.round(viewport.height));
    words.push([word.text, clampX(word.box[0]), clampY(word.box[1]), clampX(word.box[2]), clampY(word.box[3]), 100]);
    word = undefined;
  };
  let prev;
  for (const item of content.items) {
    if (typeof item.str !== 'string') continue;
    const x0 = item.transform[4];
    const box = { x0, x1: x0 + item.width, y: item.transform[5], height: Math.abs(item.height || item.transform[3]) };
    if (prev && item.str.trim()) {
      const gap = Math.max(prev.x0 - box.x1, box.x0 - prev.x1);
      const sameLine = Math.abs(prev.y - box.y) < 0.5 * Math.max(prev.height, box.height);
      if (sameLine && gap > 0.2 * Math.max(prev.height, box.height)) {
        text += ' ';
        endWord();
      }
    }
    const str = normalise(markAfterLetter(item));
    text += str;
    const place = placer(item, content.styles[item.fontName] ?? {}, viewport, str, transform);
    let at = 0;
    for (const [piece] of str.matchAll(/\S+|\s+/gu)) {
      const length = [...piece].length;
      if (/\s/u.test(piece)) endWord();
      else {
        const [a, b, c, d] = place(at, at + length);
        word ??= { text: '', box: [a, b, c, d] };
        word.text += piece;
        word.box = [Math.min(word.box[0], a), Math.min(word.box[1], b), Math.max(word.box[2], c), Math.max(word.box[3], d)];
      }
      at += length;
    }
    if (item.hasEOL) {
      text += '\n';
      endWord();
      prev = undefined;
    } else if (item.str.trim()) prev = box;
  }
  endWord();
  text = text
    .split('\n')
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .filter((line) => line)
    .join('\n');
  return { text, words };
}
