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
 * Letters that run right to left, and letters and digits that run left to right: the rules of
 * ingest/ocr/bidi.ts (RTL_LETTER, isRtlWord), restated here because this file is loaded by Node as it is.
 */
const RTL_LETTER =
  /[\u0590-\u05FF\u0620-\u064A\u066E-\u06D3\u06D5\u06FA-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]/;
const LTR_STRONG = /[A-Za-z\u00C0-\u024F0-9\u0660-\u0669\u06F0-\u06F9]/;

/** A bracket as the other one: what a writer that draws right-to-left text in visual order shows. */
const MIRRORED = { '(': ')', ')': '(', '[': ']', ']': '[', '{': '}', '}': '{', '«': '»', '»': '«', '<': '>', '>': '<' };

/** An item's own direction: 'rtl' or 'ltr' for a strong letter or digit, undefined for neutrals (spaces, punctuation). */
const strongOf = (str) => (RTL_LETTER.test(str) ? 'rtl' : LTR_STRONG.test(str) ? 'ltr' : undefined);

/** Whether a line reads right to left (bidi.ts isRtlLine): Arabic words, and no fewer than Latin ones. */
function isRtlLine(pieces) {
  const words = pieces
    .map((p) => p.str)
    .join('')
    .split(/\s+/u);
  const rtl = words.filter((w) => RTL_LETTER.test(w)).length;
  const latin = words.filter((w) => !RTL_LETTER.test(w) && /[A-Za-z]/.test(w)).length;
  return rtl > 0 && rtl >= latin;
}

/** Whether two boxes on a line stand apart by more than a fifth of the text's height: a space between them. */
const wideGap = (a, b) => Math.max(a.x0 - b.x1, b.x0 - a.x1) > 0.2 * Math.max(a.height, b.height);

/** Whether two boxes stand on one line: their baselines less than half the text's height apart. */
const onOneLine = (a, b) => Math.abs(a.y - b.y) < 0.5 * Math.max(a.height, b.height);

/**
 * Whether a line was written in visual order, left to right (Chrome's print to PDF draws each run of
 * right-to-left glyphs so), rather than in logical order (the archive's own text layer, most writers of
 * Arabic): from one piece to the next, where either reads right to left (in a right-to-left line) or both
 * do, the writer moves rightwards more often than leftwards.
 */
function writtenVisually(pieces, lineRtl) {
  const strong = pieces.map((p) => ({ dir: strongOf(p.str), x: p.box.x0 })).filter((p) => p.dir);
  let rightwards = 0;
  for (let i = 1; i < strong.length; i++) {
    const [a, b] = [strong[i - 1], strong[i]];
    const rtl = [a.dir, b.dir].filter((d) => d === 'rtl').length;
    if (rtl === 2 || (lineRtl && rtl === 1)) rightwards += Math.sign(b.x - a.x);
  }
  return rightwards > 0;
}

/**
 * A line's pieces in logical order. Written in logical order, they stay as written: a writer that places
 * text for poppler (the archive's text layer) may place a left-to-right phrase within a right-to-left line
 * otherwise than it is read. Written in visual order, they are read from where they are drawn, with the
 * rules of bidi.ts logicalOrder: a right-to-left line reads from the right, but a run of left-to-right
 * pieces (numbers, Latin) keeps its left-to-right order; a neutral piece (a space, a colon, a bracket) goes
 * with its neighbours when they run the same way, else with the line, and a bracket so read is turned back
 * (the writer drew the one it shows). The text of a piece is in logical order already (pdf.js turns each
 * right-to-left piece around). `spaced`: the gaps between pieces are spaces among them already.
 */
function orderLine(pieces) {
  if (pieces.length < 2 || !pieces.every((p) => p.flat)) return { pieces, spaced: false };
  const lineRtl = isRtlLine(pieces);
  if (!writtenVisually(pieces, lineRtl)) return { pieces, spaced: false };
  // A gap between pieces side by side is a space of its own, read with its neighbours like any other.
  const byX = [];
  for (const p of [...pieces].sort((a, b) => a.box.x0 - b.box.x0)) {
    const before = byX.at(-1);
    if (before && wideGap(before.box, p.box))
      byX.push({ str: ' ', box: { ...p.box, x0: before.box.x1, x1: p.box.x0 }, flat: true, place: p.place });
    byX.push(p);
  }
  const strong = byX.map((p) => strongOf(p.str));
  const side = (i, step) => {
    for (let j = i + step; j >= 0 && j < byX.length; j += step) if (strong[j]) return strong[j];
    return undefined;
  };
  const laid = byX.map((p, i) => {
    const own = strong[i];
    const [left, right] = [side(i, -1), side(i, 1)];
    const rtl = own ? own === 'rtl' : left && left === right ? left === 'rtl' : lineRtl;
    const str = rtl && !own ? [...p.str].map((c) => MIRRORED[c] ?? c).join('') : p.str;
    return { ...p, str, rtl };
  });
  const out = [];
  let run = [];
  for (const p of lineRtl ? laid.reverse() : laid) {
    if (p.rtl !== lineRtl) run.push(p);
    else {
      out.push(...run.reverse(), p);
      run = [];
    }
  }
  out.push(...run.reverse());
  return { pieces: out, spaced: true };
}

/**
 * The page's text and words. Items are gathered into lines (one after another in content order, on one
 * baseline, up to pdf.js's end of line) and each line's items put in reading order (orderLine). Where two
 * items next to each other in reading order stand apart by more than a fifth of the text's height, a
 * space goes between them: many writers leave the space as a gap rather than a glyph, and a text layer
 * that writes right-to-left letters one by one (the archive's own) has no other word break pdf.js keeps.
 * A word is what stands between spaces, however many items it was drawn in (one a letter, in such a
 * layer), with a box around its pieces' boxes (placer), confidence 100. `transform` multiplies two
 * pdf.js matrices (pdf.js's Util.transform).
 */
export function readPage(content, viewport, transform) {
  const lines = [];
  let line = [];
  let broken = false;
  for (const item of content.items) {
    if (typeof item.str !== 'string') continue;
    const x0 = item.transform[4];
    const box = { x0, x1: x0 + item.width, y: item.transform[5], height: Math.abs(item.height || item.transform[3]) };
    const flat = item.transform[1] === 0 && item.transform[2] === 0 && item.transform[0] > 0 && item.dir !== 'ttb';
    if (item.str) {
      // A new line after pdf.js's end of line, and where the baseline moves.
      const last = line.findLast((p) => p.str.trim());
      const moved = item.str.trim() && last && !onOneLine(last.box, box);
      if (line.length && (broken || moved)) {
        lines.push(line);
        line = [];
      }
      const str = normalise(markAfterLetter(item));
      line.push({ str, box, flat, place: placer(item, content.styles[item.fontName] ?? {}, viewport, str, transform) });
      broken = false;
    }
    if (item.hasEOL) broken = true;
  }
  if (line.length) lines.push(line);

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
  for (const pieces of lines) {
    let prev;
    const ordered = orderLine(pieces);
    for (const { str, box, place } of ordered.pieces) {
      if (prev && str.trim() && !ordered.spaced && wideGap(prev, box)) {
        text += ' ';
        endWord();
      }
      text += str;
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
      if (str.trim()) prev = box;
    }
    text += '\n';
    endWord();
  }
  text = text
    .split('\n')
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .filter((l) => l)
    .join('\n');
  return { text, words };
}
