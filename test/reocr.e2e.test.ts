/**
 * Reading a document again with other settings: a new text version, kept
 * beside the first, stored write-once and offsite, recorded in the ledger and
 * searchable; the original, its registry number and the archive PDF do not
 * change. Through the API and the CLI.
 */
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { main } from '../src/cli/main';
import { createDb } from '../storage/db';
import { keys } from '../storage/layout';
import { ledgerForDocument, verifyLedgerChain } from '../storage/integrity/ledger';
import { createObjectStore } from '../storage/objectStore';
import { startTestServer, TOKEN, type DocumentJson, type TestServer } from './helpers';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.stop();
});

interface Versions {
  current: number;
  versions: Array<{
    version: number;
    status: string;
    settings: Record<string, unknown>;
    reason: string | null;
    ocrSha256: string | null;
    current: boolean;
  }>;
}

async function versions(id: string): Promise<Versions> {
  return (await (await server.api(`/api/v1/documents/${id}/text-versions`)).json()) as Versions;
}

async function waitForVersion(id: string, version: number): Promise<Versions> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const v = await versions(id);
    if (v.versions.find((x) => x.version === version)?.status !== 'queued') return v;
    if (Date.now() > deadline) throw new Error(`version ${version} of ${id} still queued`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

const post = (id: string, body: unknown) =>
  server.api(`/api/v1/documents/${id}/reocr`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });

test('a re-reading is a new text version: original, registry number and archive PDF untouched, ledger and offsite copy added', async () => {
  const scan = await renderArabicScan(['ديوان الوزارة', 'طلب إجازة سنوية', 'رقم القيد: ٢٠٢٦/٠٣٧'], {
    seed: 81,
    width: 1200,
    height: 800,
  });
  const { id } = (await (await server.upload(scan, 'طلب.jpg')).json()) as { id: string };
  const before = await server.waitFor(id);
  expect(before.status).toBe('archived');
  expect((await versions(id)).versions).toEqual([expect.objectContaining({ version: 1, status: 'done', current: true })]);

  const bad = await post(id, { layout: 'sideways' });
  expect(bad.status).toBe(400);

  const queued = await post(id, { layout: 'sparse', reason: 'الصفحة الأولى غير مقروءة' });
  expect(queued.status).toBe(202);
  expect(await queued.json()).toMatchObject({ version: 2, status: 'queued', settings: { layout: 'sparse' } });
  const after = await waitForVersion(id, 2);
  expect(after.current).toBe(2);
  expect(after.versions.map((v) => [v.version, v.status, v.current])).toEqual([
    [1, 'done', false],
    [2, 'done', true],
  ]);
  expect(after.versions[1]!.reason).toBe('الصفحة الأولى غير مقروءة');

  const doc = (await (await server.api(`/api/v1/documents/${id}`)).json()) as DocumentJson & { textVersion: number };
  expect(doc.textVersion).toBe(2);
  expect(doc.registryNo).toBe(before.registryNo);
  expect(doc.sha256.original).toBe(before.sha256.original);
  expect(doc.sha256.archive).toBe(before.sha256.archive);
  expect(doc.sha256.manifest).toBe(before.sha256.manifest);
  expect(doc.sha256.ocr).toBe(after.versions[1]!.ocrSha256);
  expect(doc.sha256.ocr).not.toBe(before.sha256.ocr);
  expect(doc.pages[0]!.text).toContain('إجازة');

  // The new text file is stored on both sides with the recorded fingerprint; the first one is still there.
  const key = keys.ocrJsonVersion({ year: Number(doc.registryNo.slice(0, 4)), seq: Number(doc.registryNo.slice(5)) }, 2);
  const primary = createObjectStore('primary', server.core.config.s3!, undefined, server.core.keys);
  const offsite = createObjectStore('offsite', server.core.config.offsite!, undefined, server.core.keys);
  expect((await primary.hash(key)).sha256).toBe(doc.sha256.ocr);
  expect((await offsite.hash(key)).sha256).toBe(doc.sha256.ocr);
  const stored = JSON.parse((await primary.getBuffer(key)).toString('utf8')) as {
    textVersion: { version: number; settings: unknown };
  };
  expect(stored.textVersion).toMatchObject({ version: 2, settings: { layout: 'sparse' } });
  expect(doc.replicas.map((r) => r.key)).toContain(key);

  const db = createDb(server.core.config.databaseUrl!, 2);
  try {
    const entries = await ledgerForDocument(db, id);
    const reocr = entries.filter((e) => e.event === 'reocr');
    expect(reocr).toHaveLength(1);
    expect(reocr[0]!.payload).toMatchObject({
      version: 2,
      previousVersion: 1,
      ocrSha256: doc.sha256.ocr,
      settings: { layout: 'sparse' },
    });
    expect((await verifyLedgerChain(db)).brokenAt).toBeNull();
    // Earlier readings are kept by the database itself.
    await expect(db.query('DELETE FROM page_texts WHERE document_id = $1', [id])).rejects.toThrow(/permission denied/);
    const owner = createDb(server.core.config.databaseOwnerUrl!, 1);
    await expect(owner.query('DELETE FROM page_texts WHERE document_id = $1', [id]))
      .rejects.toThrow(/kept/)
      .finally(() => owner.end());
    const kept = await db.query('SELECT version FROM page_texts WHERE document_id = $1 ORDER BY version', [id]);
    expect(kept.rows.map((r: { version: number }) => r.version)).toEqual([1, 2]);
  } finally {
    await db.end();
  }

  // The index follows the current text.
  const hits = (await (await server.api(`/api/v1/search?q=${encodeURIComponent('اجازه')}`)).json()) as {
    hits: Array<{ id: string }>;
  };
  expect(hits.hits.map((h) => h.id)).toContain(id);
});

test('the CLI queues a re-reading and waits for it; a second request while one is queued is refused', async () => {
  const scan = await renderArabicScan(['مديرية الشؤون الإدارية', 'تعميم بشأن الدوام'], { seed: 82, width: 1200, height: 700 });
  const { id } = (await (await server.upload(scan, 'تعميم.jpg')).json()) as { id: string };
  await server.waitFor(id);
  const env = { DIWAN_URL: server.url, DIWAN_TOKEN: TOKEN };
  const saved = { ...process.env };
  Object.assign(process.env, env);
  const out: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  try {
    expect(await main(['reocr', id, '--layout', 'block', '--wait', '--json'])).toBe(0);
  } finally {
    write.mockRestore();
    process.env = saved;
  }
  expect(JSON.parse(out.join(''))).toMatchObject({ version: 2, status: 'done', settings: { layout: 'block' } });

  expect((await post(id, {})).status).toBe(202);
  // Reading a page takes seconds: the first request is still queued when the second arrives.
  const again = await post(id, {});
  expect(again.status).toBe(409);
  expect(((await again.json()) as { error: string }).error).toBe('reocr_pending');
  const done = await waitForVersion(id, 3);
  expect(done.current).toBe(3);
});
