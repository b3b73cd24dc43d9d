/**
 * Transfers to another archive on the real services. Two archived letters
 * are exported by the records manager (an archivist) as a BagIt bag with
 * `diwan export bagit`; in the bag, the real `sha256sum -c` checks both
 * manifests, Payload-Oxum is the real count of data/, the archive PDF is the
 * API's byte for byte, and one changed byte makes the check fail. The transfer
 * is complete and each document has its 'transferred' ledger entry, but it
 * counts for a disposal only once an administrator records the recipient's
 * receipt, whose tagmanifest fingerprint must be the bag's (a wrong one is
 * refused, as is an archivist). A search and a due date select too. A clerk may not
 * transfer, and an unknown id is refused with nothing recorded. In the viewer,
 * the records manager starts a transfer from registry numbers and is given the
 * command that writes its bag; once written, the list shows it complete, and
 * an administrator records its receipt there.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { chromium } from 'playwright-core';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { transferredIds } from '../storage/records/transfers';
import {
  isolatedEnv,
  passSecondStep,
  runCli,
  runCliWith,
  sha256,
  startTestServer,
  type DocumentJson,
  type TestServer,
} from './helpers';

jest.setTimeout(300_000);

const run = promisify(execFile);
const json = { 'content-type': 'application/json' };

let env: NodeJS.ProcessEnv;
let server: TestServer | undefined;
let db: pg.Pool;
let a: DocumentJson;
let b: DocumentJson;
let c: DocumentJson;
let secret: DocumentJson;
let archivist: string;
let clerk: string;
/** The first test's transfer, its bag written and complete. */
let first: { transferId: string; bag: string; tagmanifestSha256: string } | undefined;

const post = (p: string, body: unknown, token?: string) =>
  server!.api(`/api/v1${p}`, { method: 'POST', headers: json, body: JSON.stringify(body), token });
const transferRows = async () =>
  (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM transfers')).rows[0]!.n +
  (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM ledger WHERE event IN ('transfer-created', 'transferred')"))
    .rows[0]!.n;

/** Every file under `dir`, with its size. */
function walk(dir: string): Array<{ file: string; size: number }> {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : [{ file: p, size: fs.statSync(p).size }];
  });
}

async function upload(lines: string[], seed: number, fields: Record<string, string>): Promise<DocumentJson> {
  const res = await server!.upload(await renderArabicScan(lines, { seed }), `letter-${seed}.jpg`, fields);
  const doc = await server!.waitFor(((await res.json()) as { id: string }).id);
  expect(doc.status).toBe('archived');
  return doc;
}

beforeAll(async () => {
  env = await isolatedEnv();
  server = await startTestServer(env);
  db = new pg.Pool({ connectionString: env.DATABASE_URL });
  [a, b, c, secret] = await Promise.all([
    upload(['طلب استقدام عاملة منزلية', 'مقدم إلى وزارة العمل'], 31, { title: 'طلب استقدام', docType: 'طلب-استقدام' }),
    upload(['قرار وزاري بشأن الدوام', 'يعمل به من تاريخه'], 32, { title: 'قرار وزاري', docType: 'قرار' }),
    upload(['كتاب وارد من البلدية', 'بشأن رخصة بناء'], 33, { title: 'رخصة بناء', docType: 'كتاب' }),
    upload(['مذكرة سرية', 'بشأن التعيينات'], 34, { title: 'مذكرة', classification: 'confidential' }),
  ]);
  const token = async (username: string, role: string) => {
    expect((await post('/users', { username, displayName: username, role })).status).toBe(201);
    return ((await (await post('/tokens', { username, name: 'cli' })).json()) as { token: string }).token;
  };
  archivist = await token('amina', 'archivist');
  clerk = await token('salem', 'clerk');
});

afterAll(async () => {
  await db?.end();
  await server?.stop();
});

test('a bag of two documents checks with sha256sum alone, and the transfer is ledgered per document', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-bag-'));
  const res = await runCliWith({ DIWAN_URL: server!.url, DIWAN_TOKEN: archivist }, [
    'export',
    'bagit',
    out,
    '--ids',
    `${a.id},${b.registryNo}`,
    '--recipient',
    'المحفوظات الوطنية',
    '--json',
  ]);
  expect(res.code).toBe(0);
  const made = JSON.parse(res.out) as {
    transferId: string;
    bag: string;
    bagName: string;
    payloadOxum: string;
    tagmanifestSha256: string;
    state: string;
  };
  expect(made.state).toBe('complete');
  const bag = made.bag;
  expect(fs.readdirSync(out)).toEqual([made.bagName]);

  // The receiving archive's check, with the real tools and nothing of Diwan.
  await run('sha256sum', ['-c', '--strict', 'manifest-sha256.txt'], { cwd: bag });
  await run('sha256sum', ['-c', '--strict', 'tagmanifest-sha256.txt'], { cwd: bag });
  expect(fs.readFileSync(path.join(bag, 'bagit.txt'), 'utf8')).toBe('BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n');

  // Payload-Oxum is the real octet and file count of data/, and every payload file is in the manifest.
  const info = fs.readFileSync(path.join(bag, 'bag-info.txt'), 'utf8');
  const files = walk(path.join(bag, 'data'));
  const oxum = `${files.reduce((n, f) => n + f.size, 0)}.${files.length}`;
  expect(info).toContain(`Payload-Oxum: ${oxum}\n`);
  expect(made.payloadOxum).toBe(oxum);
  expect(info).toContain(`External-Identifier: ${made.transferId}\n`);
  expect(info).toMatch(/^Bagging-Date: \d{4}-\d{2}-\d{2}$/m);
  expect(info).toContain('Document-Count: 2\n');
  const manifest = fs.readFileSync(path.join(bag, 'manifest-sha256.txt'), 'utf8');
  expect(manifest.trim().split('\n')).toHaveLength(files.length);

  // Each document's folder: its original, its archive PDF as the API gives it, its text, metadata and Dublin Core.
  for (const doc of [a, b]) {
    const [year, seq] = doc.registryNo.split('/');
    const dir = path.join(bag, 'data', 'incoming', year!, seq!);
    expect(fs.readdirSync(dir).sort()).toEqual(['archive.pdf', 'dc.xml', 'metadata.json', 'original.jpg', 'text.txt']);
    const pdf = Buffer.from(await (await server!.api(`/api/v1/documents/${doc.id}/archive.pdf`)).arrayBuffer());
    expect(fs.readFileSync(path.join(dir, 'archive.pdf')).equals(pdf)).toBe(true);
    expect(sha256(fs.readFileSync(path.join(dir, 'original.jpg')))).toBe(doc.sha256.original);
    expect(fs.readFileSync(path.join(dir, 'text.txt'), 'utf8')).toBe(doc.pages.map((p) => `${p.text.trimEnd()}\n`).join('\f'));
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'metadata.json'), 'utf8')) as Record<string, unknown>;
    expect(meta).toMatchObject({
      registryNo: doc.registryNo,
      id: doc.id,
      register: 'incoming',
      transfer: { id: made.transferId },
    });
    expect(fs.readFileSync(path.join(dir, 'dc.xml'), 'utf8')).toContain(`<dc:identifier>${doc.registryNo}</dc:identifier>`);
  }

  // The transfer is complete, with its bag; each document has its 'transferred' entry.
  const t = (await (await server!.api(`/api/v1/transfers/${made.transferId}`, { token: archivist })).json()) as Record<
    string,
    unknown
  >;
  expect(t).toMatchObject({
    state: 'complete',
    bagName: made.bagName,
    payloadOxum: oxum,
    recipient: 'المحفوظات الوطنية',
    documentCount: 2,
  });
  const entries = await db.query<{ event: string; document_id: string | null; payload: Record<string, unknown> }>(
    "SELECT event, document_id, payload FROM ledger WHERE event IN ('transfer-created', 'transferred') ORDER BY seq",
  );
  expect(entries.rows.map((r) => r.event)).toEqual(['transfer-created', 'transferred', 'transferred']);
  expect(new Set(entries.rows.slice(1).map((r) => r.document_id))).toEqual(new Set([a.id, b.id]));
  const ofA = entries.rows.find((r) => r.document_id === a.id)!.payload as { files: Array<{ path: string; sha256: string }> };
  expect(ofA).toMatchObject({ transferId: made.transferId, bagName: made.bagName, recipient: 'المحفوظات الوطنية' });
  expect(ofA.files.find((f) => f.path.endsWith('/archive.pdf'))!.sha256).toBe(a.sha256.archive);
  // Complete is the sender's word only: nothing counts as transferred before the recipient's receipt.
  expect(t).toMatchObject({ receivedAt: null, receiptRef: null, receiptDate: null });
  expect(await transferredIds(db, [a.id, b.id, c.id])).toEqual(new Set());
  first = { transferId: made.transferId, bag, tagmanifestSha256: made.tagmanifestSha256 };
  // Completing it again is refused.
  expect(
    (
      await post(`/transfers/${made.transferId}/complete`, {
        bagName: 'x',
        payloadOxum: '1.1',
        tagmanifestSha256: '0'.repeat(64),
      })
    ).status,
  ).toBe(409);

  // One changed byte in data/ and the receiving archive's check fails.
  const victim = path.join(bag, 'data', 'incoming', ...a.registryNo.split('/'), 'archive.pdf');
  const bytes = fs.readFileSync(victim);
  const at = Math.floor(bytes.length / 2);
  bytes[at] = bytes[at]! ^ 0x01;
  fs.writeFileSync(victim, bytes);
  await expect(run('sha256sum', ['-c', '--quiet', 'manifest-sha256.txt'], { cwd: bag })).rejects.toMatchObject({ code: 1 });
});

test("a transfer counts only once an administrator records the recipient's receipt, with the bag's tagmanifest fingerprint", async () => {
  const { transferId, bag, tagmanifestSha256 } = first!;
  // What the recipient reports: the SHA-256 of the bag's tagmanifest, computed with the standard tool.
  const { stdout } = await run('sha256sum', ['tagmanifest-sha256.txt'], { cwd: bag });
  const reported = stdout.split(/\s+/)[0]!;
  expect(reported).toBe(tagmanifestSha256);
  const received = async () =>
    (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM ledger WHERE event = 'transfer-received'")).rows[0]!.n;
  const today = new Date().toISOString().slice(0, 10);
  const receipt = { ref: 'NA/2026/417', date: today, tagmanifestSha256: reported };

  // An archivist may not record it (only an administrator, 'hold').
  const byArchivist = await post(`/transfers/${transferId}/receipt`, receipt, archivist);
  expect(byArchivist.status).toBe(403);
  // A fingerprint that is not the recorded one: the bag received is not the bag sent.
  const wrong = await post(`/transfers/${transferId}/receipt`, { ...receipt, tagmanifestSha256: 'ab'.repeat(32) });
  expect(wrong.status).toBe(409);
  expect(((await wrong.json()) as { error: string }).error).toBe('receipt_mismatch');
  // A receipt dated after today, or of a transfer whose bag is not written, is refused too.
  const future = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
  expect((await post(`/transfers/${transferId}/receipt`, { ...receipt, date: future })).status).toBe(400);
  const open = (await (await post('/transfers', { recipient: 'x', ids: [a.id] })).json()) as { id: string };
  const notComplete = await post(`/transfers/${open.id}/receipt`, receipt);
  expect(notComplete.status).toBe(409);
  expect(((await notComplete.json()) as { error: string }).error).toBe('transfer_not_complete');
  expect(await received()).toBe(0);
  expect(await transferredIds(db, [a.id, b.id])).toEqual(new Set());

  // The administrator records it from the command line: now the documents count as transferred.
  const cli = await runCli(server!, [
    'transfers',
    'receipt',
    transferId,
    '--ref',
    receipt.ref,
    '--date',
    today,
    '--tagmanifest',
    reported.toUpperCase(),
    '--json',
  ]);
  expect(cli.code).toBe(0);
  expect(JSON.parse(cli.out)).toMatchObject({ transferId, state: 'complete', receiptRef: receipt.ref, receiptDate: today });
  expect(await transferredIds(db, [a.id, b.id, c.id])).toEqual(new Set([a.id, b.id]));
  const t = (await (await server!.api(`/api/v1/transfers/${transferId}`, { token: archivist })).json()) as Record<
    string,
    unknown
  >;
  expect(t).toMatchObject({ state: 'complete', receiptRef: receipt.ref, receiptDate: today });
  expect(typeof t.receivedAt).toBe('string');
  const entry = await db.query<{ document_id: string | null; payload: Record<string, unknown> }>(
    "SELECT document_id, payload FROM ledger WHERE event = 'transfer-received'",
  );
  expect(entry.rows).toHaveLength(1);
  expect(entry.rows[0]!.document_id).toBeNull();
  expect(entry.rows[0]!.payload).toMatchObject({
    transferId,
    receiptRef: receipt.ref,
    receiptDate: today,
    tagmanifestSha256: reported,
    recipient: 'المحفوظات الوطنية',
  });
  // Recorded once.
  const again = await post(`/transfers/${transferId}/receipt`, receipt);
  expect(again.status).toBe(409);
  expect(((await again.json()) as { error: string }).error).toBe('transfer_received');
  expect(await received()).toBe(1);
});

test('a search and a due date select what goes', async () => {
  // By search: the index finds the one letter of its type.
  const deadline = Date.now() + 60_000;
  while (((await (await server!.api('/api/v1/search?type=طلب-استقدام')).json()) as { total: number }).total === 0) {
    if (Date.now() > deadline) throw new Error('not indexed');
    await new Promise((r) => setTimeout(r, 300));
  }
  const byQuery = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-bag-'));
  const q = await runCli(server!, ['export', 'bagit', byQuery, '--type', 'طلب-استقدام', '--json']);
  expect(q.code).toBe(0);
  const qBag = JSON.parse(q.out) as { bag: string; documents: Array<{ id: string }> };
  expect(qBag.documents.map((d) => d.id)).toEqual([a.id]);
  await run('sha256sum', ['-c', '--strict', 'manifest-sha256.txt'], { cwd: qBag.bag });

  // By due date: a rule whose action at the end is transfer, its period already run out for letter c.
  const rule = await db.query<{ id: string }>(
    `INSERT INTO retention_rules (code, version, name_ar, period, trigger, action, created_by)
     VALUES ('transfer-test', 1, 'تحويل إلى المحفوظات', interval '1 minute', 'registered', 'transfer', 'test') RETURNING id`,
  );
  await db.query(`UPDATE documents SET retention_rule_id = $1, retention_due = now() - interval '1 second' WHERE id = $2`, [
    rule.rows[0]!.id,
    c.id,
  ]);
  const today = new Date().toISOString().slice(0, 10);
  const byDue = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-bag-'));
  const d = await runCli(server!, ['export', 'bagit', byDue, '--due', today, '--json']);
  expect(d.code).toBe(0);
  const dBag = JSON.parse(d.out) as { bag: string; documents: Array<{ id: string }> };
  expect(dBag.documents.map((x) => x.id)).toEqual([c.id]);
  const meta = JSON.parse(
    fs.readFileSync(path.join(dBag.bag, 'data', 'incoming', ...c.registryNo.split('/'), 'metadata.json'), 'utf8'),
  );
  expect(meta.retention).toMatchObject({ rule: 'transfer-test', version: 1, action: 'transfer' });
  await run('sha256sum', ['-c', '--strict', 'manifest-sha256.txt'], { cwd: dBag.bag });
  // Nothing is due in the past: an empty selection is refused.
  expect((await post('/transfers', { recipient: 'x', due: '2000-01-01' })).status).toBe(400);
});

test('a clerk may not transfer, nor anyone above their clearance; an unknown id is refused and nothing is recorded', async () => {
  const before = await transferRows();
  const denied = await post('/transfers', { recipient: 'المحفوظات الوطنية', ids: [a.id] }, clerk);
  expect(denied.status).toBe(403);
  expect((await server!.api('/api/v1/transfers', { token: clerk })).status).toBe(403);
  // The archivist (cleared for public) may not transfer, nor see a transfer of, what is above their clearance.
  expect((await post('/transfers', { recipient: 'x', ids: [a.id, secret.id] }, archivist)).status).toBe(403);
  expect(await transferRows()).toBe(before);
  const hidden = (await (await post('/transfers', { recipient: 'x', ids: [secret.id] })).json()) as { id: string };
  expect((await server!.api(`/api/v1/transfers/${hidden.id}`, { token: archivist })).status).toBe(403);
  const done = { bagName: 'x', payloadOxum: '1.1', tagmanifestSha256: '0'.repeat(64) };
  expect((await post(`/transfers/${hidden.id}/complete`, done, archivist)).status).toBe(403);
  expect((await transferredIds(db, [secret.id])).size).toBe(0);
  const now = await transferRows();
  const unknown = await post('/transfers', {
    recipient: 'المحفوظات الوطنية',
    ids: [a.id, '00000000-0000-4000-8000-000000000000'],
  });
  expect(unknown.status).toBe(404);
  const badNo = await post('/transfers', { recipient: 'المحفوظات الوطنية', ids: ['1999/999999'] });
  expect(badNo.status).toBe(404);
  expect((await post('/transfers', { recipient: 'x' })).status).toBe(400);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-bag-'));
  expect((await runCli(server!, ['export', 'bagit', out, '--ids', 'not-a-number'])).code).toBe(1);
  expect(fs.readdirSync(out)).toEqual([]);
  expect(await transferRows()).toBe(now);
});

test('the viewer starts a transfer, and the command it gives writes and completes the bag', async () => {
  const password = 'transfer-pass-0123456789';
  const made = await post('/users', { username: 'noura', displayName: 'نورة', role: 'archivist', password });
  expect(made.status).toBe(201);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`${server!.url}/login?next=/records/transfers`);
    await page.fill('input[name=username]', 'noura');
    await page.fill('input[name=password]', password);
    await Promise.all([page.waitForURL((u) => u.pathname === '/records/transfers'), page.click('button[type=submit]')]);
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    expect(await page.textContent('h1')).toBe('التحويل إلى أرشيف آخر');
    await page.fill('#transfer-ids', `${c.registryNo}\n${b.registryNo}`);
    await Promise.all([page.waitForURL((u) => u.searchParams.has('created')), page.click('#transfer-by-ids')]);
    const id = new URL(page.url()).searchParams.get('created')!;
    expect(await page.textContent('#transfer-created')).toContain(`diwan export bagit ./transfers --transfer ${id}`);
    expect(await page.getAttribute(`tr[data-id="${id}"]`, 'data-state')).toBe('open');

    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-bag-'));
    const res = await runCli(server!, ['export', 'bagit', out, '--transfer', id, '--json']);
    expect(res.code).toBe(0);
    const bag = JSON.parse(res.out) as {
      bag: string;
      bagName: string;
      tagmanifestSha256: string;
      documents: Array<{ id: string }>;
    };
    expect(new Set(bag.documents.map((d) => d.id))).toEqual(new Set([b.id, c.id]));
    await run('sha256sum', ['-c', '--strict', 'manifest-sha256.txt'], { cwd: bag.bag });
    // A complete transfer's bag is not written again.
    expect((await runCli(server!, ['export', 'bagit', out, '--transfer', id])).code).toBe(1);

    await page.goto(`${server!.url}/records/transfers`);
    expect(await page.getAttribute(`tr[data-id="${id}"]`, 'data-state')).toBe('complete');
    expect(await page.textContent(`tr[data-id="${id}"]`)).toContain(bag.bagName);
    expect(await page.getAttribute(`tr[data-id="${id}"]`, 'data-received')).toBe('no');
    // The records manager cannot record the receipt: no form, and the form's address refuses.
    expect(await page.locator(`tr[data-id="${id}"] form`).count()).toBe(0);
    // An unknown number is refused in words, and nothing is started.
    await page.fill('#transfer-ids', '1999/999999');
    await Promise.all([page.waitForURL((u) => u.searchParams.has('transferError')), page.click('#transfer-by-ids')]);
    expect(await page.textContent('#transfer-error')).toContain('غير موجود');

    // An administrator records the recipient's receipt on the same page; then the two letters count.
    expect((await post('/users', { username: 'hala', displayName: 'هالة', role: 'admin', password })).status).toBe(201);
    const admin = await (await browser.newContext()).newPage();
    await admin.goto(`${server!.url}/login?next=/records/transfers`);
    await admin.fill('input[name=username]', 'hala');
    await admin.fill('input[name=password]', password);
    await admin.click('button[type=submit]');
    await passSecondStep(admin);
    expect(new URL(admin.url()).pathname).toBe('/records/transfers');
    const form = `tr[data-id="${id}"] form`;
    await admin.click(`tr[data-id="${id}"] summary`);
    await admin.fill(`${form} input[name=ref]`, 'NA/2026/88');
    await admin.fill(`${form} input[name=date]`, new Date().toISOString().slice(0, 10));
    await admin.fill(`${form} input[name=tagmanifestSha256]`, 'cd'.repeat(32));
    await Promise.all([admin.waitForURL((u) => u.searchParams.has('transferError')), admin.click(`${form} button`)]);
    expect(await admin.textContent('#transfer-error')).toContain('tagmanifest');
    expect(await transferredIds(db, [c.id])).toEqual(new Set()); // b went (and was received) in the first transfer
    await admin.click(`tr[data-id="${id}"] summary`);
    await admin.fill(`${form} input[name=ref]`, 'NA/2026/88');
    await admin.fill(`${form} input[name=date]`, new Date().toISOString().slice(0, 10));
    await admin.fill(`${form} input[name=tagmanifestSha256]`, bag.tagmanifestSha256);
    await Promise.all([admin.waitForURL((u) => u.searchParams.has('received')), admin.click(`${form} button`)]);
    expect(await admin.getAttribute(`tr[data-id="${id}"]`, 'data-received')).toBe('yes');
    expect(await admin.textContent(`tr[data-id="${id}"]`)).toContain('NA/2026/88');
    expect(await transferredIds(db, [b.id, c.id])).toEqual(new Set([b.id, c.id]));
  } finally {
    await browser.close();
  }
  await new Promise((r) => setTimeout(r, 1100)); // the metrics are computed at most once a second
  const metrics = await (await server!.api('/metrics')).text();
  expect(metrics).toMatch(/^diwan_transfers_total\{state="complete"\} [1-9]\d*$/m);
});
