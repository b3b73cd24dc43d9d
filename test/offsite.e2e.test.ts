/**
 * The offsite copy under strain, on an offsite MinIO of this test's own: it
 * goes away during a batch; ingest goes on, the lag is reported (readyz,
 * metrics, `diwan replicate --status`), and when it returns every document
 * ends replicated and verified. Then Object Lock: what the archive wrote
 * cannot be removed or replaced, not even with the application's own keys.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as Minio from 'minio';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { startMinio, type LocalMinio } from '../src/runtime/services/minio';
import { freePort } from '../src/runtime/services/util';
import { decryptBuffer } from '../storage/crypto/envelope';
import { isolatedEnv, runCli, sha256, startTestServer, type DocumentJson, type TestServer } from './helpers';

jest.setTimeout(600_000);

const creds = { accessKey: `outage${crypto.randomBytes(4).toString('hex')}`, secretKey: crypto.randomBytes(16).toString('hex') };
let dataDir: string;
let port: number;
let minio: LocalMinio | undefined;
let server: TestServer;

const startOffsite = async () =>
  startMinio({ name: 'minio-outage', dataDir, cacheDir: process.env.DIWAN_CACHE_DIR!, ...creds, port });

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-outage-'));
  port = await freePort();
  minio = await startOffsite();
  server = await startTestServer(
    await isolatedEnv({
      OFFSITE_S3_ENDPOINT: minio.endpoint,
      OFFSITE_S3_ACCESS_KEY: creds.accessKey,
      OFFSITE_S3_SECRET_KEY: creds.secretKey,
      DIWAN_SWEEP_SECONDS: '3',
    }),
  );
});

afterAll(async () => {
  await server?.stop();
  await minio?.process.stop();
});

interface Ready {
  status: string;
  replication: { pending: number; oldestPendingSeconds: number; bytesPending: number };
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

let docs: DocumentJson[] = [];

test('an offsite outage during a batch: ingest goes on, the lag is reported, and everything catches up', async () => {
  await minio!.process.stop();
  minio = undefined;
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await server.upload(
      await renderArabicScan([`كتاب رقم ${i + 1} أثناء انقطاع النسخة الخارجية`], { seed: 60 + i }),
      `انقطاع-${i + 1}.jpg`,
    );
    expect(res.status).toBe(202);
    ids.push(((await res.json()) as { id: string }).id);
  }
  // Everything up to the offsite copy is done; the node stays in service, degraded, and says how far behind it is.
  const ready = await until(
    'the lag to show all three documents',
    async () => {
      const res = await fetch(`${server.url}/readyz`);
      const body = (await res.json()) as Ready;
      const docsNow = await Promise.all(
        ids.map(async (id) => (await (await server.api(`/api/v1/documents/${id}`)).json()) as DocumentJson),
      );
      const searchable = docsNow.every((d) => d.pages.length > 0 && d.sha256.archive);
      return res.status === 200 && body.replication.pending === 3 && searchable && body.replication.oldestPendingSeconds >= 2
        ? body
        : undefined;
    },
    180_000,
  );
  expect(ready.status).toBe('degraded');
  expect(ready.replication.bytesPending).toBeGreaterThan(0);
  const cli = JSON.parse((await runCli(server, ['replicate', '--status', '--json'])).out) as Ready['replication'];
  expect(cli.pending).toBe(3);
  expect(cli.oldestPendingSeconds).toBeGreaterThanOrEqual(2);
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  expect(metrics).toMatch(/^diwan_replication_pending_documents 3$/m);
  // Nothing failed: the documents wait.
  for (const id of ids)
    expect(((await (await server.api(`/api/v1/documents/${id}`)).json()) as DocumentJson).status).toBe('processing');

  // The offsite copy returns (same server, same data): the queue catches up by itself.
  minio = await startOffsite();
  docs = await Promise.all(ids.map((id) => server.waitFor(id, ['archived', 'failed'], 240_000)));
  expect(docs.map((d) => d.status)).toEqual(['archived', 'archived', 'archived']);
  const offsite = new Minio.Client({ endPoint: '127.0.0.1', port, useSSL: false, ...creds });
  for (const d of docs) {
    expect(d.replicas.length).toBeGreaterThanOrEqual(5);
    for (const r of d.replicas) {
      const chunks: Buffer[] = [];
      for await (const c of await offsite.getObject(server.config.offsite!.bucket, r.key)) chunks.push(c as Buffer);
      // The bucket holds ciphertext; the key file opens it.
      expect(sha256(await decryptBuffer(Buffer.concat(chunks), server.core.keys, r.key))).toBe(r.sha256);
    }
  }
  const after = (await (await fetch(`${server.url}/readyz`)).json()) as Ready;
  expect(after).toMatchObject({ status: 'ready', replication: { pending: 0, oldestPendingSeconds: 0, bytesPending: 0 } });
});

test('a locked object cannot be deleted or replaced with the application’s own credentials', async () => {
  const doc = docs[0]!;
  const key = doc.replicas.find((r) => r.key.includes('/original.'))!.key;
  for (const target of [server.config.s3!, server.config.offsite!]) {
    const client = new Minio.Client({
      endPoint: target.endPoint,
      port: target.port,
      useSSL: target.useSSL,
      accessKey: target.accessKey,
      secretKey: target.secretKey,
    });
    const stat = await client.statObject(target.bucket, key);
    const versionId = stat.versionId!;
    expect(versionId).toBeTruthy();
    const retention = (await client.getObjectRetention(target.bucket, key, { versionId })) as {
      mode: string;
      retainUntilDate: string;
    };
    expect(retention.mode).toBe('COMPLIANCE');
    expect(new Date(retention.retainUntilDate).getTime()).toBeGreaterThan(Date.now() + 60_000);
    // Removing the version, or shortening its retention, is refused by the storage itself.
    await expect(client.removeObject(target.bucket, key, { versionId })).rejects.toThrow();
    await expect(
      client.putObjectRetention(target.bucket, key, {
        versionId,
        mode: Minio.RETENTION_MODES.COMPLIANCE,
        retainUntilDate: new Date(Date.now() + 1000).toISOString(),
      }),
    ).rejects.toThrow();
    await expect(
      client.putObjectRetention(target.bucket, key, {
        versionId,
        mode: Minio.RETENTION_MODES.GOVERNANCE,
        governanceBypass: true,
      }),
    ).rejects.toThrow();
    // A write over the key only adds a newer version: the locked bytes stay, and stay readable.
    await client.putObject(target.bucket, key, Buffer.from('not the original'));
    const chunks: Buffer[] = [];
    for await (const c of await client.getObject(target.bucket, key, { versionId })) chunks.push(c as Buffer);
    expect(sha256(await decryptBuffer(Buffer.concat(chunks), server.core.keys, key))).toBe(doc.sha256.original);
  }
  // The fixity sweep sees the newer, wrong version on both copies, and puts the locked bytes back on each.
  const fixity = await runCli(server, ['fixity', '--json']);
  expect(fixity.code).toBe(0);
  const report = JSON.parse(fixity.out) as {
    findings: Array<{ key: string; target: string; state: string; repairedFrom: string }>;
  };
  const mine = report.findings.filter((f) => f.key === key).sort((a, b) => a.target.localeCompare(b.target));
  expect(mine.map((f) => [f.target, f.state])).toEqual([
    ['offsite', 'repaired'],
    ['primary', 'repaired'],
  ]);
  // The first copy swept gets the bytes of its own locked version; the second, then, the first's.
  expect(mine.map((f) => f.repairedFrom)).toEqual([
    expect.stringMatching(/^primary$|locked version/),
    expect.stringMatching(/locked version/),
  ]);
  const original = Buffer.from(await (await server.api(`/api/v1/documents/${doc.id}/original`)).arrayBuffer());
  expect(sha256(original)).toBe(doc.sha256.original);
});
