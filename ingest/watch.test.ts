import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../kernel/log';
import { OWNER } from './leftovers';
import { FolderWatch, MOVE_TRIES, type DropSink, type DroppedFile } from './watch';
import { DropFolder } from './watchFolder';
import type { SinkAnswer } from './watchRules';

let root: string;
let dir: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-watch-unit-'));
  dir = path.join(root, 'drop');
  fs.mkdirSync(dir);
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const host = OWNER.split('-')[2]!;
const old = new Date(Date.now() - 3_600_000);

/** A file dropped a while ago (complete at the second look). */
function drop(name: string, text: string, at = dir): string {
  const p = path.join(at, name);
  fs.writeFileSync(p, text);
  fs.utimesSync(p, old, old);
  return p;
}

/** A sink that keeps what it read of each file, and answers with `answers` in turn (then a new document). */
function recordingSink(answers: SinkAnswer[] = []) {
  const read: Array<{ name: string; text: string }> = [];
  const sink: DropSink = {
    async receive(file: DroppedFile) {
      const chunks: Buffer[] = [];
      for await (const c of file.read()) chunks.push(c as Buffer);
      read.push({ name: file.name, text: Buffer.concat(chunks).toString() });
      return answers.shift() ?? { documents: [{ registryNo: '2026/000001', duplicate: false }], rejected: [] };
    },
  };
  return { sink, read };
}

function logs() {
  const lines: Array<[string, string]> = [];
  const log: Logger = {
    info: (m) => lines.push(['info', m]),
    warn: (m) => lines.push(['warn', m]),
    error: (m) => lines.push(['error', m]),
    debug: () => undefined,
    child: () => log,
  };
  return { log, lines };
}

function watcher(sink: DropSink, log: Logger, folder?: DropFolder) {
  return new FolderWatch(dir, sink, { folders: [], everyMs: 0, stableMs: 0, retryMs: 0, log }, () => false, folder);
}

test('links are never read: dropped at the top, planted in a gone watcher’s place, or standing for processed/', async () => {
  const secret = drop('secret.pdf', 'another department’s letter', root);
  fs.symlinkSync(secret, path.join(dir, 'link.pdf'));
  const taking = path.join(dir, '.diwan', 'taking');
  for (const owner of [`99999999-0badc0de-${host}`, 'x']) {
    fs.mkdirSync(path.join(taking, owner), { recursive: true });
    fs.symlinkSync(secret, path.join(taking, owner, 'letter.pdf'));
    fs.utimesSync(path.join(taking, owner), old, old); // backdated: its watcher looks gone
  }
  drop('real.pdf', 'a real letter');
  const { sink, read } = recordingSink();
  const { log, lines } = logs();
  const w = watcher(sink, log);
  await w.look();
  await w.look();
  expect(read).toEqual([{ name: 'real.pdf', text: 'a real letter' }]);
  expect(fs.readlinkSync(path.join(dir, 'link.pdf'))).toBe(secret); // left where it was
  expect(fs.readlinkSync(path.join(taking, 'x', 'letter.pdf'))).toBe(secret);
  expect(fs.readdirSync(path.join(dir, 'processed'))).toEqual(['real.pdf']);

  // rejected/ planted as a link to another folder: the folder is not used (and told once) until it is removed.
  fs.symlinkSync(root, path.join(dir, 'rejected'));
  drop('next.pdf', 'the next letter');
  await w.look();
  await w.look();
  expect(read).toHaveLength(1);
  expect(fs.existsSync(path.join(dir, 'next.pdf'))).toBe(true);
  expect(lines.filter(([level]) => level === 'error')).toEqual([['error', expect.stringContaining('a link')]]);
  expect(w.state().away).toBe(true);
  fs.unlinkSync(path.join(dir, 'rejected'));
  await w.look();
  await w.look();
  expect(read.map((r) => r.name)).toEqual(['real.pdf', 'next.pdf']);
});

test('a file is opened as it is: a link in hand is refused, a regular file read through its descriptor', async () => {
  const folder = new DropFolder(dir, 60_000);
  const secret = drop('secret.pdf', 'secret', root);
  fs.symlinkSync(secret, path.join(dir, 'a.pdf'));
  expect(await folder.open(path.join(dir, 'a.pdf'))).toBeUndefined();
  const opened = await folder.open(drop('b.pdf', 'bytes'));
  expect(opened?.size).toBe(5);
  await opened!.handle.close();
});

test('a watcher alive on this host is never taken over by age; a dead one at once; another host’s once untouched', async () => {
  const folder = new DropFolder(dir, 60_000);
  const owners = { live: `${process.ppid}-0badc0de-${host}`, dead: `99999999-0badc0de-${host}`, far: '1-0badc0de-ffffffff' };
  for (const owner of Object.values(owners)) {
    fs.mkdirSync(path.join(folder.taking, owner), { recursive: true });
    drop(`${owner}.pdf`, owner, path.join(folder.taking, owner));
  }
  const names = async (now: number) => (await folder.leftovers(now)).map((l) => l.name).sort();
  expect(await names(Date.now())).toEqual([`${owners.dead}.pdf`]);
  expect(await names(Date.now() + 86_400_000)).toEqual([`${owners.far}.pdf`, `${owners.dead}.pdf`]);
});

test('a part refused for a passing fault keeps the file waiting; it is received again and then kept', async () => {
  const office = { code: 'office_unavailable', message: 'م', messageEn: 'm' };
  const { sink, read } = recordingSink([
    { documents: [{ registryNo: '2026/000001', duplicate: false }], rejected: [{ name: 'report.docx', error: office }] },
    {
      documents: [
        { registryNo: '2026/000001', duplicate: true },
        { registryNo: '2026/000002', duplicate: false },
      ],
      rejected: [],
    },
  ]);
  const w = watcher(sink, logs().log);
  drop('mail.eml', 'a message');
  await w.look();
  await w.look();
  expect(read).toHaveLength(1);
  expect(fs.existsSync(path.join(dir, 'processed'))).toBe(false); // held, not sent on with a part lost
  expect(w.state().held).toBe(1);
  await w.look();
  expect(read).toHaveLength(2);
  expect(fs.readdirSync(path.join(dir, 'processed'))).toEqual(['mail.eml']);
  expect(w.state().held).toBe(0);
});

test('a file whose move keeps failing is received once, then left alone with an error', async () => {
  class Stuck extends DropFolder {
    override settle(): never {
      throw Object.assign(new Error('EXDEV: cross-device link not permitted'), { code: 'EXDEV' });
    }
  }
  const { sink, read } = recordingSink();
  const { log, lines } = logs();
  const w = watcher(sink, log, new Stuck(dir, 60_000));
  drop('letter.pdf', 'a letter');
  for (let i = 0; i < MOVE_TRIES + 3; i++) await w.look();
  expect(read).toHaveLength(1);
  expect(lines.filter(([level]) => level === 'error')).toEqual([['error', expect.stringContaining('left in the working place')]]);
  expect(w.state()).toEqual({ held: 1, away: false });
});
