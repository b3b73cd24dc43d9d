/** `diwan serve` as a child process for the benchmarks: started with only the given settings, resolved once it serves. */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/runtime/services/util';

export const CLI = path.resolve(__dirname, '..', '..', '..', 'bin', 'diwan.js');

export async function serveChild(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('serving at')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return child;
}

/** A running archive for one benchmark: its address, admin token and process id. */
export interface Served {
  base: string;
  token: string;
  pid: number;
}

/**
 * `diwan serve` on a fresh data directory with an admin token, for the time of
 * `work`; stopped, and its data removed, afterwards.
 */
export async function withServer<T>(prefix: string, work: (served: Served) => Promise<T>): Promise<T> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dataDir, 0o755);
  const port = await freePort();
  const token = crypto.randomBytes(16).toString('hex');
  let server: ChildProcess | undefined;
  try {
    server = await serveChild({ DIWAN_DATA_DIR: dataDir, PORT: String(port), DIWAN_ADMIN_TOKEN: token, DIWAN_LOG: 'silent' });
    return await work({ base: `http://127.0.0.1:${port}`, token, pid: server.pid! });
  } finally {
    server?.kill('SIGTERM');
    await new Promise((r) => (server && server.exitCode === null ? server.once('exit', r) : r(undefined)));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
