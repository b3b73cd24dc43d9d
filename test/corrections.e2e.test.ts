/**
 * Corrections with history, and a person correcting a page's text, on the
 * real services: a record corrected with a reason is found by its new title
 * and no longer by its old one, its history and ledger say who changed what
 * and why, its registry number and archive PDF stay byte for byte; a reason
 * is required; a clerk corrects only what they sent; a classification raised
 * hides the document from an official below it at once, and lowered shows it
 * again. A person's text correction is a new version marked as theirs, found
 * by search at once (the misread word no longer), the machine's reading kept.
 */
import crypto from 'node:crypto';
import pg from 'pg';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { TOKEN, runCli, startTestServer, type DocumentJson, type TestServer } from './helpers';

jest.setTimeout(300_000);

let server: TestServer;
const tokens: Record<string, string> = {};
let letter: DocumentJson;
let scan: DocumentJson;

const json = (body: unknown): RequestInit => ({
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

async function person(username: string, role: string, clearance: string): Promise<void> {
  const made = await server.api('/api/v1/users', {
    method: 'POST',
    ...json({ username, role, clearance, password: `كلمة-سر-${username}-123` }),
  });
  expect(made.status).toBe(201);
  const t = await server.api('/api/v1/tokens', { method: 'POST', ...json({ username, name: 'tests' }) });
  tokens[username] = ((await t.json()) as { token: string }).token;
}

async function hits(q: string, token: string = TOKEN): Promise<string[]> {
  const res = await server.api(`/api/v1/search?q=${encodeURIComponent(q)}`, { token });
  expect(res.status).toBe(200);
  return ((await res.json()) as { hits: Array<{ id: string }> }).hits.map((h) => h.id);
}

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
const archivePdf = async (id: string) =>
  sha256(Buffer.from(await (await server.api(`/api/v1/documents/${id}/archive.pdf`)).arrayBuffer()));

async function ledgerOf(id: string): Promise<Array<{ event: string; payload: Record<string, unknown> }>> {
  const c = new pg.Client({ connectionString: server.core.config.databaseUrl });
  await c.connect();
  try {
    return (await c.query('SELECT event, payload FROM ledger WHERE document_id = $1 ORDER BY seq', [id])).rows;
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  server = await startTestServer();
  await person('clerk-a', 'clerk', 'internal');
  await person('clerk-b', 'clerk', 'internal');
  await person('official-internal', 'official', 'internal');
  const up = async (lines: string[], seed: number, fields: Record<string, string>, token = TOKEN) => {
    const res = await server.upload(await renderArabicScan(lines, { seed }), `letter-${seed}.jpg`, fields, token);
    expect(res.status).toBe(202);
    return ((await res.json()) as { id: string }).id;
  };
  const a = await up(
    ['كتاب وارد بشأن الميزانية', 'من وزارة المالية'],
    301,
    { title: 'مراسلة الحدائق القديمة', classification: 'internal', department: 'المالية', docType: 'كتاب' },
    tokens['clerk-a'],
  );
  const b = await up(['محضر اجتماع لجنة المشتريات', 'المنعقد يوم الأحد'], 302, { title: 'محضر اللجنة' });
  letter = await server.waitFor(a);
  scan = await server.waitFor(b);
  expect([letter.status, scan.status]).toEqual(['archived', 'archived']);
});

afterAll(async () => {
  await server?.stop();
});

test('a correction changes the record with its history and ledger entry; number and archive PDF stay', async () => {
  const pdfBefore = await archivePdf(letter.id);
  expect(await hits('الحدائق')).toContain(letter.id);

  const res = await server.api(`/api/v1/documents/${letter.id}`, {
    method: 'PATCH',
    token: tokens['clerk-a'],
    ...json({ title: 'مراسلة البساتين الجديدة', docDate: '2026-03-01', reason: 'خطأ في العنوان عند القيد' }),
  });
  expect(res.status).toBe(200);
  const done = (await res.json()) as { changes: Record<string, { before: string | null; after: string | null }> };
  expect(done.changes).toEqual({
    title: { before: 'مراسلة الحدائق القديمة', after: 'مراسلة البساتين الجديدة' },
    docDate: { before: null, after: '2026-03-01' },
  });

  // Found by its new title at once, and no longer by the old one.
  expect(await hits('البساتين')).toContain(letter.id);
  expect(await hits('الحدائق')).not.toContain(letter.id);

  const after = (await (await server.api(`/api/v1/documents/${letter.id}`)).json()) as DocumentJson & { title: string };
  expect(after).toMatchObject({ title: 'مراسلة البساتين الجديدة', registryNo: letter.registryNo, sha256: letter.sha256 });
  expect(await archivePdf(letter.id)).toBe(pdfBefore);

  // The history: the registration first, then the correction with who, why, before and after (by registry number too).
  const history = await server.api(`/api/v1/documents/${encodeURIComponent(letter.registryNo)}/history`, {
    token: tokens['clerk-a'],
  });
  expect(history.status).toBe(200);
  const rows = ((await history.json()) as { history: Array<Record<string, unknown>> }).history;
  expect(rows.map((r) => r.kind)).toEqual(['registered', 'corrected']);
  expect(rows[0]).toMatchObject({ by: 'clerk-a' });
  // A person calling with a token is named with it.
  expect(rows[1]).toMatchObject({ by: 'clerk-a (token tests)', reason: 'خطأ في العنوان عند القيد', changes: done.changes });

  const corrected = (await ledgerOf(letter.id)).filter((e) => e.event === 'corrected');
  expect(corrected).toHaveLength(1);
  expect(corrected[0]!.payload).toMatchObject({
    changes: done.changes,
    reason: 'خطأ في العنوان عند القيد',
    by: 'clerk-a (token tests)',
  });
});

test('a reason is required, an empty change and the registry number are refused, a clerk corrects only what they sent', async () => {
  const patch = (body: unknown, token = TOKEN) =>
    server.api(`/api/v1/documents/${letter.id}`, { method: 'PATCH', token, ...json(body) });
  let res = await patch({ title: 'بلا سبب' });
  expect(res.status).toBe(400);
  expect(((await res.json()) as { error: string }).error).toBe('reason_required');
  expect((await patch({ title: 'سبب قصير', reason: 'لا' })).status).toBe(400);
  res = await patch({ title: 'مراسلة البساتين الجديدة', reason: 'لا شيء تغير' });
  expect(((await res.json()) as { error: string }).error).toBe('no_change');
  res = await patch({ registryNo: '2020/000001', reason: 'محاولة تغيير الرقم' });
  expect(res.status).toBe(400);
  // Another clerk: not theirs. An official: no 'register' permission. Nothing changed either way.
  expect((await patch({ title: 'ليس لي', reason: 'محاولة من غير المرسل' }, tokens['clerk-b'])).status).toBe(403);
  expect((await patch({ title: 'ليس لي', reason: 'محاولة من موظف' }, tokens['official-internal'])).status).toBe(403);
  // Filing above one's clearance is refused too.
  expect((await patch({ classification: 'secret', reason: 'رفع التصنيف' }, tokens['clerk-a'])).status).toBe(403);
  const history = (await (await server.api(`/api/v1/documents/${letter.id}/history`)).json()) as { history: unknown[] };
  expect(history.history).toHaveLength(2);
});

test('a classification raised hides the document from an official below it at once; lowered shows it again', async () => {
  const official = tokens['official-internal']!;
  expect(await hits('البساتين', official)).toContain(letter.id);
  const raise = await server.api(`/api/v1/documents/${letter.id}`, {
    method: 'PATCH',
    ...json({ classification: 'secret', reason: 'وثيقة سرية' }),
  });
  expect(raise.status).toBe(200);
  expect(await hits('البساتين', official)).not.toContain(letter.id);
  expect((await server.api(`/api/v1/documents/${letter.id}`, { token: official })).status).toBe(403);
  const lower = await server.api(`/api/v1/documents/${letter.id}`, {
    method: 'PATCH',
    ...json({ classification: 'internal', reason: 'أعيد التصنيف' }),
  });
  expect(lower.status).toBe(200);
  expect(await hits('البساتين', official)).toContain(letter.id);
});

test('diwan edit and diwan history, by registry number', async () => {
  const edit = await runCli(server, ['edit', letter.registryNo, '--type', 'تعميم', '--reason', 'نوع الوثيقة خطأ', '--json']);
  expect(edit.code).toBe(0);
  expect(JSON.parse(edit.out)).toMatchObject({ changes: { docType: { before: 'كتاب', after: 'تعميم' } } });
  const history = await runCli(server, ['history', letter.id]);
  expect(history.code).toBe(0);
  expect(history.out).toContain('docType: كتاب → تعميم');
  expect(history.out).toContain('نوع الوثيقة خطأ');
  expect((await runCli(server, ['edit', letter.id, '--title', 'x'])).code).toBe(2);
});

test("a person's text correction is a new version, found by search at once; the machine's reading is kept", async () => {
  const pdfBefore = await archivePdf(scan.id);
  const page = scan.pages[0]!;
  // The machine's longest word goes; a word it never read comes in.
  const misread = page.text.split(/\s+/).sort((x, y) => y.length - x.length)[0]!;
  expect(await hits(misread)).toContain(scan.id);
  const text = `${page.text.replaceAll(misread, 'الاستدراك')}\nتصحيح مراجع`;

  const res = await server.api(`/api/v1/documents/${scan.id}/pages/1/text`, {
    method: 'POST',
    ...json({ text, reason: 'قراءة خاطئة للكلمة' }),
  });
  expect(res.status).toBe(201);
  expect(await res.json()).toMatchObject({
    version: 2,
    source: 'person',
    by: 'administrator token',
    reason: 'قراءة خاطئة للكلمة',
    status: 'done',
  });

  expect(await hits('الاستدراك')).toContain(scan.id);
  expect(await hits(misread)).not.toContain(scan.id);

  const versions = (await (await server.api(`/api/v1/documents/${scan.id}/text-versions`)).json()) as {
    current: number;
    versions: Array<{ version: number; source: string; current: boolean; by: string | null }>;
  };
  expect(versions.current).toBe(2);
  expect(versions.versions.map((v) => [v.version, v.source, v.current])).toEqual([
    [1, 'ocr', false],
    [2, 'person', true],
  ]);
  const doc = (await (await server.api(`/api/v1/documents/${scan.id}`)).json()) as DocumentJson & {
    needsReview: boolean;
    pages: Array<{ needsReview: boolean }>;
  };
  expect(doc.pages[0]).toMatchObject({ text, confidence: 100, needsReview: false });
  expect(doc.sha256.archive).toBe(scan.sha256.archive);
  expect(await archivePdf(scan.id)).toBe(pdfBefore);
  // Every stored file still verifies against its recorded fingerprint on both copies; the person's text is one of
  // them, vouched for by its ledger entry and copied offsite, so fixity and replication look after it too.
  const verdict = (await (await server.api(`/api/v1/documents/${scan.id}/verify`)).json()) as {
    ok: boolean;
    files: Array<{ key: string; primary: { state: string }; offsite: { state: string }; ledger: string }>;
  };
  expect(verdict.ok).toBe(true);
  expect(verdict.files.find((f) => f.key.endsWith('/ocr-v2.json'))).toMatchObject({
    primary: { state: 'ok' },
    offsite: { state: 'ok' },
    ledger: 'ok',
  });
  const pendingOffsite = await server.core.db.query(
    `SELECT 1 FROM artefacts a WHERE a.document_id = $1 AND NOT EXISTS (SELECT 1 FROM replicas r WHERE r.key = a.key)`,
    [scan.id],
  );
  expect(pendingOffsite.rowCount).toBe(0);

  const history = (await (await server.api(`/api/v1/documents/${scan.id}/history`)).json()) as {
    history: Array<Record<string, unknown>>;
  };
  expect(history.history.map((h) => h.kind)).toEqual(['registered', 'text-corrected']);
  expect(history.history[1]).toMatchObject({
    page: 1,
    version: 2,
    reason: 'قراءة خاطئة للكلمة',
    changes: { text: { before: page.text, after: text } },
  });
  const entry = (await ledgerOf(scan.id)).find((e) => e.event === 'text-corrected');
  expect(entry?.payload).toMatchObject({
    version: 2,
    previousVersion: 1,
    page: 1,
    text,
    textBefore: page.text,
    by: 'administrator token',
  });

  // Refused: no reason, the same text again, a page that does not exist, a clerk who did not send it.
  const post = (n: number, body: unknown, token = TOKEN) =>
    server.api(`/api/v1/documents/${scan.id}/pages/${n}/text`, { method: 'POST', token, ...json(body) });
  expect((await post(1, { text: 'نص' })).status).toBe(400);
  expect((await post(1, { text, reason: 'مرة أخرى' })).status).toBe(400);
  expect((await post(9, { text: 'نص', reason: 'صفحة غير موجودة' })).status).toBe(404);
  expect((await post(1, { text: 'نص', reason: 'ليست وثيقتي' }, tokens['clerk-a'])).status).toBe(403);
});
