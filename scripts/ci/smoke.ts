/**
 * A smoke run of the archive on whichever Node runs this script (`.ci/run` runs it on Node 24 LTS):
 * `diwan serve` on an empty data folder, one Arabic page ingested and archived, found by a word of its
 * text, then a clean stop. Exit 0 when all of that held, 1 otherwise, with the server's output.
 * `node dist/scripts/ci/smoke.js` after a build: every service embedded, as a new user has it.
 * `smoke()` is also run by the image steps (imageSteps.ts) on the image's files, with services of its own.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectScript } from '../../ingest/adapters/files';
import { promisify } from 'node:util';
import { renderArabicScan } from '../fixtures/arabicScan';
import { freePort } from '../../src/runtime/services/util';

export const ROOT = path.dirname(projectScript('package.json'));
const run = promisify(execFile);

/** Starts `diwan serve` and resolves with its address once it says it is serving. */
function serve(cli: string, env: NodeJS.ProcessEnv, output: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [cli, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('diwan serve did not start within 120 s')), 120_000);
    const onData = (d: Buffer) => {
      output.push(d.toString());
      const m = /serving at (http:\/\/\S+)/.exec(output.join(''));
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]! });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`diwan serve exited with ${code} before serving`));
    });
  });
}

export interface SmokeOptions {
  /** The `diwan` command to run (bin/diwan.js of a checkout or of the image's files). */
  cli: string;
  /** Settings beyond the data folder and port: none for every service embedded. */
  settings?: NodeJS.ProcessEnv;
  /** Gathers the server's output, to show when something fails. */
  output: string[];
}

/** Serve, ingest a page, find it, stop; throws on the first thing that does not hold. */
export async function smoke({ cli, settings = {}, output }: SmokeOptions): Promise<void> {
  const t0 = Date.now();
  const step = (what: string) => process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${what}\n`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-smoke-'));
  // Only what a new user's shell has, and the settings given.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DIWAN_DATA_DIR: dataDir,
    DIWAN_CACHE_DIR: path.join(ROOT, 'node_modules', '.cache', 'diwan-test'),
    PORT: String(await freePort()),
    ...settings,
  };
  step(`Node ${process.version}: ${cli} serve, data in ${dataDir}`);
  let server: { child: ChildProcess; url: string } | undefined;
  let stopped: number | null = 0;
  try {
    server = await serve(cli, env, output);
    step(`serving at ${server.url}`);
    const scan = path.join(dataDir, 'smoke.jpg');
    fs.writeFileSync(scan, await renderArabicScan(['قرار بشأن حفظ المحفوظات', 'يحفظ الديوان المراسلات الواردة'], { seed: 7 }));
    const diwan = async (args: string[]) =>
      (await run(process.execPath, [cli, ...args], { env: { ...env, DIWAN_URL: server!.url } })).stdout;
    const ingested = JSON.parse(await diwan(['ingest', scan, '--wait', '--json'])) as {
      files: Array<{ documentId: string; registryNo: string; status: string }>;
    };
    const doc = ingested.files[0];
    if (doc?.status !== 'archived') throw new Error(`the page was not archived: ${JSON.stringify(ingested)}`);
    step(`ingested: ${doc.registryNo} archived`);
    const found = JSON.parse(await diwan(['search', 'المحفوظات', '--json'])) as { hits: Array<{ id: string }> };
    if (!found.hits.some((h) => h.id === doc.documentId)) throw new Error(`search did not find it: ${JSON.stringify(found)}`);
    step(`found by search (${found.hits.length} hit)`);
  } finally {
    if (server) {
      const exited = new Promise<number | null>((resolve) => server!.child.once('exit', resolve));
      server.child.kill('SIGTERM');
      stopped = await exited;
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  if (stopped !== 0) throw new Error(`diwan serve stopped with ${stopped}`);
  step('stopped cleanly');
  if (!output.join('').includes('Admin token')) throw new Error('no administrator token was printed');
  step(`smoke passed on Node ${process.version}`);
}

if (require.main === module) {
  const output: string[] = [];
  smoke({ cli: path.join(ROOT, 'bin', 'diwan.js'), output }).catch((e: unknown) => {
    process.stderr.write(`smoke failed: ${(e as Error).message}\n${output.join('')}\n`);
    process.exit(1);
  });
}
