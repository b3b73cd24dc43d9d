/**
 * A server binary run as a child process: output to a log file, a pid file so
 * that a leftover from a killed parent is stopped before a new start, a health
 * check before use, and a clean stop (SIGTERM, then SIGKILL after a grace period).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { waitUntil, privateDir } from './util';

export interface ManagedProcess {
  name: string;
  pid: number;
  stop(): Promise<void>;
}

export interface ManagedSpec {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  runDir: string;
  logDir: string;
  healthy: () => Promise<boolean>;
  startTimeoutMs?: number;
}

/** Stops a process left behind by an earlier parent that died without cleaning up. */
function stopLeftover(pidFile: string, command: string): void {
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
  fs.rmSync(pidFile, { force: true });
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    const exe = fs.readlinkSync(`/proc/${pid}/exe`);
    if (path.resolve(exe) !== path.resolve(command)) return;
    process.kill(pid, 'SIGKILL');
  } catch {
    // Not running any more (or not ours): nothing to stop.
  }
}

export async function startManaged(spec: ManagedSpec): Promise<ManagedProcess> {
  privateDir(spec.runDir);
  privateDir(spec.logDir);
  const pidFile = path.join(spec.runDir, `${spec.name}.pid`);
  stopLeftover(pidFile, spec.command);

  const log = fs.openSync(path.join(spec.logDir, `${spec.name}.log`), 'a');
  const child: ChildProcess = spawn(spec.command, spec.args, {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...spec.env },
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${spec.name} did not start`);
  fs.writeFileSync(pidFile, String(pid));

  let exited = false;
  const exitedPromise = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  // If this process ends without a clean stop, the server must not outlive it.
  const onExit = () => {
    if (!exited) child.kill('SIGTERM');
  };
  process.on('exit', onExit);
  const stop = async () => {
    process.removeListener('exit', onExit);
    if (!exited) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exitedPromise;
      clearTimeout(killer);
    }
    fs.rmSync(pidFile, { force: true });
  };
  try {
    await waitUntil(
      spec.name,
      async () => {
        if (exited) throw new Error(`${spec.name} exited; see ${path.join(spec.logDir, `${spec.name}.log`)}`);
        return spec.healthy();
      },
      spec.startTimeoutMs ?? 60_000,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { name: spec.name, pid, stop };
}
