/**
 * Runs the Debian Tesseract tools (tesseract, lstmtraining) on one core at
 * low priority: OMP_THREAD_LIMIT=1 and `nice -n 10`, since the machine is
 * shared.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';

/** The environment every tool runs with. */
export const TOOL_ENV = { ...process.env, OMP_THREAD_LIMIT: '1' };

/** Where Debian's tesseract keeps its models and configs (lstm.train). */
export const DEBIAN_TESSDATA = '/usr/share/tesseract-ocr/5/tessdata';

/** True when `name` runs (`name --version` or `-v` exits normally). */
export function haveTool(name: string): boolean {
  const r = spawnSync(name, ['--version'], { env: TOOL_ENV, encoding: 'utf8' });
  return !r.error && r.status === 0;
}

/** The tools this folder needs that are missing. */
export function missingTools(): string[] {
  return ['tesseract', 'lstmtraining', 'combine_tessdata'].filter((t) => !haveTool(t));
}

/** Runs a tool to completion under nice and returns its standard output; throws with its output when it fails. */
export function run(cmd: string, args: string[], opts: { cwd?: string; input?: string } = {}): string {
  const r = spawnSync('nice', ['-n', '10', cmd, ...args], {
    env: TOOL_ENV,
    encoding: 'utf8',
    cwd: opts.cwd,
    input: opts.input,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Starts a tool under nice without waiting (nice execs it, so the child's pid is the tool's). */
export function start(cmd: string, args: string[]): ChildProcess {
  return spawn('nice', ['-n', '10', cmd, ...args], { env: TOOL_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
}
