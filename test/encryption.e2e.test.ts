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
import path from 'node:path';
import { DecryptionError, keyIdOf, MissingKeyError } from '../storage/crypto/envelope';
import { loadKeyRing, makeKeyFile, readKeyFile, writeKeyFile } from '../storage/crypto/keyRing';
import { inTransaction } from '../storage/db';
import { draftAudit } from '../storage/integrity/auditTrail';
import { readState } from '../storage/state';
import { createObjectStore, s3Client, UNDECRYPTABLE, type S3Target } from '../storage/objectStore';
import { restoreArchive } from '../storage/restore/restore';
import {
  isolatedEnv,
  restoreTarget,
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

test('an object whose metadata says it was written encrypted is refused, not passed through, when its header is not DIWANENC', async () => {
  const s = server!;
  const target = s.config.s3!;
  const client = s3Client(target);
  const manifest = (await s.core.documents.artefacts(first.id)).find((f) => f.key.endsWith('ocr.json'))!;
  const meta = (await client.statObject(target.bucket, manifest.key)).metaData as Record<string, string>;
  // Every encrypted write says so in its metadata.
  expect(meta['encrypted']).toBe(firstKey);
  const keep = {
    'Content-Type': meta['content-type'] ?? 'application/json',
    sha256: meta['sha256']!,
    plainsize: meta['plainsize']!,
  };
  // One flipped bit in the magic, the rest (and the metadata) as they were.
  const flipped = await raw(target, manifest.key);
  flipped[0] = flipped[0]! ^ 0x01;
  const scratch = `scratch/${crypto.randomBytes(4).toString('hex')}`;
  await client.putObject(target.bucket, `${scratch}/flipped`, flipped, flipped.length, keep);
  await expect(s.core.primary.getBuffer(`${scratch}/flipped`)).rejects.toThrow(DecryptionError);
  expect((await s.core.primary.hash(`${scratch}/flipped`)).sha256).toBe(UNDECRYPTABLE);
  // Plaintext put in its place under the flag is refused as well.
  const plain = Buffer.from(JSON.stringify({ forged: true }));
  await client.putObject(target.bucket, `${scratch}/plain`, plain, plain.length, { ...keep, encrypted: firstKey });
  await expect(s.core.primary.getBuffer(`${scratch}/plain`)).rejects.toThrow(/header is not DIWANENC/);
  await expect(sha256Of(await s.core.primary.get(`${scratch}/plain`))).rejects.toThrow(DecryptionError);
  // An object written in the clear (plaintext size as stored, no flag) still reads as it is.
  await client.putObject(target.bucket, `${scratch}/clear`, plain, plain.length, { plainsize: String(plain.length) });
  expect((await s.core.primary.getBuffer(`${scratch}/clear`)).equals(plain)).toBe(true);
});

interface Cursor {
  replicaSeq: number;
  ledgerKey: string;
  checkpointKey: string;
}

async function sha256Of(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return sha256(Buffer.concat(chunks));
}

test('listing starts after a key; a checkpoint reads at most its budget of objects back from the bucket, its cursor stopping before the rest', async () => {
  const s = server!;
  const segments = await s.core.offsite.list('ledger/');
  expect(segments.length).toBeGreaterThanOrEqual(1);
  expect(await s.core.offsite.list('ledger/', segments[0])).toEqual(segments.slice(1));
  const docs = await s.core.offsite.list('documents/');
  expect(await s.core.offsite.list('documents/', docs[0], 2)).toEqual(docs.slice(1, 3));
  // Replicas recorded before their stored hash was (an upgrade): each is read back and hashed.
  const cur = { replicaSeq: 0, ledgerKey: '', checkpointKey: '', ...(await readState<Cursor>(s.core.db, 'audit-trail')) };
  const recorded = await s.core.db.query<{ key: string; stored_sha256: string }>(
    `SELECT key, stored_sha256 FROM replicas WHERE target = 'offsite'`,
  );
  const hashOf = new Map(recorded.rows.map((r) => [r.key, r.stored_sha256]));
  // (A row whose hash changes moves to the end of replicas.seq: read them after.)
  await s.core.db.query(`UPDATE replicas SET stored_sha256 = NULL WHERE target = 'offsite'`);
  const rows = await s.core.db.query<{ seq: string; key: string }>(
    `SELECT seq, key FROM replicas WHERE target = 'offsite' AND seq > $1 ORDER BY seq`,
    [cur.replicaSeq],
  );
  const newSegments = segments.filter((k) => k > cur.ledgerKey);
  try {
    expect(rows.rows.length).toBeGreaterThanOrEqual(3);
    expect(newSegments.length).toBeGreaterThanOrEqual(1);
    const stores = [s.core.primary, s.core.offsite];
    const two = await inTransaction(s.core.db, (tx) => draftAudit(tx, stores, s.core.offsite, 2));
    expect(two.inventory.toString()).toBe(
      rows.rows
        .slice(0, 2)
        .map((r) => `${hashOf.get(r.key)}  ${r.key}\n`)
        .join(''),
    );
    // The cursor stops before what was not read: the third replica, the ledger segments, the checkpoints.
    expect(two.next).toMatchObject({
      replicaSeq: Number(rows.rows[1]!.seq),
      ledgerKey: cur.ledgerKey,
      checkpointKey: cur.checkpointKey,
    });
    // One read left after every replica: one ledger segment, the cursor on it.
    const more = await inTransaction(s.core.db, (tx) => draftAudit(tx, stores, s.core.offsite, rows.rows.length + 1));
    expect(more.fields.inventoryLines).toBe(rows.rows.length + 1);
    expect(more.next).toMatchObject({
      replicaSeq: Number(rows.rows.at(-1)!.seq),
      ledgerKey: newSegments[0],
      checkpointKey: cur.checkpointKey,
    });
  } finally {
    for (const r of recorded.rows) {
      await s.core.db.query(`UPDATE replicas SET stored_sha256 = $2 WHERE target = 'offsite' AND key = $1`, [
        r.key,
        r.stored_sha256,
      ]);
    }
  }
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

test('keys rotate refuses a missing key file, and one without the current key the ledger names', async () => {
  const dir = fs.mkdtempSync(path.join(server!.config.dataDir, 'other-keys-'));
  const missing = path.join(dir, 'missing.json');
  expect((await runCliWith({ ...env, DIWAN_ENCRYPTION_KEY_FILE: missing }, ['keys', 'rotate', '--json'])).code).toBe(1);
  expect(fs.existsSync(missing)).toBe(false);
  const stranger = path.join(dir, 'stranger.json');
  makeKeyFile(stranger);
  const before = readKeyFile(stranger)!;
  expect((await runCliWith({ ...env, DIWAN_ENCRYPTION_KEY_FILE: stranger }, ['keys', 'rotate', '--json'])).code).toBe(1);
  expect(readKeyFile(stranger)).toEqual(before);
  const ledgered = await server!.core.db.query(`SELECT 1 FROM ledger WHERE event = 'key-rotated'`);
  expect(ledgered.rowCount).toBe(1);
});

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
  env = await restoreTarget(env, 'enc');
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
  // The new primary bucket is encrypted too (under the current key): the first document's objects, written
  // under the old key, are encrypted again; the second's, under the current key already, are copied as stored.
  const f = (await server.core.documents.artefacts(first.id))[0]!;
  expect(keyIdOf(await raw(server.config.s3!, f.key))).toBe(newKey);
  expect((await raw(server.config.s3!, f.key)).equals(await raw(server.config.offsite!, f.key))).toBe(false);
  // (Its manifest, read first to be checked against the ledger, is written from its plaintext.)
  const kept = (await server.core.documents.artefacts(second.id)).filter((a) => !a.key.endsWith('/manifest.json'));
  expect(kept.length).toBeGreaterThan(2);
  for (const a of kept) {
    const primary = await raw(server.config.s3!, a.key);
    expect({ key: a.key, keyId: keyIdOf(primary) }).toEqual({ key: a.key, keyId: newKey });
    expect({ key: a.key, asStored: primary.equals(await raw(server.config.offsite!, a.key)) }).toEqual({
      key: a.key,
      asStored: true,
    });
  }
  // Through Diwan the copies kept as stored read back to their fingerprints.
  for (const a of kept) expect(sha256(await server.core.primary.getBuffer(a.key))).toBe(a.sha256);
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

test('the key file is made by itself only by the server of an empty archive; an archive with documents needs diwan keys init', async () => {
  const fresh = await isolatedEnv();
  const file = loadConfig(fresh).encryption.keyFile;
  // A process that does not record (a worker, a restore) never makes the key, even for an empty archive.
  await expect(startCore(loadConfig(fresh))).rejects.toThrow(/diwan keys init[\s\S]*DIWAN_ENCRYPTION=off/);
  expect(fs.existsSync(file)).toBe(false);
  // An archive kept in the clear until now, with a document.
  const clear = await startTestServer({ ...fresh, DIWAN_ENCRYPTION: 'off' });
  let doc: DocumentJson;
  try {
    doc = await upload(clear, ['كتاب قبل التشفير'], 73);
  } finally {
    await clear.stop();
  }
  expect(fs.existsSync(file)).toBe(false);
  await expect(startTestServer(fresh)).rejects.toThrow(
    /already holds documents[\s\S]*diwan keys init[\s\S]*DIWAN_ENCRYPTION=off/,
  );
  expect(fs.existsSync(file)).toBe(false);

  const init = await runCliWith(fresh, ['keys', 'init', '--json']);
  expect(init.code).toBe(0);
  const made = JSON.parse(init.out) as { file: string; keyId: string; ledgered: boolean };
  expect(made).toMatchObject({ file, ledgered: true });
  expect(readKeyFile(file)!.current).toBe(made.keyId);
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  expect((await runCliWith(fresh, ['keys', 'init'])).code).toBe(1);

  const doctor = JSON.parse((await runCliWith(fresh, ['doctor', '--json'])).out) as Array<{ name: string; detail: string }>;
  expect(doctor.find((c) => c.name === 'encryption keys')?.detail).toBe(`${file}: ${made.keyId} (current)`);

  const s = await startTestServer(fresh);
  try {
    // The document written in the clear still reads; what is written now is encrypted under the new key.
    const original = Buffer.from(await (await s.api(`/api/v1/documents/${doc.id}/original`)).arrayBuffer());
    expect(sha256(original)).toBe(doc.sha256.original);
    expect((await runCli(s, ['audit', 'checkpoint', '--json'])).code).toBe(0);
    const checkpoint = (await s.core.offsite.list('checkpoints/')).at(-1)!;
    expect(keyIdOf(await raw(s.config.offsite!, checkpoint))).toBe(made.keyId);
  } finally {
    await s.stop();
  }
});
