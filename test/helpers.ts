/**
 * Test helpers: a Diwan server of its own for each test file, on the shared
 * real services but with its own database, buckets and index, on port 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig, type Config, type S3Target } from '../src/config';
import { s3Client } from '../storage/objectStore';
import { documentPrefix } from '../storage/layout';
import { parseRegistryNo } from '../kernel/registry';
import { startServer, type Server } from '../src/runtime/server';
import { main } from '../src/cli/main';
import { TEMPLATE_DATABASE } from './setup/template';

/**
 * Completes the second step of a sign-in in a browser page (an administrator needs one: DIWAN_TOTP_REQUIRED):
 * sets it up from the key the page shows, or types the current code of the key kept from then.
 */
export { passSecondStep } from '../scripts/fixtures/secondStep';

export const TOKEN = 'test-admin-token-0123456789';

export interface TestServer extends Server {
  config: Config;
  api(p: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  upload(file: Buffer, name: string, fields?: Record<string, string>, token?: string | null): Promise<Response>;
  waitFor(id: string, statuses?: string[], timeoutMs?: number): Promise<DocumentJson>;
  /** Asks for long work (answered 202 with a job) and waits for the job's end: its record, result included. */
  job<T = unknown>(p: string, init?: RequestInit & { token?: string | null }): Promise<JobJson<T>>;
}

export interface JobJson<T = unknown> {
  id: string;
  kind: string;
  state: 'queued' | 'running' | 'done' | 'failed';
  done: number;
  total: number | null;
  attempts: number;
  result: T;
  error: string | null;
}

export interface DocumentJson {
  id: string;
  registryNo: string;
  registryNoAr: string;
  status: string;
  pageCount: number | null;
  originalName: string | null;
  sha256: { original: string; archive: string | null; ocr: string | null; manifest: string | null };
  pages: Array<{ n: number; text: string; confidence: number | null }>;
  replicas: Array<{ target: string; key: string; sha256: string; verifiedAt: string }>;
  error: { code: string; message: string } | null;
}

/** A new database on the shared server: its owner's address and the application role's. */
/**
 * A database on the shared test PostgreSQL: empty (a restore's target), or `migrated`, a copy of the template
 * globalSetup migrated once (what a first start would make of an empty one).
 */
export async function createDatabase(name: string, migrated = false): Promise<{ owner: string; app: string }> {
  const admin = new pg.Client({ connectionString: process.env.DATABASE_OWNER_URL! });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}${migrated ? ` TEMPLATE ${TEMPLATE_DATABASE}` : ''}`);
  } finally {
    await admin.end();
  }
  const within = (base: string) => {
    const u = new URL(base);
    u.pathname = `/${name}`;
    return u.toString();
  };
  return { owner: within(process.env.DATABASE_OWNER_URL!), app: within(process.env.DATABASE_URL!) };
}

/** Settings for an isolated Diwan on the shared test services (its database already migrated unless `emptyDatabase`). */
export async function isolatedEnv(
  extra: Record<string, string> = {},
  opts: { emptyDatabase?: boolean } = {},
): Promise<NodeJS.ProcessEnv> {
  const id = crypto.randomBytes(4).toString('hex');
  const database = await createDatabase(`diwan_test_${id}`, !opts.emptyDatabase);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-test-'));
  return {
    DIWAN_DATA_DIR: dataDir,
    DIWAN_CACHE_DIR: process.env.DIWAN_CACHE_DIR,
    DIWAN_HOST: '127.0.0.1',
    PORT: '0',
    DIWAN_ADMIN_TOKEN: TOKEN,
    DIWAN_LOG: 'silent',
    // Kept objects are locked for minutes, not years, in tests.
    DIWAN_RETENTION: '10m',
    DATABASE_URL: database.app,
    DATABASE_OWNER_URL: database.owner,
    S3_ENDPOINT: process.env.S3_ENDPOINT,
    S3_ACCESS_KEY: process.env.S3_ACCESS_KEY,
    S3_SECRET_KEY: process.env.S3_SECRET_KEY,
    S3_BUCKET: `t-${id}`,
    OFFSITE_S3_ENDPOINT: process.env.OFFSITE_S3_ENDPOINT,
    OFFSITE_S3_ACCESS_KEY: process.env.OFFSITE_S3_ACCESS_KEY,
    OFFSITE_S3_SECRET_KEY: process.env.OFFSITE_S3_SECRET_KEY,
    OFFSITE_S3_BUCKET: `t-${id}-offsite`,
    MEILI_URL: process.env.MEILI_URL,
    MEILI_MASTER_KEY: process.env.MEILI_MASTER_KEY,
    MEILI_INDEX: `pages_${id}`,
    ...extra,
  };
}

/**
 * The settings of an empty archive to restore `env`'s offsite copy into: a new, empty database and primary bucket
 * (and search index, with `index`), the same offsite bucket.
 */
export async function restoreTarget(
  env: NodeJS.ProcessEnv,
  name: string,
  opts: { index?: boolean } = {},
): Promise<NodeJS.ProcessEnv> {
  const id = crypto.randomBytes(4).toString('hex');
  const database = await createDatabase(`diwan_${name}_${id}`);
  const index = opts.index ? { MEILI_INDEX: `${name}_${id}` } : {};
  return { ...env, DATABASE_URL: database.app, DATABASE_OWNER_URL: database.owner, S3_BUCKET: `r-${id}`, ...index };
}

export async function startTestServer(env?: NodeJS.ProcessEnv): Promise<TestServer> {
  const config = loadConfig(env ?? (await isolatedEnv()));
  const server = await startServer(config);
  const api: TestServer['api'] = (p, init = {}) => {
    const token = init.token === undefined ? TOKEN : init.token;
    const headers = new Headers(init.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    return fetch(`${server.url}${p}`, { ...init, headers });
  };
  return {
    ...server,
    config,
    api,
    upload(file, name, fields = {}, token) {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      form.append('file', new Blob([file]), name);
      return api('/api/v1/documents', { method: 'POST', body: form, token });
    },
    async job<T>(p: string, init: RequestInit & { token?: string | null } = {}) {
      const res = await api(p, { method: 'POST', ...init });
      if (res.status !== 202) throw new Error(`${p} answered ${res.status}: ${await res.text()}`);
      const { job } = (await res.json()) as { job: JobJson<T> };
      const deadline = Date.now() + 150_000;
      for (;;) {
        const now = (await (await api(`/api/v1/jobs/${job.id}`, { token: init.token })).json()) as JobJson<T>;
        if (now.state === 'done' || now.state === 'failed') return now;
        if (Date.now() > deadline) throw new Error(`job ${job.id} still ${now.state}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async waitFor(id, statuses = ['archived', 'failed'], timeoutMs = 150_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const doc = (await (await api(`/api/v1/documents/${id}`)).json()) as DocumentJson;
        if (statuses.includes(doc.status)) return doc;
        if (Date.now() > deadline) throw new Error(`document ${id} still ${doc.status} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 300));
      }
    },
  };
}

export function sha256(b: Buffer): string {
  return crypto.createHash('sha256').update(b).digest('hex');
}

/** Runs the `diwan` CLI in this process against `server`, its standard output captured. */
export function runCli(server: TestServer, args: string[]): Promise<{ code: number; out: string }> {
  return runCliWith({ DIWAN_URL: server.url, DIWAN_TOKEN: TOKEN }, args);
}

/** Runs the `diwan` CLI in this process with `env` as its settings (commands that start the archive themselves, like restore). */
export async function runCliWith(env: NodeJS.ProcessEnv, args: string[]): Promise<{ code: number; out: string }> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  const out: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  try {
    return { code: await main(args), out: out.join('') };
  } finally {
    write.mockRestore();
    process.env = saved;
  }
}

/** A `diwan worker` process on the settings `env` (and `extra`) that takes jobs, silent. */
export function startJobWorker(env: NodeJS.ProcessEnv, extra: Record<string, string> = {}): ChildProcess {
  const cli = path.resolve(__dirname, '..', 'bin', 'diwan.js');
  return spawn(process.execPath, [cli, 'worker'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, DIWAN_LOG: 'silent', DIWAN_JOBS: 'true', ...extra },
    stdio: 'ignore',
  });
}

/** Every version of every object under a document's prefix in one bucket, as the bucket lists them, sorted. */
export async function objectVersions(t: S3Target, registryNo: string): Promise<string[]> {
  const out: string[] = [];
  const prefix = documentPrefix(parseRegistryNo(registryNo)!);
  for await (const item of s3Client(t).listObjects(t.bucket, prefix, true, { IncludeVersion: true })) {
    out.push((item as { name: string }).name);
  }
  return out.sort();
}

/** Waits until every document of the archive is due under its rule, and 3 s more (their short locks ended). */
export async function untilAllDue(db: pg.Pool): Promise<void> {
  const due = await db.query<{ due: Date }>('SELECT max(retention_due) AS due FROM documents');
  await new Promise((r) => setTimeout(r, Math.max(0, due.rows[0]!.due.getTime() - Date.now()) + 3000));
}
