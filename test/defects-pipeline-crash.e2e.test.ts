/**
 * Processes killed at named crash points (kernel/crashPoints.ts), and what
 * the next start makes of what they left: a batch sealed but not registered
 * (#7), working copies of originals and spool files (#29). Runs `bin/diwan.js`
 * (the built dist/: `npm run build` first).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { startS3Proxy, type S3Proxy } from './faults/s3Proxy';
import { isolatedEnv, sha256, startTestServer, TOKEN, type TestServer } from './helpers';

const CLI = path.resolve(__dirname, '..', 'bin', 'diwan.js');

let proxy: S3Proxy;
const children: ChildProcess[] = [];
const servers: TestServer[] = [];

beforeAll(async () => {
  proxy = await startS3Proxy(process.env.S3_ENDPOINT!);
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const s of servers) await s.stop();
  await proxy?.close();
});

function diwan(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, DIWAN_LOG: 'silent' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  children.push(child);
  return child;
}

/** The address a `diwan serve` child says it serves at. */
function servingAt(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /serving at (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', () => reject(new Error(`diwan serve stopped before serving: ${out}`)));
  });
}

function exited(child: ChildProcess): Promise<NodeJS.Signals | number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.signalCode ?? child.exitCode);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
}

async function kill(child: ChildProcess): Promise<void> {
  child.kill('SIGKILL');
  await exited(child);
}

const api = (base: string, p: string, init: RequestInit = {}) =>
  fetch(`${base}/api/v1${p}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, ...(init.headers ?? {}) } });

function upload(base: string, bytes: Buffer, name: string): Promise<Response> {
  const form = new FormData();
  form.append('file', new Blob([bytes]), name);
  return api(base, '/documents', { method: 'POST', body: form });
}

async function query<T>(env: NodeJS.ProcessEnv, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: env.DATABASE_OWNER_URL });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

test('#7 a batch sealed by a server killed before it registered the document is finished by the sweep', async () => {
  const env = await isolatedEnv({ DIWAN_INPROCESS_WORKERS: 'false', DIWAN_SWEEP_SECONDS: '1' });
  const first = diwan(['serve'], { ...env, DIWAN_CRASH_AT: 'batch.after-seal' });
  const base = await servingAt(first);
  const batch = (await (
    await api(base, '/batches', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'ملف مختوم', mode: 'pages', title: 'ملف مختوم' }),
    })
  ).json()) as { id: string };
  const pages = await Promise.all([
    renderArabicScan(['الصفحة الأولى من الملف'], { seed: 701, width: 900, height: 600 }),
    renderArabicScan(['الصفحة الثانية من الملف'], { seed: 702, width: 900, height: 600 }),
  ]);
  const form = new FormData();
  pages.forEach((p, i) => form.append('files', new Blob([p]), `${i + 1}.jpg`));
  expect((await api(base, `/batches/${batch.id}/files`, { method: 'POST', body: form })).status).toBe(202);
  await api(base, `/batches/${batch.id}/seal`, { method: 'POST' }).catch(() => undefined);
  expect(await exited(first)).toBe('SIGKILL');
  const [row] = await query<{ sealed: boolean }>(env, 'SELECT sealed_at IS NOT NULL AS sealed FROM batches WHERE id = $1', [
    batch.id,
  ]);
  expect(row!.sealed).toBe(true);
  expect(await query(env, 'SELECT id FROM documents')).toEqual([]);

  // The next start: its sweep registers the sealed batch's document, stores and archives it.
  const server = await startTestServer({ ...env, DIWAN_INPROCESS_WORKERS: 'true' });
  servers.push(server);
  let documentId: string | null = null;
  await until(
    'the sealed batch to have its document',
    async () => {
      const view = (await (await server.api(`/api/v1/batches/${batch.id}`)).json()) as {
        files: Array<{ documentId: string | null }>;
      };
      documentId = view.files[0]?.documentId ?? null;
      return documentId !== null;
    },
    30_000,
  );
  const doc = await server.waitFor(documentId!);
  expect(doc.status).toBe('archived');
  expect(doc.pageCount).toBe(2);
  const full = (await (await server.api(`/api/v1/documents/${documentId}`)).json()) as { originals: Array<{ sha256: string }> };
  expect(full.originals.map((o) => o.sha256)).toEqual(pages.map(sha256));
  await server.stop();
  servers.pop();
});

/** Folders in the temporary folder holding a plain copy of one of `originals` (a worker's working copies). */
function workingCopies(names: string[], originals: string[]): string[] {
  return names.filter((name) => {
    const dir = path.join(os.tmpdir(), name);
    try {
      return fs.readdirSync(dir).some(
        (f) =>
          f.startsWith('part-') &&
          originals.includes(
            crypto
              .createHash('sha256')
              .update(fs.readFileSync(path.join(dir, f)))
              .digest('hex'),
          ),
      );
    } catch {
      return false;
    }
  });
}

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

test('#29 what killed processes leave (spool files, working copies of originals) is cleared at the next start; pending uploads still needed are kept and stored', async () => {
  const env = await isolatedEnv({ S3_ENDPOINT: proxy.url, DIWAN_INPROCESS_WORKERS: 'false', DIWAN_SWEEP_SECONDS: '1' });
  const spool = path.join(env.DIWAN_DATA_DIR!, 'spool');
  const scan = (seed: number, line: string) => renderArabicScan([line], { seed, width: 900, height: 600 });
  const [half, unregistered, stored, waiting] = await Promise.all([
    scan(2901, 'رفع لم يكتمل'),
    scan(2902, 'رفع لم يسجل'),
    scan(2903, 'كتاب محفوظ'),
    scan(2904, 'كتاب ينتظر التخزين'),
  ]);

  const pendingShas = () => filesUnder(path.join(spool, 'pending')).map((f) => f.split(path.sep)[0]);
  const halfReceived = () => filesUnder(spool).filter((f) => f.startsWith('upload-'));

  // A server killed after moving an upload's bytes to spool/pending, before registering it.
  const first = diwan(['serve'], { ...env, DIWAN_CRASH_AT: 'intake.before-register' });
  await upload(await servingAt(first), unregistered!, 'x.jpg').catch(() => undefined);
  expect(await exited(first)).toBe('SIGKILL');
  expect(pendingShas()).toEqual([sha256(unregistered!)]);

  // The next start clears those bytes; that server is killed while it checks an upload (still in spool/upload-*).
  const second = diwan(['serve'], { ...env, DIWAN_CRASH_AT: 'intake.examine' });
  const secondBase = await servingAt(second);
  await until('the unregistered bytes to be cleared', async () => pendingShas().length === 0, 10_000);
  await upload(secondBase, half!, 'y.jpg').catch(() => undefined);
  expect(await exited(second)).toBe('SIGKILL');
  expect(halfReceived()).toHaveLength(1);

  // The next start clears the half-received upload before it serves; then it takes one upload into storage
  // and one while storage is away (whose bytes wait in the spool), and is killed.
  const server = diwan(['serve'], env);
  const base = await servingAt(server);
  expect(halfReceived()).toEqual([]);
  expect((await upload(base, stored!, 'stored.jpg')).status).toBe(202);
  proxy.setAway(true);
  expect((await upload(base, waiting!, 'waiting.jpg')).status).toBe(202);
  await kill(server);
  proxy.setAway(false);
  expect(pendingShas()).toEqual([sha256(waiting!)]);

  // A worker killed in the middle of a stage, its working copies left behind.
  const before = new Set(fs.readdirSync(os.tmpdir()));
  const killed = diwan(['worker'], { ...env, DIWAN_CRASH_AT: 'pages.after-draw' });
  expect(await exited(killed)).toBe('SIGKILL');
  const originals = [sha256(stored!), sha256(waiting!)];
  const left = workingCopies(
    fs.readdirSync(os.tmpdir()).filter((n) => !before.has(n)),
    originals,
  );
  expect(left.length).toBeGreaterThan(0);

  // The next start.
  const worker = diwan(['worker'], env);
  try {
    await until(
      'both accepted documents to be archived',
      async () => {
        const rows = await query<{ status: string }>(env, 'SELECT status FROM documents');
        return rows.length === 2 && rows.every((r) => r.status === 'archived');
      },
      150_000,
    );
  } finally {
    await kill(worker);
  }
  for (const name of left) expect(fs.existsSync(path.join(os.tmpdir(), name))).toBe(false);
  // The waiting bytes (nowhere but in the spool) were kept through the workers' starts and stored; nothing else is left.
  expect(filesUnder(spool).filter((f) => !f.startsWith(`live${path.sep}`))).toEqual([]);
  const docs = await query<{ original_sha256: string }>(env, 'SELECT original_sha256 FROM documents ORDER BY original_sha256');
  expect(docs.map((d) => d.original_sha256)).toEqual([...originals].sort());
});
