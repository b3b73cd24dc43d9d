/**
 * Fixity on real storage: a byte changed in an original on the primary, an
 * archive PDF deleted from the offsite copy, both found by a sweep and
 * repaired from the other copy, each problem and repair in the ledger; an
 * object damaged on both copies is reported unrepaired and raised in /readyz.
 * This archive's buckets were made beforehand without Object Lock (as on a
 * storage service that lacks it): that is detected and reported, and with no
 * locked version to fall back on, damage to both copies cannot be undone.
 */
import crypto from 'node:crypto';
import * as Minio from 'minio';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import type { S3Target } from '../src/config';
import { leaf, merkleRoot, type CheckpointBody } from '../storage/integrity/checkpoints';
import { canonicalJson } from '../storage/hash';
import { ledgerForDocument, verifyLedgerChain } from '../storage/integrity/ledger';
import { createDb, type Db } from '../storage/db';
import { createObjectStore } from '../storage/objectStore';
import { loadConfig } from '../src/config';
import { isolatedEnv, runCli, sha256, startTestServer, type DocumentJson, type TestServer } from './helpers';

let server: TestServer;
let doc: DocumentJson;
let scan: Buffer;

const client = (t: S3Target) =>
  new Minio.Client({ endPoint: t.endPoint, port: t.port, useSSL: t.useSSL, accessKey: t.accessKey, secretKey: t.secretKey });

const cli = (args: string[]) => runCli(server, args);

beforeAll(async () => {
  const env = await isolatedEnv();
  const config = loadConfig(env);
  for (const t of [config.s3!, config.offsite!]) await client(t).makeBucket(t.bucket, t.region);
  server = await startTestServer(env);
  scan = await renderArabicScan(['سجل الوارد', 'كتاب بشأن حفظ الوثائق'], { seed: 41, width: 1200, height: 800 });
  const { id } = (await (await server.upload(scan, 'وارد.jpg')).json()) as { id: string };
  doc = await server.waitFor(id);
  expect(doc.status).toBe('archived');
});

afterAll(async () => {
  await server?.stop();
});

test('buckets without Object Lock are reported: replicate --status names them and fails', async () => {
  const { code, out } = await cli(['replicate', '--status', '--json']);
  expect(code).toBe(1);
  const status = JSON.parse(out) as { objectLock: Record<string, { enabled: boolean; detail: string }> };
  expect(status.objectLock.primary).toMatchObject({ enabled: false });
  expect(status.objectLock.offsite).toMatchObject({ enabled: false });
  expect(status.objectLock.primary!.detail).toMatch(/Object Lock/);
});

test('a changed byte on the primary and a deleted offsite copy are found, repaired from the other copy, and recorded', async () => {
  const { s3, offsite } = server.core.config;
  const prefix = `documents/${doc.registryNo}/`;
  const original = `${prefix}original.jpg`;
  const archive = `${prefix}archive.pdf`;
  const damaged = Buffer.from(scan);
  damaged[damaged.length >> 1] = damaged[damaged.length >> 1]! ^ 0xff;
  await client(s3!).putObject(s3!.bucket, original, damaged, damaged.length, { sha256: doc.sha256.original! });
  await client(offsite!).removeObject(offsite!.bucket, archive);

  const { code, out } = await cli(['fixity', '--json']);
  expect(code).toBe(0);
  const report = JSON.parse(out) as { objects: number; unrepaired: number; findings: Array<Record<string, unknown>> };
  expect(report.unrepaired).toBe(0);
  expect(report.findings).toHaveLength(2);
  expect(report.findings).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        key: original,
        target: 'primary',
        state: 'repaired',
        found: sha256(damaged),
        repairedFrom: 'offsite',
      }),
      expect.objectContaining({ key: archive, target: 'offsite', state: 'repaired', found: null, repairedFrom: 'primary' }),
    ]),
  );
  expect((await createObjectStore('primary', s3!, undefined, server.core.keys).hash(original)).sha256).toBe(sha256(scan));
  expect((await createObjectStore('offsite', offsite!, undefined, server.core.keys).hash(archive)).sha256).toBe(
    doc.sha256.archive,
  );

  const entries = await ledgerForDocument(server.core.db, doc.id);
  expect(
    entries
      .filter((e) => e.event === 'fixity-problem')
      .map((e) => e.payload.state)
      .sort(),
  ).toEqual(['mismatch', 'missing']);
  expect(
    entries
      .filter((e) => e.event === 'repaired')
      .map((e) => e.payload.key)
      .sort(),
  ).toEqual([archive, original].sort());
  expect((await verifyLedgerChain(server.core.db)).brokenAt).toBeNull();

  // A second sweep finds everything intact, and says so.
  const again = await cli(['fixity']);
  expect(again.code).toBe(0);
  expect(again.out).toContain('every object is intact');
});

test('an object damaged on both copies is reported unrepaired, with a failing exit status, and raised in /readyz', async () => {
  const { s3, offsite } = server.core.config;
  const key = `documents/${doc.registryNo}/ocr.json`;
  for (const t of [s3!, offsite!]) await client(t).putObject(t.bucket, key, Buffer.from('{}'), 2);
  const { code, out } = await cli(['fixity']);
  expect(code).toBe(1);
  expect(out).toMatch(new RegExp(`primary\\t${key}\\tmismatch`));
  expect(out).toMatch(new RegExp(`offsite\\t${key}\\tmismatch`));
  const ready = (await (await fetch(`${server.url}/readyz`)).json()) as {
    status: string;
    integrity: { state: string; unrepairedObjects: number };
  };
  expect(ready.status).toBe('ready'); // the node still serves
  expect(ready.integrity).toEqual({ state: 'damaged', unrepairedObjects: 2 });
  // And in the metrics a monitoring system scrapes: the latest result of every object's check.
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  expect(metrics).toMatch(/^diwan_fixity_unrepaired_objects 2$/m);
  expect(metrics).toMatch(/^diwan_fixity_objects\{state="mismatch"\} 2$/m);
  expect(metrics).toMatch(/^diwan_fixity_objects\{state="ok"\} [1-9]/m);

  // And in the audit report, by registry number, copy and key.
  const report = await cli(['audit', 'report', '--json']);
  expect(report.code).toBe(1);
  const r = JSON.parse(report.out) as {
    ledger: { brokenAt: number | null; appRole: string; appRoleCanAlter: boolean };
    fixity: { damaged: Array<{ registryNo: string; key: string; target: string; state: string }>; repaired: number };
    replication: { files: number; verifiedOffsite: number };
    documents: Record<string, number>;
  };
  expect(r.ledger.brokenAt).toBeNull();
  expect(r.ledger).toMatchObject({ appRole: 'diwan_app', appRoleCanAlter: false });
  expect(r.fixity.damaged.map((d) => [d.registryNo, d.target, d.key, d.state])).toEqual([
    [doc.registryNo, 'offsite', key, 'mismatch'],
    [doc.registryNo, 'primary', key, 'mismatch'],
  ]);
  expect(r.replication.files).toBeGreaterThanOrEqual(5);
  expect(r.replication.verifiedOffsite).toBe(r.replication.files);
  expect(r.documents).toEqual({ archived: 1 });
});

test('a checkpoint signs the ledger head and the fingerprints; anyone can check it with the published key', async () => {
  const { code, out } = await cli(['audit', 'checkpoint', '--json']);
  expect(code).toBe(0);
  const c = JSON.parse(out) as { body: CheckpointBody; signature: string; objectKey: string };
  const head = await server.core.db.query<{ seq: string; entry_hash: string }>(
    'SELECT seq, entry_hash FROM ledger ORDER BY seq DESC LIMIT 1',
  );
  expect(c.body).toMatchObject({ ledgerSeq: Number(head.rows[0]!.seq), entryHash: head.rows[0]!.entry_hash, documents: 1 });
  expect(c.body.merkleRoot).toBe(
    merkleRoot([leaf({ registryNo: doc.registryNo, original: doc.sha256.original!, archivePdf: doc.sha256.archive })]),
  );

  // The public key needs no token.
  const res = await fetch(`${server.url}/api/v1/audit/public-key`);
  expect(res.status).toBe(200);
  const pem = await res.text();
  expect(pem).toContain('BEGIN PUBLIC KEY');
  expect(
    crypto.verify(null, Buffer.from(canonicalJson(c.body)), crypto.createPublicKey(pem), Buffer.from(c.signature, 'base64')),
  ).toBe(true);
  const forged = { ...c.body, documents: 2 };
  expect(
    crypto.verify(null, Buffer.from(canonicalJson(forged)), crypto.createPublicKey(pem), Buffer.from(c.signature, 'base64')),
  ).toBe(false);

  // Written to both buckets, the same bytes, so it outlives a lost database.
  const { s3, offsite } = server.core.config;
  const a = await createObjectStore('primary', s3!, undefined, server.core.keys).getBuffer(c.objectKey);
  const b = await createObjectStore('offsite', offsite!, undefined, server.core.keys).getBuffer(c.objectKey);
  expect(sha256(a)).toBe(sha256(b));
  expect(JSON.parse(a.toString('utf8'))).toMatchObject({ signature: c.signature, publicKey: pem });

  const verified = await cli(['audit', 'verify-ledger', '--json']);
  expect(JSON.parse(verified.out)).toMatchObject({ brokenAt: null, checkpoints: 1, badCheckpoint: null });
});

test("a ledger row changed behind the database's back (triggers disabled by a superuser) is named by verify-ledger --deep", async () => {
  const app = server.core.db;
  // The application's role holds no UPDATE, DELETE or TRUNCATE on the ledger: the database refuses it.
  await expect(app.query(`UPDATE ledger SET payload = '{}'::jsonb WHERE document_id = $1`, [doc.id])).rejects.toThrow(
    /permission denied/,
  );
  await expect(app.query(`DELETE FROM ledger WHERE document_id = $1`, [doc.id])).rejects.toThrow(/permission denied/);
  await expect(app.query(`TRUNCATE checkpoints`)).rejects.toThrow(/permission denied/);
  await expect(app.query(`DELETE FROM page_texts`)).rejects.toThrow(/permission denied/);
  await expect(app.query('ALTER TABLE ledger DISABLE TRIGGER ledger_no_update_delete')).rejects.toThrow(/must be owner/);
  // The owner is refused too, by the triggers, unless it switches them off first.
  const db = createDb(server.config.databaseOwnerUrl!, 1);
  try {
    await tamperAsOwner(db);
  } finally {
    await db.end();
  }
});

async function tamperAsOwner(db: Db): Promise<void> {
  await expect(db.query(`UPDATE ledger SET payload = '{}'::jsonb WHERE document_id = $1`, [doc.id])).rejects.toThrow(
    /append-only/,
  );
  expect((await cli(['audit', 'verify-ledger'])).code).toBe(0);
  const target = (await ledgerForDocument(db, doc.id)).find((e) => e.event === 'repaired')!;
  await db.query('ALTER TABLE ledger DISABLE TRIGGER ledger_no_update_delete');
  try {
    await db.query(`UPDATE ledger SET payload = jsonb_set(payload, '{from}', '"elsewhere"') WHERE seq = $1`, [target.seq]);
  } finally {
    await db.query('ALTER TABLE ledger ENABLE TRIGGER ledger_no_update_delete');
  }
  // Old rows rewritten are the deep check's to find (scheduled, or asked for now).
  const { code, out } = await cli(['audit', 'verify-ledger', '--deep', '--json']);
  expect(code).toBe(1);
  expect(JSON.parse(out)).toMatchObject({ brokenAt: target.seq });

  // A checkpoint changed the same way no longer matches its signature.
  await db.query('ALTER TABLE checkpoints DISABLE TRIGGER checkpoints_no_update_delete');
  try {
    await db.query(
      `UPDATE checkpoints SET body = jsonb_set(body, '{documents}', '7') WHERE id = (SELECT min(id) FROM checkpoints)`,
    );
  } finally {
    await db.query('ALTER TABLE checkpoints ENABLE TRIGGER checkpoints_no_update_delete');
  }
  const after = JSON.parse((await cli(['audit', 'verify-ledger', '--json'])).out) as { badCheckpoint: number | null };
  expect(after.badCheckpoint).not.toBeNull();
}
