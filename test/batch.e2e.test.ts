/**
 * A clerk's batch: a multi-page TIFF, a born-digital PDF, a scanned PDF,
 * JPEG/PNG/WebP pages and a dozen kinds of bad file, in one request. Every good
 * file is archived with the right page count and text; every bad one is
 * rejected with its own code, in Arabic and English; nothing else is affected.
 */
import sharp from 'sharp';
import pg from 'pg';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { badFiles, type BadFile } from '../scripts/fixtures/badFiles';
import { BORN_DIGITAL_PAGES, bornDigitalPdf, corruptPdf, encryptedPdf, pdfBomb, scannedPdf } from '../scripts/fixtures/pdfs';
import { normalizeArabic } from '../search/normalize';
import { isolatedEnv, sha256, startTestServer, type DocumentJson, type TestServer } from './helpers';

let server: TestServer;

interface FileView {
  id: string;
  name: string;
  status: string;
  documentId: string | null;
  registryNo: string | null;
  pageCount: number | null;
  error: { code: string; message: string; messageEn: string } | null;
}

interface BatchJson {
  id: string;
  counts: Record<string, number>;
  pages: number;
  done: boolean;
  files: FileView[];
}

beforeAll(async () => {
  server = await startTestServer(await isolatedEnv({ DIWAN_MAX_FILE_MB: '8' }));
});

afterAll(async () => {
  await server?.stop();
});

async function createBatch(body: Record<string, string>): Promise<string> {
  const res = await server.api('/api/v1/batches', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function sendFiles(batchId: string, files: Array<{ name: string; bytes: Buffer }>): Promise<Response> {
  const form = new FormData();
  for (const f of files) form.append('files', new Blob([f.bytes]), f.name);
  return server.api(`/api/v1/batches/${batchId}/files`, { method: 'POST', body: form });
}

async function waitForBatch(batchId: string, timeoutMs = 240_000): Promise<BatchJson> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = (await (await server.api(`/api/v1/batches/${batchId}`)).json()) as BatchJson;
    if (view.done) return view;
    if (Date.now() > deadline) throw new Error(`batch not done: ${JSON.stringify(view.counts)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function doc(id: string): Promise<DocumentJson & { originals: Array<{ n: number; sha256: string }>; textLayer: boolean }> {
  return (await (await server.api(`/api/v1/documents/${id}`)).json()) as DocumentJson & {
    originals: Array<{ n: number; sha256: string }>;
    textLayer: boolean;
  };
}

describe('a mixed batch', () => {
  let batchId: string;
  let good: Array<{ name: string; bytes: Buffer; pages: number; words: string[] }>;
  let bad: BadFile[];
  let view: BatchJson;
  const events: Array<{ event: string; data: unknown }> = [];

  beforeAll(async () => {
    const tiffPages = await Promise.all([
      renderArabicScan(['الصفحة الأولى من المحضر', 'اجتماع لجنة الموارد البشرية'], { seed: 11, format: 'png' }),
      renderArabicScan(['الصفحة الثانية من المحضر', 'توصيات اللجنة بشأن التوظيف'], { seed: 12, format: 'png' }),
    ]);
    const tiff = await sharp(tiffPages, { join: { animated: true } })
      .tiff({ compression: 'lzw' })
      .toBuffer();
    const scanned = await scannedPdf([
      await renderArabicScan(['تعميم إلى جميع المديريات', 'بخصوص ساعات الدوام الرسمي'], { seed: 13 }),
    ]);
    good = [
      { name: 'محضر اجتماع.tif', bytes: tiff, pages: 2, words: ['المحضر', 'الموارد', 'التوظيف'] },
      { name: 'قرار رقمي.pdf', bytes: await bornDigitalPdf(), pages: 2, words: ['ministry', 'labour', 'decision', 'archive'] },
      { name: 'تعميم ممسوح.pdf', bytes: scanned, pages: 1, words: ['تعميم', 'المديريات', 'الدوام'] },
      {
        name: 'كتاب وارد.jpg',
        bytes: await renderArabicScan(['كتاب وارد من وزارة المالية', 'بشأن الموازنة السنوية'], { seed: 14 }),
        pages: 1,
        words: ['الماليه', 'الموازنه'],
      },
      {
        name: 'كتاب صادر.png',
        bytes: await renderArabicScan(['كتاب صادر إلى ديوان المحاسبة', 'بشأن التدقيق الداخلي'], { seed: 15, format: 'png' }),
        pages: 1,
        words: ['المحاسبه', 'التدقيق'],
      },
      {
        name: 'طلب.webp',
        bytes: await renderArabicScan(['طلب إجازة سنوية', 'مقدم من الموظف'], { seed: 16, format: 'webp' }),
        pages: 1,
        words: ['اجازه', 'سنويه'],
      },
    ];
    bad = await badFiles({ encrypted: await encryptedPdf(), corrupt: await corruptPdf(), bomb: await pdfBomb('pages') });
    bad.push({
      name: 'كبير.png',
      bytes: Buffer.concat([good[4]!.bytes, Buffer.alloc(9 * 1024 * 1024)]),
      code: 'file_too_large',
      what: 'over the size limit',
    });

    batchId = await createBatch({ name: 'دفعة الاختبار', docType: 'correspondence', department: 'الديوان' });

    // Follow progress as a clerk's browser would.
    const controller = new AbortController();
    const stream = server.api(`/api/v1/batches/${batchId}/events`, { signal: controller.signal }).then(async (res) => {
      const reader = res.body!.getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += Buffer.from(value).toString('utf8');
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (ev && data) events.push({ event: ev, data: JSON.parse(data) });
        }
      }
    });

    // Good and bad files interleaved in one request.
    const mixed = good.flatMap((g, i) => [g, ...bad.slice(i * 2, i * 2 + 2)]).concat(bad.slice(good.length * 2));
    const res = await sendFiles(batchId, mixed);
    expect(res.status).toBe(202);
    view = await waitForBatch(batchId);
    await stream.catch(() => undefined);
    controller.abort();
  }, 300_000);

  test('every good file is archived with its page count and its words', async () => {
    for (const g of good) {
      const f = view.files.find((x) => x.name === g.name)!;
      expect({ name: f.name, status: f.status, error: f.error }).toEqual({ name: g.name, status: 'archived', error: null });
      expect(f.registryNo).toMatch(/^\d{4}\/\d{6}$/);
      const d = await doc(f.documentId!);
      expect(d.pageCount).toBe(g.pages);
      expect(d.pages).toHaveLength(g.pages);
      expect(d.sha256.original).toBe(sha256(g.bytes));
      const text = normalizeArabic(d.pages.map((p) => p.text).join(' '));
      for (const w of g.words) expect(text).toContain(normalizeArabic(w));
    }
  });

  test('the good files are numbered in the order they were sent, though each was checked before its turn', () => {
    // Each file's pages are checked while the file before it is stored; registration still goes in upload order.
    const numbers = good.map((g) => view.files.find((x) => x.name === g.name)!.registryNo!);
    const sequence = numbers.map((r) => Number(r.split('/')[1]));
    expect(sequence).toEqual([...sequence].sort((a, b) => a - b));
    expect(new Set(sequence).size).toBe(good.length);
  });

  test('the born-digital PDF keeps its own text layer, Arabic in logical order', async () => {
    const f = view.files.find((x) => x.name === 'قرار رقمي.pdf')!;
    const d = await doc(f.documentId!);
    expect(d.textLayer).toBe(true);
    expect(d.pages.every((p) => p.confidence === 100)).toBe(true);
    for (const [i, page] of BORN_DIGITAL_PAGES.entries()) {
      const text = normalizeArabic(d.pages[i]!.text);
      for (const line of page.arabic) expect(text).toContain(normalizeArabic(line));
    }
  });

  test('every bad file is rejected with its own code, in Arabic and English', () => {
    for (const b of bad) {
      const f = view.files.find((x) => x.name === b.name);
      expect({ what: b.what, status: f?.status, code: f?.error?.code }).toEqual({
        what: b.what,
        status: 'rejected',
        code: b.code,
      });
      expect(f!.error!.message).toMatch(/[\u0600-\u06FF]/);
      expect(f!.error!.messageEn).toMatch(/[A-Za-z]/);
      expect(f!.documentId).toBeNull();
    }
  });

  test('counts add up, and only good files became documents', async () => {
    expect(view.counts).toMatchObject({
      total: good.length + bad.length,
      archived: good.length,
      rejected: bad.length,
      failed: 0,
    });
    expect(view.pages).toBe(good.reduce((n, g) => n + g.pages, 0));
    const c = new pg.Client({ connectionString: server.core.config.databaseUrl });
    await c.connect();
    const n = (await c.query('SELECT count(*)::int AS n FROM documents WHERE batch_id = $1', [batchId])).rows[0].n as number;
    await c.end();
    expect(n).toBe(good.length);
  });

  test('progress was streamed as events, ending in done', () => {
    const names = events.map((e) => e.event);
    expect(names).toContain('batch');
    expect(names).toContain('file');
    expect(names[names.length - 1]).toBe('done');
    const archived = events.filter((e) => e.event === 'file' && (e.data as FileView).status === 'archived');
    expect(archived.length).toBe(good.length);
  });

  test('the server is still up and the same files again are duplicates naming the first numbers', async () => {
    expect((await server.api('/healthz')).status).toBe(200);
    const again = await createBatch({ name: 'إعادة' });
    const res = await sendFiles(again, good.slice(0, 2));
    const body = (await res.json()) as { files: Array<{ status: string; registryNo: string }> };
    const first = good.slice(0, 2).map((g) => view.files.find((f) => f.name === g.name)!.registryNo);
    expect(body.files.map((f) => [f.status, f.registryNo])).toEqual(first.map((r) => ['duplicate', r]));
  });
});

test('a batch of pages becomes one document when sealed', async () => {
  const batchId = await createBatch({ name: 'ملف موظف', mode: 'pages', title: 'ملف الموظف أحمد' });
  const pages = await Promise.all([
    renderArabicScan(['الصفحة الأولى: بيانات الموظف'], { seed: 21 }),
    renderArabicScan(['الصفحة الثانية: المؤهلات العلمية'], { seed: 22 }),
  ]);
  const res = await sendFiles(batchId, [
    { name: '1.jpg', bytes: pages[0]! },
    { name: '2.jpg', bytes: pages[1]! },
    { name: 'bad.jpg', bytes: Buffer.from('not a page') },
  ]);
  const body = (await res.json()) as { files: Array<{ status: string; error: { code: string } | null }> };
  expect(body.files.map((f) => f.status)).toEqual(['queued', 'queued', 'rejected']);
  const seal = await server.api(`/api/v1/batches/${batchId}/seal`, { method: 'POST' });
  expect(seal.status).toBe(202);
  const sealed = (await seal.json()) as { id: string; pageCount: number };
  expect(sealed.pageCount).toBe(2);
  const d = await server.waitFor(sealed.id);
  expect(d.status).toBe('archived');
  const full = await doc(sealed.id);
  expect(full.originals.map((o) => o.sha256)).toEqual(pages.map(sha256));
  expect(normalizeArabic(full.pages[0]!.text)).toContain('بيانات');
  expect(normalizeArabic(full.pages[1]!.text)).toContain('الموهلات'); // المؤهلات, normalised
  const view = await waitForBatch(batchId);
  expect(view.files.filter((f) => f.status === 'archived').map((f) => f.documentId)).toEqual([sealed.id, sealed.id]);
  // Part two of the original downloads byte for byte.
  const part2 = Buffer.from(await (await server.api(`/api/v1/documents/${sealed.id}/original?part=2`)).arrayBuffer());
  expect(sha256(part2)).toBe(sha256(pages[1]!));
  // Sealed means sealed: a late page is refused, a second seal too.
  const late = (await (await sendFiles(batchId, [{ name: '3.jpg', bytes: pages[0]! }])).json()) as typeof body;
  expect(late.files.map((f) => [f.status, f.error?.code])).toEqual([['rejected', 'bad_request']]);
  expect((await server.api(`/api/v1/batches/${batchId}/seal`, { method: 'POST' })).status).toBe(400);

  // The same pages in another batch, sealed: the existing document, and that batch is done too.
  const again = await createBatch({ name: 'نسخة ثانية', mode: 'pages' });
  await sendFiles(again, [
    { name: 'a.jpg', bytes: pages[0]! },
    { name: 'b.jpg', bytes: pages[1]! },
  ]);
  const dup = await server.api(`/api/v1/batches/${again}/seal`, { method: 'POST' });
  expect(dup.status).toBe(200);
  expect(await dup.json()).toMatchObject({ id: sealed.id, duplicate: true });
  const againView = await waitForBatch(again, 10_000);
  expect(againView.files.map((f) => [f.status, f.documentId])).toEqual([
    ['duplicate', sealed.id],
    ['duplicate', sealed.id],
  ]);
});
