/**
 * Drop folders: a file written slowly into a folder the worker watches (DIWAN_WATCH) is archived once, when
 * whole, into a 'folder' batch and moved to processed/; a file that is no document goes to rejected/ with
 * why in Arabic and English; `diwan watch --once` (the built CLI, over the API) killed after receiving a
 * file and before moving it finishes that file at its next run, into the same batch, and the archive holds it
 * once; links in the folder (planted to show another department's files) are never read; a running
 * `diwan watch` outlives a folder away and stops on SIGTERM.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { isolatedEnv, sha256, startTestServer, TOKEN, type TestServer } from './helpers';

const CLI = path.resolve(__dirname, '..', 'bin', 'diwan.js');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-watch-'));
const workerDir = path.join(root, 'worker');
const cliDir = path.join(root, 'scanner-pc');
let server: TestServer;

beforeAll(async () => {
  fs.mkdirSync(workerDir);
  fs.mkdirSync(cliDir);
  server = await startTestServer(
    await isolatedEnv({
      DIWAN_WATCH: JSON.stringify([{ dir: workerDir, register: 'incoming', classification: 'internal' }]),
      DIWAN_WATCH_SECONDS: '0.2',
      DIWAN_WATCH_STABLE_SECONDS: '0.5',
    }),
  );
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

/** A small PDF with its own text (no OCR needed), different for each `text`. */
async function letter(text: string): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  pdf.addPage([300, 200]).drawText(text, { x: 20, y: 100, size: 14, font });
  return Buffer.from(await pdf.save());
}

async function query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: server.config.databaseOwnerUrl });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

const documentsWith = async (bytes: Buffer) =>
  (await query<{ n: string }>('SELECT count(*) AS n FROM documents WHERE original_sha256 = $1', [sha256(bytes)]))[0]!.n;

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs `diwan watch ARGS…` against the test server: its output so far, and its end. */
function diwanWatch(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [CLI, 'watch', ...args, '--register', 'incoming'], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DIWAN_DATA_DIR: path.join(root, 'cli-data'),
      DIWAN_URL: server.url,
      DIWAN_TOKEN: TOKEN,
      DIWAN_WATCH_SECONDS: '0.2',
      DIWAN_WATCH_STABLE_SECONDS: '0.5',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null; out: string }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, out })),
  );
  return { child, output: () => out, exited };
}

const watchOnce = (env: Record<string, string> = {}) => diwanWatch([cliDir, '--once'], env).exited;

test('the worker takes a file written slowly once it is whole, and refuses a file that is no document', async () => {
  const bytes = await letter('Dropped into a watched folder');
  const dropped = path.join(workerDir, 'letter.pdf');
  // Written in two parts with a pause shorter than the time a file must stay still.
  fs.writeFileSync(dropped, bytes.subarray(0, 600));
  await new Promise((r) => setTimeout(r, 300));
  fs.appendFileSync(dropped, bytes.subarray(600));
  fs.writeFileSync(path.join(workerDir, 'notes.txt'), 'not a document at all');

  const kept = path.join(workerDir, 'processed', 'letter.pdf');
  const refused = path.join(workerDir, 'rejected', 'notes.txt');
  const taken = async () =>
    (await query<{ n: string }>(`SELECT count(*) AS n FROM drop_files WHERE status <> 'taking'`))[0]!.n === '2';
  await until('both files to be taken', taken);
  expect(fs.existsSync(`${refused}.txt`)).toBe(true);
  expect(sha256(fs.readFileSync(kept))).toBe(sha256(bytes));
  expect(await documentsWith(bytes)).toBe('1');
  expect(fs.readdirSync(workerDir).sort()).toEqual(['.diwan', 'processed', 'rejected']);

  const why = fs.readFileSync(`${refused}.txt`, 'utf8');
  expect(why).toContain('لم يُؤرشف «notes.txt»');
  expect(why).toContain('unsupported_type: نوع الملف غير مدعوم');
  expect(why).toContain('"notes.txt" was not archived');
  expect(why).toContain('unsupported_type: Unsupported file type');

  const rows = await query<{ name: string; status: string; error_code: string | null; source: string; sha256: string }>(
    `SELECT f.name, f.status, f.error_code, b.source, f.sha256 FROM drop_files f JOIN batches b ON b.id = f.batch_id ORDER BY f.name`,
  );
  expect(rows).toEqual([
    { name: 'letter.pdf', status: 'processed', error_code: null, source: 'folder', sha256: sha256(bytes) },
    { name: 'notes.txt', status: 'rejected', error_code: 'unsupported_type', source: 'folder', sha256: expect.any(String) },
  ]);
});

test('links are never archived: neither one dropped in the folder nor one planted in a gone watcher’s place', async () => {
  const secret = await letter('Another department only');
  fs.writeFileSync(path.join(root, 'secret.pdf'), secret);
  fs.symlinkSync(path.join(root, 'secret.pdf'), path.join(workerDir, 'linked.pdf'));
  const planted = path.join(workerDir, '.diwan', 'taking', 'x');
  fs.mkdirSync(planted, { recursive: true });
  fs.symlinkSync(path.join(root, 'secret.pdf'), path.join(planted, 'letter.pdf'));
  const old = new Date(Date.now() - 3_600_000);
  fs.utimesSync(planted, old, old); // looks like a watcher gone long ago
  fs.writeFileSync(path.join(workerDir, 'after.pdf'), await letter('Dropped after the links'));
  await until('the file after the links to be taken', () => fs.existsSync(path.join(workerDir, 'processed', 'after.pdf')));
  expect(await documentsWith(secret)).toBe('0');
  expect(fs.readlinkSync(path.join(workerDir, 'linked.pdf'))).toBe(path.join(root, 'secret.pdf')); // left as they were
  expect(fs.readlinkSync(path.join(planted, 'letter.pdf'))).toBe(path.join(root, 'secret.pdf'));
  fs.rmSync(planted, { recursive: true });
  fs.rmSync(path.join(workerDir, 'linked.pdf'));
});

test('diwan watch killed after receiving a file, before moving it, finishes it at the next run: archived once', async () => {
  const bytes = await letter('Scanned on the scanner PC');
  fs.writeFileSync(path.join(cliDir, 'scan-001.pdf'), bytes);

  const killed = await watchOnce({ DIWAN_CRASH_AT: 'watch.after-receive' });
  expect(killed.signal).toBe('SIGKILL');
  expect(await documentsWith(bytes)).toBe('1'); // received before the kill…
  const taking = path.join(cliDir, '.diwan', 'taking');
  const [owner] = fs.readdirSync(taking);
  expect(fs.readdirSync(path.join(taking, owner!))).toEqual(['scan-001.pdf']); // …but not moved

  fs.writeFileSync(path.join(cliDir, 'broken.pdf'), '%PDF-1.7\n1 0 obj broken');
  const next = await watchOnce();
  expect(next.code).toBe(1); // a file was refused
  expect(sha256(fs.readFileSync(path.join(cliDir, 'processed', 'scan-001.pdf')))).toBe(sha256(bytes));
  expect(await documentsWith(bytes)).toBe('1');
  expect(next.out).toMatch(/scan-001\.pdf\t\d{4}\/\d{6}\tduplicate/);
  expect(fs.readFileSync(path.join(cliDir, 'rejected', 'broken.pdf.txt'), 'utf8')).toMatch(/corrupt_file: .*تالف/);
  expect(fs.readdirSync(taking)).toEqual([]); // the dead watcher's place is gone, the new one's left empty
  // Both runs filed into one batch of the folder's (kept in its .diwan), as cron's runs of a day do.
  const batches = await query<{
    source: string;
  }>(`SELECT DISTINCT b.id, b.source FROM batch_files f JOIN batches b ON b.id = f.batch_id
    WHERE f.name IN ('scan-001.pdf', 'broken.pdf')`);
  expect(batches).toEqual([{ id: expect.any(String), source: 'folder' }]);
});

test('diwan watch goes on while a folder is away, takes its files once it is back, and stops on SIGTERM', async () => {
  const share = path.join(root, 'share'); // a share not mounted yet
  const running = diwanWatch([cliDir, share]);
  await until('the folder away to be told', () => running.output().includes('the look failed'));
  const bytes = await letter('Moved in whole');
  fs.writeFileSync(path.join(root, 'moved.pdf'), bytes);
  fs.mkdirSync(share);
  fs.renameSync(path.join(root, 'moved.pdf'), path.join(share, 'moved.pdf'));
  await until('the moved file to be taken', () => fs.existsSync(path.join(share, 'processed', 'moved.pdf')));
  expect(await documentsWith(bytes)).toBe('1');
  running.child.kill('SIGTERM');
  const end = await running.exited;
  expect(end.code).toBe(0);
  expect(end.out).toContain('watched folder is back');
  expect(fs.readdirSync(path.join(share, '.diwan', 'taking'))).toEqual([]); // its place left behind empty, and removed
});
