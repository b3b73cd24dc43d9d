/**
 * Office documents on real services and a real LibreOffice: a .docx with Arabic text is archived with its own
 * text searchable (the .docx kept as the original, the PDF LibreOffice made of it as the archive copy's pages);
 * a spreadsheet converts too; a macro-laden or broken file is refused with its code; a conversion past its time
 * limit is ended, whole, with office_timeout; what a document only links to (a web address, a local file) is
 * never fetched.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PDFDocument } from 'pdf-lib';
import pg from 'pg';
import { convertToPdf, networkIsolation, OFFICE_DEFAULTS } from '../ingest/adapters/libreoffice';
import { pdfPageText } from '../ingest/adapters/pdfread';
import { OWNER } from '../ingest/leftovers';
import { docxFile, xlsxFile, zipFile } from '../scripts/fixtures/officeFiles';
import { normalizeArabic } from '../search/normalize';
import type { Check } from '../src/runtime/doctor';
import {
  isolatedEnv,
  restoreTarget,
  runCli,
  runCliWith,
  sha256,
  startTestServer,
  type DocumentJson,
  type TestServer,
} from './helpers';

const DOCX_TITLE = 'تعميم بشأن المخصصات';
const PARAGRAPHS = [
  'إلى السادة مديري المدارس المحترمين',
  'نرجو صرف المخصصات المالية للمدارس الابتدائية قبل نهاية الشهر الجاري.',
  'وتفضلوا بقبول فائق الاحترام.',
];

let env: NodeJS.ProcessEnv;
let server: TestServer | undefined;
let docx: Buffer;
let sheet: DocumentJson;
let doc: DocumentJson & {
  originalSize: number;
  title: string | null;
  textLayer: boolean;
  originals: Array<{ n: number; mime: string; pages: number }>;
};

async function upload(bytes: Buffer, name: string, fields: Record<string, string> = {}) {
  const res = await server!.upload(bytes, name, fields);
  return { status: res.status, body: (await res.json()) as { id: string; error?: string; duplicate?: boolean } };
}

async function documentCount(): Promise<number> {
  const c = new pg.Client({ connectionString: server!.core.config.databaseUrl });
  await c.connect();
  try {
    return (await c.query('SELECT count(*)::int AS n FROM documents')).rows[0].n as number;
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  env = await isolatedEnv();
  server = await startTestServer(env);
  docx = docxFile(PARAGRAPHS, { title: DOCX_TITLE });
  // Both at once: the pipeline archives them side by side.
  const [word, calc] = [
    await upload(docx, 'تعميم المخصصات.docx'),
    await upload(xlsxFile(['الميزانية', 'المشتريات'], { title: 'جدول المشتريات' }), 'جدول.xlsx'),
  ];
  expect([word.status, calc.status]).toEqual([202, 202]);
  [doc, sheet] = (await Promise.all([server!.waitFor(word.body.id), server!.waitFor(calc.body.id)])) as [
    typeof doc,
    DocumentJson,
  ];
});

afterAll(async () => {
  await server?.stop();
});

test('a .docx with Arabic text is archived with its own text (no OCR) and its own title', () => {
  expect(doc.error).toBeNull();
  expect(doc.status).toBe('archived');
  expect(doc.title).toBe(DOCX_TITLE);
  expect(doc.textLayer).toBe(true);
  expect(doc.pageCount).toBe(1);
  // The document's own text, exactly, not a reading of its picture.
  expect(doc.pages[0]!.confidence).toBe(100);
  const text = normalizeArabic(doc.pages[0]!.text);
  for (const word of ['مديري', 'المدارس', 'المخصصات', 'الماليه', 'الشهر']) expect(text).toContain(word);
});

test('an Arabic word of its text finds it, typed with or without hamza', async () => {
  // With lam-alef (لا) too: the page reads «الابتدائية» as written, so its hit marks the word.
  for (const q of ['المخصصات المالية', 'الى السادة', 'الابتدائية']) {
    const body = (await (await server!.api(`/api/v1/search?q=${encodeURIComponent(q)}`)).json()) as {
      hits: Array<{ id: string; page: number; snippet: string }>;
    };
    const hit = body.hits.find((h) => h.id === doc.id);
    expect(hit).toMatchObject({ page: 1 });
    expect(hit!.snippet).toContain(`<mark>${q.split(' ').pop()}</mark>`);
  }
});

test('its original is the .docx, byte for byte; the PDF is kept beside it as a rendition; the archive PDF holds the page', async () => {
  expect(doc.sha256.original).toBe(sha256(docx));
  expect(doc.originalSize).toBe(docx.length);
  expect(doc.originals).toEqual([
    expect.objectContaining({ n: 1, mime: expect.stringContaining('wordprocessingml'), pages: 0 }),
    expect.objectContaining({ n: 2, mime: 'application/pdf', pages: 1, rendition: true }),
  ]);
  const original = await server!.api(`/api/v1/documents/${doc.id}/original`);
  expect(original.status).toBe(200);
  expect(original.headers.get('content-type')).toContain('wordprocessingml');
  expect(original.headers.get('content-disposition')).toContain(encodeURIComponent('تعميم المخصصات.docx'));
  expect(sha256(Buffer.from(await original.arrayBuffer()))).toBe(sha256(docx));
  const rendition = await server!.api(`/api/v1/documents/${doc.id}/original?part=2`);
  expect(
    Buffer.from(await rendition.arrayBuffer())
      .subarray(0, 5)
      .toString('latin1'),
  ).toBe('%PDF-');
  const archive = await server!.api(`/api/v1/documents/${doc.id}/archive.pdf`);
  expect(archive.status).toBe(200);
  const pdf = Buffer.from(await archive.arrayBuffer());
  expect(sha256(pdf)).toBe(doc.sha256.archive);
  expect((await PDFDocument.load(pdf)).getPageCount()).toBe(1);
});

test('the same .docx again is a duplicate of it', async () => {
  const { status, body } = await upload(docx, 'نسخة.docx');
  expect(status).toBe(200);
  expect(body).toMatchObject({ id: doc.id, duplicate: true });
});

test('an .xlsx converts too, its cells its text', () => {
  expect(sheet).toMatchObject({ status: 'archived', error: null, pageCount: 1 });
  expect(normalizeArabic(sheet.pages.map((p) => p.text).join(' '))).toContain('المشتريات');
});

test('a macro-laden file and a broken one are refused over HTTP with their codes, and nothing is registered', async () => {
  const before = await documentCount();
  const macros = await upload(docxFile(['نص'], { macros: true }), 'كتاب.docm');
  expect(macros).toMatchObject({ status: 422, body: { error: 'office_macros' } });
  const broken = await upload(docx.subarray(0, docx.length - 40), 'تالف.docx');
  expect(broken).toMatchObject({ status: 422, body: { error: 'office_unreadable' } });
  // A whole package LibreOffice cannot load: it writes no PDF.
  const garbage = zipFile([
    { name: '[Content_Types].xml', data: '<Types' },
    { name: 'word/document.xml', data: 'garbage<<<' },
  ]);
  expect(await upload(garbage, 'فاسد.docx')).toMatchObject({ status: 422, body: { error: 'office_unreadable' } });
  expect(await documentCount()).toBe(before);
});

test('a conversion past its time or memory limit is ended, its whole process group with it: office_timeout', async () => {
  const input = path.join(os.tmpdir(), `office-timeout-${process.pid}.docx`);
  fs.writeFileSync(input, docx);
  try {
    const started = Date.now();
    await expect(convertToPdf(input, 'docx', { ...OFFICE_DEFAULTS, timeoutMs: 300 })).rejects.toMatchObject({
      code: 'office_timeout',
      details: { reason: 'time' },
    });
    expect(Date.now() - started).toBeLessThan(5000);
    // Too little memory for LibreOffice to start: the same code, saying why.
    await expect(convertToPdf(input, 'docx', { ...OFFICE_DEFAULTS, memoryMb: 150 })).rejects.toMatchObject({
      code: 'office_timeout',
      details: { reason: 'memory' },
    });
    // No LibreOffice of this process is left running, and its working folder is gone.
    const running = fs
      .readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .map((p) => {
        try {
          return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8');
        } catch {
          return '';
        }
      })
      .filter((cmd) => cmd.includes(`diwan-work-${OWNER}-`));
    expect(running).toEqual([]);
    expect(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(`diwan-work-${OWNER}-`))).toEqual([]);
  } finally {
    fs.rmSync(input, { force: true });
  }
});

test('pictures a document only links to, on a web address or in a local file, are never fetched into its PDF', async () => {
  const asked: string[] = [];
  const web = http.createServer((req, res) => {
    asked.push(req.url ?? '');
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-office-links-'));
  try {
    // A local file a linked picture would draw into the PDF, its words with it.
    const secret = path.join(dir, 'secret.svg');
    fs.writeFileSync(
      secret,
      '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="60"><text x="5" y="40" font-size="30">LEAKEDMARKER</text></svg>',
    );
    const input = path.join(dir, 'linked.docx');
    const port = (web.address() as AddressInfo).port;
    const links = [`http://127.0.0.1:${port}/x.png`, pathToFileURL(secret).href];
    fs.writeFileSync(input, docxFile(['كتاب بصورتين مرتبطتين'], { linkedPictures: links }));
    const converted = await convertToPdf(input, 'docx');
    try {
      const { text } = await pdfPageText(converted.pdf, 0);
      expect(text).toContain('مرتبطتين');
      expect(text).not.toContain('LEAKEDMARKER');
    } finally {
      converted.dispose();
    }
    expect(asked).toEqual([]);
  } finally {
    web.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('diwan doctor names LibreOffice and its version, or warns that Office files will be refused', async () => {
  const check = async (extra: NodeJS.ProcessEnv) => {
    const { out } = await runCliWith({ ...env, ...extra }, ['doctor', '--json']);
    return (JSON.parse(out) as Check[]).find((c) => c.name === 'LibreOffice');
  };
  const network = (await networkIsolation()) ? 'conversions run without network' : 'conversions run with the network';
  expect(await check({})).toMatchObject({
    state: 'ok',
    detail: expect.stringMatching(new RegExp(`LibreOffice \\d+\\.\\d+.*; ${network}`)),
  });
  expect(await check({ DIWAN_SOFFICE: '/nonexistent/soffice' })).toMatchObject({
    state: 'warn',
    detail: expect.stringContaining('office_unavailable'),
  });
});

test('a BagIt transfer carries the .docx as the original and the PDF as its rendition, each with its fingerprint', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-office-bag-'));
  try {
    const res = await runCli(server!, ['export', 'bagit', out, '--ids', doc.id, '--recipient', 'المحفوظات الوطنية', '--json']);
    expect(res.code).toBe(0);
    const { bag } = JSON.parse(res.out) as { bag: string };
    // The incoming book's numbers are "year/seq", its folder data/incoming/<year>/<seq>/.
    const dir = path.join(bag, 'data', 'incoming', ...doc.registryNo.split('/'));
    expect(fs.readdirSync(dir).sort()).toEqual([
      'archive.pdf',
      'dc.xml',
      'metadata.json',
      'original.docx',
      'rendition.pdf',
      'text.txt',
    ]);
    expect(sha256(fs.readFileSync(path.join(dir, 'original.docx')))).toBe(sha256(docx));
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'metadata.json'), 'utf8')) as {
      files: Array<{ path: string; role: string }>;
    };
    expect(meta.files.map((f) => [f.path, f.role])).toEqual([
      ['original.docx', 'original'],
      ['rendition.pdf', 'rendition'],
      ['archive.pdf', 'archive'],
      ['text.txt', 'text'],
    ]);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test('restored from the offsite bucket alone, the document is again an Office original of 0 pages and its PDF rendition', async () => {
  expect((await runCli(server!, ['audit', 'checkpoint', '--json'])).code).toBe(0);
  await server!.stop();
  server = undefined;
  const restored = await restoreTarget(env, 'restored');
  const { code, out } = await runCliWith(restored, ['restore', '--from', 'offsite', '--json']);
  expect((JSON.parse(out) as { problems: string[] }).problems).toEqual([]);
  expect(code).toBe(0);
  const c = new pg.Client({ connectionString: restored.DATABASE_OWNER_URL! });
  await c.connect();
  try {
    const parts = await c.query('SELECT n, ext, page_count, rendition FROM document_parts WHERE document_id = $1 ORDER BY n', [
      doc.id,
    ]);
    expect(parts.rows).toEqual([
      { n: 1, ext: 'docx', page_count: 0, rendition: false },
      { n: 2, ext: 'pdf', page_count: 1, rendition: true },
    ]);
  } finally {
    await c.end();
  }
});
