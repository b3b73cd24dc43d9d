/**
 * The archive PDF as a reader meets it: the scan's own pixels, an invisible
 * text layer that pdf.js, poppler and mupdf extract in reading order (the
 * stamp's and footer's lines too, so a reader's search finds the registry
 * number), a registry
 * stamp that a recogniser reads back, a QR code that leads to the public
 * verification page, and metadata naming the registry number and fingerprint.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import jsQR from 'jsqr';
import { PDFDict, PDFDocument, PDFName, PDFNumber, PDFRawStream } from 'pdf-lib';
import sharp from 'sharp';
import { normalisePage } from '../ingest/adapters/images';
import { prepareForOcr } from '../ingest/adapters/ocrImage';
import { createOcrEngine } from '../ingest/ocr/engine';
import { pdfPageText, renderPdfPage } from '../ingest/adapters/pdfread';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { bornDigitalPdf } from '../scripts/fixtures/pdfs';
import { charErrors, normaliseForEval, rate } from '../scripts/eval/metrics';
import { footerText, stampLines } from '../ingest/stamp';
import { toArabicIndic } from '../kernel/text';
import { isolatedEnv, sha256, startTestServer, type DocumentJson, type TestServer } from './helpers';

const run = promisify(execFile);
const LINES = [
  'وزارة الشؤون الإدارية',
  'الموضوع: تعميم بشأن ساعات الدوام الرسمي',
  'يرجى الالتزام بالمواعيد المحددة اعتباراً من 01/12/2026',
  'رقم المرجع: ٢٠٢٦/٤٥٧',
  'Circular on official working hours',
];

let server: TestServer;
let scan: Buffer;
let doc: DocumentJson;
let pdfBytes: Buffer;
let pdfFile: string;

beforeAll(async () => {
  server = await startTestServer();
  scan = await renderArabicScan(LINES, { seed: 31 });
  const res = await server.upload(scan, 'تعميم الدوام.jpg', { title: 'تعميم الدوام' });
  const { id } = (await res.json()) as { id: string };
  doc = await server.waitFor(id);
  expect(doc.status).toBe('archived');
  pdfBytes = Buffer.from(await (await server.api(`/api/v1/documents/${id}/archive.pdf`)).arrayBuffer());
  pdfFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-archive-pdf-')), 'archive.pdf');
  fs.writeFileSync(pdfFile, pdfBytes);
});

afterAll(async () => {
  await server?.stop();
});

/** The character error rate between two texts, after whitespace and bidi marks are set aside. */
function cer(a: string, b: string): number {
  return rate(charErrors(normaliseForEval(a), normaliseForEval(b)));
}

test('the page image is the uploaded JPEG itself, byte for byte, at its pixel size', async () => {
  const parsed = await PDFDocument.load(pdfBytes);
  const images = parsed.context
    .enumerateIndirectObjects()
    .map(([, o]) => o)
    .filter((o): o is PDFRawStream => o instanceof PDFRawStream && o.dict.get(PDFName.of('Subtype')) === PDFName.of('Image'));
  const meta = await sharp(scan).metadata();
  const jpeg = images.find((i) => i.dict.get(PDFName.of('Filter')) === PDFName.of('DCTDecode'));
  expect(jpeg).toBeDefined();
  expect((jpeg!.dict.get(PDFName.of('Width')) as PDFNumber).asNumber()).toBe(meta.width);
  expect((jpeg!.dict.get(PDFName.of('Height')) as PDFNumber).asNumber()).toBe(meta.height);
  expect(sha256(Buffer.from(jpeg!.contents))).toBe(sha256(scan));
  // And the original object in storage is still the upload.
  const original = Buffer.from(await (await server.api(`/api/v1/documents/${doc.id}/original`)).arrayBuffer());
  expect(sha256(original)).toBe(sha256(scan));
  expect(sha256(pdfBytes)).toBe(doc.sha256.archive);
});

/** The stamp's lines and the footer of a one-page document, as the compose stage wrote them. */
function stampAndFooter(): string[] {
  const at = new Date((doc as unknown as { createdAt: string }).createdAt);
  const archive = server.core.config.archive;
  return [
    ...stampLines({ ...archive, registryNo: doc.registryNo, registeredAt: at, sha256: doc.sha256.original }),
    footerText(doc.registryNo, 1, 1),
  ];
}

/** The registry number is findable in a reader's text, in both its digit forms. */
function expectRegistryNumber(text: string): void {
  expect(text).toContain(toArabicIndic(doc.registryNo));
  expect(text).toContain(doc.registryNo);
  expect(text).toContain(doc.sha256.original.slice(0, 16));
}

test('pdf.js extracts the text layer in reading order, as the OCR read it, then the stamp and footer lines', async () => {
  const extracted = await pdfPageText(pdfFile, 0);
  const ocr = doc.pages[0]!.text;
  // Content order: the scan's words, then the stamp's lines, then the footer.
  expect(cer([ocr, ...stampAndFooter()].join('\n'), extracted.text)).toBeLessThan(0.01);
  // Arabic words come out in logical order, not reversed.
  expect(normaliseForEval(extracted.text)).toContain(normaliseForEval('ساعات الدوام'));
  expect(extracted.text).not.toContain('ماودلا'); // الدوام reversed
  expectRegistryNumber(extracted.text);
});

/** The scan's part of page 1 (below the stamp band, above the footer), in points. */
async function scanArea(): Promise<{ top: number; width: number; height: number }> {
  const { width, height } = (await PDFDocument.load(pdfBytes)).getPage(0).getSize();
  const meta = await sharp(scan).metadata();
  const scanHeight = ((meta.height ?? 0) * 72) / 200;
  return { top: height - 20 - scanHeight, width, height: scanHeight };
}

const poppler = fs.existsSync('/usr/bin/pdftotext');
(poppler ? test : test.skip)(
  'poppler (pdftotext) opens the PDF without complaint and extracts the OCR text and the registry number',
  async () => {
    const info = await run('pdfinfo', [pdfFile]);
    expect(info.stderr).toBe('');
    expect(info.stdout).toMatch(/Pages:\s+1/);
    const area = await scanArea();
    const crop = [
      '-x',
      '0',
      '-y',
      String(Math.ceil(area.top)),
      '-W',
      String(Math.floor(area.width)),
      '-H',
      String(Math.floor(area.height)),
    ];
    const body = await run('pdftotext', ['-r', '72', ...crop, pdfFile, '-']);
    expect(body.stderr).toBe('');
    // The scan's words as the OCR read them: a colon, a space or a bracket after a number stays where it was.
    expect(cer(doc.pages[0]!.text, body.stdout)).toBeLessThan(0.002);
    expect(normaliseForEval(body.stdout)).toContain(normaliseForEval('ساعات الدوام'));
    const whole = await run('pdftotext', [pdfFile, '-']);
    expectRegistryNumber(whole.stdout);
  },
);

const mupdf = fs.existsSync('/usr/bin/mutool');
(mupdf ? test : test.skip)('mupdf (mutool) extracts the OCR text in reading order, then the stamp and footer lines', async () => {
  const { stdout, stderr } = await run('mutool', ['draw', '-F', 'txt', '-o', '-', pdfFile]);
  // The text layer's font loads cleanly (a subset of a real face gave "invalid outline" for every glyph).
  expect(stderr.split('\n').filter((l) => /FT_|glyph|outline|font/i.test(l))).toEqual([]);
  expect(cer([doc.pages[0]!.text, ...stampAndFooter()].join('\n'), stdout)).toBeLessThan(0.002);
  expect(normaliseForEval(stdout)).toContain(normaliseForEval('ساعات الدوام'));
  expectRegistryNumber(stdout);
});

test('the stamp above the scan reads back: "رقم القيد" and the registry number; its QR code holds the verification address', async () => {
  const parsed = await PDFDocument.load(pdfBytes);
  const { width, height } = parsed.getPage(0).getSize();
  const meta = await sharp(scan).metadata();
  const scanHeightPt = ((meta.height ?? 0) * 72) / 200;
  const bandPt = height - scanHeightPt - 20; // 20 pt footer
  expect(bandPt).toBeGreaterThan(60); // a band of its own: nothing drawn over the scan
  const dpi = 300;
  const page = await renderPdfPage(pdfFile, 0, { dpi, maxPagePixels: 100_000_000 });
  const band = await sharp(page)
    .extract({ left: 0, top: 0, width: Math.floor((width * dpi) / 72), height: Math.floor((bandPt * dpi) / 72) })
    .png()
    .toBuffer();

  const rgba = await sharp(band).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const qr = jsQR(
    new Uint8ClampedArray(rgba.data.buffer, rgba.data.byteOffset, rgba.data.length),
    rgba.info.width,
    rgba.info.height,
  );
  expect(qr?.data).toBe(`${server.core.config.archive.publicUrl}/verify/${doc.registryNo}?sha256=${doc.sha256.original}`);

  const engine = await createOcrEngine({ cacheDir: process.env.DIWAN_CACHE_DIR!, langs: ['ara', 'eng'], workers: 1 });
  try {
    // The stamp's text alone, inside its frame (the QR code, at the other end of the band, is read above;
    // the frame's rules, read as letters, made the engine's layout cut lines apart).
    const bandWidth = Math.floor((width * dpi) / 72);
    const left = Math.floor(bandWidth * 0.52);
    const top = Math.floor(rgba.info.height * 0.08);
    const textBox = await sharp(band)
      .extract({ left, top, width: Math.floor(bandWidth * 0.975) - left, height: Math.floor(rgba.info.height * 0.9) - top })
      .png()
      .toBuffer();
    const read = await engine.recognize(
      await prepareForOcr(await normalisePage(textBox, dpi, { maxPagePixels: 1e8, maxPages: 1 })),
      { layout: 'column' },
    );
    expect(read.text).toContain('رقم القيد');
    // The number reads back from the stamp in one of its two forms: the bold Arabic-Indic line (which the
    // engine sometimes misreads at this weight) or the English line's Latin digits.
    const readBack = [toArabicIndic(doc.registryNo), doc.registryNo].filter((n) => read.text.includes(n));
    expect(readBack.length).toBeGreaterThan(0);
  } finally {
    await engine.close();
  }
});

test('title, registry number, dates and the original fingerprint are in the info dictionary and the XMP', async () => {
  const parsed = await PDFDocument.load(pdfBytes, { updateMetadata: false });
  expect(parsed.getTitle()).toBe('تعميم الدوام');
  expect(parsed.getSubject()).toBe(doc.registryNo);
  expect(parsed.getKeywords()).toContain(doc.sha256.original);
  expect(parsed.getCreationDate()?.toISOString().slice(0, 16)).toBe(
    new Date((doc as unknown as { createdAt: string }).createdAt).toISOString().slice(0, 16),
  );
  const catalog = parsed.catalog;
  const xmp = parsed.context.lookup(catalog.get(PDFName.of('Metadata'))) as PDFRawStream;
  const xml = Buffer.from(xmp.contents).toString('utf8');
  expect(xml).toContain('<pdfaid:part>2</pdfaid:part>');
  expect(xml).toContain(`<diwan:originalSha256>${doc.sha256.original}</diwan:originalSha256>`);
  expect(xml).toContain(`<dc:identifier>${doc.registryNo}</dc:identifier>`);
  expect(catalog.get(PDFName.of('OutputIntents'))).toBeDefined();
  expect(parsed.context.lookup(catalog.get(PDFName.of('Metadata')))).toBeInstanceOf(PDFRawStream);
  expect(parsed.context.trailerInfo.ID).toBeDefined();
  expect(catalog).toBeInstanceOf(PDFDict);
});

describe('the public verification page', () => {
  const verify = (p: string, json = true) => fetch(`${server.url}${p}`, { headers: json ? { accept: 'application/json' } : {} });

  test('names which registered file a fingerprint belongs to, without a login and without anything else of the document', async () => {
    const base = `/verify/${doc.registryNo}`;
    const original = (await (await verify(`${base}?sha256=${doc.sha256.original}`)).json()) as Record<string, unknown>;
    expect(original).toEqual({
      registryNo: doc.registryNo,
      registryNoAr: toArabicIndic(doc.registryNo),
      exists: true,
      sha256: doc.sha256.original,
      matches: 'original',
      authentic: true,
    });
    const archive = (await (await verify(`${base}?sha256=${doc.sha256.archive!.toUpperCase()}`)).json()) as Record<
      string,
      unknown
    >;
    expect(archive).toMatchObject({ matches: 'archive-pdf', authentic: true });
    const other = (await (await verify(`${base}?sha256=${'0'.repeat(64)}`)).json()) as Record<string, unknown>;
    expect(other).toMatchObject({ exists: true, matches: null, authentic: false });
    // Typed in Arabic-Indic digits, it is the same number.
    const [year, seq] = toArabicIndic(doc.registryNo).split('/').map(encodeURIComponent);
    const typed = (await (await verify(`/verify/${year}/${seq}`)).json()) as Record<string, unknown>;
    expect(typed).toMatchObject({ registryNo: doc.registryNo, exists: true, authentic: null });
    const escaped = (await (await verify(`/verify/${encodeURIComponent(doc.registryNo)}`)).json()) as Record<string, unknown>;
    expect(escaped).toMatchObject({ registryNo: doc.registryNo, exists: true });
    const unknown = (await (await verify('/verify/1999/000001')).json()) as Record<string, unknown>;
    expect(unknown).toMatchObject({ exists: false, authentic: null });
    expect((await verify(`${base}?sha256=xyz`)).status).toBe(400);
  });

  test('is an Arabic, right-to-left page with the verdict in both languages', async () => {
    const res = await verify(`/verify/${doc.registryNo}?sha256=${doc.sha256.original}`, false);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toContain('<html lang="ar" dir="rtl">');
    expect(html).toContain('أصيل');
    expect(html).toContain('Authentic');
    expect(html).not.toContain('تعميم الدوام'); // the title stays private
    const form = await verify(`/verify?registryNo=${encodeURIComponent(doc.registryNo)}&sha256=${'1'.repeat(64)}`, false);
    expect(await form.text()).toContain('غير مطابق');
  });
});

test('verification is rate-limited per client', async () => {
  const limited = await startTestServer(await isolatedEnv({ DIWAN_VERIFY_PER_MINUTE: '3' }));
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await fetch(`${limited.url}/verify/2026/000001`, { headers: { accept: 'application/json' } })).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const body = (await (await fetch(`${limited.url}/verify/2026/000001`)).json()) as { error: string; message: string };
    expect(body.error).toBe('rate_limited');
  } finally {
    await limited.stop();
  }
});

test('a born-digital PDF keeps its own pages and text in the archive copy, under the stamp band', async () => {
  const original = await bornDigitalPdf();
  const { id } = (await (await server.upload(original, 'قرار رقمي.pdf')).json()) as { id: string };
  const born = await server.waitFor(id);
  expect(born.status).toBe('archived');
  const bytes = Buffer.from(await (await server.api(`/api/v1/documents/${id}/archive.pdf`)).arrayBuffer());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-born-'));
  fs.writeFileSync(path.join(dir, 'original.pdf'), original);
  fs.writeFileSync(path.join(dir, 'archive.pdf'), bytes);
  const parsed = await PDFDocument.load(bytes);
  expect(parsed.getPageCount()).toBe(2);
  for (const i of [0, 1]) {
    const before = await pdfPageText(path.join(dir, 'original.pdf'), i);
    const after = await pdfPageText(path.join(dir, 'archive.pdf'), i);
    // The same text, not a second (OCR) copy of it; after it only the stamp's lines and the footer.
    expect(after.text.startsWith(before.text)).toBe(true);
    expect(after.text.slice(before.text.length)).toContain(born.registryNo);
    expect(after.text.slice(before.text.length)).not.toContain(before.text.split('\n')[0]!.slice(0, 12));
  }
  expect(parsed.getPage(1).getHeight()).toBeCloseTo((await PDFDocument.load(original)).getPage(1).getHeight() + 20, 0);
});

test('a PNG or TIFF scan is carried into the archive PDF losslessly, its compressed pixels as they are', async () => {
  const grey = await sharp(await renderArabicScan(LINES.slice(0, 2), { seed: 33, format: 'png' }))
    .greyscale()
    .removeAlpha()
    .png()
    .toBuffer();
  const tiff = await renderArabicScan(LINES.slice(2, 4), { seed: 34, format: 'tiff' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-lossless-'));
  for (const [name, upload] of [
    ['مسح.png', grey],
    ['مسح.tiff', tiff],
  ] as const) {
    const { id } = (await (await server.upload(upload, name)).json()) as { id: string };
    expect((await server.waitFor(id)).status).toBe('archived');
    const file = path.join(dir, `${id}.pdf`);
    fs.writeFileSync(file, Buffer.from(await (await server.api(`/api/v1/documents/${id}/archive.pdf`)).arrayBuffer()));
    const parsed = await PDFDocument.load(fs.readFileSync(file));
    const scanImage = parsed.context
      .enumerateIndirectObjects()
      .map(([, o]) => o)
      .find(
        (o): o is PDFRawStream =>
          o instanceof PDFRawStream && (o.dict.get(PDFName.of('Width')) as PDFNumber | undefined)?.asNumber() === 1654,
      );
    expect(scanImage?.dict.get(PDFName.of('Filter'))).toBe(PDFName.of('FlateDecode'));
    if (name.endsWith('.png')) {
      // The PNG's own compressed rows (its IDAT chunks), byte for byte.
      const idat: Buffer[] = [];
      for (let at = 8; at < grey.length; at += 12 + grey.readUInt32BE(at))
        if (grey.toString('latin1', at + 4, at + 8) === 'IDAT') idat.push(grey.subarray(at + 8, at + 8 + grey.readUInt32BE(at)));
      expect(sha256(Buffer.from(scanImage!.contents))).toBe(sha256(Buffer.concat(idat)));
    }
    // A PDF reader decodes exactly the scan's pixels.
    await run('pdfimages', ['-png', file, path.join(dir, id)]);
    const extracted = fs.readdirSync(dir).filter((f) => f.startsWith(id) && f.endsWith('.png'));
    const pixels = async (b: Buffer | string) => (await sharp(b).greyscale().raw().toBuffer()).toString('base64');
    const decoded = await Promise.all(extracted.map((f) => pixels(path.join(dir, f))));
    expect(decoded).toContain(await pixels(upload));
  }
});
