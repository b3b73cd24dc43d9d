/**
 * Lawful disposal on the real services (MinIO with Object Lock in both buckets). A rule of twenty seconds
 * makes two letters due; a third letter was archived before its rule existed, so its objects keep the
 * archive's default lock of ten minutes. The records manager asks for the disposal of all three; carrying
 * it out before a decision is refused with nothing removed; the requester cannot decide, nor can an
 * administrator decide their own request; another administrator approves with the approving body's
 * decision. Then the due letters' objects are gone from both buckets (no version left but the tombstone),
 * search no longer finds them, the tombstone's SHA-256 is the one in the 'destroyed' ledger entry, the
 * public verify page says the letter was lawfully destroyed under the decision, and the letter whose
 * objects are still locked is blocked 'locked' with every object of it still there. A confidential
 * circular under its own rule is approved for disposal, then its rule is changed to 'review': the
 * execution keeps it ('not-due'), and it can no longer be put up (409 not_due). Titles of documents a
 * caller may not read are blanked, and such a document named in a request is refused.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { documentPrefix } from '../storage/layout';
import { parseRegistryNo } from '../kernel/registry';
import { csrfForSession } from '../src/auth';
import {
  isolatedEnv,
  objectVersions,
  runCli,
  runCliWith,
  sha256,
  startTestServer,
  TOKEN,
  untilAllDue,
  type DocumentJson,
  type TestServer,
} from './helpers';

jest.setTimeout(300_000);

const json = { 'content-type': 'application/json' };
let server: TestServer | undefined;
let db: pg.Pool;
let archivist: string;
let karim: string;
let a: DocumentJson;
let b: DocumentJson;
let locked: DocumentJson;
/** Confidential (above the archivist's clearance), under a rule changed after its disposal was approved. */
let c: DocumentJson;

const post = (p: string, body: unknown, token?: string) =>
  server!.api(`/api/v1${p}`, { method: 'POST', headers: json, body: JSON.stringify(body), token });
const getJson = async <T>(p: string, token?: string): Promise<T> =>
  (await (await server!.api(`/api/v1${p}`, { token })).json()) as T;

async function upload(lines: string[], seed: number, fields: Record<string, string>): Promise<DocumentJson> {
  const res = await server!.upload(await renderArabicScan(lines, { seed }), `letter-${seed}.jpg`, fields);
  expect(res.status).toBe(202);
  const doc = await server!.waitFor(((await res.json()) as { id: string }).id);
  expect(doc.status).toBe('archived');
  return doc;
}

async function rule(code: string, docType: string): Promise<void> {
  const res = await post('/records/rules', {
    code,
    nameAr: `قاعدة ${code}`,
    docType,
    period: '20s',
    trigger: 'registered',
    action: 'destroy',
  });
  expect(res.status).toBe(201);
}

beforeAll(async () => {
  // A due record not yet approved for disposal is kept locked a step at a time: seconds here, so it is due within the test.
  const env = await isolatedEnv({ DIWAN_DUE_LOCK_STEP: '2s', DIWAN_LOCK_EXTEND_HOURS: '0' });
  server = await startTestServer(env);
  db = new pg.Pool({ connectionString: env.DATABASE_URL });
  const token = async (username: string, role: string) => {
    expect((await post('/users', { username, displayName: username, role })).status).toBe(201);
    return ((await (await post('/tokens', { username, name: 'tests' })).json()) as { token: string }).token;
  };
  archivist = await token('amina', 'archivist');
  karim = await token('karim', 'admin');
  // Archived before any rule names it: its objects keep the default lock (ten minutes in tests).
  locked = await upload(['طلب إجازة سنوية', 'مقدم من الموظف'], 41, { title: 'طلب إجازة', docType: 'اجازة' });
  await rule('short-destroy', 'مؤقت');
  await rule('leave-requests', 'اجازة');
  await rule('circulars', 'تعميم');
  [a, b, c] = await Promise.all([
    upload(['دعوة إلى اجتماع تنسيقي', 'يوم الخميس القادم'], 42, { title: 'دعوة اجتماع', docType: 'مؤقت' }),
    upload(['إعلان عن دورة تدريبية', 'في مركز التدريب'], 43, { title: 'إعلان دورة', docType: 'مؤقت' }),
    upload(['تعميم بشأن الدوام الرسمي', 'خلال شهر رمضان'], 44, {
      title: 'تعميم الدوام',
      docType: 'تعميم',
      classification: 'confidential',
    }),
  ]);
  // Wait until the three are due and the short locks have ended.
  await untilAllDue(db);
});

afterAll(async () => {
  await db?.end();
  await server?.stop();
});

test('nothing is destroyed without the approving body decision, and never by its requester', async () => {
  const req = await post('/records/disposals', { title: 'إتلاف دفعة ١', documents: [a.id, b.registryNo, locked.id] }, archivist);
  expect(req.status).toBe(201);
  const p = (await req.json()) as { id: string; state: string; items: Array<{ state: string }> };
  expect(p.state).toBe('requested');
  expect(p.items).toHaveLength(3);

  // Not approved: refused in Arabic and English, nothing removed.
  const early = await post(`/records/disposals/${p.id}/execute`, {}, archivist);
  expect(early.status).toBe(409);
  const body = (await early.json()) as { error: string; message: string; messageEn: string };
  expect(body.error).toBe('disposal_not_approved');
  expect(body.message).toContain('موافقة');
  expect((await objectVersions(server!.config.s3!, a.registryNo)).length).toBeGreaterThan(3);

  // The records manager cannot decide; an administrator cannot decide their own request.
  const approval = {
    approve: true,
    approvingBody: 'المديرية العامة للمحفوظات الوطنية',
    decisionNo: '٢٠٢٦/٤٥',
    decisionDate: '2026-12-01',
  };
  expect((await post(`/records/disposals/${p.id}/decide`, approval, archivist)).status).toBe(403);
  const own = (await (await post('/records/disposals', { title: 'طلب المسؤول', documents: [a.id] })).json()) as { id: string };
  const ownDecision = await post(`/records/disposals/${own.id}/decide`, approval);
  expect(ownDecision.status).toBe(403);
  expect(((await ownDecision.json()) as { error: string }).error).toBe('own_disposal');
  // Refused by another administrator: executing it is refused too.
  expect((await post(`/records/disposals/${own.id}/decide`, { approve: false, note: 'لا حاجة' }, karim)).status).toBe(200);
  expect((await post(`/records/disposals/${own.id}/execute`, {})).status).toBe(409);
  expect((await objectVersions(server!.config.offsite!, a.registryNo)).length).toBeGreaterThan(3);

  // Nor through another of their own doors: asked with an API token, decided in a browser session.
  const karimId = (await db.query<{ id: string }>("SELECT id FROM users WHERE username = 'karim'")).rows[0]!.id;
  const viaToken = (await (await post('/records/disposals', { title: 'طلب كريم', documents: [a.id] }, karim)).json()) as {
    id: string;
    requestedBy: string;
  };
  expect(viaToken.requestedBy).toBe('karim (token tests)');
  const secret = await server!.core.users.startSession(karimId, 3600_000);
  const viaSession = await server!.api(`/api/v1/records/disposals/${viaToken.id}/decide`, {
    method: 'POST',
    token: null,
    headers: { ...json, cookie: `diwan_session=${secret}`, 'x-csrf-token': csrfForSession(secret) },
    body: JSON.stringify(approval),
  });
  expect(viaSession.status).toBe(403);
  expect(((await viaSession.json()) as { error: string }).error).toBe('own_disposal');
  expect((await post(`/records/disposals/${viaToken.id}/decide`, { approve: false, note: 'طلب مكرر' })).status).toBe(200);

  // An unknown document is refused (400); one the archivist may not read is refused (403), naming only its number.
  const unknown = await post(
    '/records/disposals',
    { title: 'غير معروف', documents: [a.id, '00000000-0000-4000-8000-000000000000'] },
    archivist,
  );
  expect(unknown.status).toBe(400);
  const above = await post('/records/disposals', { title: 'فوق الدرجة', documents: [c.registryNo] }, archivist);
  expect(above.status).toBe(403);
  const aboveBody = (await above.json()) as { error: string; messageEn: string };
  expect(aboveBody.error).toBe('forbidden');
  expect(aboveBody.messageEn).toContain(c.registryNo);
  expect(aboveBody.messageEn).not.toContain('تعميم');

  // Approved by the administrator token (not the requester), through the CLI.
  const decided = await runCliWith({ DIWAN_URL: server!.url, DIWAN_TOKEN: TOKEN }, [
    'disposals',
    'decide',
    p.id,
    '--approve',
    '--body',
    approval.approvingBody,
    '--decision-no',
    approval.decisionNo,
    '--decision-date',
    approval.decisionDate,
    '--json',
  ]);
  expect(decided.code).toBe(0);
  expect(JSON.parse(decided.out)).toMatchObject({ state: 'approved', decisionNo: '٢٠٢٦/٤٥', decidedBy: 'administrator token' });

  const run = await runCliWith({ DIWAN_URL: server!.url, DIWAN_TOKEN: archivist }, ['disposals', 'execute', p.id, '--json']);
  expect(run.code).toBe(0);
  const result = JSON.parse(run.out) as {
    state: string;
    items: Array<{ registryNo: string; state: string; blockedReason: string | null }>;
    outcome: { destroyed: number; blocked: number; reasons: Record<string, number> };
  };
  // Carried out by a job on the server: what this run did, counted, beside the request as it now stands.
  expect(result.outcome).toEqual({ disposalId: p.id, destroyed: 2, blocked: 1, reasons: { locked: 1 } });
  const itemOf = (d: DocumentJson) => result.items.find((i) => i.registryNo === d.registryNo)!;
  expect(itemOf(a)).toMatchObject({ state: 'destroyed' });
  expect(itemOf(b)).toMatchObject({ state: 'destroyed' });
  // Its objects are still under their ten-minute lock: blocked, nothing of it removed.
  expect(itemOf(locked)).toMatchObject({ state: 'blocked', blockedReason: 'locked' });
  expect(result.state).toBe('approved');
});

test('a destroyed letter: no version left in either bucket but its tombstone, which verifies', async () => {
  const prefix = documentPrefix(parseRegistryNo(a.registryNo)!);
  for (const t of [server!.config.s3!, server!.config.offsite!]) {
    expect(await objectVersions(t, a.registryNo)).toEqual([`${prefix}tombstone.json`]);
  }
  const lockedKeys = (await db.query<{ key: string }>('SELECT key FROM artefacts WHERE document_id = $1', [locked.id])).rows;
  expect(lockedKeys.length).toBeGreaterThan(3);
  for (const { key } of lockedKeys) expect(await server!.core.primary.stat(key)).toBeDefined();

  // It names the file by fingerprint, size and type only: not its uploaded name, nor the request's title.
  const tombText = (await server!.core.primary.getBuffer(`${prefix}tombstone.json`)).toString('utf8');
  expect(tombText).not.toContain('letter-42.jpg');
  expect(tombText).not.toContain('إتلاف دفعة');
  const parsed = JSON.parse(tombText) as { original: Record<string, unknown>; disposal: Record<string, unknown> };
  expect(parsed.original).not.toHaveProperty('name');
  expect(parsed.original).toMatchObject({ sha256: a.sha256.original, mime: 'image/jpeg' });
  expect(parsed.disposal).not.toHaveProperty('title');

  // The tombstone is what the 'destroyed' ledger entry says, byte for byte.
  const entry = await db.query<{
    payload: { sha256: string; tombstone: { registryNo: string; disposal: { decisionNo: string }; files: unknown[] } };
  }>("SELECT payload FROM ledger WHERE event = 'destroyed' AND document_id = $1", [a.id]);
  expect(entry.rows).toHaveLength(1);
  const tomb = await server!.core.offsite.getBuffer(`${prefix}tombstone.json`);
  expect(sha256(tomb)).toBe(entry.rows[0]!.payload.sha256);
  const t = JSON.parse(tomb.toString('utf8')) as {
    registryNo: string;
    disposal: { decisionNo: string };
    files: Array<{ key: string; sha256: string }>;
  };
  expect(t.registryNo).toBe(a.registryNo);
  expect(t.disposal.decisionNo).toBe('٢٠٢٦/٤٥');
  expect(t.files.map((f) => f.sha256)).toContain(a.sha256.original);

  // Search forgets it; its texts are erased; the database keeps the number as destroyed.
  const hits = await getJson<{ hits: Array<{ id: string }> }>(`/search?q=${encodeURIComponent('اجتماع تنسيقي')}`);
  expect(hits.hits.map((h) => h.id)).not.toContain(a.id);
  const texts = await db.query("SELECT 1 FROM page_texts WHERE document_id = $1 AND text <> ''", [a.id]);
  expect(texts.rows).toHaveLength(0);
  const row = await db.query<{ status: string }>('SELECT status FROM documents WHERE id = $1', [a.id]);
  expect(row.rows[0]!.status).toBe('destroyed');
  const removed = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM disposed_objects WHERE document_id = $1', [a.id]);
  expect(removed.rows[0]!.n).toBe(t.files.length);

  // The document's card says so; its files are gone (410).
  const card = await getJson<{ tombstone: { sha256: string } | null }>(`/documents/${a.id}/records`);
  expect(card.tombstone?.sha256).toBe(entry.rows[0]!.payload.sha256);
  expect((await server!.api(`/api/v1/documents/${a.id}/original`)).status).toBe(410);

  // The public verify page says it was lawfully destroyed, on its date, under the decision.
  const page = await (await server!.api(`/verify/${encodeURIComponent(a.registryNo)}`, { token: null })).text();
  expect(page).toContain('أُتلفت');
  expect(page).toContain('lawfully destroyed');
  expect(page).toContain('٢٠٢٦/٤٥');

  // The same bytes sent again are refused by name, not taken as a duplicate of an archived letter.
  const again = await renderArabicScan(['دعوة إلى اجتماع تنسيقي', 'يوم الخميس القادم'], { seed: 42 });
  expect(sha256(again)).toBe(a.sha256.original);
  const before = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM documents');
  const res = await server!.upload(again, 'letter-42.jpg', { title: 'دعوة اجتماع' });
  expect(res.status).toBe(409);
  expect(await res.json()).toMatchObject({ error: 'destroyed_duplicate', details: { registryNo: a.registryNo } });
  expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM documents')).rows[0]!.n).toBe(before.rows[0]!.n);
});

test("the auditor's export accounts for the destroyed numbers, and verify says destroyed", async () => {
  const verified = await runCli(server!, ['verify', a.id]);
  expect(verified.code).toBe(0);
  expect(verified.out).toContain('lawfully destroyed');
  expect((await runCli(server!, ['audit', 'checkpoint', '--json'])).code).toBe(0);
  const bundle = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-disposal-')), 'bundle');
  expect((await runCli(server!, ['audit', 'export', bundle])).code).toBe(0);
  const names = fs.readdirSync(path.join(bundle, 'manifests'));
  // Every number archived is there: the four letters, two of them as tombstones.
  expect(names).toHaveLength(4);
  const tombstones = names
    .map((n) => JSON.parse(fs.readFileSync(path.join(bundle, 'manifests', n), 'utf8')) as { format?: string; registryNo: string })
    .filter((m) => m.format === 'diwan-tombstone/1')
    .map((m) => m.registryNo)
    .sort();
  expect(tombstones).toEqual([a.registryNo, b.registryNo].sort());
  const stdout = await promisify(execFile)(process.execPath, [path.join(bundle, 'verify.mjs'), bundle], {
    env: { PATH: process.env.PATH },
  }).then(
    (r) => r.stdout,
    (e: { stdout: string }) => e.stdout,
  );
  expect(stdout).toContain('VERIFIED: everything holds');
  expect(stdout).toContain('lawfully destroyed');
  // Fixity expects none of the destroyed letters' removed files any more, while it does expect the kept letter's.
  const expected = await db.query<{ key: string }>(
    "SELECT key FROM fixity_cycle WHERE document_id = ANY($1::uuid[]) AND key NOT LIKE '%/tombstone.json'",
    [[a.id, b.id]],
  );
  expect(expected.rows).toEqual([]);
  const kept = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM fixity_cycle WHERE document_id = $1', [locked.id]);
  expect(kept.rows[0]!.n).toBeGreaterThan(0);
});

test("a rule changed after the approval keeps the document ('not-due'); titles only for who may read them", async () => {
  // "Everything due" takes nothing the archivist may not read: the circular is due, but confidential.
  const dueAll = await post('/records/disposals', { title: 'كل المستحق', dueBefore: '2999-12-31' }, archivist);
  expect(dueAll.status).toBe(409);
  expect(((await dueAll.json()) as { error: string }).error).toBe('not_due');

  const req = await post('/records/disposals', { title: 'إتلاف التعاميم', documents: [c.id] });
  expect(req.status).toBe(201);
  const p = (await req.json()) as { id: string };
  const approval = { approve: true, approvingBody: 'المحفوظات الوطنية', decisionNo: '٢٠٢٦/٥٠', decisionDate: '2026-12-03' };
  expect((await post(`/records/disposals/${p.id}/decide`, approval, karim)).status).toBe(200);

  // The archivist sees the request's documents by number; the confidential title only the administrator sees.
  type Items = { items: Array<{ registryNo: string; title: string | null }> };
  expect((await getJson<Items>(`/records/disposals/${p.id}`, archivist)).items).toEqual([
    expect.objectContaining({ registryNo: c.registryNo, title: null }),
  ]);
  expect((await getJson<Items>(`/records/disposals/${p.id}`)).items[0]!.title).toBe('تعميم الدوام');

  // The rule now asks for review rather than destruction: its due date and its (past) lock stay as they were.
  const changed = await post('/records/rules/circulars', { action: 'review', reason: 'تُراجع التعاميم قبل إتلافها' });
  expect(changed.status).toBe(200);
  const job = await server!.job(`/api/v1/records/disposals/${p.id}/execute`, { headers: json, body: '{}' });
  expect(job).toMatchObject({
    kind: 'disposal-execute',
    state: 'done',
    result: { destroyed: 0, blocked: 1, reasons: { 'not-due': 1 } },
  });
  // The job is the administrator's: a records manager (no audit permission) follows only the jobs they asked for.
  expect((await server!.api(`/api/v1/jobs/${job.id}`, { token: archivist })).status).toBe(403);
  const run = await getJson<{ items: Array<{ documentId: string; state: string; blockedReason: string | null }> }>(
    `/records/disposals/${p.id}`,
  );
  expect(run.items).toMatchObject([{ documentId: c.id, registryNo: c.registryNo, state: 'blocked', blockedReason: 'not-due' }]);
  expect((await objectVersions(server!.config.s3!, c.registryNo)).length).toBeGreaterThan(3);
  expect((await objectVersions(server!.config.offsite!, c.registryNo)).length).toBeGreaterThan(3);

  // And it cannot be put up again: a real document, no longer due (409 not_due naming it).
  const again = await post('/records/disposals', { title: 'مرة أخرى', documents: [c.id] });
  expect(again.status).toBe(409);
  const body = (await again.json()) as { error: string; details?: { documentIds: string[] } };
  expect(body.error).toBe('not_due');
  expect(body.details?.documentIds).toEqual([c.id]);
});
