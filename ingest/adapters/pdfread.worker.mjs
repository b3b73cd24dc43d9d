/**
 * Runs pdf.js for ingest/pdfread.ts in a child process, one request per
 * process: plain JavaScript loaded by Node itself, because pdf.js is an ES
 * module and the rest of the project is CommonJS. The request is the JSON in
 * argv[2] ({ op: 'inspect' | 'text' | 'render' | 'scans' | 'copy', file, ... }); the answer is one
 * IPC message, `{ ok: true, result }` or `{ ok: false, code?, en?, details?, message }`
 * where `code` is a DomainError code, after which the process exits. Fonts,
 * CMaps and decoders come from the installed pdfjs-dist package; nothing is fetched.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

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

async function open(file) {
  pdfjs ??= await import('pdfjs-dist/legacy/build/pdf.mjs');
  const task = pdfjs.getDocument({
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

// Presentation forms (how many Arabic PDFs store shaped text) read as the letters they show.
const PRESENTATION_FORMS = /[\uFB50-\uFDFF\uFE70-\uFEFE]+/g;
const normalise = (s) => s.replace(PRESENTATION_FORMS, (m) => m.normalize('NFKC'));

/**
 * Words with boxes in the pixels of the page drawn at `dpi`. pdf.js gives runs
 * of text, not glyphs, so a word's share of its run is taken in proportion to
 * its characters; right-to-left runs are laid out from their right end.
 */
function wordsOf(content, viewport) {
  const words = [];
  for (const item of content.items) {
    if (typeof item.str !== 'string' || !item.str.trim()) continue;
    const str = normalise(item.str);
    const style = content.styles[item.fontName] ?? {};
    const tx = pdfjs.Util.transform(viewport.transform, item.transform);
    const fontHeight = Math.hypot(tx[2], tx[3]);
    let angle = Math.atan2(tx[1], tx[0]);
    if (style.vertical) angle += Math.PI / 2;
    const length = (style.vertical ? item.height : item.width) * viewport.scale;
    const ascent = (style.ascent || 0.8) * fontHeight;
    const descent = Math.abs(style.descent || -0.2) * fontHeight;
    const [ux, uy] = [Math.cos(angle), Math.sin(angle)];
    const [vx, vy] = [Math.sin(angle), -Math.cos(angle)];
    const chars = [...str];
    for (const m of str.matchAll(/\S+/gu)) {
      const start = [...str.slice(0, m.index)].length;
      const end = start + [...m[0]].length;
      let s0 = (start / chars.length) * length;
      let s1 = (end / chars.length) * length;
      if (item.dir === 'rtl') [s0, s1] = [length - s1, length - s0];
      const xs = [];
      const ys = [];
      for (const s of [s0, s1]) {
        for (const t of [-descent, ascent]) {
          xs.push(tx[4] + s * ux + t * vx);
          ys.push(tx[5] + s * uy + t * vy);
        }
      }
      const clampX = (x) => Math.min(Math.max(Math.round(x), 0), Math.round(viewport.width));
      const clampY = (y) => Math.min(Math.max(Math.round(y), 0), Math.round(viewport.height));
      words.push([m[0], clampX(Math.min(...xs)), clampY(Math.min(...ys)), clampX(Math.max(...xs)), clampY(Math.max(...ys)), 100]);
    }
  }
  return words;
}

/**
 * The page's text, items in content order. Where two items on a line stand
 * apart by more than a fifth of the text's height, a space goes between them:
 * many writers leave the space as a gap rather than a glyph, and a text layer
 * that writes right-to-left letters one by one has no other word break pdf.js
 * keeps.
 */
function textOf(content) {
  let text = '';
  let prev;
  for (const item of content.items) {
    if (typeof item.str !== 'string') continue;
    const x0 = item.transform[4];
    const box = { x0, x1: x0 + item.width, y: item.transform[5], height: Math.abs(item.height || item.transform[3]) };
    if (prev && item.str.trim()) {
      const gap = Math.max(prev.x0 - box.x1, box.x0 - prev.x1);
      const sameLine = Math.abs(prev.y - box.y) < 0.5 * Math.max(prev.height, box.height);
      if (sameLine && gap > 0.2 * Math.max(prev.height, box.height)) text += ' ';
    }
    text += normalise(item.str);
    if (item.hasEOL) {
      text += '\n';
      prev = undefined;
    } else if (item.str.trim()) prev = box;
  }
  return text
    .split('\n')
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .filter((line) => line)
    .join('\n');
}

async function pageText({ file, index, dpi }) {
  const doc = await open(file);
  const page = await getPage(doc, index);
  const viewport = page.getViewport({ scale: dpi / 72 });
  const content = await page.getTextContent();
  return { text: textOf(content), words: wordsOf(content, viewport), ...pixelSize(viewport) };
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
    const { scans } = await import('./pdfscans.mjs');
    return await scans({ file, outDir, maxPagePixels });
  } catch {
    return [];
  }
}

/** The pages copied into a plain PDF for the compose stage (pdfscans.mjs `copyPages`); a file pdf-lib cannot copy so is corrupt. */
async function copy({ file, outFile, maxObjects, maxBytes }) {
  const bytes = readFile(file);
  const { copyPages } = await import('./pdfscans.mjs');
  return copyPages({ bytes, outFile, maxObjects, maxBytes });
}

const OPS = { inspect, text: pageText, render, scans: scanPages, copy };

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
