/**
 * Who may see and do what (issue 18): what an auditor's export holds of
 * documents they are not cleared for, what a duplicate upload tells a clerk,
 * how reads are recorded (every one, without every one taking the ledger's
 * lock), the probes' cost, batch event streams' limits, unknown
 * classifications, where a clerk may file, what a clerk is told of a failure,
 * and an empty department list.
 */
import express from 'express';
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import pg from 'pg';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { restoreDocumentRow } from '../storage/repos/documentRecords';
import { authenticate } from '../src/auth';
import { batchesRouter } from '../src/http/batches';
import { errorHandler } from '../src/http/errors';
import { acceptDeps } from '../src/runtime/core';
import { createLogger } from '../kernel/log';
import { runCliWith, startTestServer, TOKEN, type DocumentJson, type TestServer } from './helpers';

jest.setTimeout(300_000);

let server: TestServer;
let owner: pg.Client;
const tokens: Record<string, string> = {};
const docs: Record<'pub' | 'secret' | 'unknown', DocumentJson> = {} as never;
let secretScan: Buffer;

const SECRET = {
  title: 'عنوان-الخطة-المكتومة',
  correspondent: 'مراسل-مكتوم-الاسم',
  name: 'ملف-مكتوم-الاسم.jpg',
  batch: 'دفعة-مكتومة-الاسم',
};

const PEOPLE = [
  { username: 'clerk-fin', role: 'clerk', clearance: 'internal', departments: ['المالية'] },
  { username: 'clerk-any', role: 'clerk', clearance: 'public' },
  { username: 'clerk-stream', role: 'clerk', clearance: 'public' },
  { username: 'official-secret', role: 'official', clearance: 'secret' },
  { username: 'official-reader', role: 'official', clearance: 'internal' },
  { username: 'auditor-internal', role: 'auditor', clearance: 'internal' },
] as const;

type Who = (typeof PEOPLE)[number]['username'] | 'admin-token';
const tokenOf = (who: Who) => (who === 'admin-token' ? TOKEN : tokens[who]!);
/** How the ledger names a person calling with the token made for the tests. */
const byName = (who: Who) => `${who} (token tests)`;

const api = (who: Who, p: string, init: RequestInit = {}) => server.api(p, { ...init, token: tokenOf(who) });
const postJson = (who: Who, p: string, body: unknown) =>
  api(who, p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

function uploadAs(who: Who, bytes: Buffer, name: string, fields: Record<string, string>): Promise<Response> {
  return server.upload(bytes, name, fields, tokenOf(who));
}

async function addPerson(p: { username: string; role: string; clearance: string; departments?: readonly string[] }) {
  const res = await postJson('admin-token', '/api/v1/users', { ...p, password: `كلمة-سر-${p.username}-123` });
  expect(res.status).toBe(201);
  const t = await postJson('admin-token', '/api/v1/tokens', { username: p.username, name: 'tests' });
  expect(t.status).toBe(201);
  tokens[p.username] = ((await t.json()) as { token: string }).token;
}

async function createBatch(who: Who, body: Record<string, string>): Promise<Response> {
  return postJson(who, '/api/v1/batches', body);
}

async function sendFiles(who: Who, batchId: string, files: Array<{ name: string; bytes: Buffer }>): Promise<Response> {
  const form = new FormData();
  for (const f of files) form.append('files', new Blob([f.bytes]), f.name);
  return api(who, `/api/v1/batches/${batchId}/files`, { method: 'POST', body: form });
}

const scan = (lines: string[], seed: number) => renderArabicScan(lines, { seed, width: 1100, height: 700 });

beforeAll(async () => {
  server = await startTestServer();
  owner = new pg.Client({ connectionString: server.config.databaseOwnerUrl });
  await owner.connect();
  for (const p of PEOPLE) await addPerson(p);

  const pub = await uploadAs('admin-token', await scan(['تعميم عام للموظفين'], 301), 'تعميم.jpg', {
    classification: 'public',
    department: 'المالية',
    title: 'تعميم عام',
  });
  expect(pub.status).toBe(202);

  // The secret one comes in a batch, so its manifest names the batch too.
  secretScan = await scan(['كتاب سري للغاية', 'خطة مكتومة'], 302);
  const batch = await createBatch('admin-token', {
    name: SECRET.batch,
    classification: 'secret',
    department: 'الموارد البشرية',
    title: SECRET.title,
    correspondent: SECRET.correspondent,
  });
  expect(batch.status).toBe(201);
  const batchId = ((await batch.json()) as { id: string }).id;
  const sent = await sendFiles('admin-token', batchId, [{ name: SECRET.name, bytes: secretScan }]);
  expect(sent.status).toBe(202);
  const secretId = ((await sent.json()) as { files: Array<{ documentId: string }> }).files[0]!.documentId;

  const unknown = await uploadAs('admin-token', await scan(['وثيقة بتصنيف مجهول'], 303), 'مجهول.jpg', {
    classification: 'public',
    department: 'المالية',
  });
  expect(unknown.status).toBe(202);

  docs.pub = await server.waitFor(((await pub.json()) as { id: string }).id);
  docs.secret = await server.waitFor(secretId);
  docs.unknown = await server.waitFor(((await unknown.json()) as { id: string }).id);
  for (const d of Object.values(docs)) expect(d.status).toBe('archived');
  // A checkpoint, so the export carries a signed head.
  expect((await api('admin-token', '/api/v1/audit/checkpoint', { method: 'POST' })).status).toBe(201);
});

afterAll(async () => {
  await owner?.end();
  await server?.stop();
});

interface Bundle {
  ledger: Array<{ seq: number; documentId: string | null; entryHash: string; prevHash: string; payload: unknown }>;
  checkpoints: unknown[];
  manifests: Array<{ key: string; sha256: string; text: string }>;
}

test('#2 an auditor’s export holds in full only what they are cleared for, and names the rest by registry number and fingerprints', async () => {
  // The secret letter brought its correspondent in; a later change of that record's name is the letter's too.
  const doc = (await (await api('admin-token', `/api/v1/documents/${docs.secret.id}`)).json()) as {
    correspondent: { id: string } | null;
  };
  const renamed = 'مراسل-أعيدت-تسميته';
  const edit = await server.api(`/api/v1/correspondents/${doc.correspondent!.id}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ nameAr: renamed }),
  });
  expect(edit.status).toBe(200);
  // Nor is it in the correspondents' directory for whoever does not reach one of its letters.
  const listed = async (who: Who) =>
    ((await (await api(who, `/api/v1/correspondents?q=${encodeURIComponent(renamed)}`)).json()) as { items: unknown[] }).items
      .length;
  expect([await listed('auditor-internal'), await listed('admin-token')]).toEqual([0, 1]);
  expect((await api('auditor-internal', `/api/v1/correspondents/${doc.correspondent!.id}`)).status).toBe(404);
  const full = (await (await api('admin-token', '/api/v1/audit/export')).json()) as Bundle;
  const res = await api('auditor-internal', '/api/v1/audit/export');
  expect(res.status).toBe(200);
  const text = await res.clone().text();
  const bundle = (await res.json()) as Bundle;
  // Nothing of the secret document's content: not its title, correspondent, original name or batch.
  for (const s of [...Object.values(SECRET), renamed]) expect(text).not.toContain(s);
  // The administrator's export still holds all of it.
  const fullText = JSON.stringify(full);
  for (const s of [...Object.values(SECRET), renamed]) expect(fullText).toContain(s);

  // The secret document is named by its registry number and fingerprints alone.
  const folder = `documents/${docs.secret.registryNo}/`;
  const withheld = bundle.manifests.find((m) => m.key.startsWith(folder))!;
  expect(withheld).toBeDefined();
  const stub = JSON.parse(withheld.text) as { registryNo: string; sha256: { original: string; archivePdf: string | null } };
  expect(stub.registryNo).toBe(docs.secret.registryNo);
  expect(stub.sha256).toEqual({ original: docs.secret.sha256.original, archivePdf: docs.secret.sha256.archive });
  // The manifest's own fingerprint is the stored one's, as the ledger recorded it.
  expect(withheld.sha256).toBe(full.manifests.find((m) => m.key.startsWith(folder))!.sha256);
  // What they are cleared for is there in full, byte for byte.
  const pubFolder = `documents/${docs.pub.registryNo}/`;
  expect(bundle.manifests.find((m) => m.key.startsWith(pubFolder))).toEqual(
    full.manifests.find((m) => m.key.startsWith(pubFolder)),
  );
  // The whole chain is there, link by link, and the checkpoints.
  expect(bundle.ledger.map((e) => [e.seq, e.prevHash, e.entryHash])).toEqual(
    full.ledger.map((e) => [e.seq, e.prevHash, e.entryHash]),
  );
  expect(bundle.checkpoints).toEqual(full.checkpoints);
});

test('#12 a duplicate upload tells a clerk only that it is a duplicate, not which document it is', async () => {
  const res = await uploadAs('clerk-fin', secretScan, 'نسخة.jpg', { department: 'المالية', classification: 'internal' });
  expect(res.status).toBe(200);
  const text = await res.text();
  expect(JSON.parse(text)).toEqual({ duplicate: true });
  expect(text).not.toContain(docs.secret.id);
  expect(text).not.toContain(docs.secret.registryNo);

  // Nor through a batch: the answer, the batch and its files say "duplicate" and nothing more.
  const batch = await createBatch('clerk-fin', { name: 'دفعة الكاتب', department: 'المالية' });
  expect(batch.status).toBe(201);
  const batchId = ((await batch.json()) as { id: string }).id;
  const sent = await sendFiles('clerk-fin', batchId, [{ name: 'نسخة.jpg', bytes: secretScan }]);
  expect(sent.status).toBe(202);
  const answers = [
    await sent.text(),
    await (await api('clerk-fin', `/api/v1/batches/${batchId}`)).text(),
    await (await api('clerk-fin', `/api/v1/batches/${batchId}/files`)).text(),
  ];
  for (const a of answers) {
    expect(a).toContain('duplicate');
    expect(a).not.toContain(docs.secret.id);
    expect(a).not.toContain(docs.secret.registryNo);
  }
  // Whoever may see the earlier document is still told which it is.
  const admin = (await (await uploadAs('admin-token', secretScan, 'نسخة.jpg', {})).json()) as { id: string; duplicate: boolean };
  expect(admin).toMatchObject({ id: docs.secret.id, duplicate: true });
});

/** The ledger entries about `documentId` by `by`, event by event. */
async function ledgerBy(documentId: string, by: string): Promise<Array<{ event: string; payload: Record<string, unknown> }>> {
  const r = await owner.query<{ event: string; payload: Record<string, unknown> }>(
    `SELECT event, payload FROM ledger WHERE document_id = $1 AND payload->>'by' = $2 ORDER BY seq`,
    [documentId, by],
  );
  return r.rows;
}

/** Every recorded read of `documentId` by `by`. */
async function readsBy(documentId: string, by: string): Promise<Array<{ at: Date; what: string; event: string }>> {
  const r = await owner.query<{ at: Date; what: string; event: string }>(
    `SELECT at, what, event FROM document_reads WHERE document_id = $1 AND reader = $2 ORDER BY id`,
    [documentId, by],
  );
  return r.rows;
}

test('#13 repeated reads make a bounded number of ledger entries, every read is still recorded, and a read does not wait for the ledger', async () => {
  const who: Who = 'official-secret';
  const id = docs.pub.id;
  for (let i = 0; i < 6; i++) {
    for (const p of ['original', 'archive.pdf', 'pages/1/image']) {
      const res = await api(who, `/api/v1/documents/${id}/${p}`);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    // A HEAD reads nothing and records nothing in the ledger.
    expect((await api(who, `/api/v1/documents/${id}/original`, { method: 'HEAD' })).status).toBe(200);
  }
  const entries = await ledgerBy(id, byName(who));
  // One entry per file downloaded and one for viewing in each hour, not one per read (two, if the hour turned meanwhile).
  const count = (event: string) => entries.filter((e) => e.event === event).length;
  expect(count('downloaded')).toBeGreaterThanOrEqual(2);
  expect(count('downloaded')).toBeLessThanOrEqual(4);
  expect(count('viewed')).toBeGreaterThanOrEqual(1);
  expect(count('viewed')).toBeLessThanOrEqual(2);
  // Every read is kept, with who and when.
  const reads = await readsBy(id, byName(who));
  expect(reads).toHaveLength(18);
  for (const r of reads) expect(Date.now() - r.at.getTime()).toBeLessThan(10 * 60_000);
  expect(reads.filter((r) => r.event === 'downloaded')).toHaveLength(12);

  // While something holds the ledger's lock, reads go on.
  const holder = new pg.Client({ connectionString: server.config.databaseOwnerUrl });
  await holder.connect();
  try {
    await holder.query('BEGIN');
    await holder.query('SELECT pg_advisory_xact_lock($1)', [0x6c656467]);
    const started = Date.now();
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 8000));
    const reads3 = Promise.all(
      [1, 2, 3].map(async () => {
        const res = await api(who, `/api/v1/documents/${id}/original`);
        await res.arrayBuffer();
        return res.status;
      }),
    );
    expect(await Promise.race([reads3, timeout])).toEqual([200, 200, 200]);
    expect(Date.now() - started).toBeLessThan(8000);
  } finally {
    await holder.query('ROLLBACK');
    await holder.end();
  }
  expect(await readsBy(id, byName(who))).toHaveLength(21);
});

test('#14 /readyz and /metrics do not run the whole-archive queries once per call', async () => {
  // Hold the fixity table: each whole-archive query on it waits, where it can be counted.
  const holder = new pg.Client({ connectionString: server.config.databaseOwnerUrl });
  await holder.connect();
  const pending: Array<Promise<number>> = [];
  try {
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE fixity IN ACCESS EXCLUSIVE MODE');
    for (let i = 0; i < 5; i++) {
      for (const p of ['/readyz', '/metrics']) {
        pending.push(fetch(`${server.url}${p}`).then(async (r) => (await r.arrayBuffer(), r.status)));
      }
    }
    const waiting = async () =>
      (
        await owner.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%from fixity%'`,
        )
      ).rows[0]!.n;
    const deadline = Date.now() + 10_000;
    while ((await waiting()) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1500));
    // Ten calls, at most one such query for each probe.
    expect(await waiting()).toBeLessThanOrEqual(2);
  } finally {
    await holder.query('ROLLBACK');
    await holder.end();
  }
  expect(await Promise.all(pending)).toEqual(Array(10).fill(200));
  // Orchestrators still get the status, and /healthz stays open.
  const ready = (await (await fetch(`${server.url}/readyz`)).json()) as { status: string; checks: Record<string, string> };
  expect(ready.status).toBe('ready');
  expect(ready.checks.postgres).toBe('up');
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
});

test('#16 reading a document’s text (API and `diwan show`) and its page images is recorded, like a download', async () => {
  const who: Who = 'official-reader';
  const id = docs.pub.id;
  const res = await api(who, `/api/v1/documents/${id}`);
  expect(res.status).toBe(200);
  expect(((await res.json()) as DocumentJson).pages[0]!.text.length).toBeGreaterThan(0);
  const viewed = (await ledgerBy(id, byName(who))).filter((e) => e.event === 'viewed');
  expect(viewed.length).toBeGreaterThanOrEqual(1);
  expect(viewed[0]!.payload).toMatchObject({ registryNo: docs.pub.registryNo, by: byName(who) });

  const image = await api(who, `/api/v1/documents/${id}/pages/1/image`);
  expect(image.status).toBe(200);
  await image.arrayBuffer();
  const thumb = await api(who, `/api/v1/documents/${id}/pages/1/thumb`);
  expect(thumb.status).toBe(200);
  await thumb.arrayBuffer();
  const { code } = await runCliWith({ DIWAN_URL: server.url, DIWAN_TOKEN: tokenOf(who) }, ['show', id]);
  expect(code).toBe(0);
  const reads = await readsBy(id, byName(who));
  expect(reads.map((r) => r.what)).toEqual(['text', 'page-image', 'thumbnail', 'text']);
  // In the ledger too, once in the hour (twice if the hour turned meanwhile), not once per read.
  expect((await ledgerBy(id, byName(who))).filter((e) => e.event === 'viewed').length).toBeLessThanOrEqual(2);
});

test('#19 an unknown classification ranks above secret: only an administrator sees it, and restore refuses one', async () => {
  await owner.query(`UPDATE documents SET classification = 'top-secret' WHERE id = $1`, [docs.unknown.id]);
  const job = await server.job<{ documents: number }>('/api/v1/reindex', {
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  expect(job).toMatchObject({ state: 'done', result: { documents: expect.any(Number) } });
  expect((await api('official-secret', `/api/v1/documents/${docs.unknown.id}`)).status).toBe(403);
  expect((await api('official-secret', `/api/v1/documents/${docs.unknown.id}/pages/1/image`)).status).toBe(403);
  const search = (await (await api('official-secret', `/api/v1/search?q=${encodeURIComponent('مجهول')}`)).json()) as {
    hits: Array<{ id: string }>;
  };
  expect(search.hits.map((h) => h.id)).not.toContain(docs.unknown.id);
  const list = (await (await api('official-secret', '/api/v1/documents?limit=200')).json()) as { items: Array<{ id: string }> };
  expect(list.items.map((d) => d.id)).not.toContain(docs.unknown.id);
  // The administrator still sees it, and lists it.
  expect((await api('admin-token', `/api/v1/documents/${docs.unknown.id}`)).status).toBe(200);
  const all = (await (await api('admin-token', '/api/v1/documents?limit=200')).json()) as { items: Array<{ id: string }> };
  expect(all.items.map((d) => d.id)).toContain(docs.unknown.id);

  // A restore that would bring one in is refused, naming the classification.
  const row = (await owner.query('SELECT registry_year FROM documents WHERE id = $1', [docs.unknown.id])).rows[0] as {
    registry_year: number;
  };
  await expect(
    restoreDocumentRow(owner, {
      id: '00000000-0000-4000-8000-000000000019',
      year: row.registry_year,
      seq: 999_019,
      title: null,
      docType: null,
      department: null,
      classification: 'top-secret',
      docDate: null,
      originalName: null,
      originalMime: 'image/jpeg',
      originalExt: 'jpg',
      originalSize: 1,
      originalSha256: 'f'.repeat(64),
      pageCount: 1,
      stages: {},
      createdAt: new Date().toISOString(),
      batchId: null,
      textLayer: false,
      textVersion: 1,
      correspondent: null,
    }),
  ).rejects.toThrow(/top-secret/);
});

test('#23 a clerk files only into their own departments and at most at their clearance', async () => {
  const bytes = await scan(['طلب من قسم المالية'], 304);
  const refused: Array<Record<string, string>> = [
    { department: 'المالية', classification: 'secret' },
    { department: 'الموارد البشرية', classification: 'internal' },
    { classification: 'public' },
  ];
  for (const fields of refused) {
    const res = await uploadAs('clerk-fin', bytes, 'طلب.jpg', fields);
    expect(res.status).toBe(403);
    const body = (await res.json()) as { error: string; message: string; messageEn: string };
    expect(body.error).toBe('forbidden');
    expect(body.message).toMatch(/[\u0600-\u06FF]/);
    expect(body.messageEn).toMatch(/department|clearance/);
    const batch = await createBatch('clerk-fin', { name: 'دفعة', ...fields });
    expect(batch.status).toBe(403);
  }
  // A clerk of every department may file anywhere, at most at their clearance.
  expect((await uploadAs('clerk-any', bytes, 'طلب.jpg', { classification: 'internal' })).status).toBe(403);
  // Within their departments and clearance, it is accepted.
  const ok = await uploadAs('clerk-fin', bytes, 'طلب.jpg', { department: 'المالية', classification: 'internal' });
  expect(ok.status).toBe(202);
});

test('#26 a clerk’s batch views never carry the text of an internal error', async () => {
  const batch = await createBatch('clerk-any', { name: 'دفعة فيها عطل' });
  const batchId = ((await batch.json()) as { id: string }).id;
  const sent = await sendFiles('clerk-any', batchId, [{ name: 'كتاب.jpg', bytes: await scan(['كتاب عادي'], 305) }]);
  expect(sent.status).toBe(202);
  const documentId = ((await sent.json()) as { files: Array<{ documentId: string }> }).files[0]!.documentId;
  await server.waitFor(documentId);
  // What the pipeline and the door write when something unexpected happens: addresses, SQL, paths.
  const leak = 'connect ECONNREFUSED 10.1.2.3:9000 at SELECT * FROM documents /var/lib/diwan/spool/x';
  await server.core.documents.setStatus(documentId, 'failed', { code: 'internal', message: `gave up after 6 attempts: ${leak}` });
  await server.core.batches.addFile(batchId, {
    name: 'آخر.jpg',
    size: 1,
    sha256: 'e'.repeat(64),
    outcome: 'rejected',
    error: { code: 'internal', message: `حدث خطأ داخلي. (${leak})`, messageEn: `An internal error occurred. (${leak})` },
  });
  const views = [
    await (await api('clerk-any', `/api/v1/batches/${batchId}`)).text(),
    await (await api('clerk-any', `/api/v1/batches/${batchId}/files`)).text(),
  ];
  // The event stream's first answer holds the same files.
  const controller = new AbortController();
  const stream = await api('clerk-any', `/api/v1/batches/${batchId}/events`, { signal: controller.signal });
  const reader = stream.body!.getReader();
  let events = '';
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    events += Buffer.from(chunk.value).toString('utf8');
    if (events.includes('event: batch')) break;
  }
  controller.abort();
  views.push(events);
  for (const v of views) {
    expect(v).toContain('internal');
    expect(v).not.toMatch(/ECONNREFUSED|10\.1\.2\.3|SELECT|\/var\/lib|gave up/);
    expect(v).toContain('حدث خطأ داخلي');
  }
});

test('#30 an empty department list means no department; every department must be asked for', async () => {
  const none = await postJson('admin-token', '/api/v1/users', {
    username: 'no-departments',
    role: 'official',
    clearance: 'secret',
    departments: [],
    password: 'كلمة-سر-طويلة-123',
  });
  expect(none.status).toBe(201);
  expect(((await none.json()) as { user: { departments: string[] | null } }).user.departments).toEqual([]);
  const t = await postJson('admin-token', '/api/v1/tokens', { username: 'no-departments', name: 'tests' });
  const token = ((await t.json()) as { token: string }).token;
  const as = (p: string) => server.api(p, { token });
  expect(((await (await as('/api/v1/me')).json()) as { departments: unknown }).departments).toEqual([]);
  expect((await as(`/api/v1/documents/${docs.pub.id}`)).status).toBe(403);
  expect(((await (await as('/api/v1/documents')).json()) as { total: number }).total).toBe(0);
  const search = await as(`/api/v1/search?q=${encodeURIComponent('تعميم')}`);
  expect(search.status).toBe(200);
  expect(((await search.json()) as { total: number }).total).toBe(0);

  // The command line's --departments "" means none too; "*" means every department.
  const cli = (args: string[]) => runCliWith({ DIWAN_URL: server.url, DIWAN_TOKEN: TOKEN }, args);
  expect((await cli(['users', 'add', 'cli-none', '--role', 'official', '--departments', '', '--json'])).code).toBe(0);
  expect((await cli(['users', 'add', 'cli-all', '--role', 'official', '--departments', '*', '--json'])).code).toBe(0);
  const users = (await (await api('admin-token', '/api/v1/users')).json()) as {
    users: Array<{ username: string; departments: string[] | null }>;
  };
  expect(users.users.find((u) => u.username === 'cli-none')!.departments).toEqual([]);
  expect(users.users.find((u) => u.username === 'cli-all')!.departments).toBeNull();
});

/** Opens a batch's event stream; `ended` settles when the server ends it. */
async function openStream(url: string, token: string): Promise<{ status: number; ended: Promise<void>; close(): void }> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  const ended = (async () => {
    if (!res.body) return;
    const reader = res.body.getReader();
    try {
      for (;;) if ((await reader.read()).done) return;
    } catch {
      return;
    }
  })();
  return { status: res.status, ended, close: () => controller.abort() };
}

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p.then(() => 'ended' as const), new Promise<'still open'>((r) => setTimeout(() => r('still open'), ms))]);

test('#15 batch event streams: a cap per person, a lifetime, and none for a person disabled', async () => {
  // An empty batch never finishes: its stream stays open until something ends it.
  const batch = await createBatch('clerk-stream', { name: 'دفعة للمتابعة' });
  const batchId = ((await batch.json()) as { id: string }).id;
  const url = `${server.url}/api/v1/batches/${batchId}/events`;
  const open = [];
  for (let i = 0; i < 4; i++) open.push(await openStream(url, tokens['clerk-stream']!));
  expect(open.map((s) => s.status)).toEqual([200, 200, 200, 200]);
  const fifth = await openStream(url, tokens['clerk-stream']!);
  expect(fifth.status).toBe(429);
  fifth.close();
  // Closing one makes room again.
  open.pop()!.close();
  let again = await openStream(url, tokens['clerk-stream']!);
  for (let i = 0; i < 20 && again.status !== 200; i++) {
    again.close();
    await new Promise((r) => setTimeout(r, 250));
    again = await openStream(url, tokens['clerk-stream']!);
  }
  expect(again.status).toBe(200);
  open.push(again);

  // A person disabled while following: every stream of theirs ends.
  expect((await api('admin-token', '/api/v1/users/clerk-stream/disable', { method: 'POST' })).status).toBe(200);
  expect(await Promise.all(open.map((s) => within(s.ended, 15_000)))).toEqual(['ended', 'ended', 'ended', 'ended']);

  // A stream has a lifetime (here made short, on a server of the same parts).
  const deps = {
    ...acceptDeps(server.core),
    users: server.core.users,
    maxRequestBytes: server.core.config.limits.maxRequestBytes,
    maxFilesPerRequest: server.core.config.limits.maxFilesPerRequest,
    eventStreams: { lifetimeMs: 1500 },
  };
  const app = express();
  app.use('/api/v1', authenticate(TOKEN, server.core.users), batchesRouter(deps));
  app.use(errorHandler(createLogger('silent')));
  const short = http.createServer(app);
  await new Promise<void>((r) => short.listen(0, '127.0.0.1', r));
  try {
    const adminBatch = await createBatch('admin-token', { name: 'دفعة قصيرة العمر' });
    const adminBatchId = ((await adminBatch.json()) as { id: string }).id;
    const port = (short.address() as AddressInfo).port;
    const s = await openStream(`http://127.0.0.1:${port}/api/v1/batches/${adminBatchId}/events`, TOKEN);
    expect(s.status).toBe(200);
    expect(await within(s.ended, 8000)).toBe('ended');
  } finally {
    short.closeAllConnections();
    await new Promise((r) => short.close(r));
  }
});
