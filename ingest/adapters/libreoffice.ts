/**
 * Converting an Office document to PDF with LibreOffice, headless (the one place that runs soffice).
 *
 * Each conversion runs in a process group of its own, under an address-space limit (`ulimit -v`) and a limit on
 * the size of any one file it writes (`ulimit -f`, against a package that unpacks to fill the disk), both set
 * by the shell that then becomes soffice, with a new throw-away profile, home and temporary folder in a working
 * folder of this process (named so that the next start clears it if this process is killed:
 * ingest/leftovers.ts). What else it may reach (environment, links, network) is ingest/adapters/officeSandbox.ts.
 * Past the time limit the whole group is killed. LibreOffice is heavy, so this process runs one conversion at
 * a time. The PDF it writes keeps the document's own text as a text layer.
 *
 * Failures, as DomainErrors: no soffice → office_unavailable; past the time limit, or a crash for want of
 * memory → office_timeout; a file past the size limit, or anything else that leaves no PDF → office_unreadable.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DomainError } from '../../kernel/errors';
import { makeWorkFolder } from '../leftovers';
import { officeEnv, PROFILE_SETTINGS, tempDir, withoutNetwork } from './officeSandbox';

export { networkIsolation } from './officeSandbox';

/** LibreOffice's program (a name on PATH or a path) and the limits of one conversion. */
export interface OfficeSettings {
  soffice: string;
  timeoutMs: number;
  memoryMb: number;
  /** The most any one file it writes may hold (the PDF, its temporary files); FILE_MB when absent. */
  fileMb?: number;
}

export const OFFICE_DEFAULTS: OfficeSettings = { soffice: 'soffice', timeoutMs: 120_000, memoryMb: 2048 };

/** As much as a package may claim to unpack to in all (ZIP_LIMITS.maxTotalSize): no one file of it needs more. */
const FILE_MB = 2048;

/** A PDF made of a document, in a working folder `dispose` removes. */
export interface Converted {
  pdf: string;
  dispose(): void;
}

/** What the shell says when the program is not there (exit 127 alone could be a library soffice failed to load). */
const NOT_FOUND = 'diwan-office: program not found';

/**
 * Sets the memory and file-size limits (KB, 512-byte blocks), checks the program is there, and becomes it:
 * `sh -c SCRIPT sh KB BLOCKS PROGRAM ARGS…`.
 */
const SCRIPT = `ulimit -v "$1" && ulimit -f "$2" || exit 125; shift 2; command -v "$1" >/dev/null 2>&1 || { echo '${NOT_FOUND}' >&2; exit 127; }; exec "$@"`;

/** The conversion running now, if any: the next waits for it. */
let running: Promise<unknown> = Promise.resolve();

/**
 * Converts `input` (an Office document, read as `.ext`) to PDF. The caller disposes of the result once the PDF
 * is copied away; on failure nothing is left behind.
 */
export function convertToPdf(input: string, ext: string, settings: OfficeSettings = OFFICE_DEFAULTS): Promise<Converted> {
  const turn = running.then(() => convertNow(input, ext, settings));
  running = turn.catch(() => undefined);
  return turn;
}

async function convertNow(input: string, ext: string, settings: OfficeSettings): Promise<Converted> {
  const work = makeWorkFolder();
  const dispose = () => fs.rmSync(work, { recursive: true, force: true });
  try {
    const profile = path.join(work, 'profile');
    const out = path.join(work, 'out');
    fs.mkdirSync(path.join(profile, 'user'), { recursive: true });
    fs.mkdirSync(out);
    fs.mkdirSync(tempDir(work));
    fs.writeFileSync(path.join(profile, 'user', 'registrymodifications.xcu'), PROFILE_SETTINGS);
    // LibreOffice names its output after its input, and takes a hint from the extension: a link of our naming.
    const named = path.join(work, `document.${ext}`);
    fs.symlinkSync(path.resolve(input), named);
    await runSoffice(settings, work, [
      `-env:UserInstallation=${pathToFileURL(profile).href}`,
      '--headless',
      '--invisible',
      '--nologo',
      '--nodefault',
      '--norestore',
      '--nolockcheck',
      '--convert-to',
      'pdf',
      '--outdir',
      out,
      named,
    ]);
    const pdf = path.join(out, 'document.pdf');
    if (!fs.existsSync(pdf) || fs.statSync(pdf).size === 0) throw new DomainError('office_unreadable');
    return { pdf, dispose };
  } catch (e) {
    dispose();
    throw e;
  }
}

/** Runs soffice under the limits, in `work`; settles when it has ended (its whole process group killed). */
async function runSoffice(settings: OfficeSettings, work: string, args: string[]): Promise<void> {
  const kb = String(Math.max(1, Math.floor(settings.memoryMb * 1024)));
  const blocks = String(Math.max(1, Math.floor((settings.fileMb ?? FILE_MB) * 2048)));
  const [program, ...rest] = await withoutNetwork(['sh', '-c', SCRIPT, 'sh', kb, blocks, settings.soffice, ...args]);
  return new Promise<void>((resolve, reject) => {
    const child = spawn(program!, rest, {
      cwd: work,
      env: officeEnv(work),
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the group is gone already
      }
    };
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, settings.timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new DomainError('office_unavailable', { en: `(${e.message})` }));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      // What soffice started and left behind goes with it.
      killGroup();
      const failure = conversionFailure({ code, signal, stderr, timedOut }, settings);
      if (failure) reject(failure);
      else resolve();
    });
  });
}

/** How a finished run is judged: undefined when it ended well (the PDF is then looked for). */
export function conversionFailure(
  run: { code: number | null; signal: NodeJS.Signals | null; stderr: string; timedOut: boolean },
  settings: Pick<OfficeSettings, 'timeoutMs' | 'memoryMb' | 'fileMb'>,
): DomainError | undefined {
  if (run.timedOut) {
    return new DomainError('office_timeout', {
      ar: `(${Math.round(settings.timeoutMs / 1000)} ث)`,
      en: `(${settings.timeoutMs / 1000} s)`,
      details: { reason: 'time', timeoutMs: settings.timeoutMs },
    });
  }
  if (run.code === 127 && run.stderr.includes(NOT_FOUND)) return new DomainError('office_unavailable');
  // A file past its size limit: the kernel's SIGXFSZ (25), which LibreOffice reports before it aborts.
  if (run.signal === 'SIGXFSZ' || run.code === 128 + 25 || /Signal 25\b|File too large/.test(run.stderr)) {
    const fileMb = settings.fileMb ?? FILE_MB;
    return new DomainError('office_unreadable', {
      ar: `(ملف يتجاوز ${fileMb} م.ب)`,
      en: `(it writes a file of more than ${fileMb} MB)`,
      details: { reason: 'size', fileMb },
    });
  }
  // Out of memory under the limit: the loader cannot map a library, an allocation fails and LibreOffice aborts.
  const memory =
    /bad_alloc|failed to map segment|cannot allocate memory|out of memory/i.test(run.stderr) ||
    run.signal === 'SIGABRT' ||
    run.code === 128 + 6;
  if (memory) {
    return new DomainError('office_timeout', {
      ar: `(${settings.memoryMb} م.ب)`,
      en: `(${settings.memoryMb} MB)`,
      details: { reason: 'memory', memoryMb: settings.memoryMb },
    });
  }
  if (run.signal !== null || (run.code ?? 0) !== 0) {
    return new DomainError('office_unreadable', { en: `(LibreOffice ended with ${run.signal ?? `exit code ${run.code}`})` });
  }
  return undefined;
}

/** LibreOffice's version ("LibreOffice 7.4.7.2 …"), or undefined when the program cannot be run. */
export function sofficeVersion(soffice: string, timeoutMs = 10_000): Promise<string | undefined> {
  // Even asked only its version, it makes folders in its home: a working folder's.
  const work = makeWorkFolder();
  return new Promise<string | undefined>((resolve) => {
    const child = spawn(soffice, ['--version'], { cwd: work, env: officeEnv(work), stdio: ['ignore', 'pipe', 'ignore'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs).unref();
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('error', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve(code === 0 && out.trim() ? out.trim().split('\n')[0] : undefined);
    });
  }).finally(() => fs.rmSync(work, { recursive: true, force: true }));
}
