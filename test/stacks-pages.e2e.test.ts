/**
 * A folder of pages is a stack too, on the real services: a batch of seven page images with a separator sheet
 * and a label, sealed, becomes two letters (the second numbered by its label) and the separator's row says it
 * was taken out; pages as they came stay one document, a label on its first page read all the same; the fronts
 * and the backs of two one-sided passes, in two files, become one document in the order written (an odd count
 * refused, the batch opened again); and a seal that stops after its first letter is finished by the sweep
 * without registering a letter twice.
 */
import { scannedPdf } from '../scripts/fixtures/pdfs';
import { letterPage, PAGE, separatorPage } from '../scripts/fixtures/stackScans';
import { sealPagesBatch } from '../ingest/intake/accept';
import { sweepUnfinished } from '../ingest/intake/sweep';
import { labelCode } from '../ingest/intake/sheetCodes';
import { registryNo, type RegistryRef } from '../kernel/registry';
import { acceptDeps } from '../src/runtime/core';
import type { BatchRecord } from '../storage/repos/batches';
import { allocateLabels } from '../storage/repos/labels';
import { isolatedEnv, sha256, startTestServer, type TestServer } from './helpers';

jest.setTimeout(180_000);

interface Row {
  seq: number;
  name: string;
  status: string;
  documentId: string | null;
  registryNo: string | null;
  pageCount: number | null;
  kind: string;
  notes: { pages?: number[]; label?: string; separators?: number; blankPages?: number } | null;
}
interface BatchView extends BatchRecord {
  files: Row[];
  pages: number;
  intake: { separators: number; blankPages: number; labelsUsed: number };
}

let server: TestServer;
let label: Required<RegistryRef>;
/** Letter A's three pages, letter B's three (a label on the first), a separator sheet. */
let a: Buffer[];
let b: Buffer[];
let sep: Buffer;

beforeAll(async () => {
  // The door only: no pipeline runs behind it.
  server = await startTestServer(await isolatedEnv({ DIWAN_INPROCESS_WORKERS: 'false' }));
  [label] = (await allocateLabels(server.core.db, { register: 'incoming', count: 1, by: null })) as [Required<RegistryRef>];
  const page = (n: number, extra: { label?: string } = {}) =>
    letterPage([`الصفحة ${n} من كتاب الديوان`, 'بشأن حفظ السجلات'], { seed: 50 + n, ...extra });
  const made = await Promise.all([page(1), page(2), page(3), page(4, { label: labelCode(label) }), page(5), page(6)]);
  a = made.slice(0, 3);
  b = made.slice(3);
  sep = await separatorPage({ seed: 59 });
});

afterAll(async () => {
  await server?.stop();
});

async function createBatch(body: Record<string, string>): Promise<BatchRecord> {
  const res = await server.api('/api/v1/batches', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ mode: 'pages', ...body }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as BatchRecord;
}

async function send(batchId: string, files: Array<[string, Buffer]>): Promise<void> {
  const form = new FormData();
  for (const [name, bytes] of files) form.append('files', new Blob([bytes]), name);
  const res = await server.api(`/api/v1/batches/${batchId}/files`, { method: 'POST', body: form });
  expect(res.status).toBe(202);
  expect(((await res.json()) as { files: Row[] }).files.every((f) => f.status === 'queued')).toBe(true);
}

const view = async (batchId: string) => (await (await server.api(`/api/v1/batches/${batchId}`)).json()) as BatchView;
const originals = async (id: string) =>
  ((await (await server.api(`/api/v1/documents/${id}`)).json()) as { originals: Array<{ sha256: string }> }).originals;
const jpegs = (names: string, pages: Buffer[]) => pages.map((p, i): [string, Buffer] => [`${names}-${i + 1}.jpg`, p]);

test('seven page images with a separator and a label, sealed: two letters, the second numbered by its label', async () => {
  const batch = await createBatch({ name: 'صفحات الماسح' });
  await send(batch.id, [...jpegs('a', a), ['فاصل.jpg', sep], ...jpegs('b', b)]);
  const seal = await server.api(`/api/v1/batches/${batch.id}/seal`, { method: 'POST' });
  expect(seal.status).toBe(202);
  const first = (await seal.json()) as { id: string; pageCount: number };
  expect(first.pageCount).toBe(3);

  const v = await view(batch.id);
  const [docA, docB] = [v.files[0]!.documentId!, v.files[4]!.documentId!];
  expect(docA).toBe(first.id);
  expect(v.files.map((f) => [f.seq, f.status, f.documentId, f.pageCount, f.notes])).toEqual([
    [1, 'queued', docA, 1, { pages: [1, 2, 3] }],
    [2, 'queued', docA, 1, null],
    [3, 'queued', docA, 1, null],
    [4, 'archived', null, 0, { separators: 1 }],
    [5, 'queued', docB, 1, { pages: [5, 6, 7], label: registryNo(label) }],
    [6, 'queued', docB, 1, null],
    [7, 'queued', docB, 1, null],
  ]);
  expect(v.files[4]!.registryNo).toBe(registryNo(label));
  expect(v.files[0]!.registryNo).not.toBe(registryNo(label));
  expect(v.pages).toBe(6);
  expect(v.intake).toMatchObject({ separators: 1, blankPages: 0, labelsUsed: 1 });
  // Each letter is made of its page files as they came, byte for byte; the separator is in neither.
  expect((await originals(docA)).map((o) => o.sha256)).toEqual(a.map(sha256));
  expect((await originals(docB)).map((o) => o.sha256)).toEqual(b.map(sha256));
});

test('pages as they came stay one document whose first page’s label is read: used already, the next number and why', async () => {
  const batch = await createBatch({ name: 'صفحتان بلا فاصل' });
  await send(batch.id, [
    ['b1.jpg', b[0]!],
    ['a1.jpg', a[0]!],
  ]);
  const seal = await server.api(`/api/v1/batches/${batch.id}/seal`, { method: 'POST' });
  expect(seal.status).toBe(202);
  const sealed = (await seal.json()) as { id: string; registryNo: string };
  // The label went to the letter of the first test: this document takes the next number, and its row says why.
  expect(sealed.registryNo).not.toBe(registryNo(label));
  const v = await view(batch.id);
  expect(v.files.map((f) => [f.documentId, f.notes])).toEqual([
    [sealed.id, { label: registryNo(label), labelRefused: 'label_used' }],
    [sealed.id, null],
  ]);
  expect((await originals(sealed.id)).map((o) => o.sha256)).toEqual([b[0]!, a[0]!].map(sha256));
});

test('two passes in two files (the fronts, then the backs in reverse) become one document in the order written', async () => {
  const batch = await createBatch({ name: 'وجهان على دفعتين', duplex: 'passes' });
  // Sheet 1 is A1 with B1 on its back, sheet 2 A2/B2, sheet 3 A3/B3; the backs come out of the feeder last first.
  await send(batch.id, [
    ['fronts.pdf', await scannedPdf(a, PAGE.dpi)],
    ['backs.pdf', await scannedPdf([...b].reverse(), PAGE.dpi)],
  ]);
  const seal = await server.api(`/api/v1/batches/${batch.id}/seal`, { method: 'POST' });
  expect(seal.status).toBe(202);
  const sealed = (await seal.json()) as { id: string; pageCount: number; registryNo: string };
  expect(sealed.pageCount).toBe(6);
  // A label counts only on a letter's first page: B1 is the second here.
  expect(sealed.registryNo).not.toBe(registryNo(label));
  const v = await view(batch.id);
  expect(v.files.map((f) => [f.documentId, f.pageCount, f.notes])).toEqual([
    [sealed.id, 3, { pages: [1, 6, 2, 5, 3, 4] }],
    [sealed.id, 3, null],
  ]);
  // Each page is a PDF of its own whose scan is the page's JPEG, untouched: front 1, back 1, front 2, …
  const written = [a[0]!, b[0]!, a[1]!, b[1]!, a[2]!, b[2]!];
  expect(await originals(sealed.id)).toHaveLength(6);
  for (const [i, jpeg] of written.entries()) {
    const part = Buffer.from(await (await server.api(`/api/v1/documents/${sealed.id}/original?part=${i + 1}`)).arrayBuffer());
    expect(part.subarray(0, 5).toString()).toBe('%PDF-');
    expect(part.indexOf(jpeg)).toBeGreaterThan(0);
  }
});

test('two passes of an odd number of pages are refused at the seal, and the batch is opened again', async () => {
  const batch = await createBatch({ name: 'دفعتان ناقصتان', duplex: 'passes' });
  await send(batch.id, [['وحيدة.jpg', a[0]!]]);
  const seal = await server.api(`/api/v1/batches/${batch.id}/seal`, { method: 'POST' });
  expect(seal.status).toBe(422);
  expect(((await seal.json()) as { error: string }).error).toBe('passes_uneven');
  const v = await view(batch.id);
  expect([v.sealedAt, v.files.map((f) => [f.status, f.documentId])]).toEqual([null, [['queued', null]]]);
  // The missing back is added, and the batch sealed again.
  await send(batch.id, [['ظهر.jpg', b[0]!]]);
  expect((await server.api(`/api/v1/batches/${batch.id}/seal`, { method: 'POST' })).status).toBe(202);
});

test('a seal stopped right after its first letter is finished by the sweep, no letter registered twice', async () => {
  const batch = await createBatch({ name: 'ختم توقف' });
  await send(batch.id, [
    ['c.jpg', a[2]!],
    ['فاصل.jpg', sep],
    ['d.jpg', b[2]!],
  ]);
  // The power goes as the first letter's registration commits: nothing after it runs (not even its storing).
  const deps = acceptDeps(server.core);
  let registrations = 0;
  const stopping = {
    ...deps,
    documents: {
      ...deps.documents,
      register: async (...args: Parameters<typeof deps.documents.register>) => {
        const registered = await deps.documents.register(...args);
        if (++registrations === 1) throw new Error('the power went off');
        return registered;
      },
    },
  };
  await expect(sealPagesBatch(batch, stopping)).rejects.toThrow('the power went off');
  const stopped = await view(batch.id);
  expect(stopped.sealedAt).not.toBeNull();
  const docC = stopped.files[0]!.documentId!;
  expect(stopped.files.map((f) => [f.status, f.documentId])).toEqual([
    ['queued', docC],
    ['queued', null],
    ['queued', null],
  ]);

  await sweepUnfinished(deps);
  const done = await view(batch.id);
  expect(done.files.map((f) => [f.status, f.documentId === docC, f.documentId === null, f.notes])).toEqual([
    ['queued', true, false, { pages: [1] }],
    ['archived', false, true, { separators: 1 }],
    ['queued', false, false, { pages: [3] }],
  ]);
  const docs = await server.core.db.query<{ n: string }>('SELECT count(*) AS n FROM documents WHERE batch_id = $1', [batch.id]);
  expect(docs.rows[0]!.n).toBe('2');
  expect(registrations).toBe(1);
  // Both letters' files are stored, the first from the spool the stopped seal left it in.
  for (const [row, page] of [
    [done.files[0]!, a[2]!],
    [done.files[2]!, b[2]!],
  ] as const) {
    const original = await server.api(`/api/v1/documents/${row.documentId}/original`);
    expect(original.status).toBe(200);
    expect(sha256(Buffer.from(await original.arrayBuffer()))).toBe(sha256(page));
  }
});
