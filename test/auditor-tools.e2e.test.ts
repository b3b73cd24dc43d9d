/**
 * The auditor who trusts nothing of the site: with read-only keys to the offsite bucket (made by
 * `diwan offsite auditor-keys`), the public key and standard tools, the commands of docs/audit.md (run as
 * they are written, by bash, with rclone, openssl and sha256sum) pass on the archive's offsite copy; they
 * fail naming the object when one is overwritten, and at the signature/chain step when an inventory line is
 * forged; a lawful removal listed in a removal list does not fail them. The keys cannot write or delete.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import * as Minio from 'minio';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { s3Client } from '../storage/objectStore';
import type { AuditorKeys } from '../storage/auditorKeys';
import { isolatedEnv, runCliWith, startTestServer, type DocumentJson, type TestServer } from './helpers';

jest.setTimeout(300_000);

let env: NodeJS.ProcessEnv;
let server: TestServer;
let keys: AuditorKeys;
let root: Minio.Client;
let bucket: string;
const docs: DocumentJson[] = [];

/** The one bash block of docs/audit.md, as an auditor copies it. */
const SCRIPT = (() => {
  const md = fs.readFileSync(path.join(__dirname, '..', 'docs', 'audit.md'), 'utf8');
  const m = /```bash\n([\s\S]*?)```/.exec(md);
  if (!m) throw new Error('docs/audit.md has no bash block');
  return m[1]!;
})();

/** Runs the audit commands in a new empty directory, with nothing of this process's environment but PATH. */
function audit(): Promise<{ code: number; out: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-auditor-'));
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['-c', SCRIPT],
      {
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          HOME: dir,
          DIWAN_SITE: server.url,
          DIWAN_AUDIT_ENDPOINT: keys.endpoint,
          DIWAN_AUDIT_BUCKET: keys.bucket,
          DIWAN_AUDIT_REGION: keys.region,
          AWS_ACCESS_KEY_ID: keys.accessKeyId,
          AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
          AWS_SESSION_TOKEN: keys.sessionToken,
        },
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

async function archive(n: number): Promise<void> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = docs.length + i + 1;
    const scan = await renderArabicScan([`كتاب رقم ${k} للمدقق`], { seed: 900 + k, width: 600, height: 280 });
    const res = await server.upload(scan, `مدقق-${k}.jpg`);
    expect(res.status).toBe(202);
    ids.push(((await res.json()) as { id: string }).id);
  }
  for (const id of ids) expect((await server.waitFor(id)).status).toBe('archived');
  // Every file copied and verified offsite.
  const deadline = Date.now() + 120_000;
  for (;;) {
    const r = (await (await server.api('/api/v1/replication')).json()) as { objectsPending: number };
    if (r.objectsPending === 0) break;
    if (Date.now() > deadline) throw new Error('the offsite copy did not catch up');
    await new Promise((s) => setTimeout(s, 300));
  }
  for (const id of ids) docs.push((await (await server.api(`/api/v1/documents/${id}`)).json()) as DocumentJson);
}

async function checkpoint(): Promise<{ auditSeq: number }> {
  const res = await server.api('/api/v1/audit/checkpoint', { method: 'POST' });
  expect(res.status).toBe(201);
  return ((await res.json()) as { body: { auditSeq: number } }).body;
}

/** Overwrites a key in the offsite bucket with the root keys (Object Lock keeps the old version), and gives a way back. */
async function overwrite(key: string, bytes: Buffer): Promise<() => Promise<void>> {
  const put = await root.putObject(bucket, key, bytes, bytes.length);
  return async () => {
    // The new version has no retention of its own: removing it makes the kept one current again.
    await root.removeObject(bucket, key, { versionId: put.versionId! });
  };
}

beforeAll(async () => {
  env = await isolatedEnv();
  server = await startTestServer(env);
  root = s3Client(server.config.offsite!);
  bucket = server.config.offsite!.bucket;
  await archive(2);
});

afterAll(async () => {
  await server?.stop();
});

test('read-only keys: the audit commands pass, and the keys cannot write or delete', async () => {
  expect((await checkpoint()).auditSeq).toBe(1);
  expect((await runCliWith(env, ['offsite', 'auditor-keys', '--days', '0'])).code).toBe(2);
  const made = await runCliWith(env, ['offsite', 'auditor-keys', '--days', '1', '--json']);
  expect(made.code).toBe(0);
  keys = JSON.parse(made.out) as AuditorKeys;
  expect(keys.bucket).toBe(bucket);

  const ro = new Minio.Client({
    endPoint: server.config.offsite!.endPoint,
    port: server.config.offsite!.port,
    useSSL: false,
    accessKey: keys.accessKeyId,
    secretKey: keys.secretAccessKey,
    sessionToken: keys.sessionToken,
    region: keys.region,
  });
  const key = docs[0]!.replicas.find((r) => r.target === 'offsite' && r.key.includes('/original'))!.key;
  expect((await ro.statObject(bucket, key)).size).toBeGreaterThan(0);
  await expect(ro.putObject(bucket, 'audit/forged.txt', Buffer.from('x'))).rejects.toMatchObject({ code: 'AccessDenied' });
  await expect(ro.putObject(bucket, key, Buffer.from('x'))).rejects.toMatchObject({ code: 'AccessDenied' });
  await expect(ro.removeObject(bucket, key)).rejects.toMatchObject({ code: 'AccessDenied' });

  const first = await audit();
  expect(first.out).toContain('OK: the offsite copy is what the archive signed');
  expect(first.out).toMatch(/objects to check: [1-9]\d*/);
  expect(first.code).toBe(0);

  // A second checkpoint lists only what is new, chained to the first.
  await archive(1);
  expect((await checkpoint()).auditSeq).toBe(2);
  const inventory = (await s3Get('audit/inventory/000000000002.sha256')).toString();
  expect(inventory).toContain(docs[2]!.replicas.find((r) => r.target === 'offsite')!.key);
  expect(inventory).not.toContain(key);
  const second = await audit();
  expect(second.out).toMatch(/verified up to audit\/checkpoints\/000000000002\.json/);
  expect(second.code).toBe(0);
});

async function s3Get(key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await root.getObject(bucket, key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

test('an overwritten object fails the check, named', async () => {
  const key = docs[1]!.replicas.find((r) => r.target === 'offsite' && r.key.endsWith('archive.pdf'))!.key;
  const back = await overwrite(key, Buffer.from('%PDF-1.7 not the archived bytes\n'));
  const tampered = await audit();
  expect(tampered.code).not.toBe(0);
  expect(tampered.out).toContain(`${key}: FAILED`);
  await back();
  expect((await audit()).code).toBe(0);
});

test('a forged inventory line fails the signature and chain step', async () => {
  const key = 'audit/inventory/000000000001.sha256';
  const lines = (await s3Get(key)).toString().split('\n');
  const h = lines[0]!.slice(0, 64);
  lines[0] = (h[0] === 'a' ? 'b' : 'a') + lines[0]!.slice(1);
  const back = await overwrite(key, Buffer.from(lines.join('\n')));
  const forged = await audit();
  expect(forged.code).not.toBe(0);
  expect(forged.out).toContain(`FAILED: ${key}: not the inventory checkpoint 000000000001 signed`);
  await back();
});

test('an object lawfully removed (listed in a removal list) does not fail the check', async () => {
  // An object of a document, copied offsite and listed (written here without retention, so it can go now).
  const doc = docs[0]!;
  const key = doc.replicas
    .find((r) => r.target === 'offsite' && r.key.includes('/original'))!
    .key.replace(/original\.[^/]+$/, 'extra.bin');
  const bytes = crypto.randomBytes(64);
  await root.putObject(bucket, key, bytes, bytes.length);
  const sha = crypto.createHash('sha256').update(bytes).digest('hex');
  await server.core.db.query(
    `INSERT INTO replicas (document_id, target, key, sha256, verified_at, stored_sha256) VALUES ($1, 'offsite', $2, $3, now(), $3)`,
    [doc.id, key, sha],
  );
  expect((await checkpoint()).auditSeq).toBe(3);
  expect((await s3Get('audit/inventory/000000000003.sha256')).toString()).toContain(`${sha}  ${key}\n`);
  expect((await audit()).code).toBe(0);

  // Its bytes recorded anew (written again): listed again by the next checkpoint, the latest line counts.
  const again = crypto.randomBytes(80);
  const againSha = crypto.createHash('sha256').update(again).digest('hex');
  await root.putObject(bucket, key, again, again.length);
  await server.core.db.query(`UPDATE replicas SET sha256 = $2, stored_sha256 = $2 WHERE key = $1 AND target = 'offsite'`, [
    key,
    againSha,
  ]);
  expect((await checkpoint()).auditSeq).toBe(4);
  expect((await s3Get('audit/inventory/000000000004.sha256')).toString()).toContain(`${againSha}  ${key}\n`);
  expect((await audit()).code).toBe(0);

  // Removed without a disposal: missing, and named.
  for await (const v of root.listObjects(bucket, key, false, { IncludeVersion: true })) {
    const item = v as { name?: string; versionId?: string };
    if (item.name === key) await root.removeObject(bucket, key, { versionId: item.versionId ?? 'null' });
  }
  const missing = await audit();
  expect(missing.code).not.toBe(0);
  expect(missing.out).toContain(key);

  // Recorded as removed by an approved disposal: the next checkpoint's removal list names it, and all is well.
  const disposal = crypto.randomUUID();
  await server.core.db.query(
    `INSERT INTO disposals (id, title, state, requested_at, requested_by) VALUES ($1, 'إتلاف تجريبي', 'done', now(), 'test')`,
    [disposal],
  );
  await server.core.db.query(
    `INSERT INTO disposed_objects (disposal_id, document_id, target, key, sha256, stored_sha256) VALUES ($1, $2, 'offsite', $3, $4, $4)`,
    [disposal, doc.id, key, sha],
  );
  expect((await checkpoint()).auditSeq).toBe(5);
  expect((await s3Get('audit/removed/000000000005.txt')).toString()).toBe(`${key}\n`);
  const after = await audit();
  expect(after.out).toContain('OK: the offsite copy is what the archive signed');
  expect(after.code).toBe(0);
});
