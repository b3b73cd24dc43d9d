/**
 * Checkpoints and the archive's start, on real services (the offsite behind an
 * S3 proxy that can be made away):
 *   #25 a checkpoint signs only a ledger head stored as a segment in both
 *       buckets, or fails clearly; a failed export is shown and retried;
 *   #21 a missing signing key stops the start once checkpoints exist;
 *   #3  a retention of zero is refused at start.
 */
import fs from 'node:fs';
import { loadConfig } from '../src/config';
import { appendLedger } from '../storage/integrity/ledger';
import { mergeSegments, segmentKeys } from '../storage/integrity/ledgerExport';
import { createObjectStore, type ObjectStore } from '../storage/objectStore';
import { loadKeyRing } from '../storage/crypto/keyRing';
import { startS3Proxy, type S3Proxy } from './faults/s3Proxy';
import { createDatabase, isolatedEnv, startTestServer, type TestServer } from './helpers';

let server: TestServer | undefined;
let offsiteProxy: S3Proxy;
let env: NodeJS.ProcessEnv;
/** Both buckets, reached directly (not through the proxy). */
let buckets: ObjectStore[];

interface CheckpointJson {
  body: { ledgerSeq: number; entryHash: string; documents: number };
  signature: string;
  objectKey: string;
}

const api = (p: string, init?: RequestInit) => server!.api(p, init);

async function report(): Promise<{ ledger: { segments: { exportedSeq: number; exportFailure: { error: string } | null } } }> {
  return (await (await api('/api/v1/audit/report')).json()) as Awaited<ReturnType<typeof report>>;
}

/** Starts an archive that must refuse to start: the error it gives (one that starts anyway is stopped, and fails the test). */
async function refusedStart(e: NodeJS.ProcessEnv): Promise<Error> {
  let started: TestServer;
  try {
    started = await startTestServer(e);
  } catch (err) {
    return err as Error;
  }
  await started.stop();
  throw new Error('the archive started');
}

/** Every ledger entry held in the segments of `store`, by sequence number. */
async function storedEntries(store: ObjectStore): Promise<Map<number, string>> {
  const texts = await Promise.all((await segmentKeys(store)).map(async (k) => (await store.getBuffer(k)).toString('utf8')));
  return new Map(mergeSegments(texts).entries.map((e) => [e.seq, e.entryHash]));
}

beforeAll(async () => {
  // The S3 client's own notes on retrying a failed call; the faults here are meant.
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  offsiteProxy = await startS3Proxy(process.env.OFFSITE_S3_ENDPOINT!);
  env = await isolatedEnv({ OFFSITE_S3_ENDPOINT: offsiteProxy.url, DIWAN_SWEEP_SECONDS: '1' });
  const real = loadConfig({ ...env, OFFSITE_S3_ENDPOINT: process.env.OFFSITE_S3_ENDPOINT });
  const keys = loadKeyRing(real.encryption.keyFile, true);
  buckets = [
    createObjectStore('primary', real.s3!, undefined, keys),
    createObjectStore('offsite', real.offsite!, undefined, keys),
  ];
  server = await startTestServer(env);
});

afterAll(async () => {
  await server?.stop();
  await offsiteProxy?.close();
});

test('#25 a checkpoint signs only a ledger head that is stored as a segment in both buckets', async () => {
  // Entries keep arriving while checkpoints are made (views and downloads do this all day).
  let writing = true;
  const writers = [1, 2, 3].map(async (w) => {
    for (let n = 0; writing; n++) await appendLedger(server!.core.db, 'viewed', null, { writer: w, n });
  });
  while (Number((await server!.core.db.query<{ n: string }>('SELECT count(*) AS n FROM ledger')).rows[0]!.n) === 0) {
    await new Promise((r) => setTimeout(r, 10));
  }
  const made: CheckpointJson[] = [];
  try {
    for (let i = 0; i < 12; i++) {
      const res = await api('/api/v1/audit/checkpoint', { method: 'POST' });
      expect(res.status).toBe(201);
      made.push((await res.json()) as CheckpointJson);
    }
  } finally {
    writing = false;
    await Promise.all(writers);
  }
  for (const store of buckets) {
    const stored = await storedEntries(store);
    const unstored = made.filter((c) => stored.get(c.body.ledgerSeq) !== c.body.entryHash).map((c) => c.body.ledgerSeq);
    expect({ bucket: store.name, unstored }).toEqual({ bucket: store.name, unstored: [] });
  }
});

test('#25 with the offsite away a checkpoint fails clearly; the failed export is reported and retried until it succeeds', async () => {
  const before = (await (await api('/api/v1/audit/checkpoints')).json()) as { checkpoints: unknown[] };
  await appendLedger(server!.core.db, 'viewed', null, { while: 'offsite away' });
  offsiteProxy.setAway(true);
  try {
    const res = await api('/api/v1/audit/checkpoint', { method: 'POST' });
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: string; message: string; messageEn: string };
    expect(body.error).toBe('storage_unavailable');
    expect(body.message).toContain('مقاطع السجل');
    expect(body.messageEn).toMatch(/no checkpoint was signed/);
    const after = (await (await api('/api/v1/audit/checkpoints')).json()) as { checkpoints: unknown[] };
    expect(after.checkpoints).toHaveLength(before.checkpoints.length);
    expect((await report()).ledger.segments.exportFailure).not.toBeNull();
  } finally {
    offsiteProxy.setAway(false);
  }
  // Back: the schedule exports again by itself, and the report says so.
  const head = Number((await server!.core.db.query<{ seq: string }>('SELECT max(seq) AS seq FROM ledger')).rows[0]!.seq);
  const deadline = Date.now() + 30_000;
  let segments = (await report()).ledger.segments;
  while ((segments.exportFailure !== null || segments.exportedSeq < head) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    segments = (await report()).ledger.segments;
  }
  expect(segments.exportFailure).toBeNull();
  expect(segments.exportedSeq).toBeGreaterThanOrEqual(head);
  for (const store of buckets) expect((await storedEntries(store)).has(head)).toBe(true);
});

test('#25 a checkpoint over a bucket that lacks the exported segments stores the signed head there first', async () => {
  await appendLedger(server!.core.db, 'viewed', null, { before: 'the offsite site was rebuilt' });
  // Everything exported (a checkpoint), then the offsite site rebuilt: an empty bucket, while the database
  // says the ledger was exported up to its head.
  expect((await api('/api/v1/audit/checkpoint', { method: 'POST' })).status).toBe(201);
  await server!.stop();
  env = { ...env, OFFSITE_S3_BUCKET: `${env.OFFSITE_S3_BUCKET}-rebuilt` };
  buckets[1] = createObjectStore(
    'offsite',
    { ...loadConfig({ ...env, OFFSITE_S3_ENDPOINT: process.env.OFFSITE_S3_ENDPOINT }).offsite! },
    undefined,
    loadKeyRing(loadConfig(env).encryption.keyFile, true),
  );
  server = await startTestServer(env);
  expect(await segmentKeys(buckets[1])).toEqual([]);
  const res = await api('/api/v1/audit/checkpoint', { method: 'POST' });
  expect(res.status).toBe(201);
  const c = (await res.json()) as CheckpointJson;
  expect(c.body.ledgerSeq).toBeGreaterThan(0);
  for (const store of buckets) expect((await storedEntries(store)).get(c.body.ledgerSeq)).toBe(c.body.entryHash);
});

test('#21 a missing signing key stops the start once checkpoints exist, saying where it belongs; it is made only on a first start', async () => {
  const keyFile = server!.config.checkpoints.keyFile;
  expect(fs.existsSync(keyFile)).toBe(true); // made on this archive's first start
  const { keyId } = (await (await api('/api/v1/audit/checkpoints')).json()) as { keyId: string };
  const file = keyFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  await server!.stop();
  server = undefined;
  const kept = `${keyFile}.kept`;
  fs.renameSync(keyFile, kept);
  try {
    // The same database (checkpoints signed): no start, and no new key.
    const refused = await refusedStart(env);
    expect(refused.message).toMatch(
      new RegExp(`مفتاح توقيع نقاط التحقق[\\s\\S]*${file}[\\s\\S]*signing key \\(${keyId}\\) is missing at ${file}`),
    );
    expect(fs.existsSync(keyFile)).toBe(false);
    // A new, empty database over the same buckets (a restore still to run): the checkpoints in storage count too.
    const fresh = await createDatabase(`diwan_test_fresh_${Date.now().toString(36)}`);
    expect((await refusedStart({ ...env, DATABASE_URL: fresh.app, DATABASE_OWNER_URL: fresh.owner })).message).toMatch(
      /DIWAN_SIGNING_KEY_FILE/,
    );
    expect(fs.existsSync(keyFile)).toBe(false);
  } finally {
    fs.renameSync(kept, keyFile);
  }
  // The key back in its place: the archive starts, with the same key.
  server = await startTestServer(env);
  const again = (await (await api('/api/v1/audit/checkpoints')).json()) as { keyId: string };
  expect(again.keyId).toBe(keyId);
});

test('#3 a DIWAN_RETENTION of zero is refused at start', async () => {
  expect((await refusedStart(await isolatedEnv({ DIWAN_RETENTION: '0d' }))).message).toMatch(/DIWAN_RETENTION/);
});
