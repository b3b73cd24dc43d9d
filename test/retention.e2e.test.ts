/**
 * The retention schedule on real services (MinIO with Object Lock): a bad rule writes nothing; a short rule
 * makes a document registered after it due, its objects in both buckets locked to its due date (not the
 * default); a permanent record's lock is extended by the job (a drill: DIWAN_RETENTION and
 * DIWAN_LOCK_EXTEND_BEFORE of two minutes); a rule change is ledgered, gives a document registered before
 * any rule its rule and moves its due date, and a shorter rule never shortens a lock; a rule counted from
 * the closing of the file starts when it is closed; and a restore brings the rules and closings back.
 * Then, on the restored archive: a correction of type or classification gives the document its rule again;
 * a document kept past its due date stays locked (in short steps, DIWAN_DUE_LOCK_STEP of a minute) unless it
 * is in an approved disposal; the archive's own files are never left unlocked; the due list withholds titles
 * the caller may not read and says so when it cannot be read; the extension job reads its partial indexes.
 */
import crypto from 'node:crypto';
import pg from 'pg';
import sharp from 'sharp';
import { createObjectStore, type ObjectStore } from '../storage/objectStore';
import { EXTEND_STEPS } from '../storage/records/lockExtension';
import { countTouched, lockUntilForKey, OWN_FILES_LOCK, ruleTouches } from '../storage/records/retention';
import { readState, writeState } from '../storage/state';
import { isolatedEnv, restoreTarget, runCli, runCliWith, startTestServer, type DocumentJson, type TestServer } from './helpers';

jest.setTimeout(300_000);

interface Retention {
  documentId: string;
  registryNo: string;
  rule: { code: string; version: number; action: string; period: string | null } | null;
  due: string | null;
  lockUntil: string | null;
  closedAt: string | null;
  waitsForLock: boolean;
}

let env: NodeJS.ProcessEnv;
let server: TestServer | undefined;
let primary: ObjectStore;
let offsite: ObjectStore;
/** Registered before any rule: a decision (given its rule when one is made), an unscheduled record, a file to close. */
let decision: DocumentJson;
let unscheduled: DocumentJson;
let file: DocumentJson;

const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

async function page(seed: number): Promise<Buffer> {
  const marks = Array.from(
    { length: 4 },
    (_, i) => `<rect x="${20 + ((seed * 37 + i * 53) % 240)}" y="${20 + i * 35}" width="40" height="10"/>`,
  );
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="200"><rect width="320" height="200" fill="white"/>${marks.join('')}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

async function upload(seed: number, docType: string, fields: Record<string, string> = {}): Promise<string> {
  const res = await server!.upload(await page(seed), `r-${seed}.png`, { docType, title: `وثيقة ${seed}`, ...fields });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

/** Waits for the document's archive and its offsite copies; the document as then. */
async function archivedWithCopies(id: string): Promise<DocumentJson> {
  await server!.waitFor(id, ['archived']);
  const deadline = Date.now() + 120_000;
  for (;;) {
    const doc = (await (await server!.api(`/api/v1/documents/${id}`)).json()) as DocumentJson;
    if (doc.replicas.some((r) => r.key.endsWith('manifest.json'))) return doc;
    if (Date.now() > deadline) throw new Error(`no offsite copy of ${id}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

const retentionOf = async (id: string) => (await (await server!.api(`/api/v1/documents/${id}/retention`)).json()) as Retention;

/** The COMPLIANCE retention end of a key in a bucket, in ms (0: none). */
const lockOf = async (store: ObjectStore, key: string) => (await store.lockState!(key)).retainUntil?.getTime() ?? 0;

beforeAll(async () => {
  env = await isolatedEnv({
    DIWAN_RETENTION: '2m',
    DIWAN_LOCK_EXTEND_BEFORE: '2m',
    DIWAN_LOCK_EXTEND_HOURS: '0',
    DIWAN_DUE_LOCK_STEP: '1m',
  });
  server = await startTestServer(env);
  primary = createObjectStore('primary', server.core.config.s3!);
  offsite = createObjectStore('offsite', server.core.config.offsite!);
  const ids = [await upload(1, 'قرار'), await upload(2, 'سجل'), await upload(3, 'ملف')];
  const docs = await Promise.all(ids.map(archivedWithCopies));
  [decision, unscheduled, file] = [docs[0]!, docs[1]!, docs[2]!];
});

afterAll(async () => {
  await server?.stop();
});

test('a bad period, an unknown register or a missing name is refused in Arabic, and nothing is written', async () => {
  const base = { code: 'bad', nameAr: 'قاعدة', period: '5y', trigger: 'registered', action: 'destroy' };
  const cases: Array<[Record<string, unknown>, string, string]> = [
    [{ ...base, period: 'خمس سنوات' }, 'bad_period', 'مدة الحفظ غير صالحة'],
    [{ ...base, period: '0y' }, 'bad_period', 'مدة الحفظ غير صالحة'],
    [{ ...base, register: 'no-such-book' }, 'unknown_register', 'لا يوجد سجل'],
    [{ ...base, nameAr: '' }, 'bad_request', 'الطلب غير صالح'],
    [{ ...base, trigger: 'date' }, 'bad_trigger_date', 'تاريخ البدء'],
  ];
  for (const [body, code, arabic] of cases) {
    const res = await server!.api('/api/v1/records/rules', json(body));
    expect(res.status).toBe(400);
    const err = (await res.json()) as { error: string; message: string };
    expect(err.error).toBe(code);
    expect(err.message).toContain(arabic);
  }
  expect(((await (await server!.api('/api/v1/records/rules')).json()) as { items: unknown[] }).items).toEqual([]);
  const ledger = await server!.core.db.query("SELECT 1 FROM ledger WHERE event IN ('rule-created', 'rule-changed')");
  expect(ledger.rows).toEqual([]);
  expect((await retentionOf(decision.id)).rule).toBeNull();
});

test('a short rule: a document registered after it is due, its objects locked to the due date in both buckets', async () => {
  const made = await server!.api(
    '/api/v1/records/rules',
    json({ code: 'requests', nameAr: 'طلبات استقدام', period: '45s', trigger: 'registered', action: 'destroy', docType: 'طلب' }),
  );
  expect(made.status).toBe(201);
  expect(((await made.json()) as { rule: { period: string; version: number } }).rule).toMatchObject({
    period: '45s',
    version: 1,
  });
  const doc = await archivedWithCopies(await upload(4, 'طلب'));
  const r = await retentionOf(doc.id);
  expect(r.rule).toMatchObject({ code: 'requests', version: 1, action: 'destroy', period: '45s' });
  const due = Date.parse(r.due!);
  expect(Date.parse(r.lockUntil!)).toBe(due);
  // Each object in each bucket is under COMPLIANCE retention to the due date, not the 2-minute default from its write.
  const keys = doc.replicas.map((c) => c.key);
  expect(keys.some((k) => k.endsWith('original.png'))).toBe(true);
  for (const key of keys) {
    for (const store of [primary, offsite]) {
      expect(Math.abs((await lockOf(store, key)) - due)).toBeLessThan(1500);
    }
  }
  // Due by its date: listed (with its rule) for a date after it, not for one before.
  const list = async (before: string, action = 'destroy') =>
    (
      (await (await server!.api(`/api/v1/records/due?before=${encodeURIComponent(before)}&action=${action}`)).json()) as {
        items: Array<{ id: string; registryNo: string; rule: { code: string } }>;
      }
    ).items;
  expect((await list(new Date(due + 1000).toISOString())).map((d) => d.id)).toEqual([doc.id]);
  expect(await list(new Date(due - 1000).toISOString())).toEqual([]);
  expect(await list(new Date(due + 1000).toISOString(), 'review')).toEqual([]);
  const cli = await runCli(server!, ['due', '--before', new Date(due + 1000).toISOString(), '--json']);
  expect(cli.code).toBe(0);
  expect((JSON.parse(cli.out) as Array<{ registryNo: string }>).map((d) => d.registryNo)).toEqual([doc.registryNo]);
});

test("a permanent record's lock is extended by the job before it ends, in both buckets", async () => {
  const keys = unscheduled.replicas.map((c) => c.key);
  const before = new Map<string, number>();
  for (const key of keys) for (const store of [primary, offsite]) before.set(`${store.name}:${key}`, await lockOf(store, key));
  for (const v of before.values()) expect(v).toBeGreaterThan(Date.now());
  // The retention may be set a little short of its end (clock skew): let the locks age past that before the drill.
  const newest = Math.max(...before.values());
  await new Promise((r) => setTimeout(r, Math.max(0, newest - 120_000 + 15_000 - Date.now())));
  const run = await runCli(server!, ['records', 'extend-locks', '--json', '--quiet']);
  expect(run.code).toBe(0);
  const result = JSON.parse(run.out) as { extended: number; relocked: number; objectsSet: number; errors: string[] };
  expect(result.errors).toEqual([]);
  expect(result.extended).toBeGreaterThanOrEqual(1);
  expect(result.objectsSet).toBeGreaterThanOrEqual(keys.length * 2);
  const r = await retentionOf(unscheduled.id);
  expect(r.rule).toBeNull();
  expect(Date.parse(r.lockUntil!)).toBeGreaterThan(Date.now() + 100_000);
  for (const key of keys) {
    for (const store of [primary, offsite]) {
      const after = await lockOf(store, key);
      expect(after).toBeGreaterThan(before.get(`${store.name}:${key}`)! + 5000);
      expect(Math.abs(after - Date.parse(r.lockUntil!))).toBeLessThan(1500);
    }
  }
});

test('a rule change is ledgered, gives an earlier document its rule, moves its due date, and never shortens a lock', async () => {
  // Made permanent: the decision registered before any rule gets it.
  expect(
    (
      await server!.api(
        '/api/v1/records/rules',
        json({
          code: 'decisions',
          nameAr: 'قرارات وزارية',
          period: null,
          trigger: 'registered',
          action: 'review',
          docType: 'قرار',
        }),
      )
    ).status,
  ).toBe(201);
  let r = await retentionOf(decision.id);
  expect(r.rule).toMatchObject({ code: 'decisions', version: 1, period: null });
  expect(r.due).toBeNull();

  // Made 30 minutes: a new version, ledgered with its reason; the due date moves and the objects are locked to it.
  const changed = await server!.api(
    '/api/v1/records/rules/decisions',
    json({ period: '30m', reason: 'قرار لجنة الإتلاف رقم ٣' }),
  );
  expect(changed.status).toBe(200);
  const registeredAt = Date.parse(
    ((await (await server!.api(`/api/v1/documents/${decision.id}`)).json()) as { createdAt: string }).createdAt,
  );
  r = await retentionOf(decision.id);
  expect(r.rule).toMatchObject({ code: 'decisions', version: 2, period: '30m' });
  expect(Date.parse(r.due!)).toBe(registeredAt + 30 * 60_000);
  const ledger = await server!.core.db.query<{
    event: string;
    payload: { code: string; version: number; period: string; reason: string };
  }>(
    "SELECT event, payload FROM ledger WHERE event IN ('rule-created', 'rule-changed') AND payload->>'code' = 'decisions' ORDER BY seq",
  );
  expect(ledger.rows.map((e) => [e.event, e.payload.version, e.payload.period])).toEqual([
    ['rule-created', 1, null],
    ['rule-changed', 2, '30m'],
  ]);
  expect(ledger.rows[1]!.payload.reason).toBe('قرار لجنة الإتلاف رقم ٣');
  const relock = await server!.job<{ relocked: number }>('/api/v1/records/extend-locks');
  expect(relock.state).toBe('done');
  const original = decision.replicas.find((c) => c.key.endsWith('original.png'))!.key;
  for (const store of [primary, offsite])
    expect(Math.abs((await lockOf(store, original)) - Date.parse(r.due!))).toBeLessThan(1500);

  // Made shorter: the due date moves back, the lock stays as it was and the document waits for it.
  expect((await server!.api('/api/v1/records/rules/decisions', json({ period: '1m', reason: 'تعديل الجدول' }))).status).toBe(200);
  const shorter = await retentionOf(decision.id);
  expect(shorter.rule).toMatchObject({ version: 3, period: '1m' });
  expect(Date.parse(shorter.due!)).toBe(registeredAt + 60_000);
  expect(shorter.lockUntil).toBe(r.lockUntil);
  expect(shorter.waitsForLock).toBe(true);
  await server!.job('/api/v1/records/extend-locks');
  for (const store of [primary, offsite])
    expect(Math.abs((await lockOf(store, original)) - Date.parse(r.due!))).toBeLessThan(1500);

  const show = await runCli(server!, ['rules', 'show', 'decisions', '--json']);
  expect((JSON.parse(show.out) as { versions: Array<{ version: number }> }).versions.map((v) => v.version)).toEqual([3, 2, 1]);
});

test("a rule counted from the file's closing starts when the file is closed", async () => {
  const made = await runCli(server!, [
    'rules',
    'add',
    '--code',
    'files',
    '--name-ar',
    'ملفات المعاملات',
    '--period',
    '10m',
    '--trigger',
    'closed',
    '--action',
    'transfer',
    '--type',
    'ملف',
    '--json',
  ]);
  expect(made.code).toBe(0);
  let r = await retentionOf(file.id);
  expect(r.rule).toMatchObject({ code: 'files', action: 'transfer' });
  expect(r.due).toBeNull();
  const closed = await runCli(server!, ['close', file.registryNo, '--json']);
  expect(closed.code).toBe(0);
  r = await retentionOf(file.id);
  expect(r.closedAt).not.toBeNull();
  expect(Date.parse(r.due!)).toBe(Date.parse(r.closedAt!) + 10 * 60_000);
  const again = await server!.api(`/api/v1/documents/${file.id}/close`, json({}));
  expect(again.status).toBe(409);
  expect(((await again.json()) as { error: string }).error).toBe('file_closed');
  const entry = await server!.core.db.query("SELECT document_id FROM ledger WHERE event = 'file-closed'");
  expect(entry.rows).toEqual([{ document_id: file.id }]);
});

test('the viewer: the records hub, the schedule with its forms, the due list and the retention card', async () => {
  const html = async (p: string) => {
    const res = await server!.api(p);
    expect(res.status).toBe(200);
    return res.text();
  };
  expect(await html('/records')).toContain('href="/records/rules"');
  const csrf = 'csrf-token-for-the-form-0123';
  const form = (p: string, fields: Record<string, string>) =>
    server!.api(p, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `diwan_csrf=${csrf}` },
      body: new URLSearchParams({ ...fields, _csrf: csrf }).toString(),
    });
  const fields = {
    code: 'letters',
    nameAr: 'مراسلات عامة',
    period: 'سبع',
    trigger: 'registered',
    action: 'review',
    docType: 'رسالة',
  };
  const bad = await form('/records/rules', fields);
  expect(bad.status).toBe(303);
  expect(bad.headers.get('location')).toBe('/records/rules?error=bad_period#rules');
  expect((await form('/records/rules', { ...fields, period: '7y' })).headers.get('location')).toBe('/records/rules#rules');
  const rules = await html('/records/rules');
  expect(rules).toContain('dir="rtl"');
  expect(rules).toContain('مراسلات عامة');
  expect(rules).toContain('data-code="letters"');
  expect(rules).toContain('id="rule-add"');
  const due = await html(`/records/due?before=${new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)}&action=transfer`);
  expect(due).toContain(file.registryNo);
  const card = await html(`/documents/${decision.id}`);
  expect(card).toContain('id="retention"');
  expect(card).toContain('id="retention-waits"');
  expect(card).toContain('id="close-file"');
  expect(await html(`/documents/${file.id}`)).not.toContain('id="close-file"');
});

test('a restore brings the rules, their versions and the closings back, and the due dates with them', async () => {
  const before = await Promise.all([decision, file].map((d) => retentionOf(d.id)));
  expect((await runCli(server!, ['audit', 'checkpoint', '--json'])).code).toBe(0);
  await server!.stop();
  server = undefined;
  await fetch(`${env.MEILI_URL}/indexes/${env.MEILI_INDEX}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${env.MEILI_MASTER_KEY}` },
  });
  env = await restoreTarget(env, 'restored');
  const { code, out } = await runCliWith(env, ['restore', '--from', 'offsite', '--json']);
  expect((JSON.parse(out) as { problems: string[] }).problems).toEqual([]);
  expect(code).toBe(0);
  server = await startTestServer(env);
  const rules = (await (await server.api('/api/v1/records/rules')).json()) as { items: Array<{ code: string; version: number }> };
  expect(rules.items.map((x) => [x.code, x.version])).toEqual([
    ['decisions', 3],
    ['files', 1],
    ['letters', 1],
    ['requests', 1],
  ]);
  const after = await Promise.all([decision, file].map((d) => retentionOf(d.id)));
  for (const [i, a] of after.entries()) {
    expect(a.rule).toEqual(before[i]!.rule);
    expect(a.due).toBe(before[i]!.due);
    expect(a.closedAt).toBe(before[i]!.closedAt);
  }
  // The short rule's document comes due: listed with no date given, and counted by the metric.
  const deadline = Date.now() + 60_000;
  let due: Array<{ rule: { code: string } }> = [];
  while (due.length === 0 && Date.now() < deadline) {
    due = ((await (await server.api('/api/v1/records/due?action=destroy')).json()) as { items: typeof due }).items;
    if (due.length === 0) await new Promise((r) => setTimeout(r, 1000));
  }
  expect(due.map((d) => d.rule.code)).toEqual(['requests']);
  expect(await (await server.api('/metrics')).text()).toContain('diwan_documents_due{action="destroy"} 1');
});

// From here on: the restored archive (its stores are the server's own).

const addRule = async (rule: Record<string, unknown>) =>
  expect((await server!.api('/api/v1/records/rules', json({ trigger: 'registered', ...rule }))).status).toBe(201);

test('a correction of type or classification gives the document its rule and due date again, and locks it again', async () => {
  await addRule({ code: 'temporary', nameAr: 'مراسلات مؤقتة', period: '1m', action: 'destroy', docType: 'مؤقت' });
  await addRule({ code: 'contracts', nameAr: 'عقود', period: '20m', action: 'destroy', docType: 'عقد' });
  await addRule({
    code: 'confidential-contracts',
    nameAr: 'عقود سرية',
    period: '40m',
    action: 'transfer',
    docType: 'عقد',
    classification: 'confidential',
  });
  await addRule({ code: 'decrees', nameAr: 'قرارات وزارية', period: null, action: 'review', docType: 'قرار وزاري' });
  const doc = await archivedWithCopies(await upload(5, 'مؤقت'));
  const registeredAt = Date.parse(
    ((await (await server!.api(`/api/v1/documents/${doc.id}`)).json()) as { createdAt: string }).createdAt,
  );
  expect((await retentionOf(doc.id)).rule).toMatchObject({ code: 'temporary' });
  const correct = (body: Record<string, unknown>) =>
    server!.api(`/api/v1/documents/${doc.id}`, { ...json({ ...body, reason: 'تصحيح نوع الوثيقة' }), method: 'PATCH' });

  // A longer rule: the due date and the lock rise in the correction's transaction, and a re-lock is asked for
  // (once the restore's own request has run: a request while one is queued joins it).
  await extensionsSettled();
  const asked = new Date();
  expect((await correct({ docType: 'عقد' })).status).toBe(200);
  let r = await retentionOf(doc.id);
  expect(r.rule).toMatchObject({ code: 'contracts', version: 1 });
  expect(Date.parse(r.due!)).toBe(registeredAt + 20 * 60_000);
  expect(r.lockUntil).toBe(r.due);
  const jobs = await server!.core.db.query("SELECT 1 FROM jobs WHERE kind = 'lock-extension' AND created_at >= $1", [asked]);
  expect(jobs.rows.length).toBe(1);
  expect((await server!.job('/api/v1/records/extend-locks')).state).toBe('done');
  const original = doc.replicas.find((c) => c.key.endsWith('original.png'))!.key;
  for (const store of [server!.core.primary, server!.core.offsite])
    expect(Math.abs((await lockOf(store, original)) - Date.parse(r.due!))).toBeLessThan(1500);

  // The classification chooses too (the more specific rule wins).
  expect((await correct({ classification: 'confidential' })).status).toBe(200);
  r = await retentionOf(doc.id);
  expect(r.rule).toMatchObject({ code: 'confidential-contracts', action: 'transfer' });
  expect(Date.parse(r.due!)).toBe(registeredAt + 40 * 60_000);

  // Corrected to a permanent record: no due date any more, the lock as it was.
  expect((await correct({ docType: 'قرار وزاري' })).status).toBe(200);
  const kept = await retentionOf(doc.id);
  expect(kept.rule).toMatchObject({ code: 'decrees', period: null });
  expect(kept.due).toBeNull();
  expect(kept.lockUntil).toBe(r.lockUntil);
});

/** Documents under a 15-second rule: one kept, one in an approved disposal, one above the archivist's clearance. */
let dueKept: DocumentJson;
let dueDisposing: DocumentJson;
let dueSecret: DocumentJson;

/** Waits until no lock extension is queued or running (one would extend a lock due within half a step). */
async function extensionsSettled(): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const open = await server!.core.db.query(
      "SELECT 1 FROM jobs WHERE kind = 'lock-extension' AND state IN ('queued', 'running')",
    );
    if (open.rows.length === 0) return;
    if (Date.now() > deadline) throw new Error('a lock extension is still running');
    await new Promise((r) => setTimeout(r, 300));
  }
}

test('a document kept past its due date stays locked, in short steps, unless it is in an approved disposal', async () => {
  await extensionsSettled();
  await addRule({ code: 'short', nameAr: 'قصيرة الأجل', period: '15s', action: 'destroy', docType: 'قصير' });
  const due = await Promise.all(
    [
      upload(6, 'قصير'),
      upload(7, 'قصير'),
      upload(8, 'قصير', { classification: 'confidential', title: 'مذكرة سرية عن التعيينات' }),
    ].map(async (id) => archivedWithCopies(await id)),
  );
  [dueKept, dueDisposing, dueSecret] = [due[0]!, due[1]!, due[2]!];
  const before = await Promise.all([dueKept, dueDisposing].map((d) => retentionOf(d.id)));
  // Until both the due date and the lock (the same date) have passed.
  const latest = Math.max(...before.map((r) => Date.parse(r.lockUntil!)));
  expect(latest).toBe(Math.max(...before.map((r) => Date.parse(r.due!))));
  await new Promise((res) => setTimeout(res, Math.max(0, latest + 1000 - Date.now())));
  const keyOf = (d: DocumentJson) => d.replicas.find((c) => c.key.endsWith('original.png'))!.key;

  // Due and not in an approved disposal: a late write still gets a lock (the default), never none.
  expect(await lockUntilForKey(server!.core.db, keyOf(dueKept), 120_000)).toBeUndefined();
  // In an approved disposal: no lock is needed any more.
  const disposal = crypto.randomUUID();
  await server!.core.db.query(
    `INSERT INTO disposals (id, title, state, requested_at, requested_by, approving_body, decision_no, decision_date, decided_at, decided_by)
     VALUES ($1, 'إتلاف تجريبي', 'approved', now(), 'amina', 'لجنة الإتلاف', '7', current_date, now(), 'admin')`,
    [disposal],
  );
  await server!.core.db.query('INSERT INTO disposal_items (disposal_id, document_id) VALUES ($1, $2)', [
    disposal,
    dueDisposing.id,
  ]);
  expect(await lockUntilForKey(server!.core.db, keyOf(dueDisposing), 120_000)).toBeNull();

  const run = await runCli(server!, ['records', 'extend-locks', '--json', '--quiet']);
  expect(run.code).toBe(0);
  expect((JSON.parse(run.out) as { errors: string[] }).errors).toEqual([]);
  // Kept: extended by one step (a minute), its objects locked to it in both buckets.
  const kept = await retentionOf(dueKept.id);
  expect(Date.parse(kept.lockUntil!)).toBeGreaterThan(Date.now() + 45_000);
  expect(Date.parse(kept.lockUntil!)).toBeLessThan(Date.now() + 61_000);
  for (const store of [server!.core.primary, server!.core.offsite]) {
    for (const c of dueKept.replicas)
      expect(Math.abs((await lockOf(store, c.key)) - Date.parse(kept.lockUntil!))).toBeLessThan(1500);
  }
  // In the approved disposal: left to run out.
  const disposing = await retentionOf(dueDisposing.id);
  expect(disposing.lockUntil).toBe(before[1]!.lockUntil);
  expect(await lockOf(server!.core.primary, keyOf(dueDisposing))).toBeLessThan(Date.now());
});

test("the archive's own files are locked for the whole period from their writing, even when the job has not run", async () => {
  const own = await readState<string>(server!.core.db, OWN_FILES_LOCK);
  try {
    await writeState(server!.core.db, OWN_FILES_LOCK, new Date(Date.now() - 60_000).toISOString());
    for (const key of [
      'ledger/segments/000099.jsonl',
      'checkpoints/000099.json',
      `${dueKept.replicas[0]!.key.replace(/[^/]+$/, '')}tombstone.json`,
    ]) {
      const until = await lockUntilForKey(server!.core.db, key, 120_000);
      expect(until?.getTime()).toBeGreaterThan(Date.now() + 115_000);
    }
    // A lock the job gave beyond that is kept.
    const later = new Date(Date.now() + 600_000);
    await writeState(server!.core.db, OWN_FILES_LOCK, later.toISOString());
    expect((await lockUntilForKey(server!.core.db, 'ledger/segments/000099.jsonl', 120_000))?.getTime()).toBe(later.getTime());
  } finally {
    await writeState(server!.core.db, OWN_FILES_LOCK, own);
  }
});

test('the due list gives titles only to whoever may read the document, and an error, not an empty list, when it fails', async () => {
  const post = (p: string, body: unknown) => server!.api(`/api/v1${p}`, json(body));
  expect((await post('/users', { username: 'amina', displayName: 'أمينة', role: 'archivist' })).status).toBe(201);
  const token = ((await (await post('/tokens', { username: 'amina', name: 'cli' })).json()) as { token: string }).token;
  const items = (
    (await (await server!.api('/api/v1/records/due?action=destroy', { token })).json()) as {
      items: Array<{ id: string; registryNo: string; title: string | null; titleWithheld: boolean; rule: { code: string } }>;
    }
  ).items;
  const secret = items.find((d) => d.id === dueSecret.id)!;
  expect(secret).toMatchObject({ registryNo: dueSecret.registryNo, title: null, titleWithheld: true, rule: { code: 'short' } });
  expect(items.find((d) => d.id === dueKept.id)).toMatchObject({ title: 'وثيقة 6', titleWithheld: false });
  const page = await server!.api('/records/due?action=destroy', { token });
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain(dueSecret.registryNo);
  expect(html).toContain('وثيقة 6');
  expect(html).not.toContain('مذكرة سرية');
  expect(html).toContain('محجوب');
  // The administrator reads it.
  expect(await (await server!.api('/records/due?action=destroy')).text()).toContain('مذكرة سرية عن التعيينات');

  // A page cursor that is not valid, and a database that cannot answer: said so, never "nothing is due".
  const bad = await server!.api('/records/due?cursor=nonsense');
  expect(bad.status).toBe(400);
  expect(await bad.text()).toContain('id="due-failed"');
  const owner = new pg.Client({ connectionString: env.DATABASE_OWNER_URL });
  await owner.connect();
  let failed: Response;
  try {
    await owner.query('ALTER TABLE retention_rules RENAME TO retention_rules_away');
    failed = await server!.api('/records/due');
  } finally {
    await owner.query('ALTER TABLE retention_rules_away RENAME TO retention_rules');
    await owner.end();
  }
  expect(failed.status).toBe(503);
  const text = await failed.text();
  expect(text).toContain('id="due-failed"');
  expect(text).not.toContain('id="due-empty"');
});

test("the extension job's first step reads only its partial indexes", async () => {
  const c = new pg.Client({ connectionString: env.DATABASE_OWNER_URL });
  await c.connect();
  try {
    await c.query('ANALYZE documents');
    await c.query('SET enable_seqscan = off');
    const plans: string[] = [];
    for (const s of EXTEND_STEPS) {
      // Locks ending by now: the few a run extends, among the many it must not read.
      const where = s.where.replaceAll('$1::float8', '0::float8').replaceAll('$2::float8', '0::float8');
      const res = await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN SELECT id FROM documents WHERE ${where}`);
      plans.push(res.rows.map((row) => row['QUERY PLAN']).join('\n'));
    }
    expect(plans[0]).toContain('documents_lock_nodue_idx');
    expect(plans[1]).toContain('documents_default_lock_idx');
    expect(plans[2]).toContain('documents_lock_due_idx');
  } finally {
    await c.end();
  }
});

test('the documents a rule touches are those it gave and those it matches, read from indexes; a retired rule matches none', async () => {
  // A rule for a type, retired again: it still touches what it gave, and matches nothing new.
  for (const body of [
    { code: 'memos', nameAr: 'مذكرات', period: '10y', trigger: 'registered', action: 'destroy', docType: 'مذكرة' },
    {
      code: 'everything-secret',
      nameAr: 'كل سري',
      period: null,
      trigger: 'registered',
      action: 'review',
      classification: 'secret',
    },
  ])
    expect((await server!.api('/api/v1/records/rules', json(body))).status).toBe(201);
  expect((await server!.api('/api/v1/records/rules/memos/retire', json({ reason: 'أُدمجت في غيرها' }))).status).toBe(200);
  // The reference: every document matched against the rules' current versions, as the rule's definition reads.
  const reference = `SELECT count(*)::int AS n FROM documents t WHERE t.destroyed_at IS NULL AND (
    t.retention_rule_id IN (SELECT id FROM retention_rules WHERE code = $1)
    OR EXISTS (SELECT 1 FROM retention_rules_current c WHERE c.code = $1 AND NOT c.retired
      AND (c.doc_type IS NULL OR c.doc_type = t.doc_type) AND (c.register IS NULL OR c.register = t.register)
      AND (c.classification IS NULL OR c.classification = t.classification)))`;
  const db = server!.core.db;
  const codes = (await db.query<{ code: string }>('SELECT DISTINCT code FROM retention_rules ORDER BY code')).rows.map(
    (r) => r.code,
  );
  expect(codes).toEqual(expect.arrayContaining(['decisions', 'memos', 'everything-secret']));
  const counts: Record<string, [number, number]> = {};
  for (const code of codes)
    counts[code] = [await countTouched(db, code, 1_000_000), (await db.query<{ n: number }>(reference, [code])).rows[0]!.n];
  for (const [code, [ours, theirs]] of Object.entries(counts)) expect({ code, n: ours }).toEqual({ code, n: theirs });
  expect(counts['decisions']![0]).toBeGreaterThan(0);
  // A type's rule is found from the index on type, not by reading every document.
  const c = new pg.Client({ connectionString: env.DATABASE_OWNER_URL });
  await c.connect();
  try {
    await c.query('SET enable_seqscan = off');
    // The condition the product builds for the rule of a type (its versions, then its fields as values).
    const { where, params } = await ruleTouches(db, 'decisions');
    const plan = await c.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT 1 FROM documents t WHERE t.destroyed_at IS NULL AND (${where})`,
      params,
    );
    expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('documents_doc_type_idx');
  } finally {
    await c.end();
  }
});
