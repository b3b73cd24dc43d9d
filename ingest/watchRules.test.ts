import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OWNER } from './leftovers';
import { DropFolder } from './watchFolder';
import {
  EMPTY_WAIT_MS,
  freeName,
  INTERNAL,
  isDropName,
  observe,
  PASSING_TRIES,
  reasonText,
  verdictOf,
  type SinkAnswer,
} from './watchRules';

test('names still being written, dot-files and desktop files are not dropped files', () => {
  for (const name of ['letter.pdf', 'مسح ٠٠١.tiff', 'scan.PDF', 'a.partner.pdf', 'message.eml'])
    expect(isDropName(name)).toBe(true);
  for (const name of [
    '.hidden.pdf',
    '.diwan',
    'processed',
    'rejected',
    'scan.pdf.part',
    'scan.TMP',
    'download.pdf.crdownload',
    '~$report.docx',
    'Thumbs.db',
    'desktop.ini',
    'x.filepart',
  ]) {
    expect(isDropName(name)).toBe(false);
  }
});

test('a file is complete once its size and time have stayed still for stableMs', () => {
  const t0 = 1_000_000;
  const writing = { size: 100, mtimeMs: t0 };
  let o = observe(undefined, writing, t0, 500);
  expect(o.complete).toBe(false); // first seen: never complete
  o = observe(o.seen, { size: 200, mtimeMs: t0 + 200 }, t0 + 200, 500);
  expect(o).toEqual({ seen: { size: 200, mtimeMs: t0 + 200, since: t0 + 200 }, complete: false }); // grew: the wait starts again
  expect(observe(o.seen, { size: 200, mtimeMs: t0 + 200 }, t0 + 600, 500).complete).toBe(false);
  expect(observe(o.seen, { size: 200, mtimeMs: t0 + 200 }, t0 + 700, 500).complete).toBe(true);
  // The same size with a new time is still being written.
  expect(observe(o.seen, { size: 200, mtimeMs: t0 + 650 }, t0 + 700, 500).complete).toBe(false);
});

test('a file moved in (its time already old) is complete at the next look that finds it unchanged', () => {
  const t0 = 1_000_000;
  const old = { size: 100, mtimeMs: t0 - 3_600_000 };
  const first = observe(undefined, old, t0, 2000);
  expect(first.complete).toBe(false);
  expect(observe(first.seen, old, t0 + 200, 2000).complete).toBe(true);
  // An empty file waits longer, moved in or not: its writer may not have begun.
  const empty = observe(undefined, { size: 0, mtimeMs: t0 - 3_600_000 }, t0, 500).seen;
  expect(observe(empty, { size: 0, mtimeMs: t0 - 3_600_000 }, t0 + 1000, 500).complete).toBe(false);
  expect(observe(empty, { size: 0, mtimeMs: t0 - 3_600_000 }, t0 + EMPTY_WAIT_MS, 500).complete).toBe(true);
});

test('where a received file goes', () => {
  const err = (code: string) => ({ code, message: 'ع', messageEn: 'e' });
  const made: SinkAnswer = {
    documents: [{ registryNo: '2026/000001', duplicate: false }],
    rejected: [{ name: 'x.exe', error: err('unsupported_type') }],
  };
  expect(verdictOf(made, 1).to).toBe('processed');
  expect(verdictOf({ documents: [], rejected: [{ name: 'a', error: err('corrupt_file') }] }, 1)).toEqual({
    to: 'rejected',
    reasons: [err('corrupt_file')],
  });
  // Every passing fault is waited out a bounded number of times, then the file is refused as it stands.
  for (const code of ['storage_unavailable', 'internal', 'office_unavailable', 'rate_limited']) {
    const answer = { documents: [], rejected: [{ name: 'a', error: err(code) }] };
    expect(verdictOf(answer, PASSING_TRIES - 1).to).toBe('retry');
    expect(verdictOf(answer, PASSING_TRIES)).toEqual({ to: 'rejected', reasons: [err(code)] });
  }
  // A part refused for a passing fault keeps the whole file waiting, though another part was archived.
  const partly: SinkAnswer = {
    documents: [{ registryNo: '2026/000002', duplicate: false }],
    rejected: [{ name: 'report.docx', error: err('office_unavailable') }],
  };
  expect(verdictOf(partly, 1)).toEqual({ to: 'retry', reason: 'office_unavailable' });
  expect(verdictOf(partly, PASSING_TRIES)).toEqual({ to: 'processed', answer: partly });
  expect(verdictOf({ documents: [], rejected: [] }, 1).to).toBe('retry');
  expect(verdictOf({ documents: [], rejected: [] }, PASSING_TRIES)).toEqual({ to: 'rejected', reasons: [INTERNAL] });
});

test('names kept in processed/ and rejected/, and the reason text in both languages', () => {
  const taken = new Set(['a.pdf', 'a (2).pdf', 'b']);
  expect(freeName('c.pdf', (n) => taken.has(n))).toBe('c.pdf');
  expect(freeName('a.pdf', (n) => taken.has(n))).toBe('a (3).pdf');
  expect(freeName('b', (n) => taken.has(n))).toBe('b (2)');
  const text = reasonText(
    'a.pdf',
    new Date('2026-12-07T08:00:00Z'),
    [{ name: 'a.pdf', error: { code: 'corrupt_file', message: 'تالف', messageEn: 'corrupt' } }],
    true,
  );
  expect(text).toContain('لم يُؤرشف «a.pdf» (2026-12-07 08:00:00 UTC):\n- corrupt_file: تالف');
  expect(text).toContain('"a.pdf" was not archived (2026-12-07 08:00:00 UTC):\n- corrupt_file: corrupt');
});

test('a folder: claimed once, leftovers of a dead watcher found, settled under a free name', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-drop-'));
  try {
    fs.writeFileSync(path.join(dir, 'a.pdf'), 'x');
    fs.writeFileSync(path.join(dir, 'a.pdf.part'), 'x');
    const one = new DropFolder(dir, 60_000);
    const two = new DropFolder(dir, 60_000, `${OWNER}-other`);
    expect((await one.list()).map((f) => f.name)).toEqual(['a.pdf']);
    const claimed = await one.claim(path.join(dir, 'a.pdf'), 'a.pdf');
    expect(claimed).toBe(path.join(one.mine, 'a.pdf'));
    expect(await two.claim(path.join(dir, 'a.pdf'), 'a.pdf')).toBeUndefined(); // the other watcher lost the race
    // A live watcher's file is not a leftover; a dead process's on this host is, at once.
    expect(await two.leftovers()).toEqual([]);
    const host = OWNER.split('-')[2];
    const dead = path.join(one.taking, `99999999-0badc0de-${host}`);
    fs.mkdirSync(dead);
    fs.writeFileSync(path.join(dead, 'b.pdf'), 'y');
    expect(await two.leftovers()).toEqual([{ path: path.join(dead, 'b.pdf'), name: 'b.pdf', ownerDir: dead }]);
    fs.mkdirSync(path.join(dir, 'rejected'));
    fs.writeFileSync(path.join(dir, 'rejected', 'a.pdf.txt'), 'an older refusal');
    const kept = (await one.settle(claimed!, 'a.pdf', 'rejected', 'why')).path;
    expect(kept).toBe(path.join(dir, 'rejected', 'a (2).pdf'));
    expect(fs.readFileSync(`${kept}.txt`, 'utf8')).toBe('why');
    expect(await one.held()).toEqual([]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
