/**
 * `diwan serve` as a child process for the benchmarks: started with only the
 * given settings, resolved once it serves. With `withServices`, the embedded
 * services run in the benchmark's own process and the server is pointed at
 * them, so a benchmark can also reach PostgreSQL, both buckets and
 * Meilisearch directly (its references, and the records it reads back).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config';
import { createLogger } from '../../kernel/log';
import { startEmbeddedServices } from '../../src/runtime/services/embedded';
import { freePort } from '../../src/runtime/services/util';

export const CLI = path.resolve(__dirname, '..', '..', '..', 'bin', 'diwan.js');

/**
 * Starts `diwan serve`. With `logFile`, its standard output and error (the
 * request log, when logging is on) go to that file, as a log collector would
 * take them; without, its standard output is read and dropped and its errors
 * are shown. Nothing is kept in memory. `nodeArgs` go to Node itself (`--cpu-prof`).
 */
export async function serveChild(env: Record<string, string>, logFile?: string, nodeArgs: string[] = []): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...nodeArgs, CLI, 'serve'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', logFile ? 'pipe' : 'inherit'],
  });
  const sink = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : undefined;
  child.stderr?.on('data', (d: Buffer) => sink?.write(d));
  await new Promise<void>((resolve, reject) => {
    let head = '';
    let serving = false;
    child.stdout!.on('data', (d: Buffer) => {
      sink?.write(d);
      if (serving) return;
      head = (head + d.toString()).slice(-4096);
      if (head.includes('serving at')) {
        serving = true;
        resolve();
      }
    });
    child.once('exit', (code) => {
      sink?.end();
      reject(new Error(`server exited with ${code}`));
    });
  });
  return child;
}

/** A running archive for one benchmark: its address, admin token and process id. */
export interface Served {
  base: string;
  token: string;
  pid: number;
}

/** Stops a server child and waits for it to exit. */
export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/**
 * `diwan serve` on a fresh data directory with an admin token, for the time of
 * `work`; stopped, and its data removed, afterwards.
 */
export async function withServer<T>(
  prefix: string,
  opts: { nodeArgs?: string[] },
  work: (served: Served) => Promise<T>,
): Promise<T> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dataDir, 0o755);
  const port = await freePort();
  const token = crypto.randomBytes(16).toString('hex');
  let server: ChildProcess | undefined;
  try {
    server = await serveChild(
      { DIWAN_DATA_DIR: dataDir, PORT: String(port), DIWAN_ADMIN_TOKEN: token, DIWAN_LOG: 'silent' },
      undefined,
      opts.nodeArgs ?? [],
    );
    return await work({ base: `http://127.0.0.1:${port}`, token, pid: server.pid! });
  } finally {
    await stopChild(server);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** A running archive whose services the benchmark reaches too. */
export interface ServedWithServices extends Served {
  /** The settings with every service filled in (database, both buckets, Meilisearch). */
  config: Config;
  dataDir: string;
}

export interface ServiceOptions {
  /** Settings for the server beyond the services' addresses (e.g. DIWAN_INPROCESS_WORKERS, DIWAN_LOG). */
  env?: Record<string, string>;
  /** Where the server's standard output (its log) goes; read and dropped when unset. */
  logFile?: string;
  /** Arguments to Node itself for the server (`--cpu-prof`). */
  nodeArgs?: string[];
}

/**
 * Embedded services started here, `diwan serve` started against them, for the
 * time of `work`; everything stopped and the data removed afterwards.
 */
export async function withServices<T>(
  prefix: string,
  opts: ServiceOptions,
  work: (served: ServedWithServices) => Promise<T>,
): Promise<T> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dataDir, 0o755);
  const services = await startEmbeddedServices(
    loadConfig({ DIWAN_DATA_DIR: dataDir, DIWAN_LOG: 'silent' }),
    createLogger('silent'),
  );
  const c = services.config;
  const url = (t: NonNullable<Config['s3']>) => `${t.useSSL ? 'https' : 'http'}://${t.endPoint}:${t.port}`;
  const port = await freePort();
  const token = crypto.randomBytes(16).toString('hex');
  let server: ChildProcess | undefined;
  try {
    server = await serveChild(
      {
        DIWAN_DATA_DIR: dataDir,
        PORT: String(port),
        DIWAN_ADMIN_TOKEN: token,
        DIWAN_LOG: 'silent',
        DATABASE_URL: c.databaseUrl!,
        DATABASE_OWNER_URL: c.databaseOwnerUrl!,
        S3_ENDPOINT: url(c.s3!),
        S3_ACCESS_KEY: c.s3!.accessKey,
        S3_SECRET_KEY: c.s3!.secretKey,
        OFFSITE_S3_ENDPOINT: url(c.offsite!),
        OFFSITE_S3_ACCESS_KEY: c.offsite!.accessKey,
        OFFSITE_S3_SECRET_KEY: c.offsite!.secretKey,
        MEILI_URL: c.meili!.url,
        MEILI_MASTER_KEY: c.meili!.key,
        ...opts.env,
      },
      opts.logFile,
      opts.nodeArgs,
    );
    return await work({ base: `http://127.0.0.1:${port}`, token, pid: server.pid!, config: c, dataDir });
  } finally {
    await stopChild(server);
    await services.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** A person's details for `personToken`: their role, clearance and departments (null: every department). */
export interface Person {
  username: string;
  role: 'clerk' | 'official' | 'auditor' | 'admin';
  clearance: 'public' | 'internal' | 'confidential' | 'secret';
  departments: string[] | null;
}

/** Creates a person through the API (as the administrator) and a token of theirs; returns the token. */
export async function personToken(base: string, adminToken: string, person: Person): Promise<string> {
  const headers = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
  const user = await fetch(`${base}/api/v1/users`, { method: 'POST', headers, body: JSON.stringify(person) });
  if (!user.ok) throw new Error(`creating ${person.username}: ${user.status} ${await user.text()}`);
  const res = await fetch(`${base}/api/v1/tokens`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ username: person.username, name: 'benchmark' }),
  });
  if (!res.ok) throw new Error(`token for ${person.username}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}
