/**
 * Scanned stacks on the real services: a 12-page stack with two separator sheets and one registry label becomes
 * three documents, one numbered with the label's number, the stack itself kept whole; a label used already gives
 * the next number and says why; a duplex stack's blank backs are dropped and counted; and a server killed once
 * the stack is kept whole, then again after its first letter, loses nothing (runs `bin/diwan.js`, the built
 * dist/: `npm run build` first).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import sharp from 'sharp';
import { scannedPdf } from '../scripts/fixtures/pdfs';
import { blankBack, letterPage, PAGE, separatorPage } from '../scripts/fixtures/stackScans';
import { labelCode } from '../ingest/intake/sheetCodes';
import { registryNo, type RegistryRef } from '../kernel/registry';
import { allocateLabels } from '../storage/repos/labels';
import { isolatedEnv, sha256, startTestServer, TOKEN, type TestServer } from './helpers';

const CLI = path.resolve(__dirname, '..', 'bin', 'diwan.js');

interface Row {
  name: string;
  status: string;
  registryNo: string | null;
  documentId: string | null;
  pageCount: number | null;
  kind: string;
  partOf: string | null;
  notes: { pages?: number[]; label?: string; labelRefused?: string; separators?: number; blankPages?: number } | null;
}

let server: TestServer;
const children: ChildProcess[] = [];
let labels: Array<Required<RegistryRef>>;
/** The 12-page stack: letter A (3 pages), a separator, letter B (4, its label on the first), a separator, letter C (3). */
let stack: Buffer;
let labelledJpeg: Buffer;

beforeAll(async () => {
  // The door only: no pipeline runs behind it (the documents' own processing is tested elsewhere).
  server = await startTestServer(await isolatedEnv({ DIWAN_INPROCESS_WORKERS: 'false' }));
  // Labels 1–5 are taken from the sequence; the third is stuck on letter B.
  labels = await allocateLabels(server.core.db, { register: 'incoming', count: 5, by: null });
  const text = (n: number) => letterPage([`كتاب رقم ${n}`, 'بشأن حفظ السجلات في الديوان'], { seed: 10 + n });
  const [t1, t2, t3, t4, sep] = await Promise.all([text(1), text(2), text(3), text(4), separatorPage({ seed: 9 })]);
  labelledJpeg = await letterPage(['كتاب معنون برقم قيد', 'بشأن الأرشفة'], { seed: 20, label: labelCode(labels[2]!) });
  stack = await scannedPdf([t1!, t2!, t3!, sep!, labelledJpeg, t4!, t1!, t2!, sep!, t3!, t4!, t1!], PAGE.dpi);
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await server?.stop();
});

async function createBatch(s: TestServer | string, body: Record<string, string>): Promise<string> {
  const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  const res =
    typeof s === 'string'
      ? await fetch(`${s}/api/v1/batches`, { ...init, headers: { ...init.headers, authorization: `Bearer ${TOKEN}` } })
      : await s.api('/api/v1/batches', init);
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

function filesForm(name: string, bytes: Buffer): FormData {
  const form = new FormData();
  form.append('files', new Blob([bytes]), name);
  return form;
}

async function send(batchId: string, name: string, bytes: Buffer): Promise<Row[]> {
  const res = await server.api(`/api/v1/batches/${batchId}/files`, { method: 'POST', body: filesForm(name, bytes) });
  expect(res.status).toBe(202);
  return ((await res.json()) as { files: Row[] }).files;
}

const no = (seq: number) => registryNo({ year: labels[0]!.year, seq });

/** A new person of `role` and an API token of theirs. */
async function person(username: string, role: string): Promise<string> {
  const post = (p: string, body: unknown) =>
    server.api(p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(
    (await post('/api/v1/users', { username, role, clearance: 'internal', password: `كلمة-سر-${username}-123` })).status,
  ).toBe(201);
  const t = await post('/api/v1/tokens', { username, name: 'tests' });
  return ((await t.json()) as { token: string }).token;
}

test('a 12-page stack with two separators and one label becomes three documents, one with the label’s number', async () => {
  const batchId = await createBatch(server, { name: 'رزمة الصباح' });
  const rows = await send(batchId, 'رزمة.pdf', stack);
  expect(rows.map((r) => [r.kind, r.status, r.registryNo, r.pageCount, r.notes?.pages])).toEqual([
    ['stack', 'queued', no(6), 3, [1, 2, 3]],
    ['stack', 'queued', no(3), 4, [5, 6, 7, 8]],
    ['stack', 'queued', no(7), 3, [10, 11, 12]],
  ]);
  expect(rows[1]!.notes).toMatchObject({ label: registryNo(labels[2]!), separators: 1 });
  expect(rows.every((r) => r.partOf === 'رزمة.pdf')).toBe(true);
  expect(rows[1]!.name).toBe('رزمة.pdf ٥–٨ / pages 5–8');

  // Letter B is a PDF of its four pages, their scanned images copied as they were.
  const original = await server.api(`/api/v1/documents/${rows[1]!.documentId}/original`);
  const letterB = Buffer.from(await original.arrayBuffer());
  expect(letterB.subarray(0, 5).toString()).toBe('%PDF-');
  expect(letterB.indexOf(labelledJpeg)).toBeGreaterThan(0);

  // The batch names the stack, kept whole (separators included) and its bytes the ones sent.
  const view = (await (await server.api(`/api/v1/batches/${batchId}`)).json()) as {
    originals: Array<{ id: string; name: string; pages: number; documents: number; status: string }>;
    intake: { separators: number; labelsUsed: number };
  };
  expect(view.originals).toEqual([expect.objectContaining({ name: 'رزمة.pdf', pages: 12, documents: 3, status: 'done' })]);
  expect(view.intake).toMatchObject({ separators: 2, labelsUsed: 1 });
  const id = view.originals[0]!.id;
  const meta = (await (await server.api(`/api/v1/intake-originals/${id}`)).json()) as {
    sha256: string;
    summary: unknown;
    documents: Array<{ pages: number[]; registryNo: string }>;
  };
  expect(meta.sha256).toBe(sha256(stack));
  expect(meta.summary).toEqual({ documents: 3, separators: 2, blankPages: 0 });
  expect(meta.documents.map((d) => [d.registryNo, d.pages.length])).toEqual([
    [no(6), 3],
    [no(3), 4],
    [no(7), 3],
  ]);
  // Another clerk does not learn it exists; an auditor cleared for its letters may fetch it.
  const [clerk, auditor] = await Promise.all([person('clerk2', 'clerk'), person('auditor2', 'auditor')]);
  expect((await server.api(`/api/v1/intake-originals/${id}`, { token: clerk })).status).toBe(404);
  expect((await server.api(`/api/v1/intake-originals/${id}/file`, { token: clerk })).status).toBe(404);
  const file = await server.api(`/api/v1/intake-originals/${id}/file`, { token: auditor });
  expect(file.headers.get('x-diwan-sha256')).toBe(sha256(stack));
  expect(sha256(Buffer.from(await file.arrayBuffer()))).toBe(sha256(stack));
});

test('a label already used gives the next number, and the batch says why; a free one on a single scan is taken', async () => {
  const again = await letterPage(['كتاب آخر يحمل الملصق نفسه'], { seed: 30, label: labelCode(labels[2]!) });
  const [sep, other] = await Promise.all([separatorPage({ seed: 31 }), letterPage(['كتاب بلا ملصق'], { seed: 32 })]);
  const batchId = await createBatch(server, { name: 'رزمة ثانية' });
  const rows = await send(batchId, 'second.pdf', await scannedPdf([again, sep!, other!], PAGE.dpi));
  expect(rows.map((r) => [r.registryNo, r.notes?.label ?? null, r.notes?.labelRefused ?? null])).toEqual([
    [no(8), registryNo(labels[2]!), 'label_used'],
    [no(9), null, null],
  ]);
  const view = (await (await server.api(`/api/v1/batches/${batchId}`)).json()) as { intake: { labelsRefused: number } };
  expect(view.intake.labelsRefused).toBe(1);
  // One scanned letter with a free label, uploaded alone, is not split: it takes the label's number as it came.
  const single = await letterPage(['كتاب منفرد بملصقه'], { seed: 33, label: labelCode(labels[3]!) });
  const res = await server.upload(single, 'منفرد.jpg');
  expect(res.status).toBe(202);
  expect(((await res.json()) as { registryNo: string }).registryNo).toBe(no(4));
});

test('a duplex stack (a multi-page TIFF) drops its blank backs, counts them, and keeps them in the stack', async () => {
  const front = await letterPage(['الوجه الأول من الكتاب'], { seed: 40 });
  const [back, front2] = await Promise.all([
    blankBack({ seed: 41, showThrough: ['الوجه الأول من الكتاب'] }),
    letterPage(['الورقة الثانية'], { seed: 42 }),
  ]);
  const tiff = await sharp([front, back!, front2!, await blankBack({ seed: 43 })], { join: { animated: true } })
    .tiff({ compression: 'jpeg', quality: 70 })
    .toBuffer();
  const batchId = await createBatch(server, { name: 'وجهان', duplex: 'duplex' });
  const rows = await send(batchId, 'duplex.tif', tiff);
  expect(rows).toEqual([expect.objectContaining({ kind: 'stack', pageCount: 2, notes: { pages: [1, 3], blankPages: 2 } })]);
  const view = (await (await server.api(`/api/v1/batches/${batchId}`)).json()) as {
    originals: Array<{ pages: number }>;
    intake: { blankPages: number };
  };
  expect(view.intake.blankPages).toBe(2);
  expect(view.originals.map((o) => o.pages)).toEqual([4]);
  // The letter is made of its two pages, each a lossless PNG of its own.
  const doc = (await (await server.api(`/api/v1/documents/${rows[0]!.documentId}`)).json()) as {
    originals: Array<{ mime: string }>;
  };
  expect(doc.originals.map((o) => o.mime)).toEqual(['image/png', 'image/png']);
});

/** Runs `diwan serve` with `env`; resolves its address, or undefined when it stops first. */
function serve(env: NodeJS.ProcessEnv): { child: ChildProcess; url: Promise<string | undefined>; exit: Promise<string | null> } {
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, DIWAN_LOG: 'silent' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  children.push(child);
  const exit = new Promise<string | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? String(code))));
  const url = new Promise<string | undefined>((resolve) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /serving at (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    void exit.then(() => resolve(undefined));
  });
  return { child, url, exit };
}

async function query<T>(env: NodeJS.ProcessEnv, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: env.DATABASE_OWNER_URL });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

test('a server killed once the stack is kept whole, then again after its first letter, loses no letter', async () => {
  const env = await isolatedEnv({ DIWAN_INPROCESS_WORKERS: 'false', DIWAN_SWEEP_SECONDS: '1' });
  const first = serve({ ...env, DIWAN_CRASH_AT: 'stack.after-original' });
  const base = (await first.url)!;
  const batchId = await createBatch(base, { name: 'رزمة انقطع عنها التيار' });
  await fetch(`${base}/api/v1/batches/${batchId}/files`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}` },
    body: filesForm('رزمة.pdf', stack),
  }).catch(() => undefined);
  expect(await first.exit).toBe('SIGKILL');
  expect(await query(env, `SELECT status, pages FROM intake_originals`)).toEqual([{ status: 'splitting', pages: 12 }]);
  expect(await query(env, 'SELECT id FROM documents')).toEqual([]);

  // The next start's sweep splits it again, and is killed after registering its first letter.
  const second = serve({ ...env, DIWAN_CRASH_AT: 'stack.after-letter' });
  expect(await second.exit).toBe('SIGKILL');
  expect(await query(env, 'SELECT count(*)::int AS n FROM documents')).toEqual([{ n: 1 }]);

  // The start after that finishes it: the first letter found again as a duplicate, the other two registered.
  const last = await startTestServer(env);
  try {
    const deadline = Date.now() + 60_000;
    while ((await query<{ status: string }>(env, 'SELECT status FROM intake_originals'))[0]!.status !== 'done') {
      if (Date.now() > deadline) throw new Error('the stack was not finished');
      await new Promise((r) => setTimeout(r, 300));
    }
    // Each letter once, numbered without a gap (the first one's second registration was a duplicate, and took no number).
    const docs = await query<{ seq: number; pages: number }>(
      env,
      `SELECT d.registry_seq AS seq, d.page_count AS pages
       FROM documents d JOIN intake_original_documents o ON o.document_id = d.id ORDER BY o.seq`,
    );
    expect(docs).toEqual([
      { seq: 1, pages: 3 },
      { seq: 2, pages: 4 },
      { seq: 3, pages: 3 },
    ]);
    expect(await query(env, 'SELECT count(*)::int AS n FROM documents')).toEqual([{ n: 3 }]);
    const view = (await (await last.api(`/api/v1/batches/${batchId}`)).json()) as { files: Row[] };
    expect(view.files.map((f) => [f.kind, f.pageCount, f.notes?.pages?.[0]])).toEqual([
      ['stack', 3, 1],
      ['stack', 4, 5],
      ['stack', 3, 10],
    ]);
  } finally {
    await last.stop();
  }
});
