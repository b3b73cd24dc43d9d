/**
 * The PDF reader against generated PDFs: a born-digital document (English and
 * Arabic text layer), a scan, a password-protected file, a corrupt file and
 * hostile ones, each of which must end in its own DomainError, quickly.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { renderArabicScan, SAMPLE_LINES } from '../../scripts/fixtures/arabicScan';
import { BORN_DIGITAL_PAGES, bornDigitalPdf, corruptPdf, encryptedPdf, pdfBomb, scannedPdf } from '../../scripts/fixtures/pdfs';
import fontkit from '@pdf-lib/fontkit';
import { degrees, PDFDocument } from 'pdf-lib';
import { normalisePage } from './images';
import { inspectPdf, pdfPageText, pdfScans, pdfScansAndCopy, renderPdfPage } from './pdfread';
import { textLayerFont } from './textFont';
import { renderDocumentPage, type LocalPart } from '../source';

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

const LIMITS = { maxPages: 500, maxPagePixels: 100_000_000 };
let dir: string;

async function save(name: string, pdf: Promise<Buffer>): Promise<string> {
  const file = path.join(dir, name);
  fs.writeFileSync(file, await pdf);
  return file;
}

/** Awaits a promise that must fail with a DomainError; gives its code and how long it took. */
async function refusal(p: Promise<unknown>): Promise<{ code: string; details: unknown; ms: number }> {
  const start = Date.now();
  try {
    await p;
  } catch (e) {
    const err = e as { name?: string; code?: string; details?: unknown };
    if (err.name !== 'DomainError' || !err.code) throw e;
    return { code: err.code, details: err.details, ms: Date.now() - start };
  }
  throw new Error('expected a DomainError');
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-pdfread-'));
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('born-digital PDF', () => {
  let file: string;
  beforeAll(async () => {
    file = await save('born-digital.pdf', bornDigitalPdf());
  });

  test('is seen as having a text layer, with its page count and sizes', async () => {
    const info = await inspectPdf(file, LIMITS);
    expect(info).toMatchObject({ pages: 2, textPages: 2, hasTextLayer: true });
    expect(info.sizes).toHaveLength(2);
    BORN_DIGITAL_PAGES.forEach((spec, i) => {
      expect(info.sizes[i]?.width).toBeCloseTo(spec.size[0], 1);
      expect(info.sizes[i]?.height).toBeCloseTo(spec.size[1], 1);
    });
  });

  test('gives each page its English and Arabic lines in reading order', async () => {
    for (const [i, spec] of BORN_DIGITAL_PAGES.entries()) {
      const page = await pdfPageText(file, i, 150);
      expect(page.text.split('\n')).toEqual([...spec.english, ...spec.arabic]);
      expect(page.width).toBe(Math.round((spec.size[0] * 150) / 72));
      expect(page.height).toBe(Math.round((spec.size[1] * 150) / 72));
    }
  });

  test('boxes words where they are drawn, in pixels at the requested dpi', async () => {
    const page = await pdfPageText(file, 0, 300);
    const box = (word: string) => {
      const w = page.words.find((x) => x[0] === word);
      if (!w) throw new Error(`no word ${word} in ${page.words.map((x) => x[0]).join(' ')}`);
      return { x0: w[1], y0: w[2], x1: w[3], y1: w[4], confidence: w[5] };
    };
    // "Ministry" starts 60 pt from the left, on a baseline 90 pt from the top, in 16 pt type.
    const ministry = box('Ministry');
    expect(ministry.x0).toBeGreaterThanOrEqual(248);
    expect(ministry.x0).toBeLessThanOrEqual(252);
    expect(ministry.y0).toBeLessThan(375);
    expect(ministry.y1).toBeGreaterThan(375);
    expect(ministry.y1 - ministry.y0).toBeGreaterThan(50);
    expect(ministry.confidence).toBe(100);
    expect(box('Labour').x0).toBeGreaterThan(ministry.x1);
    // Arabic runs right to left and ends 60 pt from the right edge: the first word is the rightmost.
    const wizara = box('وزارة');
    const amal = box('العمل');
    expect(wizara.x1).toBeGreaterThan(page.width - 255);
    expect(wizara.x1).toBeLessThanOrEqual(page.width - 245);
    expect(amal.x1).toBeLessThanOrEqual(wizara.x0 + 5);
    expect(page.words.every(([, x0, y0, x1, y1]) => x0 < x1 && y0 < y1 && x1 <= page.width && y1 <= page.height)).toBe(true);
  });
});

/** Lines drawn in visual order below, each with whether it reads right to left. */
const VISUAL_LINES: Array<[string, boolean]> = [
  ['الموضوع: طلب نقل موظف', true],
  ['رقم القيد: ٢٠٢٥/٧١٣١ بتاريخ ١٤٤٦/٠٣/١٢ (المادة ١٢)، يعمل به', true],
  ['نرجو نقل الطالب zebra123 إلى الصف 5 بتاريخ 12/03 شكرا Hello world', true],
  ['Dear colleagues, السلام عليكم and thanks for the 12 files', false],
];

/**
 * A line as it shows, left to right: in a right-to-left line the runs of Latin and digits (with the
 * spaces and separators between them) keep their order and all else is turned around, brackets drawn as
 * they show; in a left-to-right line each Arabic phrase is turned around.
 */
function visualOrder(line: string, rtl: boolean): string {
  const flip = (t: string) => [...t].reverse().map((c) => ({ '(': ')', ')': '(' })[c] ?? c);
  if (!rtl) return line.replace(/[\u0600-\u06FF]+(?: [\u0600-\u06FF]+)*/gu, (t) => flip(t).join(''));
  const tokens = line.match(/[A-Za-z0-9\u0660-\u0669]+(?:[ /.:]+[A-Za-z0-9\u0660-\u0669]+)*|[^A-Za-z0-9\u0660-\u0669]+/gu) ?? [];
  return tokens
    .reverse()
    .map((t) => (/^[A-Za-z0-9\u0660-\u0669]/u.test(t) ? t : flip(t).join('')))
    .join('');
}

describe('a PDF whose Arabic is drawn in visual order (as Chrome prints it)', () => {
  let file: string;
  beforeAll(async () => {
    const pdf = await PDFDocument.create();
    pdf.registerFontkit(fontkit);
    const font = await pdf.embedFont(textLayerFont(), { subset: true });
    const page = pdf.addPage([595, 842]);
    // Glyph by glyph from the left, as the line shows: the content's order is not the reading order.
    VISUAL_LINES.forEach(([line, rtl], i) => {
      let x = 40;
      for (const c of visualOrder(line, rtl)) {
        page.drawText(c, { x, y: 800 - 30 * i, size: 12, font });
        x += font.widthOfTextAtSize(c, 12);
      }
    });
    file = await save(
      'visual.pdf',
      pdf.save().then((b) => Buffer.from(b)),
    );
  });

  test('gives each line in logical order, words whole, brackets the right way round', async () => {
    const page = await pdfPageText(file, 0, 150);
    expect(page.text.split('\n')).toEqual(VISUAL_LINES.map(([line]) => line));
    expect(page.words.map((w) => w[0])).toEqual(VISUAL_LINES.flatMap(([line]) => line.split(' ')));
  });
});

describe('scanned PDF', () => {
  let file: string;
  let scans: Buffer[];
  beforeAll(async () => {
    scans = [await renderArabicScan(SAMPLE_LINES), await renderArabicScan(SAMPLE_LINES.slice(0, 2), { seed: 2 })];
    file = await save('scan.pdf', scannedPdf(scans, 200));
  });

  test('has no text layer', async () => {
    const info = await inspectPdf(file, LIMITS);
    expect(info).toMatchObject({ pages: 2, textPages: 0, hasTextLayer: false });
    expect(info.sizes[0]?.width).toBeCloseTo((1654 * 72) / 200, 1);
    expect(info.sizes[0]?.height).toBeCloseTo((2339 * 72) / 200, 1);
    expect(await pdfPageText(file, 1)).toMatchObject({ text: '', words: [] });
  });

  test('renders a page to a PNG of the right size at the requested dpi, showing the scan', async () => {
    const png = await renderPdfPage(file, 0, { dpi: 300, maxPagePixels: LIMITS.maxPagePixels });
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    // 1654 × 2339 pixels at 200 dpi are 2481 × 3508.5 at 300 dpi.
    expect(meta.width).toBe(2481);
    expect(Math.abs((meta.height ?? 0) - 3508.5)).toBeLessThanOrEqual(0.5);
    expect((meta.width ?? 0) / (meta.height ?? 1)).toBeCloseTo(1654 / 2339, 3);
    const { channels } = await sharp(png).stats();
    expect(channels[0]?.min).toBeLessThan(80);
    expect(channels[0]?.mean).toBeGreaterThan(200);
  });

  test('refuses to render past the pixel limit', async () => {
    const r = await refusal(renderPdfPage(file, 0, { dpi: 300, maxPagePixels: 2_000_000 }));
    expect(r.code).toBe('too_many_pixels');
  });

  test("gives each page's scanned JPEG byte for byte, and the page decoded from it is the page pdf.js draws", async () => {
    const out = fs.mkdtempSync(path.join(dir, 'scans-'));
    const found = await pdfScans(file, out, { maxPagePixels: LIMITS.maxPagePixels });
    expect(found).toHaveLength(2);
    for (const [i, jpeg] of scans.entries()) {
      expect(found[i]).toMatchObject({ width: 1654, height: 2339 });
      expect(sha256(fs.readFileSync(found[i]!.file))).toBe(sha256(jpeg));
    }
    const part: LocalPart = { n: 1, pageCount: 2, mime: 'application/pdf', path: file } as LocalPart;
    const decoded = await renderDocumentPage([part], 2, LIMITS);
    const drawn = await normalisePage(
      await renderPdfPage(file, 1, { dpi: 300, maxPagePixels: LIMITS.maxPagePixels }),
      300,
      LIMITS,
    );
    expect([decoded.width, decoded.height]).toEqual([drawn.width, drawn.height]);
    const a = decoded.grey;
    const b = drawn.grey;
    let diff = 0;
    for (let k = 0; k < a.length; k++) diff += Math.abs(a[k]! - b[k]!);
    expect(diff / a.length).toBeLessThan(2); // grey levels out of 255: resampling differs, the picture does not
  });

  test('scans and the plain copy from one process: the same scans as alone, a copy with every page; a copy it cannot make is not made', async () => {
    const out = fs.mkdtempSync(path.join(dir, 'scans-'));
    const copy = path.join(out, 'pages.pdf');
    const both = await pdfScansAndCopy(file, out, copy, { maxPagePixels: LIMITS.maxPagePixels });
    expect(both.copied).toBe(true);
    const alone = await pdfScans(file, fs.mkdtempSync(path.join(dir, 'scans-')), { maxPagePixels: LIMITS.maxPagePixels });
    expect(both.scans.map((s) => s && sha256(fs.readFileSync(s.file)))).toEqual(
      alone.map((s) => s && sha256(fs.readFileSync(s.file))),
    );
    expect((await PDFDocument.load(fs.readFileSync(copy))).getPageCount()).toBe(2);
    const broken = await save('not-a-pdf-inside.pdf', Promise.resolve(Buffer.from('%PDF-1.7\nnothing here\n')));
    const none = await pdfScansAndCopy(broken, out, path.join(out, 'none.pdf'), { maxPagePixels: LIMITS.maxPagePixels });
    expect(none).toEqual({ scans: [], copied: false });
    expect(fs.existsSync(path.join(out, 'none.pdf'))).toBe(false);
  });

  test('draws every page that is more than one scan: text over it, a turned page, a born-digital page, too many pixels', async () => {
    const pdf = await PDFDocument.create();
    for (const extra of ['text', 'rotate'] as const) {
      const image = await pdf.embedJpg(scans[0]!);
      const page = pdf.addPage([595, 842]);
      page.drawImage(image, { x: 0, y: 0, width: 595, height: 842 });
      if (extra === 'text') page.drawText('invisible words', { x: 50, y: 50, size: 12, opacity: 0 });
      else page.setRotation(degrees(90));
    }
    const mixed = path.join(dir, 'mixed.pdf');
    fs.writeFileSync(mixed, await pdf.save());
    const out = fs.mkdtempSync(path.join(dir, 'scans-'));
    expect(await pdfScans(mixed, out, { maxPagePixels: LIMITS.maxPagePixels })).toEqual([null, null]);
    const born = await save('born-scans.pdf', bornDigitalPdf());
    expect((await pdfScans(born, out, { maxPagePixels: LIMITS.maxPagePixels })).every((p) => p === null)).toBe(true);
    expect(await pdfScans(file, out, { maxPagePixels: 1_000_000 })).toEqual([null, null]);
  });
});

describe('refused PDFs', () => {
  test('password-protected: encrypted_file', async () => {
    const file = await save('encrypted.pdf', encryptedPdf());
    expect((await refusal(inspectPdf(file, LIMITS))).code).toBe('encrypted_file');
    expect((await refusal(renderPdfPage(file, 0, { maxPagePixels: LIMITS.maxPagePixels }))).code).toBe('encrypted_file');
  });

  test('garbage after the header: corrupt_file', async () => {
    const file = await save('corrupt.pdf', corruptPdf());
    expect((await refusal(inspectPdf(file, LIMITS))).code).toBe('corrupt_file');
  });

  test('a kilobyte declaring 20000 pages: too_many_pages, quickly', async () => {
    const file = await save('pages-bomb.pdf', pdfBomb('pages'));
    expect(fs.statSync(file).size).toBeLessThan(4096);
    const r = await refusal(inspectPdf(file, LIMITS));
    expect(r).toMatchObject({ code: 'too_many_pages', details: { pages: 20000, maxPages: 500 } });
    expect(r.ms).toBeLessThan(5000);
  });

  test.each(['mediabox', 'userunit'] as const)('a gigantic page (%s): too_many_pixels, quickly', async (kind) => {
    const file = await save(`${kind}-bomb.pdf`, pdfBomb(kind));
    const r = await refusal(inspectPdf(file, LIMITS));
    expect(r.code).toBe('too_many_pixels');
    expect(r.ms).toBeLessThan(5000);
    expect((await refusal(renderPdfPage(file, 0, { dpi: 72, maxPagePixels: LIMITS.maxPagePixels }))).code).toBe(
      'too_many_pixels',
    );
  });

  test('a page with millions of drawing operators: decode_timeout at the deadline', async () => {
    const file = await save('operators-bomb.pdf', pdfBomb('operators'));
    expect(fs.statSync(file).size).toBeLessThan(1024 * 1024);
    const r = await refusal(renderPdfPage(file, 0, { dpi: 72, maxPagePixels: LIMITS.maxPagePixels, timeoutMs: 1500 }));
    expect(r).toMatchObject({ code: 'decode_timeout', details: { timeoutMs: 1500 } });
    expect(r.ms).toBeLessThan(3000);
  });

  test('a stream inflating a thousandfold: stopped at the memory cap, corrupt_file', async () => {
    const file = await save('inflate-bomb.pdf', pdfBomb('inflate', { mb: 512 }));
    expect(fs.statSync(file).size).toBeLessThan(1024 * 1024);
    const r = await refusal(inspectPdf(file, { ...LIMITS, maxMemoryMb: 256 }));
    expect(r).toMatchObject({ code: 'corrupt_file', details: { reason: 'memory', maxMemoryMb: 256 } });
    expect(r.ms).toBeLessThan(10000);
  });
});

test('a page index outside the document is a plain error, not a verdict on the file', async () => {
  const file = await save('born-digital-2.pdf', bornDigitalPdf());
  await expect(pdfPageText(file, 2)).rejects.toThrow(/page index 2 is outside 0\.\.1/);
});
