/**
 * The whole path on real services: upload an Arabic scan, find it by an
 * Arabic word, download what was archived and check every fingerprint, on the
 * primary and on the offsite copy.
 */
import { PDFDocument } from 'pdf-lib';
import pg from 'pg';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { normalizeArabic } from '../search/normalize';
import { createDb } from '../storage/db';
import { ledgerForDocument, verifyLedgerChain } from '../storage/integrity/ledger';
import { createObjectStore } from '../storage/objectStore';
import { sha256, startTestServer, type DocumentJson, type TestServer } from './helpers';

const LINES = ['وزارة العمل', 'قرار إداري بشأن تنظيم الأرشيف الإلكتروني', 'يعتمد الديوان حفظ المراسلات الواردة والصادرة'];

let server: TestServer;
let scan: Buffer;
let doc: DocumentJson;

beforeAll(async () => {
  server = await startTestServer();
  scan = await renderArabicScan(LINES, { seed: 7 });
  const res = await server.upload(scan, 'قرار إداري ١٢.jpg', {
    title: 'قرار تنظيم الأرشيف',
    docType: 'decision',
    department: 'الشؤون الإدارية',
  });
  expect(res.status).toBe(202);
  const body = (await res.json()) as { id: string; registryNo: string; status: string };
  expect(body.registryNo).toMatch(/^\d{4}\/\d{6}$/);
  doc = await server.waitFor(body.id);
});

afterAll(async () => {
  await server?.stop();
});

test('the scan is archived with its text read in Arabic', () => {
  expect(doc.error).toBeNull();
  expect(doc.status).toBe('archived');
  expect(doc.pageCount).toBe(1);
  expect(doc.originalName).toBe('قرار إداري ١٢.jpg');
  expect(doc.registryNoAr).toMatch(/^[٠-٩]{4}\/[٠-٩]{6}$/);
  const text = normalizeArabic(doc.pages[0]!.text);
  for (const word of ['وزاره', 'العمل', 'الارشيف', 'الديوان', 'المراسلات']) expect(text).toContain(word);
  expect(doc.pages[0]!.confidence).toBeGreaterThan(60);
});

test('an Arabic word finds it, typed with or without hamza', async () => {
  for (const q of ['الأرشيف', 'الارشيف', 'المراسلات الواردة']) {
    const res = await server.api(`/api/v1/search?q=${encodeURIComponent(q)}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      total: number;
      hits: Array<{ id: string; registryNo: string; page: number; title: string; snippet: string }>;
    };
    expect(body.hits.map((h) => h.id)).toContain(doc.id);
    const hit = body.hits.find((h) => h.id === doc.id)!;
    expect(hit).toMatchObject({ registryNo: doc.registryNo, page: 1, title: 'قرار تنظيم الأرشيف' });
    expect(hit.snippet.length).toBeGreaterThan(0);
  }
  const none = (await (await server.api(`/api/v1/search?q=${encodeURIComponent('زراعة الفضاء')}`)).json()) as { hits: unknown[] };
  expect(none.hits).toHaveLength(0);
});

test('the original downloads byte for byte', async () => {
  const res = await server.api(`/api/v1/documents/${doc.id}/original`);
  expect(res.status).toBe(200);
  const body = Buffer.from(await res.arrayBuffer());
  expect(sha256(body)).toBe(sha256(scan));
  expect(doc.sha256.original).toBe(sha256(scan));
  expect(res.headers.get('content-disposition')).toContain(encodeURIComponent('قرار إداري ١٢.jpg'));
});

test('the archive PDF downloads, its SHA-256 is the recorded one, and it holds the page', async () => {
  const res = await server.api(`/api/v1/documents/${doc.id}/archive.pdf`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/pdf');
  const pdf = Buffer.from(await res.arrayBuffer());
  expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  expect(sha256(pdf)).toBe(doc.sha256.archive);
  const parsed = await PDFDocument.load(pdf);
  expect(parsed.getPageCount()).toBe(1);
  // A4 at 200 dpi is 595 × 842 points: the scan at its size, with the stamp band above it and the footer below.
  const { width, height } = parsed.getPage(0).getSize();
  expect(Math.round(width)).toBe(595);
  expect(height).toBeGreaterThan(842 + 20 + 60);
});

test('the offsite bucket holds a verified copy of every file', async () => {
  const offsite = createObjectStore('offsite', server.core.config.offsite!, undefined, server.core.keys);
  const primary = createObjectStore('primary', server.core.config.s3!, undefined, server.core.keys);
  const stored = await primary.list(`documents/${doc.registryNo.replace('/', '/')}/`);
  expect(stored.length).toBeGreaterThanOrEqual(5); // original, archive.pdf, ocr.json, page image, manifest.json
  expect(doc.replicas.map((r) => r.key).sort()).toEqual(stored.sort());
  for (const r of doc.replicas) {
    const copy = await offsite.hash(r.key);
    const source = await primary.hash(r.key);
    expect(copy.sha256).toBe(source.sha256);
    expect(r.sha256).toBe(source.sha256);
  }
  const archiveKey = stored.find((k) => k.endsWith('/archive.pdf'))!;
  expect((await offsite.hash(archiveKey)).sha256).toBe(doc.sha256.archive);
});

test('the manifest describes the document and fingerprints every file', async () => {
  const primary = createObjectStore('primary', server.core.config.s3!, undefined, server.core.keys);
  const prefix = `documents/${doc.registryNo}/`;
  const manifest = JSON.parse((await primary.getBuffer(`${prefix}manifest.json`)).toString('utf8')) as {
    registryNo: string;
    sha256: { original: string; archivePdf: string };
    files: Array<{ path: string; sha256: string }>;
  };
  expect(manifest.registryNo).toBe(doc.registryNo);
  expect(manifest.sha256).toEqual({ original: doc.sha256.original, archivePdf: doc.sha256.archive });
  const paths = manifest.files.map((f) => f.path).sort();
  expect(paths).toEqual(['archive.pdf', 'ocr.json', 'original.jpg', 'pages/0001.webp']);
  for (const f of manifest.files) expect((await primary.hash(`${prefix}${f.path}`)).sha256).toBe(f.sha256);
});

test('the ledger chains registration, stamping, archiving, indexing, replication and each download, and refuses to be rewritten', async () => {
  const db = createDb(server.core.config.databaseUrl!, 2);
  try {
    // Reading the text is evidence too (#16): one 'viewed' entry, whenever the test's wait first read it.
    const all = await ledgerForDocument(db, doc.id);
    expect(all.filter((e) => e.event === 'viewed')).toHaveLength(1);
    const entries = all.filter((e) => e.event !== 'viewed');
    expect(entries.map((e) => e.event)).toEqual([
      'registered',
      'stamped',
      'archived',
      'indexed',
      'replicated',
      'downloaded',
      'downloaded',
    ]);
    expect(entries.find((e) => e.event === 'stamped')!.payload.archiveSha256).toBe(doc.sha256.archive);
    expect(entries.filter((e) => e.event === 'downloaded').map((e) => e.payload.sha256)).toEqual([
      doc.sha256.original,
      doc.sha256.archive,
    ]);
    expect(entries.find((e) => e.event === 'downloaded')!.payload.by).toBe('administrator token');
    // The eighth entry is the encryption key's first use ('key-rotated').
    expect(await verifyLedgerChain(db)).toEqual({ entries: 9, brokenAt: null });
    // The archive's own role may only add: the database refuses anything else.
    await expect(db.query(`UPDATE ledger SET event = 'x'`)).rejects.toThrow(/permission denied/);
    await expect(db.query('DELETE FROM ledger')).rejects.toThrow(/permission denied/);
    await expect(db.query('TRUNCATE ledger')).rejects.toThrow(/permission denied/);
  } finally {
    await db.end();
  }
  // Even the schema's owner is refused by the ledger's triggers.
  const owner = createDb(server.core.config.databaseOwnerUrl!, 1);
  try {
    await expect(owner.query(`UPDATE ledger SET event = 'x'`)).rejects.toThrow(/append-only/);
    await expect(owner.query('DELETE FROM ledger')).rejects.toThrow(/append-only/);
    await expect(owner.query('TRUNCATE ledger')).rejects.toThrow(/append-only/);
    expect((await owner.query('SELECT count(*)::int AS n FROM ledger')).rows[0].n).toBe(9);
  } finally {
    await owner.end();
  }
});

test('the same scan again is a duplicate naming the first registry number', async () => {
  const res = await server.upload(scan, 'copy.jpg');
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ id: doc.id, registryNo: doc.registryNo, duplicate: true });
  const c = new pg.Client({ connectionString: server.core.config.databaseUrl });
  await c.connect();
  const n = await c.query('SELECT count(*)::int AS n FROM documents');
  await c.end();
  expect(n.rows[0].n).toBe(1);
});
