/**
 * Referrals and directives on the real services. An incoming letter is
 * referred to the legal department twice: once already past its due date,
 * once not. The overdue one heads the department's inbox and the overdue
 * list; a closing with neither reply nor note is refused, a note closes the
 * other; an emergency suspension stops the deadline counting and the resume
 * moves the due date on; the outgoing reply registered in reply to the letter
 * closes what is still open. Every step is a ledger entry. A directive is
 * listed beside the letter and leaves its archive PDF as it was. After the
 * building is lost, a restore from the offsite copy brings the referrals,
 * their state and the directives back.
 */
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { loadConfig } from '../src/config';
import { addDays } from '../src/http/referrals';
import { todayIn } from '../src/http/search';
import { startCore } from '../src/runtime/core';
import { ledgerForDocument } from '../storage/integrity/ledger';
import { createDirectivesRepo } from '../storage/repos/directives';
import { createReferralsRepo } from '../storage/repos/referrals';
import { linksOf } from '../storage/repos/links';
import { restoreArchive } from '../storage/restore/restore';
import { isolatedEnv, restoreTarget, runCli, sha256, startTestServer, type DocumentJson, type TestServer } from './helpers';

jest.setTimeout(300_000);

const LEGAL = 'الشؤون القانونية';

interface ReferralJson {
  id: string;
  documentId: string;
  registryNo: string;
  registryLabel: { ar: string; en: string };
  toDepartment: string;
  toUser: string | null;
  dueDate: string;
  state: 'open' | 'closed';
  closeKind: 'reply' | 'note' | null;
  replyRegistryNo: string | null;
  closeNote: string | null;
  suspendedAt: string | null;
  overdue: boolean;
  daysLate: number;
}

let env: NodeJS.ProcessEnv;
let server: TestServer | undefined;
let letter: DocumentJson;
let today: string;
const json = { 'content-type': 'application/json' };

const post = async (p: string, body: unknown, token?: string) =>
  server!.api(`/api/v1${p}`, { method: 'POST', headers: json, body: JSON.stringify(body), token });
const get = async <T>(p: string): Promise<T> => (await (await server!.api(`/api/v1${p}`)).json()) as T;
/** The documents a search filter finds, at once (the index follows each referral change). */
const found = async (filter: string) => (await get<{ hits: Array<{ id: string }> }>(`/search?${filter}`)).hits.map((h) => h.id);

beforeAll(async () => {
  env = await isolatedEnv();
  server = await startTestServer(env);
  today = todayIn(server.config.archive.timeZone);
  const up = await server.upload(
    await renderArabicScan(['كتاب وارد من وزارة العدل', 'بشأن مراجعة العقود'], { seed: 21 }),
    'وارد.jpg',
    {
      title: 'مراجعة العقود',
      department: 'الديوان',
    },
  );
  letter = await server.waitFor(((await up.json()) as { id: string }).id);
  expect(letter.status).toBe('archived');
});

afterAll(async () => {
  await server?.stop();
});

let late: ReferralJson;
let token: string;
let notYet: ReferralJson;

test('a referral past its due date heads the inbox and the overdue list', async () => {
  const r1 = await post(`/documents/${letter.id}/referrals`, {
    toDepartment: LEGAL,
    instruction: 'للدراسة وإبداء الرأي',
    dueDate: addDays(today, 5),
  });
  expect(r1.status).toBe(201);
  notYet = (await r1.json()) as ReferralJson;
  const r2 = await post(`/documents/${letter.id}/referrals`, {
    toDepartment: LEGAL,
    instruction: 'للرد العاجل',
    dueDate: addDays(today, -3),
  });
  expect(r2.status).toBe(201);
  late = (await r2.json()) as ReferralJson;
  expect(late).toMatchObject({ state: 'open', overdue: true, daysLate: 3, registryNo: letter.registryNo });
  // As people write it: the incoming book's letter beside the number.
  expect(late.registryLabel.en).toMatch(/^IN \d{4}\/1$/);

  // Without a due date: the setting's days from today. A malformed one is refused.
  const bad = await post(`/documents/${letter.id}/referrals`, { toDepartment: LEGAL, instruction: 'x', dueDate: '2026-02-31' });
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { error: string }).error).toBe('bad_due_date');
  // Year 0 is not a date the database keeps: a clear 400, not a failure of the server.
  const yearZero = await post(`/documents/${letter.id}/referrals`, {
    toDepartment: LEGAL,
    instruction: 'x',
    dueDate: '0000-01-01',
  });
  expect(yearZero.status).toBe(400);

  const inbox = await get<{ total: number; overdue: number; items: ReferralJson[] }>(
    `/inbox?department=${encodeURIComponent(LEGAL)}`,
  );
  expect(inbox.items.map((i) => [i.id, i.overdue])).toEqual([
    [late.id, true],
    [notYet.id, false],
  ]);
  expect(inbox.overdue).toBe(1);
  const overdue = await get<{ total: number; departments: Array<{ department: string; count: number; items: ReferralJson[] }> }>(
    '/referrals/overdue',
  );
  expect(overdue.total).toBe(1);
  expect(overdue.departments).toEqual([
    { department: LEGAL, count: 1, items: [expect.objectContaining({ id: late.id, daysLate: 3 })] },
  ]);
  // The document itself carries its state and earliest due date (what search filters on).
  const listed = await get<{ referralState: string; referralDue: string; referrals: ReferralJson[] }>(
    `/documents/${letter.id}/referrals`,
  );
  expect(listed).toMatchObject({ referralState: 'open', referralDue: addDays(today, -3) });
  expect(listed.referrals.map((r) => r.id)).toEqual([notYet.id, late.id]);
  expect(await found('referralState=open')).toEqual([letter.id]);
  expect(await found('overdue=true')).toEqual([letter.id]);
});

test('a referral closes with a note, never with nothing; a closed one is not closed again', async () => {
  // The legal department's clerk answers it, though the letter is not theirs to open.
  const made = await post('/users', { username: 'salem', displayName: 'سالم', role: 'clerk', departments: [LEGAL] });
  expect(made.status).toBe(201);
  token = ((await (await post('/tokens', { username: 'salem', name: 'cli' })).json()) as { token: string }).token;
  expect((await server!.api(`/api/v1/documents/${letter.id}`, { token })).status).toBe(403);
  const nothing = await post(`/referrals/${notYet.id}/close`, {}, token);
  expect(nothing.status).toBe(400);
  // A reply they cannot see is as unknown to them as a number never given: not probed, not linked.
  const hidden = await post(`/referrals/${notYet.id}/close`, { replyRegistryNo: letter.registryNo }, token);
  expect(hidden.status).toBe(400);
  expect(((await hidden.json()) as { error: string }).error).toBe('unknown_registry_no');
  const noted = await post(`/referrals/${notYet.id}/close`, { note: 'دُرس الموضوع شفهيًا' }, token);
  expect(noted.status).toBe(200);
  expect(await noted.json()).toMatchObject({ state: 'closed', closeKind: 'note', closeNote: 'دُرس الموضوع شفهيًا' });
  expect((await post(`/referrals/${notYet.id}/close`, { note: 'مرة أخرى' })).status).toBe(409);
  const unknown = await post(`/referrals/${late.id}/close`, { replyRegistryNo: '1999/999999' });
  expect(unknown.status).toBe(400);
});

test('a suspension stops the deadline counting; the resume moves the due date on', async () => {
  // A clerk of the legal department sees its inbox by default, not another's, and may neither suspend nor direct.
  const mine = (await (await server!.api('/api/v1/inbox', { token })).json()) as { items: ReferralJson[] };
  expect(mine.items.map((i) => i.id)).toEqual([late.id]);
  expect((await server!.api(`/api/v1/inbox?department=${encodeURIComponent('المالية')}`, { token })).status).toBe(403);
  expect((await post('/referrals/suspend', { reason: 'x' }, token)).status).toBe(403);
  expect((await post(`/documents/${letter.id}/directives`, { text: 'x' }, token)).status).toBe(403);

  const suspended = await post('/referrals/suspend', { department: LEGAL, reason: 'تعطّل الدوام بسبب عاصفة' });
  expect(suspended.status).toBe(200);
  expect(await suspended.json()).toMatchObject({ suspended: 1 });
  const inbox = await get<{ overdue: number; items: ReferralJson[] }>(`/inbox?department=${encodeURIComponent(LEGAL)}`);
  expect(inbox.overdue).toBe(0);
  expect(inbox.items[0]).toMatchObject({ id: late.id, overdue: false, suspendedAt: expect.any(String) });
  expect((await get<{ total: number }>('/referrals/overdue')).total).toBe(0);
  expect(await get(`/documents/${letter.id}/referrals`)).toMatchObject({ referralState: 'open', referralDue: null });
  expect(await found('overdue=true')).toEqual([]);

  const resumed = await runCli(server!, ['deadlines', 'resume', '--department', LEGAL, '--json']);
  expect(resumed.code).toBe(0);
  // Suspended for part of a day: one day given back.
  expect(JSON.parse(resumed.out)).toMatchObject({
    resumed: 1,
    referrals: [{ id: late.id, dueDate: addDays(today, -2), days: 1 }],
  });
  const after = await get<{ items: ReferralJson[] }>(`/inbox?department=${encodeURIComponent(LEGAL)}`);
  expect(after.items[0]).toMatchObject({ id: late.id, overdue: true, daysLate: 2, suspendedAt: null });
});

test('a directive is listed beside the letter, and the archive PDF stays byte for byte', async () => {
  const made = await post(`/documents/${letter.id}/directives`, { text: 'يُعرض على الوكيل مع الرأي القانوني' });
  expect(made.status).toBe(201);
  const listed = await get<{ directives: Array<{ text: string; by: string }> }>(`/documents/${letter.id}/directives`);
  expect(listed.directives).toEqual([
    expect.objectContaining({ text: 'يُعرض على الوكيل مع الرأي القانوني', by: 'administrator token' }),
  ]);
  expect((await runCli(server!, ['directive', letter.id, 'للحفظ', 'بعد', 'الاطلاع', '--json'])).code).toBe(0);
  const pdf = Buffer.from(await (await server!.api(`/api/v1/documents/${letter.id}/archive.pdf`)).arrayBuffer());
  expect(sha256(pdf)).toBe(letter.sha256.archive);
  const now = await get<DocumentJson>(`/documents/${letter.id}`);
  expect(now.sha256).toEqual(letter.sha256);
});

let reply: DocumentJson;

test('the reply registered in reply to the letter closes its open referral; each step is in the ledger', async () => {
  const up = await server!.upload(
    await renderArabicScan(['رد على كتاب وزارة العدل', 'نفيدكم بالموافقة'], { seed: 22 }),
    'صادر.jpg',
    {
      title: 'الرد على مراجعة العقود',
      register: 'outgoing',
      inReplyTo: letter.registryNo,
    },
  );
  expect(up.status).toBe(202);
  reply = await server!.waitFor(((await up.json()) as { id: string }).id);
  const listed = await get<{ referralState: string; referralDue: string | null; referrals: ReferralJson[] }>(
    `/documents/${letter.id}/referrals`,
  );
  expect(listed).toMatchObject({ referralState: 'closed', referralDue: null });
  expect(listed.referrals.find((r) => r.id === late.id)).toMatchObject({
    state: 'closed',
    closeKind: 'reply',
    replyRegistryNo: reply.registryNo,
  });
  expect((await get<{ total: number }>(`/inbox?department=${encodeURIComponent(LEGAL)}`)).total).toBe(0);
  // Once the reply is archived, the letter it answers is found as closed, no longer as open or overdue.
  expect(await found('referralState=closed')).toEqual([letter.id]);
  expect(await found('referralState=open')).toEqual([]);
  expect(await found('overdue=true')).toEqual([]);

  // From the command line: refer, see it in the inbox, close it by the reply's number.
  const referred = await runCli(server!, [
    'refer',
    letter.id,
    '--to',
    LEGAL,
    '--instruction',
    'للمتابعة',
    '--due',
    addDays(today, 1),
    '--json',
  ]);
  expect(referred.code).toBe(0);
  const rid = (JSON.parse(referred.out) as ReferralJson).id;
  const inbox = JSON.parse((await runCli(server!, ['inbox', LEGAL, '--json'])).out) as { items: ReferralJson[] };
  expect(inbox.items.map((i) => i.id)).toEqual([rid]);
  expect(JSON.parse((await runCli(server!, ['overdue', '--json'])).out)).toMatchObject({ total: 0 });
  const closed = await runCli(server!, ['close-referral', rid, '--reply', reply.registryNo, '--json']);
  expect(closed.code).toBe(0);
  expect(JSON.parse(closed.out)).toMatchObject({ state: 'closed', closeKind: 'reply', replyRegistryNo: reply.registryNo });
  expect(await found('referralState=closed')).toEqual([letter.id]);
  // The reply is linked to the letter once, however many referrals it closed.
  const links = await linksOf(server!.core.db, letter.id);
  expect(links.to.map((l) => [l.kind, l.fromId])).toEqual([['reply', reply.id]]);
  expect(await found('overdue=true')).toEqual([]);

  const events = (await ledgerForDocument(server!.core.db, letter.id)).map((e) => e.event);
  expect(events.filter((e) => e === 'referred')).toHaveLength(3);
  expect(events.filter((e) => e === 'referral-closed')).toHaveLength(3);
  expect(events.filter((e) => e === 'directive')).toHaveLength(2);
  const deadlines = await server!.core.db.query<{ event: string; payload: { department: string; referrals: unknown[] } }>(
    `SELECT event, payload FROM ledger WHERE event IN ('deadline-suspended', 'deadline-resumed') ORDER BY seq`,
  );
  expect(deadlines.rows.map((r) => [r.event, r.payload.department, r.payload.referrals.length])).toEqual([
    ['deadline-suspended', LEGAL, 1],
    ['deadline-resumed', LEGAL, 1],
  ]);
});

test('two referrals of one letter closed at once by two replies: each ends closed, and neither request fails', async () => {
  const refer = async () =>
    (await (await post(`/documents/${reply.id}/referrals`, { toDepartment: LEGAL, instruction: 'للرد' })).json()) as ReferralJson;
  const [first, second] = [await refer(), await refer()];
  const answers: DocumentJson[] = [];
  for (const seed of [31, 32]) {
    const up = await server!.upload(await renderArabicScan(['رد مستقل', `رقم ${seed}`], { seed }), `رد-${seed}.jpg`);
    answers.push(await server!.waitFor(((await up.json()) as { id: string }).id));
  }
  // Each close locks the letter's open referrals and its reply's hook closes the other: they must wait, not deadlock.
  const statuses = await Promise.all(
    [first, second].map(
      async (r, i) => (await post(`/referrals/${r.id}/close`, { replyRegistryNo: answers[i]!.registryNo })).status,
    ),
  );
  expect(statuses.every((code) => code === 200 || code === 409)).toBe(true);
  expect(statuses).toContain(200);
  const after = await get<{ referrals: ReferralJson[] }>(`/documents/${reply.id}/referrals`);
  expect(after.referrals.filter((r) => r.id === first.id || r.id === second.id).map((r) => r.state)).toEqual([
    'closed',
    'closed',
  ]);
});

test("the departments a referral may go to: each one referred to before and each person's, once, in order", async () => {
  const db = server!.core.db;
  // Beside this file's referrals, a few more to other departments, several to each (removed afterwards).
  const extra = ['الشؤون القانونية', 'المالية', 'الشؤون القانونية', 'التخطيط', 'المالية', 'المالية'];
  await db.query(
    `INSERT INTO referrals (id, document_id, to_department, instruction, due_date, created_at, created_by)
     SELECT gen_random_uuid(), (SELECT id FROM documents LIMIT 1), d, 'للاطلاع', current_date, now(), 'test'
     FROM unnest($1::text[]) d`,
    [extra],
  );
  try {
    const known = await createReferralsRepo(db).knownDepartments();
    const plain = await db.query<{ d: string }>(
      `SELECT DISTINCT d FROM (SELECT to_department AS d FROM referrals UNION ALL SELECT unnest(departments) FROM users) x
       WHERE d IS NOT NULL AND d <> '' ORDER BY d`,
    );
    expect(known).toEqual(expect.arrayContaining([...new Set(extra)]));
    expect(known).toEqual(plain.rows.map((r) => r.d));
  } finally {
    await db.query(`DELETE FROM referrals WHERE created_by = 'test'`);
  }
});

test('a restore from the offsite copy brings the referrals, their state and the directives back', async () => {
  const before = await server!.core.db.query('SELECT * FROM referrals ORDER BY created_at');
  const directivesBefore = await server!.core.db.query('SELECT * FROM directives ORDER BY id');
  // The ledger's tail goes to both buckets with a checkpoint; then the building is lost.
  expect((await runCli(server!, ['audit', 'checkpoint', '--json'])).code).toBe(0);
  await server!.stop();
  server = undefined;
  env = await restoreTarget(env, 'referrals');
  const core = await startCore(loadConfig(env));
  try {
    const report = await restoreArchive({
      db: core.db,
      source: core.offsite,
      other: core.primary,
      offsiteName: core.offsite.name,
    });
    expect(report.problems).toEqual([]);
    expect(report.registryWork.skipped).toBe(0);
    expect((await core.db.query('SELECT * FROM referrals ORDER BY created_at')).rows).toEqual(before.rows);
    expect((await core.db.query('SELECT * FROM directives ORDER BY id')).rows).toEqual(directivesBefore.rows);
    const doc = await core.documents.get(letter.id);
    expect(doc).toMatchObject({ referralState: 'closed', referralDue: null });
    // The next directive takes the next number.
    const next = await createDirectivesRepo(core.db).add({
      documentId: letter.id,
      registryNo: letter.registryNo,
      text: 'بعد الاستعادة',
      by: 'test',
      byName: null,
    });
    expect(next.id).toBe(Number(directivesBefore.rows.at(-1)!.id) + 1);
  } finally {
    await core.stop();
  }
});
