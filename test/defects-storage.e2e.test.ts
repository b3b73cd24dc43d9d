/**
 * Storage defects, on real services with real faults: an S3 proxy in front of
 * each MinIO (the primary and the offsite) fails chosen calls, or everything
 * while the offsite is away; objects are damaged through MinIO itself with its
 * root credentials, bypassing the archive.
 *   #3  Object Lock retention is never skipped: not when the lock configuration
 *       cannot be read once, not when a locked write fails once; and a
 *       fixity sweep finds a kept object without retention and sets it.
 *   #8  A fixity sweep goes on past an away offsite and a failed repair.
 *   #24 A download sends only the recorded bytes.
 *   #10 The offline verifier fails a bundle with a manifest removed.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as Minio from 'minio';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { ledgerForDocument } from '../storage/integrity/ledger';
import { isKept } from '../storage/layout';
import { startS3Proxy, type S3Proxy } from './faults/s3Proxy';
import { isolatedEnv, runCli, sha256, startTestServer, type DocumentJson, type TestServer } from './helpers';

const RETENTION_MS = 10 * 60_000; // isolatedEnv's DIWAN_RETENTION
const SLACK_MS = 3 * 60_000;

let server: TestServer;
let primaryProxy: S3Proxy;
let offsiteProxy: S3Proxy;
let env: NodeJS.ProcessEnv;
const docs: Array<{ doc: DocumentJson; scan: Buffer }> = [];

/** MinIO itself, with its root credentials: the archive's proxies are not in the way. */
function direct(e: NodeJS.ProcessEnv, which: 'primary' | 'offsite'): { client: Minio.Client; bucket: string } {
  const p = which === 'primary' ? '' : 'OFFSITE_';
  const u = new URL(process.env[`${p}S3_ENDPOINT`]!);
  const client = new Minio.Client({
    endPoint: u.hostname,
    port: Number(u.port),
    useSSL: false,
    accessKey: process.env[`${p}S3_ACCESS_KEY`]!,
    secretKey: process.env[`${p}S3_SECRET_KEY`]!,
  });
  return { client, bucket: e[`${p}S3_BUCKET`]! };
}

/** Kept objects in `which` whose current version is not under COMPLIANCE retention for the whole period. */
async function unretained(e: NodeJS.ProcessEnv, which: 'primary' | 'offsite'): Promise<string[]> {
  const { client, bucket } = direct(e, which);
  const bad: string[] = [];
  for await (const item of client.listObjectsV2(bucket, '', true)) {
    const key = (item as { name?: string }).name;
    if (!key || !isKept(key)) continue;
    const r = (await client.getObjectRetention(bucket, key).catch(() => null)) as {
      mode?: string;
      retainUntilDate?: string;
    } | null;
    const until = r?.retainUntilDate ? new Date(r.retainUntilDate).getTime() : 0;
    if (r?.mode !== 'COMPLIANCE' || until < Date.now() + RETENTION_MS - SLACK_MS) bad.push(key);
  }
  return bad;
}

async function keysOf(e: NodeJS.ProcessEnv, which: 'primary' | 'offsite', prefix: string): Promise<string[]> {
  const { client, bucket } = direct(e, which);
  const keys: string[] = [];
  for await (const item of client.listObjectsV2(bucket, prefix, true)) keys.push((item as { name: string }).name);
  return keys;
}

/** Uploads `scan`; a refusal because storage failed is answered by sending it again (as a clerk would). */
async function archive(on: TestServer, scan: Buffer, name: string): Promise<DocumentJson> {
  let res = await on.upload(scan, name);
  if (res.status === 503) res = await on.upload(scan, name);
  expect([200, 202]).toContain(res.status);
  const { id } = (await res.json()) as { id: string };
  const doc = await on.waitFor(id);
  expect(doc.status).toBe('archived');
  return doc;
}

/** Puts other bytes under `key` through MinIO itself (a new current version), keeping the recorded fingerprint in its metadata. */
async function damage(which: 'primary' | 'offsite', key: string, recorded: string, bytes: Buffer): Promise<void> {
  const { client, bucket } = direct(env, which);
  await client.putObject(bucket, key, bytes, bytes.length, { sha256: recorded });
}

const flipped = (b: Buffer, at: number) => {
  const copy = Buffer.from(b);
  copy[at] = copy[at]! ^ 0xff;
  return copy;
};

beforeAll(async () => {
  // The S3 client's own notes on retrying a failed call; the faults here are meant.
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  primaryProxy = await startS3Proxy(process.env.S3_ENDPOINT!);
  offsiteProxy = await startS3Proxy(process.env.OFFSITE_S3_ENDPOINT!);
  env = await isolatedEnv({ S3_ENDPOINT: primaryProxy.url, OFFSITE_S3_ENDPOINT: offsiteProxy.url, DIWAN_SWEEP_SECONDS: '1' });
  server = await startTestServer(env);
});

afterAll(async () => {
  await server?.stop();
  await primaryProxy?.close();
  await offsiteProxy?.close();
});

test('#3 every kept object ends with COMPLIANCE retention even when its locked write fails once', async () => {
  // A kept object goes in one PUT that carries its retention (storage/objectPut.ts): a page image's write and
  // the archive PDF's, each lost once.
  primaryProxy.failNext({ method: 'PUT', path: '/pages/', fail: 'drop' });
  primaryProxy.failNext({ method: 'PUT', path: '/archive.pdf', fail: 'drop' });
  const scan = await renderArabicScan(['كتاب الحفظ'], { seed: 182, width: 900, height: 600 });
  const doc = await archive(server, scan, 'حفظ.jpg');
  docs.push({ doc, scan });
  expect(primaryProxy.failed.filter((c) => c.startsWith('PUT ') && /pages\/|archive\.pdf/.test(c))).toHaveLength(2);
  const prefix = `documents/${doc.registryNo}/`;
  expect(await keysOf(env, 'primary', prefix)).toEqual(
    expect.arrayContaining([`${prefix}archive.pdf`, `${prefix}pages/0001.webp`]),
  );
  expect(await unretained(env, 'primary')).toEqual([]);
  expect(await unretained(env, 'offsite')).toEqual([]);
});

test('#3 an Object Lock configuration that cannot be read once does not turn retention off', async () => {
  // An archive of its own, so that its first write is the first to read the bucket's lock configuration.
  const proxy = await startS3Proxy(process.env.S3_ENDPOINT!);
  const ownEnv = await isolatedEnv({ S3_ENDPOINT: proxy.url, DIWAN_SWEEP_SECONDS: '1' });
  const own = await startTestServer(ownEnv);
  try {
    proxy.failNext({ method: 'GET', query: 'object-lock', fail: 'drop' });
    const scan = await renderArabicScan(['كتاب القفل'], { seed: 181, width: 900, height: 600 });
    await archive(own, scan, 'قفل.jpg');
    expect(proxy.failed.some((c) => c.startsWith('GET ') && c.includes('object-lock'))).toBe(true);
    expect(await unretained(ownEnv, 'primary')).toEqual([]);
    expect(await unretained(ownEnv, 'offsite')).toEqual([]);
  } finally {
    await own.stop();
    await proxy.close();
  }
});

test('#3 a fixity sweep finds a kept object without retention and sets it', async () => {
  const { doc } = docs[0]!;
  const key = `documents/${doc.registryNo}/manifest.json`;
  // The same bytes written again behind the archive's back: a newer version, under no retention.
  const { client, bucket } = direct(env, 'offsite');
  const chunks: Buffer[] = [];
  for await (const c of await client.getObject(bucket, key)) chunks.push(c as Buffer);
  await damage('offsite', key, doc.sha256.manifest!, Buffer.concat(chunks));
  expect(await unretained(env, 'offsite')).toEqual([key]);

  const job = await server.job<{ unrepaired: number; findings: Array<Record<string, unknown>> }>(
    `/api/v1/fixity?documentId=${doc.id}`,
  );
  expect(job.state).toBe('done');
  const report = job.result;
  expect(report.unrepaired).toBe(0);
  expect(report.findings).toEqual([expect.objectContaining({ key, target: 'offsite', state: 'repaired', problem: 'retention' })]);
  expect(await unretained(env, 'offsite')).toEqual([]);
  const entries = await ledgerForDocument(server.core.db, doc.id);
  expect(entries.filter((e) => e.event === 'fixity-problem').map((e) => e.payload)).toEqual([
    expect.objectContaining({ key, target: 'offsite', state: 'unretained' }),
  ]);
});

test('#8 a fixity sweep goes on past an away offsite and a failed repair, and still finds primary damage', async () => {
  const { doc, scan } = docs[0]!;
  const prefix = `documents/${doc.registryNo}/`;
  const original = `${prefix}original.jpg`;
  const ocr = `${prefix}ocr.json`;
  await damage('primary', original, doc.sha256.original, flipped(scan, scan.length >> 1));
  await damage('primary', ocr, doc.sha256.ocr!, Buffer.from('{}'));
  offsiteProxy.setAway(true);
  // The repair of the original is cut off once; the sweep must go on to the next object.
  primaryProxy.failNext({ method: 'PUT', path: original, fail: 'drop' });
  let out: string;
  let code: number;
  try {
    ({ code, out } = await runCli(server, ['fixity', '--json']));
  } finally {
    offsiteProxy.setAway(false);
  }
  expect(code).toBe(1);
  const report = JSON.parse(out) as {
    documents: number;
    unrepaired: number;
    findings: Array<{ key: string; target: string; state: string; repairedFrom?: string }>;
    errors: Array<{ registryNo: string | null; key: string | null; target: string | null; error: string }>;
  };
  expect(report.documents).toBe(1);
  // Every object was read on the primary; each offsite read is reported, not fatal.
  expect(report.errors.filter((e) => e.target === 'offsite').length).toBeGreaterThanOrEqual(5);
  expect(report.errors.filter((e) => e.target === 'primary')).toEqual([
    expect.objectContaining({ registryNo: doc.registryNo, key: original }),
  ]);
  expect(report.findings.map((f) => [f.key, f.target, f.state]).sort()).toEqual(
    [
      [original, 'primary', 'mismatch'],
      [ocr, 'primary', 'repaired'],
    ].sort(),
  );
  expect(report.findings.find((f) => f.key === ocr)!.repairedFrom).toMatch(/locked version/);
  expect(report.unrepaired).toBe(1);
  const problems = (await ledgerForDocument(server.core.db, doc.id)).filter(
    (e) => e.event === 'fixity-problem' && e.payload.state === 'mismatch',
  );
  expect(problems.map((e) => e.payload.key).sort()).toEqual([ocr, original].sort());
  const ready = (await (await fetch(`${server.url}/readyz`)).json()) as { integrity: { unrepairedObjects: number } };
  expect(ready.integrity.unrepairedObjects).toBe(1);
});

test('#24 a download sends the recorded bytes, never a damaged copy, and records the damage', async () => {
  const { doc, scan } = docs[0]!;
  const prefix = `documents/${doc.registryNo}/`;
  // The primary original damaged (the offsite copy is good); the archive PDF damaged on both copies.
  await damage('primary', `${prefix}original.jpg`, doc.sha256.original, flipped(scan, 100));
  for (const which of ['primary', 'offsite'] as const) {
    await damage(which, `${prefix}archive.pdf`, doc.sha256.archive!, Buffer.from('%PDF-1.7 not the archive'));
  }
  const original = await server.api(`/api/v1/documents/${doc.id}/original`);
  expect(original.status).toBe(200);
  expect(sha256(Buffer.from(await original.arrayBuffer()))).toBe(doc.sha256.original);
  const pdf = await server.api(`/api/v1/documents/${doc.id}/archive.pdf`);
  expect(pdf.status).toBe(200);
  expect(sha256(Buffer.from(await pdf.arrayBuffer()))).toBe(doc.sha256.archive);

  const found = (await ledgerForDocument(server.core.db, doc.id)).filter(
    (e) => e.event === 'fixity-problem' && e.payload.during === 'download',
  );
  expect(found.map((e) => [e.payload.key, e.payload.target, e.payload.state]).sort()).toEqual(
    [
      [`${prefix}archive.pdf`, 'primary', 'mismatch'],
      [`${prefix}original.jpg`, 'primary', 'mismatch'],
    ].sort(),
  );
  const report = JSON.parse((await runCli(server, ['audit', 'report', '--json'])).out) as {
    fixity: { damaged: Array<{ key: string; target: string; state: string }> };
  };
  expect(report.fixity.damaged).toEqual(
    expect.arrayContaining([expect.objectContaining({ key: `${prefix}archive.pdf`, target: 'primary', state: 'mismatch' })]),
  );
});

test('#10 the offline verifier fails a bundle with a manifest removed, saying which', async () => {
  expect((await runCli(server, ['audit', 'checkpoint'])).code).toBe(0);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-bundle-'));
  const bundle = path.join(work, 'bundle');
  expect((await runCli(server, ['audit', 'export', bundle])).code).toBe(0);
  const verify = async (dir: string): Promise<{ code: number; out: string }> => {
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [path.join(dir, 'verify.mjs'), dir], {
        env: { PATH: process.env.PATH },
      });
      return { code: 0, out: stdout };
    } catch (e) {
      const err = e as { code: number; stdout: string };
      return { code: err.code, out: err.stdout };
    }
  };
  const whole = await verify(bundle);
  expect(whole.out).toContain('VERIFIED');
  expect(whole.code).toBe(0);

  const { doc } = docs[0]!;
  fs.rmSync(path.join(bundle, 'manifests', `${doc.registryNo.replace('/', '-')}.json`));
  const { code, out } = await verify(bundle);
  expect(code).toBe(1);
  expect(out).toMatch(
    new RegExp(`FAIL document ${doc.registryNo} \\(archived in ledger entry \\d+\\): its manifest is not in the bundle`),
  );
  expect(out).toMatch(/FAIL checkpoint \d+ .*: the bundle lacks the manifests of documents in its range/);
  expect(out).toContain('NOT VERIFIED');
});
