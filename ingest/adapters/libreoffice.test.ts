import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OWNER } from '../leftovers';
import { conversionFailure, convertToPdf, networkIsolation, OFFICE_DEFAULTS, sofficeVersion } from './libreoffice';

const limits = { timeoutMs: 5000, memoryMb: 1024 };
const run = (r: Partial<Parameters<typeof conversionFailure>[0]>) =>
  conversionFailure({ code: 0, signal: null, stderr: '', timedOut: false, ...r }, limits);

describe('how a LibreOffice run is judged', () => {
  test('a clean run is no failure (the PDF is looked for next)', () => {
    expect(run({})).toBeUndefined();
  });

  test('past the time limit, or out of memory under its limit: office_timeout, saying which', () => {
    expect(run({ timedOut: true, signal: 'SIGKILL' })).toMatchObject({ code: 'office_timeout', details: { reason: 'time' } });
    // What LibreOffice prints when it cannot load a library within the limit, and its abort when an allocation fails.
    const noMap = 'soffice.bin: error while loading shared libraries: libX11.so.6: failed to map segment from shared object';
    expect(run({ code: 127, stderr: noMap })).toMatchObject({ code: 'office_timeout', details: { reason: 'memory' } });
    expect(run({ code: 134, stderr: 'Fatal exception: Signal 6' })).toMatchObject({ code: 'office_timeout' });
  });

  test('a file written past its size limit is unreadable, saying so, though LibreOffice then aborts', () => {
    const size = { code: 'office_unreadable', details: { reason: 'size' } };
    expect(run({ code: 134, stderr: 'Fatal exception: Signal 25\nStack:' })).toMatchObject(size);
    expect(run({ code: null, signal: 'SIGXFSZ' })).toMatchObject(size);
  });

  test('another crash or error is unreadable; the program missing is unavailable', () => {
    expect(run({ code: 139, stderr: 'Fatal exception: Signal 11' })?.code).toBe('office_unreadable');
    expect(run({ code: 1 })?.code).toBe('office_unreadable');
  });
});

describe('a LibreOffice that is not there', () => {
  test('a conversion is refused with office_unavailable and leaves no working folder', async () => {
    const input = path.join(os.tmpdir(), `office-missing-${process.pid}.docx`);
    fs.writeFileSync(input, 'x');
    const ours = () => fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(`diwan-work-${OWNER}-`));
    try {
      const settings = { ...OFFICE_DEFAULTS, soffice: '/nonexistent/soffice' };
      await expect(convertToPdf(input, 'docx', settings)).rejects.toMatchObject({ code: 'office_unavailable' });
      expect(ours()).toEqual([]);
    } finally {
      fs.rmSync(input, { force: true });
    }
  });

  test('its version is unknown', async () => {
    expect(await sofficeVersion('/nonexistent/soffice')).toBeUndefined();
  });
});

describe('what soffice is given (a stand-in that reports it)', () => {
  let dir: string;
  let input: string;
  const ours = () => fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(`diwan-work-${OWNER}-`));
  /** A program standing in for soffice: `body` runs with $out its --outdir. */
  const fake = (name: string, body: string) => {
    const file = path.join(dir, name);
    const outdir = 'out=; prev=; for a in "$@"; do [ "$prev" = --outdir ] && out=$a; prev=$a; done';
    fs.writeFileSync(file, `#!/bin/sh\n${outdir}\n${body}\n`, { mode: 0o755 });
    return { ...OFFICE_DEFAULTS, soffice: file, timeoutMs: 20_000 };
  };
  // Secrets of the kind this process holds, set where a child given its environment would see them.
  const secrets = { DIWAN_ADMIN_TOKEN: 'admin-token-4417', DIWAN_IMAP_URL: 'imap://u:mail-pass-4417@h/INBOX' };
  const saved = { ...process.env };
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'office-sandbox-'));
    input = path.join(dir, 'in.docx');
    fs.writeFileSync(input, 'x');
    Object.assign(process.env, secrets);
  });
  afterAll(() => {
    for (const key of Object.keys(secrets)) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("none of this process's environment; its home and temporary folder in its working folder; its limits; no network", async () => {
    const report =
      'env > "$out/document.pdf"; echo "limits=$(ulimit -v) $(ulimit -f)" >> "$out/document.pdf"; echo "net=$(readlink /proc/self/ns/net)" >> "$out/document.pdf"';
    const converted = await convertToPdf(input, 'docx', { ...fake('env.sh', report), memoryMb: 1500, fileMb: 300 });
    try {
      const lines = fs.readFileSync(converted.pdf, 'utf8').trim().split('\n');
      const text = lines.join('\n');
      for (const secret of ['4417', 'DIWAN_', 'DATABASE', 'S3_', 'PGPASSWORD']) expect(text).not.toContain(secret);
      const env = Object.fromEntries(lines.filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split(/=(.*)/s).slice(0, 2)));
      const work = path.dirname(path.dirname(converted.pdf));
      expect(env).toMatchObject({ HOME: work, TMPDIR: path.join(work, 'tmp'), LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' });
      // The shell adds PWD (and may add SHLVL); nothing else comes in.
      expect(
        Object.keys(env)
          .filter((k) => !['PWD', 'SHLVL', 'OLDPWD'].includes(k))
          .sort(),
      ).toEqual(['HOME', 'LANG', 'LC_ALL', 'PATH', 'SAL_USE_VCLPLUGIN', 'TMPDIR']);
      expect(fs.statSync(env.TMPDIR!).isDirectory()).toBe(true);
      // KB of address space, 512-byte blocks of any one file.
      expect(lines).toContain(`limits=${1500 * 1024} ${300 * 2048}`);
      const ownNet = `net=${fs.readlinkSync('/proc/self/ns/net')}`;
      if (await networkIsolation()) expect(lines).not.toContain(ownNet);
      else expect(lines).toContain(ownNet);
    } finally {
      converted.dispose();
    }
  });

  test('a file written past the size limit ends the conversion: office_unreadable, and nothing is left behind', async () => {
    const settings = { ...fake('fill.sh', 'exec head -c 3000000 /dev/zero > "$TMPDIR/lu1.tmp"'), fileMb: 1 };
    await expect(convertToPdf(input, 'docx', settings)).rejects.toMatchObject({
      code: 'office_unreadable',
      details: { reason: 'size', fileMb: 1 },
    });
    expect(ours()).toEqual([]);
  });
});
