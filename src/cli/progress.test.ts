import { bytes, progressBar, quietOf, renderProgress } from './progress';

test('a bar shows the share done, the counts and the time left', () => {
  expect(renderProgress('fixity', 250, 1000, 30_000)).toBe('fixity [########----------------------] 25% 250/1,000 ~1m30s left');
  expect(renderProgress('fixity', 1000, 1000, 30_000)).toBe('fixity [##############################] 100% 1,000/1,000');
  // Before the total is known: the count alone.
  expect(renderProgress('restore', 1200, null, 1000)).toBe('restore 1,200');
  // Bytes read as sizes, and what else is counted after the figures.
  expect(renderProgress('upload', 3 * 1048576, 12 * 1048576, 10_000, { units: bytes, detail: '2/8 files' })).toBe(
    'upload [########----------------------] 25% 3.0 MB/12.0 MB ~30s left · 2/8 files',
  );
});

test('no bar with --quiet, nor with --json (its output is for a program)', () => {
  const input = (...flags: string[]) => ({ positionals: [], flags: new Set(flags), options: new Map<string, string>() });
  expect(quietOf(input())).toBe(false);
  expect(quietOf(input('quiet'))).toBe(true);
  expect(quietOf(input('json'))).toBe(true);
});

test('on a terminal the bar is redrawn in place; elsewhere a line now and then, none for short work', () => {
  let clock = 0;
  const written: string[] = [];
  const sink = (isTTY: boolean) => ({ isTTY, write: (s: string) => (written.push(s), true) }) as unknown as NodeJS.WriteStream;

  const tty = progressBar('reindex', { stream: sink(true), now: () => clock });
  for (let i = 1; i <= 10; i++) {
    clock += 200;
    tty.update(i, 10);
  }
  tty.end();
  expect(written.every((w) => w.startsWith('\r') || w === '\n')).toBe(true);
  expect(written.at(-2)).toContain('100% 10/10');
  expect(written.at(-1)).toBe('\n');

  written.length = 0;
  clock = 0;
  const quick = progressBar('reindex', { stream: sink(false), now: () => clock });
  clock = 5000;
  quick.update(5, 10);
  quick.end();
  expect(written).toEqual([]);

  const long = progressBar('fixity', { stream: sink(false), now: () => clock });
  for (let t = 0; t < 60; t++) {
    clock += 1000;
    long.update(t, 60);
  }
  // One line each 15 s, each whole.
  expect(written).toHaveLength(4);
  expect(written.every((w) => w.endsWith('\n') && !w.includes('\r'))).toBe(true);

  const quiet = progressBar('x', { stream: sink(true), quiet: true });
  written.length = 0;
  quiet.update(1, 2);
  quiet.end();
  expect(written).toEqual([]);
});
