/**
 * The offline verifier and a bundle exported by someone not cleared for every
 * document (issue 18, #2): withheld ledger entries are linked, not re-hashed,
 * and counted; a withheld manifest's stub is checked against the SHA-256 the
 * ledger recorded and enters the checkpoint's Merkle root; and tampering with
 * either is named.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { runCliWith, startTestServer, TOKEN, type DocumentJson, type TestServer } from './helpers';

jest.setTimeout(300_000);

const run = promisify(execFile);
let server: TestServer;
let auditorToken: string;
let work: string;
let secretScan: Buffer;
const docs: Record<'pub' | 'secret', DocumentJson> = {} as never;

interface LedgerLine {
  seq: number;
  event: string;
  documentId: string | null;
  prevHash: string;
  entryHash: string;
  payload: Record<string, unknown>;
  withheld?: true;
}

/** Runs the bundle's verifier with a bare environment, as on an auditor's machine. */
async function verify(bundle: string, files: string[] = []): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(process.execPath, [path.join(bundle, 'verify.mjs'), bundle, ...files], {
      env: { PATH: process.env.PATH },
    });
    return { code: 0, out: stdout };
  } catch (e) {
    const err = e as { code: number; stdout: string };
    return { code: err.code, out: err.stdout };
  }
}

/** `diwan audit export DIR` with `token` as the caller's. */
async function exportAs(token: string, dir: string): Promise<string> {
  const r = await runCliWith({ DIWAN_URL: server.url, DIWAN_TOKEN: token }, ['audit', 'export', dir]);
  expect(r.code).toBe(0);
  return r.out;
}

const readLedger = (bundle: string): LedgerLine[] =>
  fs
    .readFileSync(path.join(bundle, 'ledger.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as LedgerLine);
const writeLedger = (bundle: string, ledger: LedgerLine[]) =>
  fs.writeFileSync(path.join(bundle, 'ledger.jsonl'), ledger.map((e) => JSON.stringify(e)).join('\n') + '\n');

/** A copy of the auditor's bundle, to tamper with. */
function copyOf(name: string): string {
  const copy = path.join(work, name);
  fs.cpSync(path.join(work, 'bundle'), copy, { recursive: true });
  return copy;
}

const post = (p: string, body: unknown) =>
  server.api(p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

beforeAll(async () => {
  server = await startTestServer();
  const user = await post('/api/v1/users', {
    username: 'auditor-public',
    role: 'auditor',
    clearance: 'public',
    password: 'كلمة-سر-للمدقق-123',
  });
  expect(user.status).toBe(201);
  const t = await post('/api/v1/tokens', { username: 'auditor-public', name: 'tests' });
  expect(t.status).toBe(201);
  auditorToken = ((await t.json()) as { token: string }).token;

  const scan = (lines: string[], seed: number) => renderArabicScan(lines, { seed, width: 1100, height: 700 });
  const pub = await server.upload(await scan(['تعميم عام للتدقيق'], 401), 'تعميم.jpg', { classification: 'public' });
  expect(pub.status).toBe(202);
  secretScan = await scan(['كتاب سري للتدقيق', 'لا يطلع عليه المدقق'], 402);
  const secret = await server.upload(secretScan, 'سري.jpg', { classification: 'secret', title: 'خطة سرية' });
  expect(secret.status).toBe(202);
  docs.pub = await server.waitFor(((await pub.json()) as { id: string }).id);
  docs.secret = await server.waitFor(((await secret.json()) as { id: string }).id);
  for (const d of Object.values(docs)) expect(d.status).toBe('archived');
  // A checkpoint after both are archived: its Merkle root covers the withheld document too.
  expect((await server.api('/api/v1/audit/checkpoint', { method: 'POST' })).status).toBe(201);

  work = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-withheld-'));
  const out = await exportAs(auditorToken, path.join(work, 'bundle'));
  expect(out).toContain('withheld: 1');
  fs.writeFileSync(path.join(work, 'secret.jpg'), secretScan);
});

afterAll(async () => {
  await server?.stop();
});

const slug = (d: DocumentJson) => `${d.registryNo.replace('/', '-')}.json`;

test('#2 a bundle exported by an auditor not cleared for every document verifies offline, saying how many entries were withheld', async () => {
  const bundle = path.join(work, 'bundle');
  const ledger = readLedger(bundle);
  const withheld = ledger.filter((e) => e.withheld === true);
  expect(withheld.length).toBeGreaterThan(0);
  expect(new Set(withheld.map((e) => e.documentId))).toEqual(new Set([docs.secret.id]));
  // The secret document's manifest is a stub, recorded in withheld.json; the public one is there in full.
  const stub = JSON.parse(fs.readFileSync(path.join(bundle, 'manifests', slug(docs.secret)), 'utf8')) as Record<string, unknown>;
  expect(stub.format).toBe('diwan-manifest-withheld/1');
  expect(stub).not.toHaveProperty('metadata');
  const index = JSON.parse(fs.readFileSync(path.join(bundle, 'withheld.json'), 'utf8')) as Array<{
    manifest: string;
    sha256: string;
  }>;
  expect(index).toEqual([expect.objectContaining({ manifest: `manifests/${slug(docs.secret)}`, sha256: stub.manifestSha256 })]);
  expect(docs.secret.sha256.manifest).toBe(stub.manifestSha256);
  const full = JSON.parse(fs.readFileSync(path.join(bundle, 'manifests', slug(docs.pub)), 'utf8')) as Record<string, unknown>;
  expect(full.format).toBe('diwan-manifest/2');

  const { code, out } = await verify(bundle, [path.join(work, 'secret.jpg')]);
  expect(out).toContain('VERIFIED: everything holds');
  expect(code).toBe(0);
  expect(out).toMatch(new RegExp(`ok {3}ledger: ${ledger.length} entries, chain intact`));
  expect(out).toContain(`note قيود محجوبة: ${withheld.length} `);
  expect(out).toContain(
    `/ ${withheld.length} ledger entries withheld (about documents the exporter is not cleared for: ${docs.secret.registryNo})`,
  );
  expect(out).toContain('their contents could not be re-hashed');
  expect(out).toMatch(new RegExp(`ok {3}manifest ${docs.pub.registryNo}: as recorded in ledger entry \\d+`));
  expect(out).toMatch(
    new RegExp(`ok {3}manifest ${docs.secret.registryNo}: .* / withheld, its SHA-256 as recorded in ledger entry \\d+`),
  );
  // The checkpoint's Merkle root is rebuilt with the stub's registry number and fingerprints.
  expect(out).toMatch(/ok {3}checkpoint \d+ .*signature valid, ledger entry and fingerprints as signed/);
  // A withheld document's files are still identified, by the stub's list.
  expect(out).toContain(`secret.jpg: original original.jpg of ${docs.secret.registryNo}`);
  expect(out).not.toContain('FAIL');
});

test('#2 a withheld entry whose prevHash was altered fails the chain there, named', async () => {
  const copy = copyOf('bundle-prevhash');
  const ledger = readLedger(copy);
  const target = ledger.find((e) => e.withheld === true)!;
  const real = target.prevHash;
  target.prevHash = (real[0] === 'f' ? 'e' : 'f') + real.slice(1);
  writeLedger(copy, ledger);
  const { code, out } = await verify(copy);
  expect(code).toBe(1);
  expect(out).toContain(
    `FAIL القيد المحجوب ${target.seq} (${target.event}) لا يتصل بالقيد الذي قبله: بصمة سابقه المسجلة فيه ${target.prevHash} لا ${real}`,
  );
  expect(out).toContain(
    `/ ledger entry ${target.seq} (${target.event}, withheld) does not follow from the one before: its prevHash ${target.prevHash} is not ${real}`,
  );
  expect(out).toContain(`${ledger.filter((e) => e.withheld === true).length} ledger entries withheld`);
  expect(out).toContain('NOT VERIFIED');
});

test('#2 a stub whose manifestSha256 was altered fails, named with the ledger entry that recorded the real one', async () => {
  const copy = copyOf('bundle-stub');
  const file = path.join(copy, 'manifests', slug(docs.secret));
  const stub = JSON.parse(fs.readFileSync(file, 'utf8')) as { manifestSha256: string };
  const real = stub.manifestSha256;
  stub.manifestSha256 = (real[0] === '0' ? '1' : '0') + real.slice(1);
  fs.writeFileSync(file, JSON.stringify(stub));
  const { code, out } = await verify(copy);
  expect(code).toBe(1);
  const archived = readLedger(copy).find((e) => e.event === 'archived' && e.documentId === docs.secret.id)!;
  expect(out).toContain(
    `/ manifest ${slug(docs.secret)} (${docs.secret.registryNo}, withheld): its manifestSha256 ${stub.manifestSha256} is not the ${real} of ledger entry ${archived.seq}`,
  );
  expect(out).toContain('NOT VERIFIED');

  // And one whose SHA-256 in withheld.json was altered.
  const copy2 = copyOf('bundle-index');
  const indexFile = path.join(copy2, 'withheld.json');
  const index = JSON.parse(fs.readFileSync(indexFile, 'utf8')) as Array<{ sha256: string }>;
  index[0]!.sha256 = 'a'.repeat(64);
  fs.writeFileSync(indexFile, JSON.stringify(index));
  const r2 = await verify(copy2);
  expect(r2.code).toBe(1);
  expect(r2.out).toContain(
    `withheld.json gives its SHA-256 as ${'a'.repeat(64)}, not the ${real} of ledger entry ${archived.seq}`,
  );
});

test('#2 a cleared document’s entry marked withheld, to escape re-hashing, fails', async () => {
  const copy = copyOf('bundle-marked');
  const ledger = readLedger(copy);
  const archived = ledger.find((e) => e.event === 'archived' && e.documentId === docs.pub.id)!;
  archived.withheld = true;
  archived.payload.manifestSha256 = 'b'.repeat(64);
  writeLedger(copy, ledger);
  const { code, out } = await verify(copy);
  expect(code).toBe(1);
  expect(out).toMatch(
    new RegExp(`FAIL .*is shown in full, but other entries about its document ${docs.pub.registryNo} are withheld`),
  );
  expect(out).toMatch(
    new RegExp(
      `FAIL .*manifest ${slug(docs.pub)} \\(${docs.pub.registryNo}\\): ledger entry ${archived.seq}, which recorded its SHA-256, is withheld`,
    ),
  );
});

test('#2 a bundle removing a withheld stub still fails, and an administrator’s export verifies as before, nothing withheld', async () => {
  const copy = copyOf('bundle-removed');
  fs.rmSync(path.join(copy, 'manifests', slug(docs.secret)));
  const removed = await verify(copy);
  expect(removed.code).toBe(1);
  expect(removed.out).toMatch(
    new RegExp(`FAIL document ${docs.secret.registryNo} \\(archived in ledger entry \\d+\\): its manifest is not in the bundle`),
  );

  const admin = path.join(work, 'bundle-admin');
  await exportAs(TOKEN, admin);
  expect(fs.existsSync(path.join(admin, 'withheld.json'))).toBe(false);
  const { code, out } = await verify(admin);
  expect(out).toContain('VERIFIED: everything holds');
  expect(code).toBe(0);
  expect(out).not.toContain('withheld');
  for (const d of Object.values(docs))
    expect(out).toMatch(new RegExp(`ok {3}manifest ${d.registryNo}: as recorded in ledger entry \\d+`));
});
