/**
 * Legal holds on the real services (MinIO with Object Lock in both buckets). Two letters under a rule of
 * twenty seconds are put on hold for a court case, one by its registry number through the CLI, the other
 * as a search result: every object of each carries S3 legal hold ON in both buckets, and an approved
 * disposal blocks both as 'held'. Lifting the first hold turns its objects' legal hold OFF (the other's
 * stay ON) and the disposal then destroys it. A hold placed while an execution is under way stops the
 * documents it names that are not yet gone. After the building is lost, a restore from the offsite copy
 * brings back the holds as they were and the destroyed letter as its tombstone, its number still used.
 */
import * as Minio from 'minio';
import pg from 'pg';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { loadConfig, type S3Target } from '../src/config';
import { startCore } from '../src/runtime/core';
import { DISPOSAL_LOCK_NAMESPACE, holdSyncPending } from '../storage/records/holds';
import { heldCount } from '../storage/stats';
import { parseRegistryNo } from '../kernel/registry';
import { LINK_DISPOSALS_SQL, LINK_HOLDS_SQL } from '../storage/records/destroyed';
import { ITEMS_PAGE_SQL } from '../storage/records/disposals';
import { csrfForSession } from '../src/auth';
import { restoreArchive } from '../storage/restore/restore';
import {
  isolatedEnv,
  restoreTarget,
  runCli,
  runCliWith,
  sha256,
  startTestServer,
  untilAllDue,
  type DocumentJson,
  type TestServer,
} from './helpers';

jest.setTimeout(300_000);

const json = { 'content-type': 'application/json' };
let env: NodeJS.ProcessEnv;
let server: TestServer | undefined;
let db: pg.Pool;
let karim: string;
let x: DocumentJson;
let y: DocumentJson;
/** Destroyed and held while one execution runs (first and second in registry order). */
let z: [DocumentJson, DocumentJson];
let caseHold: { id: string };
let searchHold: { id: string };
let disposal: { id: string };

/** How many holds in force hold each document, as the triggers keep it. */
async function holdsOf(...docs: DocumentJson[]): Promise<number[]> {
  const res = await db.query<{ id: string; holds: number | null }>(
    'SELECT d.id, h.holds FROM unnest($1::uuid[]) AS d(id) LEFT JOIN documents_held h ON h.document_id = d.id',
    [docs.map((d) => d.id)],
  );
  return docs.map((d) => res.rows.find((r) => r.id === d.id)?.holds ?? 0);
}

const post = (p: string, body: unknown, token?: string) =>
  server!.api(`/api/v1${p}`, { method: 'POST', headers: json, body: JSON.stringify(body), token });

const client = (t: S3Target) =>
  new Minio.Client({ endPoint: t.endPoint, port: t.port, useSSL: t.useSSL, accessKey: t.accessKey, secretKey: t.secretKey });

/** Whether each object of the document carries legal hold, as each bucket itself says: primary's files and the offsite's copies. */
async function legalHolds(doc: DocumentJson): Promise<{ primary: boolean[]; offsite: boolean[] }> {
  const state = async (t: S3Target, keys: string[]) =>
    Promise.all(
      keys.map(async (k) => {
        const h = (await client(t).getObjectLegalHold(t.bucket, k)) as unknown as { Status?: string; status?: string };
        return (h.Status ?? h.status) === 'ON';
      }),
    );
  const a = await db.query<{ key: string }>('SELECT key FROM artefacts WHERE document_id = $1', [doc.id]);
  const r = await db.query<{ key: string }>('SELECT key FROM replicas WHERE document_id = $1 AND target = $2', [
    doc.id,
    server!.core.offsite.name,
  ]);
  expect(a.rows.length).toBeGreaterThan(3);
  expect(r.rows.length).toBe(a.rows.length);
  return {
    primary: await state(
      server!.config.s3!,
      a.rows.map((k) => k.key),
    ),
    offsite: await state(
      server!.config.offsite!,
      r.rows.map((k) => k.key),
    ),
  };
}

async function upload(lines: string[], seed: number): Promise<DocumentJson> {
  const res = await server!.upload(await renderArabicScan(lines, { seed }), `letter-${seed}.jpg`, {
    docType: 'قضية',
    title: lines[0]!,
  });
  const doc = await server!.waitFor(((await res.json()) as { id: string }).id);
  expect(doc.status).toBe('archived');
  return doc;
}

beforeAll(async () => {
  // A due record not yet approved for disposal is kept locked a step at a time: seconds here, so it is due within the test.
  env = await isolatedEnv({ DIWAN_DUE_LOCK_STEP: '2s', DIWAN_LOCK_EXTEND_HOURS: '0' });
  server = await startTestServer(env);
  db = new pg.Pool({ connectionString: env.DATABASE_URL });
  expect((await post('/users', { username: 'karim', displayName: 'karim', role: 'admin' })).status).toBe(201);
  karim = ((await (await post('/tokens', { username: 'karim', name: 'tests' })).json()) as { token: string }).token;
  const rule = {
    code: 'case-files',
    nameAr: 'ملفات مؤقتة',
    docType: 'قضية',
    period: '20s',
    trigger: 'registered',
    action: 'destroy',
  };
  expect((await post('/records/rules', rule)).status).toBe(201);
  x = await upload(['عقد إيجار مكتب الوزارة', 'في شارع الحمراء'], 51);
  y = await upload(['مناقصة تجهيز المختبرات', 'دفتر الشروط الخاصة'], 52);
  const zs = await Promise.all([
    upload(['محضر جرد المستودع', 'للعام الماضي'], 53),
    upload(['كشف رواتب المتعاقدين', 'عن شهر أيار'], 54),
  ]);
  z = zs.sort((p, q) => parseRegistryNo(p.registryNo)!.seq - parseRegistryNo(q.registryNo)!.seq) as [DocumentJson, DocumentJson];
});

afterAll(async () => {
  await db?.end();
  await server?.stop();
});

test('a held document carries legal hold on every object in both buckets and cannot be disposed of', async () => {
  const added = await runCli(server!, [
    'holds',
    'add',
    '--case',
    'دعوى ٢٠٢٦/٧٧',
    '--reason',
    'نزاع على عقد الإيجار',
    '--ids',
    x.registryNo,
    '--json',
  ]);
  expect(added.code).toBe(0);
  caseHold = JSON.parse(added.out) as { id: string };
  const bySearch = await post('/records/holds', { caseRef: 'تحقيق ٣', reason: 'تدقيق المناقصات', query: 'مناقصة تجهيز' });
  expect(bySearch.status).toBe(201);
  searchHold = (await bySearch.json()) as { id: string; documentCount: number };
  expect(searchHold).toMatchObject({ documentCount: 1, sync: { failed: 0 } });

  for (const doc of [x, y]) {
    const h = await legalHolds(doc);
    expect(h.primary.every(Boolean)).toBe(true);
    expect(h.offsite.every(Boolean)).toBe(true);
    // The store's own reading of the lock state agrees with the bucket's answer.
    const one = await db.query<{ key: string }>('SELECT key FROM artefacts WHERE document_id = $1 LIMIT 1', [doc.id]);
    expect((await server!.core.primary.lockState!(one.rows[0]!.key)).legalHold).toBe(true);
  }
  // One ledger entry per hold, naming its documents.
  const held = await db.query<{ payload: { holdId: string; documentIds: string[] } }>(
    "SELECT payload FROM ledger WHERE event = 'held' ORDER BY seq",
  );
  expect(held.rows.map((r) => r.payload.documentIds)).toEqual([[x.id], [y.id]]);
  // Both buckets were told at once, so nothing waits for them (the queue empties as each document is done).
  expect(await holdSyncPending(server!.core.db)).toBe(0);
  // Counted as they are held: each hold its documents, the archive its held documents.
  expect(await holdsOf(x, y, z[0])).toEqual([1, 1, 0]);
  expect(await heldCount(server!.core.db)).toBe(2);
  const { holds: listedHolds } = (await (await server!.api('/api/v1/records/holds')).json()) as {
    holds: Array<{ documentCount: number }>;
  };
  expect(listedHolds.map((h) => h.documentCount)).toEqual([1, 1]);

  // Due now: the disposal is approved, but both are held.
  await untilAllDue(db);
  disposal = (await (await post('/records/disposals', { title: 'إتلاف', documents: [x.id, y.id] })).json()) as { id: string };
  const approval = { approve: true, approvingBody: 'المحفوظات الوطنية', decisionNo: '٩', decisionDate: '2026-12-02' };
  expect((await post(`/records/disposals/${disposal.id}/decide`, approval, karim)).status).toBe(200);
  const job = await server!.job(`/api/v1/records/disposals/${disposal.id}/execute`, { headers: json, body: '{}' });
  expect(job.result).toEqual({ disposalId: disposal.id, destroyed: 0, blocked: 2, reasons: { held: 2 } });
  const run = (await (await server!.api(`/api/v1/records/disposals/${disposal.id}`)).json()) as {
    items: Array<{ documentId: string; state: string; blockedReason: string | null }>;
  };
  expect(run.items.map((i) => [i.state, i.blockedReason])).toEqual([
    ['blocked', 'held'],
    ['blocked', 'held'],
  ]);
  expect((await legalHolds(x)).primary.every(Boolean)).toBe(true);
});

test('lifting the hold turns legal hold off, and the disposal then proceeds', async () => {
  const lifted = await runCli(server!, ['holds', 'lift', caseHold.id, '--reason', 'صدر الحكم النهائي', '--json']);
  expect(lifted.code).toBe(0);
  expect(JSON.parse(lifted.out)).toMatchObject({ liftReason: 'صدر الحكم النهائي', sync: { failed: 0 } });
  const off = await legalHolds(x);
  expect(off.primary.some(Boolean) || off.offsite.some(Boolean)).toBe(false);
  const still = await legalHolds(y);
  expect(still.primary.every(Boolean) && still.offsite.every(Boolean)).toBe(true);
  // Lifting it again is refused.
  expect((await post(`/records/holds/${caseHold.id}/lift`, { reason: 'مرة ثانية' })).status).toBe(409);
  expect(await holdsOf(x, y)).toEqual([0, 1]);
  expect(await heldCount(server!.core.db)).toBe(1);
  // A second hold on a held document and another, lifted again: the document stays held by the first, counted once.
  const second = (await (
    await post('/records/holds', { caseRef: 'تحقيق ٤', reason: 'طلب ثان', documents: [z[0].id, y.id] })
  ).json()) as { id: string; documentCount: number };
  expect(second.documentCount).toBe(2);
  expect(await holdsOf(y, z[0])).toEqual([2, 1]);
  expect(await heldCount(server!.core.db)).toBe(2);
  // Its documents a page at a time, in registry order.
  type Page = { documents: Array<{ id: string }>; documentsNext: string | null };
  const first = (await (await server!.api(`/api/v1/records/holds/${second.id}?limit=1`)).json()) as Page;
  const [earlier, later] = [y, z[0]].sort((p, q) => parseRegistryNo(p.registryNo)!.seq - parseRegistryNo(q.registryNo)!.seq);
  expect(first.documents.map((d) => d.id)).toEqual([earlier!.id]);
  expect(first.documentsNext).toBe(earlier!.registryNo);
  const rest = (await (
    await server!.api(`/api/v1/records/holds/${second.id}?limit=1&after=${encodeURIComponent(first.documentsNext!)}`)
  ).json()) as Page;
  expect(rest).toMatchObject({ documents: [{ id: later!.id }], documentsNext: null });
  expect((await server!.api(`/api/v1/records/holds/${second.id}?after=2026-x`)).status).toBe(400);
  expect((await post(`/records/holds/${second.id}/lift`, { reason: 'انتهى الطلب الثاني' })).status).toBe(200);
  expect(await holdsOf(y, z[0])).toEqual([1, 0]);
  expect(await heldCount(server!.core.db)).toBe(1);

  const run = await runCliWith(
    { DIWAN_URL: server!.url, DIWAN_TOKEN: process.env.DIWAN_TOKEN ?? 'test-admin-token-0123456789' },
    ['disposals', 'execute', disposal.id, '--json'],
  );
  const items = (JSON.parse(run.out) as { items: Array<{ documentId: string; state: string; blockedReason: string | null }> })
    .items;
  expect(items.find((i) => i.documentId === x.id)).toMatchObject({ state: 'destroyed' });
  expect(items.find((i) => i.documentId === y.id)).toMatchObject({ state: 'blocked', blockedReason: 'held' });
  // The viewer's pages list the holds (Arabic first) and the disposal with each document's outcome; the document's card says held.
  const holdsHtml = await (await server!.api('/records/holds')).text();
  expect(holdsHtml).toContain('dir="rtl"');
  expect(holdsHtml).toContain('دعوى ٢٠٢٦/٧٧');
  expect(holdsHtml).toContain('مرفوع');
  // The list gives each request's counts; its documents are on its own page, a page at a time.
  const disposalsHtml = await (await server!.api('/records/disposals')).text();
  expect(disposalsHtml).toContain(`href="/records/disposals/${disposal.id}"`);
  expect(disposalsHtml).not.toContain('محجوزة');
  const requestHtml = await (await server!.api(`/records/disposals/${disposal.id}`)).text();
  expect(requestHtml).toContain('dir="rtl"');
  expect(requestHtml).toContain('أُتلفت');
  expect(requestHtml).toContain('محجوزة');
  expect(requestHtml).toContain(x.registryNo);
  const after = await (await server!.api(`/records/disposals/${disposal.id}?after=${encodeURIComponent(x.registryNo)}`)).text();
  expect(after).toContain(y.registryNo);
  expect(after).not.toContain(x.registryNo);
  // The API gives the request's items a page at a time too.
  type Items = { items: Array<{ documentId: string }>; itemsNext: string | null; counts: { items: number; destroyed: number } };
  const apiFirst = (await (await server!.api(`/api/v1/records/disposals/${disposal.id}?limit=1`)).json()) as Items;
  expect(apiFirst).toMatchObject({ items: [{ documentId: x.id }], itemsNext: x.registryNo, counts: { items: 2, destroyed: 1 } });
  const apiRest = (await (
    await server!.api(`/api/v1/records/disposals/${disposal.id}?limit=1&after=${encodeURIComponent(apiFirst.itemsNext!)}`)
  ).json()) as Items;
  expect(apiRest).toMatchObject({ items: [{ documentId: y.id }], itemsNext: null });
  // A page of items is read from the items' index in registry order, not sorted from all of the request's items.
  const ref = parseRegistryNo(x.registryNo)!;
  const plan = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${ITEMS_PAGE_SQL}`, [
    disposal.id,
    ref.register,
    ref.year,
    ref.seq,
    201,
  ]);
  expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/Index Scan using disposal_items_order_idx/);
  // A hold's documents by number to an archivist of lower clearance, their titles only to who may read them.
  expect((await post('/users', { username: 'salma', displayName: 'salma', role: 'archivist' })).status).toBe(201);
  const salma = ((await (await post('/tokens', { username: 'salma', name: 'tests' })).json()) as { token: string }).token;
  await db.query("UPDATE documents SET classification = 'confidential' WHERE id = $1", [y.id]);
  const seen = (await (await server!.api(`/api/v1/records/holds/${searchHold.id}`, { token: salma })).json()) as {
    documents: Array<Record<string, unknown>>;
  };
  expect(seen.documents).toEqual([{ id: y.id, registryNo: y.registryNo, title: null, status: 'archived' }]);
  const full = (await (await server!.api(`/api/v1/records/holds/${searchHold.id}`)).json()) as typeof seen;
  expect(full.documents[0]!.title).toBe('مناقصة تجهيز المختبرات');
  await db.query("UPDATE documents SET classification = 'public' WHERE id = $1", [y.id]);
  const card = await (await server!.api(`/documents/${y.id}`)).text();
  expect(card).toContain('id="held-now"');
  const listed = await runCli(server!, ['holds', 'list']);
  expect(listed.out).toContain('in force');
  expect(listed.out).toContain('lifted');
});

test('a hold placed while a disposal runs stops the documents it names that are not yet gone', async () => {
  const [first, second] = z;
  // A records manager signed in to the viewer.
  expect((await post('/users', { username: 'huda', displayName: 'هدى', role: 'archivist' })).status).toBe(201);
  const hudaId = (await db.query<{ id: string }>("SELECT id FROM users WHERE username = 'huda'")).rows[0]!.id;
  const session = await server!.core.users.startSession(hudaId, 3600_000);
  const cookie = `diwan_session=${session}`;
  const p = (await (await post('/records/disposals', { title: 'إتلاف الجرد', documents: [first.id, second.id] })).json()) as {
    id: string;
  };
  const approval = { approve: true, approvingBody: 'المحفوظات الوطنية', decisionNo: '١١', decisionDate: '2026-12-04' };
  expect((await post(`/records/disposals/${p.id}/decide`, approval, karim)).status).toBe(200);
  // Another run is at the first document (it holds its lock): this execution waits there, its list already read.
  const other = await db.connect();
  try {
    await other.query('SELECT pg_advisory_lock($1, hashtext($2))', [DISPOSAL_LOCK_NAMESPACE, first.id]);
    // Carried out by a job (the test server runs jobs), which is asked for here and followed to its end below.
    const running = server!.job(`/api/v1/records/disposals/${p.id}/execute`, { headers: json, body: '{}' });
    const waiting = async () =>
      (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid::bigint = $1
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
          [DISPOSAL_LOCK_NAMESPACE],
        )
      ).rows[0]!.n;
    for (let i = 0; i < 100 && (await waiting()) === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await waiting()).toBe(1);
    // The request's page in the viewer says it is being carried out, in place of its button; the form asks for the
    // same job again rather than a second one.
    const page = async () => (await fetch(`${server!.url}/records/disposals/${p.id}`, { headers: { cookie } })).text();
    const shown = await page();
    expect(shown).toContain('id="disposal-running"');
    expect(shown).toContain('يُنفَّذ الإتلاف الآن');
    expect(shown).not.toContain(`action="/records/disposals/${p.id}/execute"`);
    const form = await fetch(`${server!.url}/records/disposals/${p.id}/execute`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrfForSession(session) }),
    });
    expect([form.status, form.headers.get('location')]).toEqual([303, `/records/disposals/${p.id}`]);
    const jobs = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM jobs WHERE kind = 'disposal-execute' AND params->>'disposalId' = $1",
      [p.id],
    );
    expect(jobs.rows[0]!.n).toBe(1);
    // Meanwhile a court case holds the second one.
    const hold = await post('/records/holds', {
      caseRef: 'دعوى ٢٠٢٦/٩٠',
      reason: 'طعن في الرواتب',
      documents: [second.registryNo],
    });
    expect(hold.status).toBe(201);
    await other.query('SELECT pg_advisory_unlock($1, hashtext($2))', [DISPOSAL_LOCK_NAMESPACE, first.id]);
    expect((await running).result).toEqual({ disposalId: p.id, destroyed: 1, blocked: 1, reasons: { held: 1 } });
    const run = (await (await server!.api(`/api/v1/records/disposals/${p.id}`)).json()) as {
      items: Array<{ documentId: string; state: string; blockedReason: string | null }>;
    };
    expect(run.items.find((i) => i.documentId === first.id)).toMatchObject({ state: 'destroyed' });
    expect(run.items.find((i) => i.documentId === second.id)).toMatchObject({ state: 'blocked', blockedReason: 'held' });
    expect(await page()).not.toContain('id="disposal-running"');
    // With none running, the form starts one: it runs again over what is left (the held one, still held).
    const again = await fetch(`${server!.url}/records/disposals/${p.id}/execute`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrfForSession(session) }),
    });
    expect(again.status).toBe(303);
    const latestJob = async () =>
      (
        await db.query<{ state: string; result: unknown }>(
          `SELECT state, result FROM jobs WHERE kind = 'disposal-execute' AND params->>'disposalId' = $1
            ORDER BY created_at DESC LIMIT 1`,
          [p.id],
        )
      ).rows[0]!;
    const jobCount = await db.query("SELECT 1 FROM jobs WHERE kind = 'disposal-execute' AND params->>'disposalId' = $1", [p.id]);
    expect(jobCount.rowCount).toBe(2);
    for (let i = 0; i < 200 && (await latestJob()).state !== 'done'; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await latestJob()).toEqual({
      state: 'done',
      result: { disposalId: p.id, destroyed: 0, blocked: 1, reasons: { held: 1 } },
    });
  } finally {
    other.release();
  }
  const kept = await legalHolds(second);
  expect(kept.primary.every(Boolean) && kept.offsite.every(Boolean)).toBe(true);
});

test('a restore from the offsite copy brings back the tombstone and the holds', async () => {
  const holdsBefore = (await db.query('SELECT * FROM legal_holds ORDER BY created_at')).rows;
  const linksBefore = (await db.query('SELECT * FROM legal_hold_documents ORDER BY hold_id, document_id')).rows;
  const heldBefore = (await db.query('SELECT * FROM documents_held ORDER BY document_id')).rows;
  expect(heldBefore).toHaveLength(2); // y and the second of z
  // A request as it was decided; its kept counts follow its items (a block is a verdict of an execution, not restored).
  const DISPOSAL_COLUMNS = `id, title, state, requested_at, requested_by, requested_by_user, approving_body, decision_no,
    decision_date, decided_at, decided_by, done_at, note`;
  const disposalBefore = (await db.query(`SELECT ${DISPOSAL_COLUMNS} FROM disposals ORDER BY requested_at`)).rows;
  const seqBefore = (await db.query<{ last_seq: number }>("SELECT last_seq FROM registry_sequences WHERE register = 'incoming'"))
    .rows[0]!;
  expect((await runCli(server!, ['audit', 'checkpoint', '--json'])).code).toBe(0);
  await db.end();
  await server!.stop();
  server = undefined;
  env = await restoreTarget(env, 'holds');
  const core = await startCore(loadConfig(env));
  db = new pg.Pool({ connectionString: env.DATABASE_URL });
  try {
    const report = await restoreArchive({
      db: core.db,
      source: core.offsite,
      other: core.primary,
      offsiteName: core.offsite.name,
    });
    expect(report.registryWork.skipped).toBe(0);
    expect((await core.db.query('SELECT * FROM legal_holds ORDER BY created_at')).rows).toEqual(holdsBefore);
    expect((await core.db.query('SELECT * FROM legal_hold_documents ORDER BY hold_id, document_id')).rows).toEqual(linksBefore);
    // The kept counts come back with them: each hold's documents (in the rows above) and each document's holds in force.
    expect((await core.db.query('SELECT * FROM documents_held ORDER BY document_id')).rows).toEqual(heldBefore);
    expect(await heldCount(core.db)).toBe(2);
    expect((await core.db.query(`SELECT ${DISPOSAL_COLUMNS} FROM disposals ORDER BY requested_at`)).rows).toEqual(disposalBefore);
    const counted = await core.db.query(
      `SELECT p.item_count, p.destroyed_count, p.blocked_count, count(i.*)::int AS items,
              (count(*) FILTER (WHERE i.state = 'destroyed'))::int AS destroyed, (count(*) FILTER (WHERE i.state = 'blocked'))::int AS blocked
       FROM disposals p LEFT JOIN disposal_items i ON i.disposal_id = p.id GROUP BY p.id ORDER BY p.requested_at`,
    );
    expect(counted.rows.map((r) => [r.item_count, r.destroyed_count, r.blocked_count])).toEqual(
      counted.rows.map((r) => [r.items, r.destroyed, r.blocked]),
    );
    expect(counted.rows.map((r) => [r.item_count, r.destroyed_count])).toEqual([
      [2, 1],
      [2, 1],
    ]);
    const back = await core.db.query<{ status: string; registry_seq: number; destroyed_at: Date | null }>(
      'SELECT status, registry_seq, destroyed_at FROM documents WHERE id = $1',
      [x.id],
    );
    expect(back.rows[0]).toMatchObject({ status: 'destroyed' });
    expect(back.rows[0]!.destroyed_at).not.toBeNull();
    const seq = await core.db.query<{ last_seq: number }>("SELECT last_seq FROM registry_sequences WHERE register = 'incoming'");
    expect(seq.rows[0]!.last_seq).toBeGreaterThanOrEqual(seqBefore.last_seq);
    const tomb = await core.db.query<{ key: string }>("SELECT key FROM artefacts WHERE document_id = $1 AND kind = 'tombstone'", [
      x.id,
    ]);
    expect(tomb.rows).toHaveLength(1);
    // The tombstone in the bucket is the one its 'destroyed' entry vouches for.
    const entry = await core.db.query<{ payload: { sha256: string } }>(
      "SELECT payload FROM ledger WHERE event = 'destroyed' AND document_id = $1",
      [x.id],
    );
    expect(sha256(await core.offsite.getBuffer(tomb.rows[0]!.key))).toBe(entry.rows[0]!.payload.sha256);
    // The destroyed documents' holds and requests were found by index, not by reading the ledger once for each.
    const explained = await core.db.connect();
    try {
      await explained.query('BEGIN');
      await explained.query('SET LOCAL enable_seqscan = off');
      for (const [sql, index] of [
        [LINK_HOLDS_SQL, 'ledger_held_documents_idx'],
        [LINK_DISPOSALS_SQL, 'ledger_disposal_documents_idx'],
      ] as const) {
        const plan = await explained.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, [x.id, x.id]);
        expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toContain(index);
      }
      await explained.query('ROLLBACK');
    } finally {
      explained.release();
    }
  } finally {
    await core.stop();
  }
});
