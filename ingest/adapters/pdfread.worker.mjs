/**
 * Runs pdf.js for ingest/pdfread.ts in a child process, one request per
 * process: plain JavaScript loaded by Node itself, because pdf.js is an ES
 * module and the rest of the project is CommonJS. The request is the JSON in
 * argv[2] ({ op: 'inspect' | 'text' | 'render' | 'scans' | 'copy' | 'scansAndCopy', file, ... }); the answer is one
 * IPC message, `{ ok: true, result }` or `{ ok: false, code?, en?, details?, message }`
 * where `code` is a DomainError code, after which the process exits. Fonts,
 * CMaps and decoders come from the installed pdfjs-dist package; nothing is fetched.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { readPage } from './pdfreadText.mjs';

const require = createRequire(import.meta.url);
const pdfjsRoot = path.dirname(require.resolve('pdfjs-dist/package.json'));
/** pdf.js, loaded by the operations that use it (copying scans out does not). */
let pdfjs;

/** A failure the caller turns into a DomainError. */
class Refusal extends Error {
  constructor(code, en, details) {
    super(en ?? code);
    this.code = code;
    this.en = en;
    this.details = details;
  }
}

/** Size in pixels of a page drawn at `dpi` (the same rounding everywhere). */
function pixelSize(viewport) {
  return { width: Math.max(1, Math.round(viewport.width)), height: Math.max(1, Math.round(viewport.height)) };
}

function checkPixels(page, dpi, maxPagePixels) {
  const { width, height } = pixelSize(page.getViewport({ scale: dpi / 72 }));
  if (!(width * height <= maxPagePixels)) {
    throw new Refusal(
      'too_many_pixels',
      `(page ${page.pageNumber}: ${width}×${height} at ${dpi} dpi > ${maxPagePixels} pixels)`,
      {
        page: page.pageNumber,
        width,
        height,
        dpi,
        maxPixels: maxPagePixels,
      },
    );
  }
}

/** A failure that says nothing about the file's content: a caller's mistake, or a file that cannot be read from disk. */
class CallerError extends Error {}

function readFile(file) {
  try {
    return new Uint8Array(fs.readFileSync(file));
  } catch (e) {
    throw new CallerError(e.message);
  }
}

/** The document, with pdf.js's options and `options` (e.g. `maxImageSize`). */
async function open(file, options = {}) {
  pdfjs ??= await import('pdfjs-dist/legacy/build/pdf.mjs');
  const task = pdfjs.getDocument({
    ...options,
    data: readFile(file),
    standardFontDataUrl: `${pdfjsRoot}/standard_fonts/`,
    cMapUrl: `${pdfjsRoot}/cmaps/`,
    cMapPacked: true,
    wasmUrl: `${pdfjsRoot}/wasm/`,
    iccUrl: `${pdfjsRoot}/iccs/`,
    // No code generated from font programs, no fonts from the system, no XFA forms.
    isEvalSupported: false,
    useSystemFonts: false,
    enableXfa: false,
    verbosity: pdfjs.VerbosityLevel.ERRORS,
  });
  try {
    return await task.promise;
  } catch (e) {
    if (e?.name === 'PasswordException') throw new Refusal('encrypted_file');
    throw new Refusal('corrupt_file', `(${e?.message ?? e})`);
  }
}

/** Letters and digits of a page's text layer; a page with fewer has no usable text. */
const MIN_TEXT_CHARS = 16;

function countTextChars(content) {
  let n = 0;
  for (const item of content.items) {
    if (typeof item.str === 'string') n += item.str.match(/[\p{L}\p{N}]/gu)?.length ?? 0;
  }
  return n;
}

async function inspect({ file, limits }) {
  const doc = await open(file);
  const pages = doc.numPages;
  if (pages > limits.maxPages) {
    throw new Refusal('too_many_pages', `(${pages} > ${limits.maxPages})`, { pages, maxPages: limits.maxPages });
  }
  const sizes = [];
  const loaded = [];
  for (let n = 1; n <= pages; n++) {
    const page = await doc.getPage(n);
    checkPixels(page, 300, limits.maxPagePixels);
    const { width, height } = page.getViewport({ scale: 1 });
    sizes.push({ width, height });
    loaded.push(page);
  }
  let textPages = 0;
  for (const page of loaded) {
    if (countTextChars(await page.getTextContent()) >= MIN_TEXT_CHARS) textPages++;
    page.cleanup();
  }
  return { pages, textPages, hasTextLayer: pages > 0 && textPages * 2 > pages, sizes };
}

async function getPage(doc, index) {
  if (!Number.isInteger(index) || index < 0 || index >= doc.numPages) {
    throw new CallerError(`page index ${index} is outside 0..${doc.numPages - 1}`);
  }
  return doc.getPage(index + 1);
}

/*
 * Right-to-left glyphs of several letters. Shaped Arabic draws lam and the alef after it as one glyph,
 * «لا» (and «لأ», «لإ», «لآ»; some fonts have more ligatures), whose ToUnicode entry gives both letters
 * in reading order. Producers write a right-to-left run's glyphs from left to right, and pdf.js turns each
 * such run of a text item around character by character, the two letters of the glyph with it: «الابتدائية»
 * comes out as «االبتدائية», «السلام» as «السالم». Which letters came from one glyph only the operator
 * list tells, whose glyphs follow the content stream in the order of the text items: its right-to-left
 * letters are matched, item by item, with the item's in the order they were drawn, and a glyph's letters
 * put back in its own order. An item that does not match letter for letter stays as pdf.js gave it.
 */

/** What pdf.js's bidi algorithm turns around in a right-to-left run: Hebrew, Arabic letters and marks (not its digits or punctuation). */
const RTL_RANGES =
  '0590-05f4 0608 060b 060d 0610-061a 061e-065f 066d-06dc 06df-06e8 06ea-06ef 06fa-06ff 0700-08ac fb50-fdff fe70-fefe'
    .split(' ')
    .map((range) => range.split('-').map((hex) => parseInt(hex, 16)));

/** Whether pdf.js turns `ch` around in a right-to-left run (one UTF-16 unit, as pdf.js reads a string). */
function isRtl(ch) {
  const c = ch.charCodeAt(0);
  return RTL_RANGES.some(([from, to = from]) => c >= from && c <= to);
}

const hasRtl = (str) => str.split('').some(isRtl);

/** Characters up to U+00FF that pdf.js counts as strong left to right (above it, all but the right-to-left blocks). */
const LATIN_STRONG = /[A-Za-z\u00AA\u00B5\u00BA\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u00FF]/;

/** Whether pdf.js counts `ch` as a strong left-to-right character, one that ends a right-to-left run. */
function isLtrStrong(ch) {
  const c = ch.charCodeAt(0);
  if (c <= 0xff) return LATIN_STRONG.test(ch);
  const rtlBlock = (c >= 0x0590 && c <= 0x05f4) || (c >= 0x0600 && c <= 0x08ac) || (c >= 0xfb50 && c <= 0xfdff);
  return !rtlBlock && !(c >= 0xfe70 && c <= 0xfeff);
}

/** How far past the expected glyph an item's letters are looked for (glyphs pdf.js leaves out of the text, e.g. overprinted ones). */
const LOOK_AHEAD = 256;

/**
 * The right-to-left letters of the page's glyphs in drawing order, each with its glyph's number, how
 * many it has, and whether the glyph has nothing else (then pdf.js turns it around with its run).
 */
function glyphLetters(operatorList, showText) {
  const letters = [];
  let glyph = 0;
  for (let i = 0; i < operatorList.fnArray.length; i++) {
    if (operatorList.fnArray[i] !== showText) continue;
    for (const g of operatorList.argsArray[i]?.[0] ?? []) {
      if (typeof g?.unicode !== 'string') continue; // a spacing number
      const chars = g.unicode.split('');
      const rtl = chars.filter(isRtl);
      const whole = rtl.length > 1 && rtl.length === chars.length;
      for (const ch of rtl) letters.push({ ch, glyph, count: rtl.length, whole });
      glyph++;
    }
  }
  return letters;
}

/**
 * Positions in `str` of its right-to-left letters in the order they were
 * drawn: pdf.js turned around all of an item that reads right to left, and
 * each right-to-left run (up to a strong left-to-right character) of one that
 * reads left to right; nothing of a vertical one.
 */
function drawnOrder(str, dir) {
  const runs = [[]];
  for (let i = 0; i < str.length; i++) {
    if (isRtl(str[i])) runs[runs.length - 1].push(i);
    else if (dir === 'ltr' && runs[runs.length - 1].length && isLtrStrong(str[i])) runs.push([]);
  }
  return dir === 'ttb' ? runs.flat() : runs.flatMap((run) => run.reverse());
}

/** Where the letters `chars` follow each other among the glyphs' letters, from `from` on; -1 when nowhere near. */
function findLetters(letters, from, chars) {
  const last = Math.min(from + LOOK_AHEAD, letters.length - chars.length);
  for (let at = from; at <= last; at++) {
    if (chars.every((ch, k) => letters[at + k].ch === ch)) return at;
  }
  return -1;
}

/**
 * `str` with the letters of each glyph of several put back in the glyph's
 * order, where pdf.js left them side by side and turned around. `order` holds
 * the positions of str's letters in drawing order, `letters` the glyphs'
 * letters they were matched with.
 */
function turnBack(str, order, letters) {
  const out = str.split('');
  for (let k = 0; k < letters.length;) {
    const { glyph, count, whole } = letters[k];
    const first = k === 0 || letters[k - 1].glyph !== glyph;
    const places = order.slice(k, k + count);
    const turned = places.length === count && places.every((p, j) => p === places[0] - j);
    if (whole && first && turned && letters[k + count - 1].glyph === glyph) {
      for (let j = 0; j < count; j++) out[places[count - 1] + j] = letters[k + j].ch;
      k += count;
    } else k++;
  }
  return out.join('');
}

/**
 * Puts the letters of every right-to-left glyph of several back in reading
 * order in the items of `content` (read without normalisation, so that they
 * hold the glyphs' own characters), when an item has right-to-left letters.
 */
async function keepGlyphsWhole(page, content) {
  const items = content.items.filter((item) => typeof item.str === 'string' && hasRtl(item.str));
  if (!items.length) return;
  const operatorList = await page.getOperatorList({ annotationMode: pdfjs.AnnotationMode.DISABLE });
  const letters = glyphLetters(operatorList, pdfjs.OPS.showText);
  if (!letters.some((l) => l.whole)) return;
  let next = 0;
  for (const item of items) {
    const order = drawnOrder(item.str, item.dir);
    const drawn = order.map((i) => item.str[i]);
    const at = findLetters(letters, next, drawn);
    if (at < 0) continue;
    next = at + order.length;
    item.str = turnBack(item.str, order, letters.slice(at, next));
  }
}

async function pageText({ file, index, dpi }) {
  // Text needs no pictures: the operator list (keepGlyphsWhole) then decodes no image.
  const doc = await open(file, { maxImageSize: 0 });
  const page = await getPage(doc, index);
  const viewport = page.getViewport({ scale: dpi / 72 });
  const content = await page.getTextContent({ disableNormalization: true });
  await keepGlyphsWhole(page, content);
  return { ...readPage(content, viewport, pdfjs.Util.transform), ...pixelSize(viewport) };
}

async function render({ file, index, dpi, maxPagePixels }) {
  const doc = await open(file);
  const page = await getPage(doc, index);
  checkPixels(page, dpi, maxPagePixels);
  const viewport = page.getViewport({ scale: dpi / 72 });
  const { width, height } = pixelSize(viewport);
  const { canvas, context } = doc.canvasFactory.create(width, height);
  await page.render({ canvasContext: context, viewport, background: '#ffffff' }).promise;
  return canvas.toBuffer('image/png');
}

/** The pages that are one scanned JPEG each, copied out (pdfscans.mjs); a file pdf-lib cannot open has none. */
async function scanPages({ file, outDir, maxPagePixels }) {
  try {
    const { openPdf, scans } = await import('./pdfscans.mjs');
    return scans({ source: await openPdf(readFile(file)), outDir, maxPagePixels });
  } catch {
    return [];
  }
}

/** The pages copied into a plain PDF for the compose stage (pdfscans.mjs `copyPages`); a file pdf-lib cannot copy so is corrupt. */
async function copy({ file, outFile, maxObjects, maxBytes }) {
  const { openPdf, copyPages } = await import('./pdfscans.mjs');
  return copyPages({ source: await openPdf(readFile(file)), outFile, maxObjects, maxBytes });
}

/**
 * Both of the above from one reading and parse of the file, as the pipeline needs both of a PDF.
 * A file pdf-lib cannot open has no scans and no copy; a copy that fails is reported as not made
 * (the caller copies again alone, for its error).
 */
async function scansAndCopy({ file, outDir, maxPagePixels, outFile, maxObjects, maxBytes }) {
  const { openPdf, scans, copyPages } = await import('./pdfscans.mjs');
  let source;
  try {
    source = await openPdf(readFile(file));
  } catch {
    return { scans: [], copied: false };
  }
  let found;
  try {
    found = scans({ source, outDir, maxPagePixels });
  } catch {
    found = [];
  }
  try {
    await copyPages({ source, outFile, maxObjects, maxBytes });
    return { scans: found, copied: true };
  } catch {
    return { scans: found, copied: false };
  }
}

const OPS = { inspect, text: pageText, render, scans: scanPages, copy, scansAndCopy };

async function answer(request) {
  try {
    return { ok: true, result: await OPS[request.op](request) };
  } catch (e) {
    if (e instanceof Refusal) return { ok: false, code: e.code, en: e.en, details: e.details, message: e.message };
    if (e instanceof CallerError) return { ok: false, message: e.message };
    // pdf.js reports a malformed file with many kinds of error (and deeply nested objects exhaust the stack).
    return { ok: false, code: 'corrupt_file', en: `(${e?.message ?? e})`, message: String(e?.stack ?? e) };
  }
}

// Nobody is waiting any more once the parent is gone.
process.on('disconnect', () => process.exit(1));
const reply = await answer(JSON.parse(process.argv[2]));
process.send(reply, () => process.exit(0));
