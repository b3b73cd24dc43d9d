/**
 * Encryption at rest on real MinIO: what either bucket holds is ciphertext under the ministry's key, while
 * Diwan reads, fingerprints, checks and restores the plaintext; a damaged byte is found and repaired; a
 * rotated key names itself in new objects, and an archive whose key file lost a key refuses to start.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { loadConfig } from '../src/config';
import { startCore } from '../src/runtime/core';
import { keyIdOf, MissingKeyError } from '../storage/crypto/envelope';
import { loadKeyRing, readKeyFile, writeKeyFile } from '../storage/crypto/keyRing';
import { createObjectStore, s3Client, UNDECRYPTABLE, type S3Target } from '../storage/objectStore';
import { restoreArchive } from '../storage/restore/restore';
import {
  createDatabase,
  isolatedEnv,
  runCli,
  runCliWith,
  sha256,
  startTestServer,
  type DocumentJson,
  type TestServer,
} from './helpers';

jest.setTimeout(600_000);

let env: NodeJS.ProcessEnv;
let server: TestServer | undefined;
let first: DocumentJson;
let firstKey: string;
const WORD = 'الاستقدام';

async function raw(t: S3Target, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await s3Client(t).getObject(t.bucket, key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function upload(s: TestServer, lines: string[], seed: number): Promise<DocumentJson> {
  const up = await s.upload(await renderArabicScan(lines, { seed }), `وثيقة-${seed}.jpg`);
  const doc = await s.waitFor(((await up.json()) as { id: string }).id);
  expect(doc.status).toBe('archived');
  return doc;
}

beforeAll(async () => {
  env = await isolatedEnv();
  server = await startTestServer(env);
  first = await upload(server, [`طلب ${WORD} عامل`, 'كتاب وارد سري'], 71);
  firstKey = readKeyFile(server.config.encryption.keyFile)!.current;
});

afterAll(async () => {
  await server?.stop();
});

test('either bucket holds ciphertext under the current key; through Diwan the bytes hash to the fingerprints; fixity passes', async () => {
  const s = server!;
  expect(fs.statSync(s.config.encryption.keyFile).mode & 0o777).toBe(0o600);
  const files = await s.core.documents.artefacts(first.id);
  expect(files.length).toBeGreaterThanOrEqual(5);
  const original = await (await s.api(`/api/v1/documents/${first.id}/original`)).arrayBuffer();
  for (const target of [s.config.s3!, s.config.offsite!]) {
    for (const f of files) {
      const bytes = await raw(target, f.key);
      expect(keyIdOf(bytes)).toBe(firstKey);
      expect(bytes.subarray(0, 4).toString('latin1')).not.toBe('%PDF');
      expect(bytes.includes(Buffer.from(WORD))).toBe(false);
      expect(bytes.includes(Buffer.from(original).subarray(100, 164))).toBe(false);
      expect(sha256(bytes)).not.toBe(f.sha256);
    }
  }
  for (const store of [s.core.primary, s.core.offsite]) {
    for (const f of files) {
      const h = await store.hash(f.key);
      expect(h.sha256).toBe(f.sha256);
      expect(h.size).toBe(f.size);
      expect(h.stored.sha256).toBe(sha256(await raw(store === s.core.primary ? s.config.s3! : s.config.offsite!, f.key)));
      expect((await store.stat(f.key))?.size).toBe(f.size);
    }
  }
  expect(sha256(Buffer.from(original))).toBe(first.sha256.original);
  const ocr = await s.core.primary.getBuffer(files.find((f) => f.key.endsWith('ocr.json'))!.key);
  expect(JSON.parse(ocr.toString('utf8'))).toBeTruthy();
  // The offsite copy's ciphertext hash is recorded with the replica.
  const replicas = await s.core.db.query<{ key: string; stored_sha256: string | null }>(
    'SELECT key, stored_sha256 FROM replicas WHERE document_id = $1',
    [first.id],
  );
  for (const r of replicas.rows) expect(r.stored_sha256).toBe(sha256(await raw(s.config.offsite!, r.key)));
  // Ledger segments are encrypted too; what is under audit/ would not be.
  const segment = (await s.core.primary.list('ledger/'))[0]!;
  expect(keyIdOf(await raw(s.config.s3!, segment))).toBe(firstKey);

  const fixity = await runCli(s, ['fixity', '--json']);
  expect(fixity.code).toBe(0);
  expect(JSON.parse(fixity.out)).toMatchObject({ unrepaired: 0, findings: [] });
});

test('a damaged ciphertext byte is found by fixity as a mismatch and repaired from the other copy', async () => {
  const s = server!;
  const target = s.config.s3!;
  const archive = (await s.core.documents.artefacts(first.id)).find((f) => f.key.endsWith('archive.pdf'))!;
  const bad = await raw(target, archive.key);
  bad[bad.length >> 1] = bad[bad.length >> 1]! ^ 0x01;
  await s3Client(target).putObject(target.bucket, archive.key, bad, bad.length);
  await expect(s.core.primary.getBuffer(archive.key)).rejects.toThrow(/does not authenticate/);

  const { code, out } = await runCli(s, ['fixity', '--json']);
  expect(code).toBe(0);
  const report = JSON.parse(out) as { unrepaired: number; findings: Array<Record<string, unknown>> };
  expect(report.unrepaired).toBe(0);
  expect(report.findings).toEqual([
    expect.objectContaining({ key: archive.key, target: 'primary', state: 'repaired', repairedFrom: 'offsite' }),
  ]);
  expect(report.findings[0]!.found).toBe(UNDECRYPTABLE);
  expect((await s.core.primary.hash(archive.key)).sha256).toBe(archive.sha256);
});

let second: DocumentJson;
let newKey: string;

test('after a rotation new objects name the new key; the old document still reads', async () => {
  const s = server!;
  // An operator's command on the archive's machine: it edits the key file and ledgers the new key.
  const rotated = await runCliWith(env, ['keys', 'rotate', '--json']);
  expect(rotated.code).toBe(0);
  const r = JSON.parse(rotated.out) as { keyId: string; previous: string; ledgered: boolean };
  expect(r).toMatchObject({ previous: firstKey, ledgered: true });
  newKey = r.keyId;
  const listed = JSON.parse((await runCliWith(env, ['keys', 'list', '--json'])).out) as {
    keys: Array<{ id: string; current: boolean }>;
  };
  expect(listed.keys).toEqual([
    expect.objectContaining({ id: firstKey, current: false }),
    expect.objectContaining({ id: newKey, current: true }),
  ]);
  expect(JSON.stringify(listed)).not.toContain(readKeyFile(s.config.encryption.keyFile)!.keys[0]!.key);
  const ledgered = await s.core.db.query<{ payload: { keyId: string; previous: string | null } }>(
    `SELECT payload FROM ledger WHERE event = 'key-rotated' ORDER BY seq`,
  );
  expect(ledgered.rows.map((x) => x.payload)).toEqual([
    { keyId: firstKey, previous: null },
    { keyId: newKey, previous: firstKey },
  ]);

  // The running server reads the key file again: no restart is needed.
  second = await upload(s, ['كتاب بعد تدوير المفتاح', 'قرار وزاري'], 72);
  for (const f of await s.core.documents.artefacts(second.id)) {
    expect(keyIdOf(await raw(s.config.s3!, f.key))).toBe(newKey);
    expect(keyIdOf(await raw(s.config.offsite!, f.key))).toBe(newKey);
  }
  const original = Buffer.from(await (await s.api(`/api/v1/documents/${first.id}/original`)).arrayBuffer());
  expect(sha256(original)).toBe(first.sha256.original);
  expect((await runCli(s, ['verify', '--all', '--json'])).code).toBe(0);
});

test('a restore from the offsite bucket with the key file brings the documents back, searchable', async () => {
  expect((await runCli(server!, ['audit', 'checkpoint', '--json'])).code).toBe(0);
  await server!.stop();
  server = undefined;
  const id = crypto.randomBytes(4).toString('hex');
  const database = await createDatabase(`diwan_enc_${id}`);
  env = { ...env, DATABASE_URL: database.app, DATABASE_OWNER_URL: database.owner, S3_BUCKET: `e-${id}` };
  const core = await startCore(loadConfig(env));
  try {
    const report = await restoreArchive({
      db: core.db,
      source: core.offsite,
      other: core.primary,
      offsiteName: core.offsite.name,
    });
    expect(report.problems).toEqual([]);
    expect(report.documents).toMatchObject({ found: 2, restored: 2, failed: 0 });
  } finally {
    await core.stop();
  }
  server = await startTestServer(env);
  const hits = (await (await server.api(`/api/v1/search?q=${encodeURIComponent('تدوير')}`)).json()) as {
    hits: Array<{ registryNo: string }>;
  };
  expect(hits.hits.map((h) => h.registryNo)).toEqual([second.registryNo]);
  const back = (await (await server.api(`/api/v1/documents/${first.id}`)).json()) as DocumentJson;
  expect(back).toMatchObject({ registryNo: first.registryNo, sha256: first.sha256 });
  // The new primary bucket is encrypted too (under the current key).
  const f = (await server.core.documents.artefacts(first.id))[0]!;
  expect(keyIdOf(await raw(server.config.s3!, f.key))).toBe(newKey);
});

test('with the old key gone from the key file, its objects fail to read (not wrong bytes) and the archive refuses to start', async () => {
  await server!.stop();
  server = undefined;
  const file = loadConfig(env).encryption.keyFile;
  const whole = readKeyFile(file)!;
  writeKeyFile(`${file}.safe`, whole);
  writeKeyFile(file, { ...whole, keys: whole.keys.filter((k) => k.id !== firstKey) });
  try {
    const config = loadConfig(env);
    const store = createObjectStore('offsite', config.offsite!, undefined, loadKeyRing(file, true));
    const key = (await store.list(`documents/`)).find((k) => k.includes(first.registryNo.split('/')[1]!) && k.endsWith('.jpg'))!;
    await expect(store.getBuffer(key)).rejects.toThrow(MissingKeyError);
    await expect(store.hash(key)).rejects.toThrow(firstKey);
    await expect(startCore(config)).rejects.toThrow(new RegExp(`${firstKey}[\\s\\S]*missing from`));
    // A missing key file, with encrypted objects in the bucket, is not made anew either.
    fs.renameSync(file, `${file}.gone`);
    await expect(startCore(loadConfig({ ...env }))).rejects.toThrow(/DIWAN_ENCRYPTION_KEY_FILE/);
    expect(fs.existsSync(file)).toBe(false);
  } finally {
    fs.copyFileSync(`${file}.safe`, file);
  }
  server = await startTestServer(env);
  expect((await server.api(`/api/v1/documents/${first.id}/original`)).status).toBe(200);
});
