/**
 * The auditor's trail outlives a lost building: after `diwan restore --from offsite` into a new database and a
 * new primary bucket (the trail's cursor gone with the old database), the next checkpoint follows the last
 * one in the offsite bucket, and the commands of docs/audit.md pass over the whole chain.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import type { AuditorKeys } from '../storage/auditorKeys';
import { isolatedEnv, restoreTarget, runCliWith, startTestServer, type TestServer } from './helpers';

jest.setTimeout(300_000);

let env: NodeJS.ProcessEnv;
let server: TestServer | undefined;

const SCRIPT = /```bash\n([\s\S]*?)```/.exec(fs.readFileSync(path.join(__dirname, '..', 'docs', 'audit.md'), 'utf8'))![1]!;

function audit(keys: AuditorKeys, site: string): Promise<{ code: number; out: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-auditor-'));
  const vars = {
    PATH: process.env.PATH,
    HOME: dir,
    DIWAN_SITE: site,
    DIWAN_AUDIT_ENDPOINT: keys.endpoint,
    DIWAN_AUDIT_BUCKET: keys.bucket,
    AWS_ACCESS_KEY_ID: keys.accessKeyId,
    AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
    AWS_SESSION_TOKEN: keys.sessionToken,
  };
  return new Promise((resolve) => {
    execFile('bash', ['-c', SCRIPT], { cwd: dir, env: vars }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

async function checkpoint(s: TestServer): Promise<{ auditSeq: number; auditPrevious: string }> {
  const res = await s.api('/api/v1/audit/checkpoint', { method: 'POST' });
  expect(res.status).toBe(201);
  return ((await res.json()) as { body: { auditSeq: number; auditPrevious: string } }).body;
}

afterAll(async () => {
  await server?.stop();
});

test('after a restore from offsite, the next checkpoint continues the chain and the audit passes', async () => {
  env = await isolatedEnv();
  server = await startTestServer(env);
  const res = await server.upload(
    await renderArabicScan(['كتاب قبل فقدان المبنى'], { seed: 951, width: 600, height: 280 }),
    'قبل.jpg',
  );
  const { id } = (await res.json()) as { id: string };
  expect((await server.waitFor(id)).status).toBe('archived');
  for (const deadline = Date.now() + 120_000; ;) {
    const r = (await (await server.api('/api/v1/replication')).json()) as { objectsPending: number };
    if (r.objectsPending === 0) break;
    if (Date.now() > deadline) throw new Error('the offsite copy did not catch up');
    await new Promise((s) => setTimeout(s, 300));
  }
  // What the offsite bucket holds is a kept count, and it is the count of its copies.
  const held = (await (await server.api('/api/v1/replication')).json()) as { objectsReplicated: number };
  const copies = await server.core.db.query<{ n: number }>('SELECT count(*)::int AS n FROM replicas WHERE target = $1', [
    server.core.offsite.name,
  ]);
  expect(copies.rows[0]!.n).toBeGreaterThan(0);
  expect(held.objectsReplicated).toBe(copies.rows[0]!.n);
  await checkpoint(server);
  await checkpoint(server);
  const lastBefore = await server.core.offsite.getBuffer('audit/checkpoints/000000000002.json');

  // The building is lost: a new database and a new, empty primary bucket; the offsite bucket is all there is.
  await server.stop();
  server = undefined;
  env = await restoreTarget(env, 'audit_restored');
  const restored = await runCliWith(env, ['restore', '--from', 'offsite', '--json']);
  expect(restored.code).toBe(0);

  server = await startTestServer(env);
  const next = await checkpoint(server);
  expect(next.auditSeq).toBe(3);
  expect(next.auditPrevious).toBe(crypto.createHash('sha256').update(lastBefore).digest('hex'));
  // The new primary holds the trail too.
  expect(await server.core.primary.stat('audit/checkpoints/000000000002.json')).toBeDefined();

  const made = await runCliWith(env, ['offsite', 'auditor-keys', '--json']);
  expect(made.code).toBe(0);
  const result = await audit(JSON.parse(made.out) as AuditorKeys, server.url);
  expect(result.out).toContain('verified up to audit/checkpoints/000000000003.json');
  expect(result.code).toBe(0);
});
