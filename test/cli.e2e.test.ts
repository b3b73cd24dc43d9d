/**
 * What a new user does: `diwan serve` on an empty data dir (every service
 * embedded), `diwan ingest --wait`, `diwan search`, `diwan show`; Ctrl-C leaves
 * no process behind; a second start on the same data dir finds everything.
 * Runs the built CLI (`npm test` builds first), as `npm start` does.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../src/runtime/services/util';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';

const run = promisify(execFile);
const CLI = path.resolve(__dirname, '..', 'bin', 'diwan.js');

let dataDir: string;
let port: number;
let env: NodeJS.ProcessEnv;

function baseEnv(): NodeJS.ProcessEnv {
  // Only what a user's shell would have: no service addresses, so everything is embedded.
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DIWAN_DATA_DIR: dataDir,
    DIWAN_CACHE_DIR: process.env.DIWAN_CACHE_DIR,
  };
}

async function serve(): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in 90 s:\n${out}`)), 90_000);
    const onData = () => {
      const m = /serving at (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${out}`));
    });
  });
  return { child, url, output: () => out };
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  return exited;
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env: { ...env, DIWAN_URL: `http://127.0.0.1:${port}` },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pids of the embedded servers, from their pid files (and PostgreSQL's postmaster.pid). */
function servicePids(): number[] {
  const runDir = path.join(dataDir, 'run');
  const pids = fs.existsSync(runDir)
    ? fs.readdirSync(runDir).map((f) => Number(fs.readFileSync(path.join(runDir, f), 'utf8')))
    : [];
  const pgPid = path.join(dataDir, 'postgres', 'postmaster.pid');
  if (fs.existsSync(pgPid)) pids.push(Number(fs.readFileSync(pgPid, 'utf8').split('\n')[0]));
  return pids;
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-cli-'));
  fs.chmodSync(dataDir, 0o755);
  port = await freePort();
  env = baseEnv();
});

afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('serve, ingest, search, show; stop cleanly; start again and find it all', async () => {
  const first = await serve();
  let pids: number[] = [];
  let id: string;
  let registryNo: string;
  try {
    expect(first.url).toBe(`http://127.0.0.1:${port}`);
    // The generated admin token is printed once and kept in the data dir.
    const token = fs.readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
    expect(first.output()).toContain(token);
    const ready = await fetch(`${first.url}/readyz`);
    expect(ready.status).toBe(200);
    pids = servicePids();
    expect(pids).toHaveLength(4); // postgres, two MinIO servers, Meilisearch
    expect(pids.every(alive)).toBe(true);

    // A folder as a clerk has it: two scans (one in a subfolder) and a file that is not a scan.
    const folder = path.join(dataDir, 'وارد اليوم');
    fs.mkdirSync(path.join(folder, 'ملحق'), { recursive: true });
    fs.writeFileSync(
      path.join(folder, 'مرسوم الأرشفة.jpg'),
      await renderArabicScan(['مرسوم بشأن حفظ السجلات', 'تحفظ الوثائق في الديوان الإلكتروني'], { seed: 3 }),
    );
    fs.writeFileSync(
      path.join(folder, 'ملحق', 'كشف.png'),
      await renderArabicScan(['كشف بأسماء اللجان'], { seed: 4, format: 'png' }),
    );
    fs.writeFileSync(path.join(folder, 'notes.jpg'), 'ليست صورة');
    const ingested = await cli(['ingest', folder, '--batch', 'وارد اليوم', '--wait', '--json']);
    expect(ingested.code).toBe(1); // something was rejected, and the exit status says so
    const report = JSON.parse(ingested.stdout) as {
      batchId: string;
      counts: Record<string, number>;
      files: Array<{
        name: string;
        documentId: string;
        registryNo: string;
        status: string;
        pageCount: number;
        error: { code: string } | null;
      }>;
    };
    expect(report.counts).toMatchObject({ total: 3, archived: 2, rejected: 1 });
    const byName = Object.fromEntries(report.files.map((f) => [f.name, f]));
    expect(byName['مرسوم الأرشفة.jpg']).toMatchObject({ status: 'archived', pageCount: 1 });
    expect(byName['كشف.png']).toMatchObject({ status: 'archived' });
    expect(byName['notes.jpg']).toMatchObject({
      status: 'rejected',
      error: expect.objectContaining({ code: 'unsupported_type' }),
    });
    id = byName['مرسوم الأرشفة.jpg']!.documentId;
    registryNo = byName['مرسوم الأرشفة.jpg']!.registryNo;

    // Without --json: one line per file and a summary.
    const human = await cli(['ingest', path.join(folder, 'مرسوم الأرشفة.jpg'), '--quiet']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`مرسوم الأرشفة.jpg\t${registryNo}\tduplicate`);
    expect(human.stdout).toMatch(/1 مكرر\/duplicates/);

    const found = await cli(['search', 'السجلات', '--json']);
    expect(found.code).toBe(0);
    expect((JSON.parse(found.stdout) as { hits: Array<{ id: string }> }).hits.map((h) => h.id)).toContain(id);

    const listed = await cli(['search', 'الوثائق']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(registryNo);
  } finally {
    expect(await stop(first.child)).toBe(0);
  }
  // Ctrl-C leaves no server behind.
  expect(pids.filter(alive)).toEqual([]);

  const second = await serve();
  try {
    const shown = await cli(['show', id, '--json']);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id, registryNo, status: 'archived' });
    const found = await cli(['search', 'السجلات', '--json']);
    expect((JSON.parse(found.stdout) as { hits: Array<{ id: string }> }).hits.map((h) => h.id)).toContain(id);
    // The token was not printed again.
    expect(second.output()).not.toContain('Admin token');
  } finally {
    expect(await stop(second.child)).toBe(0);
  }
});

test('usage errors exit 2', async () => {
  expect((await cli([])).code).toBe(2);
  expect((await cli(['frobnicate'])).code).toBe(2);
  expect((await cli(['search'])).code).toBe(2);
});
