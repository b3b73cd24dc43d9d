/**
 * Reading a document again, with the worker killed (kernel/crashPoints.ts)
 * around the moment the new text becomes current (#9): every current text has
 * the `reocr` ledger entry that vouches for it, exactly once. Runs
 * `bin/diwan.js` (the built dist/: `npm run build` first).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { isolatedEnv, startTestServer, type TestServer } from './helpers';

const CLI = path.resolve(__dirname, '..', 'bin', 'diwan.js');

let server: TestServer;
let env: NodeJS.ProcessEnv;
const children: ChildProcess[] = [];

beforeAll(async () => {
  // The API only: the reading is done by `diwan worker` processes, killed where the test says.
  env = await isolatedEnv({ DIWAN_INPROCESS_WORKERS: 'false', DIWAN_SWEEP_SECONDS: '1' });
  server = await startTestServer(env);
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await server?.stop();
});

function worker(crashAt?: string): ChildProcess {
  const child = spawn(process.execPath, [CLI, 'worker'], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...env,
      DIWAN_LOG: 'silent',
      ...(crashAt ? { DIWAN_CRASH_AT: crashAt } : {}),
    },
    stdio: 'ignore',
  });
  children.push(child);
  return child;
}

function exited(child: ChildProcess): Promise<NodeJS.Signals | number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.signalCode ?? child.exitCode);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
}

async function stop(child: ChildProcess): Promise<void> {
  child.kill('SIGKILL');
  await exited(child);
}

async function query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: env.DATABASE_OWNER_URL });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

const currentVersion = async (id: string) =>
  (await query<{ v: number }>('SELECT text_version AS v FROM documents WHERE id = $1', [id]))[0]!.v;
const entries = async (id: string, version: number) =>
  (
    await query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ledger WHERE document_id = $1 AND event = 'reocr' AND payload->>'version' = $2`,
      [id, String(version)],
    )
  )[0]!.n;

async function readAgain(id: string): Promise<void> {
  const res = await server.api(`/api/v1/documents/${id}/reocr`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ layout: 'sparse', reason: 'قراءة ثانية' }),
  });
  expect(res.status).toBe(202);
}

test('#9 a worker killed as a re-reading becomes current leaves no current text without its reocr ledger entry', async () => {
  const scan = await renderArabicScan(['ديوان الوزارة', 'طلب قراءة ثانية'], { seed: 901, width: 1000, height: 700 });
  const { id } = (await (await server.upload(scan, 'قراءة.jpg')).json()) as { id: string };
  const first = worker();
  try {
    expect((await server.waitFor(id)).status).toBe('archived');
  } finally {
    await stop(first);
  }

  // Killed the moment version 2 has become current: the entry that vouches for it is already there.
  await readAgain(id);
  const killedAfterFinish = worker('reocr.after-finish');
  expect(await exited(killedAfterFinish)).toBe('SIGKILL');
  expect(await currentVersion(id)).toBe(2);
  expect(await entries(id, 2)).toBe(1);

  // Killed between the entry and making version 3 current: the next run makes it current, with the one entry.
  await readAgain(id);
  const killedAfterLedger = worker('reocr.after-ledger');
  expect(await exited(killedAfterLedger)).toBe('SIGKILL');
  expect(await currentVersion(id)).toBe(2);
  expect(await entries(id, 3)).toBe(1);
  const next = worker();
  try {
    await until('version 3 to become current', async () => (await currentVersion(id)) === 3);
  } finally {
    await stop(next);
  }
  expect(await entries(id, 2)).toBe(1);
  expect(await entries(id, 3)).toBe(1);
  const versions = await query<{ version: number; status: string }>(
    'SELECT version, status FROM text_versions WHERE document_id = $1 ORDER BY version',
    [id],
  );
  expect(versions.filter((v) => v.version > 1)).toEqual([
    { version: 2, status: 'done' },
    { version: 3, status: 'done' },
  ]);
});
