/**
 * The command line tells how it is used: every command's help in Arabic and English (walked from the
 * program itself, so a command added without its words fails here), `--version` as package.json says,
 * completion that works in bash, and an unknown option refused with exit 2 and a message in both
 * languages. Runs the built CLI (`npm test` builds first) where the process matters.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { main } from '../src/cli/main';
import { buildProgram } from '../src/cli/program';
import { everyCommand } from '../src/cli/program/completion';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'diwan.js');
const ARABIC = /[\u0600-\u06FF]/;
const ENGLISH = /[A-Za-z]{3}/;

async function diwan(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** `diwan ARGS` in this process, standard output captured. */
async function inProcess(args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  try {
    return { code: await main(args), out: out.join('') };
  } finally {
    write.mockRestore();
  }
}

test('every command has its help in Arabic, then English, and `diwan help CMD` prints it', async () => {
  const commands = everyCommand(buildProgram(() => async () => undefined));
  expect(commands.length).toBeGreaterThan(60);
  for (const { path: name, cmd } of commands) {
    const [ar, en, ...rest] = cmd.description().split('\n');
    expect({
      name,
      ar: ARABIC.test(ar ?? ''),
      en: ENGLISH.test(en ?? '') && !ARABIC.test((en ?? '').replace(/\(.*?\)/g, '')),
      rest,
    }).toEqual({
      name,
      ar: true,
      en: true,
      rest: [],
    });
    for (const item of [...cmd.options, ...cmd.registeredArguments]) {
      expect({ name, item: item.description }).toEqual({
        name,
        item: expect.stringMatching(/[\u0600-\u06FF].* \/ .*[A-Za-z]{3}/),
      });
    }
    const help = await inProcess(name ? ['help', ...name.split(' ')] : ['--help']);
    expect(help.code).toBe(0);
    // Arabic first: the help opens with the command's Arabic line, its English under it.
    expect(help.out.split('\n')[0]).toMatch(ARABIC);
    expect(help.out.replace(/\s+/g, ' ')).toContain(en);
    expect(help.out).toContain('الاستعمال / Usage:');
    // Nothing left in the parser's own English alone.
    expect(help.out).not.toMatch(/display help|output the version/);
  }
  // `diwan CMD --help` is the same help, and the main commands carry an example.
  const viaOption = await inProcess(['audit', 'export', '--help']);
  expect(viaOption).toEqual(await inProcess(['help', 'audit', 'export']));
  for (const name of ['ingest', 'search', 'fixity', 'restore', 'reindex']) {
    expect((await inProcess([name, '--help'])).out).toMatch(/أمثلة \/ Examples:\n {2}diwan /);
  }
});

test('--version and -V print the version in package.json', async () => {
  const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) {
    expect(await diwan([flag])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  }
});

test('bash completes command names, sub-commands, options and their values', async () => {
  const script = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-completion-')), 'diwan.bash');
  const made = await diwan(['completion', 'bash']);
  expect(made.code).toBe(0);
  fs.writeFileSync(script, made.stdout);
  const complete = async (...words: string[]) => {
    const snippet = `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _diwan; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const { stdout } = await run('bash', ['-c', snippet, 'bash', script, 'diwan', ...words]);
    return stdout.split('\n').filter(Boolean);
  };
  expect(await complete('ing')).toEqual(['ingest']);
  expect(await complete('ingest', '--reg')).toEqual(['--register']);
  expect(await complete('audit', 'ver')).toEqual(['verify-ledger']);
  expect(await complete('restore', '--from', '')).toEqual(['offsite', 'primary']);
  // After an option's value, options again; an argument (a file) is left to the shell.
  expect(await complete('ingest', '--batch', 'x', '--pages')).toEqual(['--pages-of-one']);
  expect(await complete('ingest', './scans', '')).toEqual([]);
  expect((await diwan(['completion', 'zsh'])).stdout).toMatch(/^#compdef diwan\n/);
});

test('an unknown option, command or value is refused with exit 2 and says so in both languages', async () => {
  const unknown = await diwan(['ingest', 'a.jpg', '--nope']);
  expect(unknown.code).toBe(2);
  expect(unknown.stdout).toBe('');
  expect(unknown.stderr).toContain('خطأ: خيار غير معروف: --nope');
  expect(unknown.stderr).toContain("error: unknown option '--nope'");
  expect(unknown.stderr).toContain('diwan ingest --help');
  expect((await diwan(['frobnicate'])).stderr).toContain('أمر غير معروف');
  expect((await diwan(['restore', '--from', 'nowhere'])).code).toBe(2);
  expect((await diwan(['completion', 'fish'])).code).toBe(2);
  // Usage errors found by a command itself go the same way (no settings or server needed to find them).
  const handler = await diwan(['book', 'incoming']);
  expect(handler.code).toBe(2);
  expect(handler.stderr).toContain('book needs --day YYYY-MM-DD or --month YYYY-MM');
});

/** What the parser gives the command `args` names: its arguments and options (nothing runs). */
async function parsed(args: string[]): Promise<{ args: unknown[]; opts: Record<string, unknown> }> {
  let seen = { args: [] as unknown[], opts: {} };
  await buildProgram(
    () =>
      async function (this: Command) {
        seen = { args: this.processedArgs, opts: this.opts() };
      },
  ).parseAsync(args, { from: 'user' });
  return seen;
}

test('#22 a word starting with a dash is an argument when Arabic follows it, or after --; old scripts keep reindex --clear', async () => {
  expect(await parsed(['search', 'حفظ', '-تعميم', '--limit', '5'])).toEqual({
    args: [['حفظ', '-تعميم']],
    opts: { limit: '5' },
  });
  expect((await parsed(['directive', '2026/000123', '-يُحفظ', 'مع', 'الملف'])).args).toEqual([
    '2026/000123',
    ['-يُحفظ', 'مع', 'الملف'],
  ]);
  expect((await parsed(['search', '--', '-draft'])).args).toEqual([['-draft']]);
  // An option's value is left as given; a Latin word after one dash is still an unknown option.
  expect((await parsed(['deadlines', 'suspend', '--reason', '-طارئ'])).opts).toEqual({ reason: '-طارئ' });
  await expect(parsed(['search', 'حفظ', '-draft'])).rejects.toMatchObject({ code: 'commander.unknownOption', exitCode: 1 });
  expect((await inProcess(['--help'])).out).toContain('diwan search -- -draft');
  // reindex --clear is taken (no longer needed: every reindex builds a new index) and not shown.
  expect((await parsed(['reindex', '--clear'])).opts).toEqual({ clear: true, wait: true });
  expect((await inProcess(['reindex', '--help'])).out).not.toContain('--clear');
  expect((await inProcess(['reindex', '--help'])).out).toContain('--json draws none either');
});

test('help piped into a reader that stops early ends quietly, with status 0', async () => {
  const run = promisify(execFile);
  const bin = path.join(__dirname, '..', 'bin', 'diwan.js');
  const { stdout, stderr } = await run('bash', [
    '-o',
    'pipefail',
    '-c',
    `node ${JSON.stringify(bin)} ingest --help | head -c 10`,
  ]);
  expect(stdout.length).toBeGreaterThan(0);
  expect(stderr).toBe('');
});
