import { parseArgs, UsageError } from './args';

test('positionals, flags and options', () => {
  const a = parseArgs(['a.jpg', '--wait', '--title', 'قرار', 'b.jpg', '--date=2026-01-02'], {
    flags: ['wait'],
    options: ['title', 'date'],
  });
  expect(a.positionals).toEqual(['a.jpg', 'b.jpg']);
  expect(a.flags.has('wait')).toBe(true);
  expect(a.options.get('title')).toBe('قرار');
  expect(a.options.get('date')).toBe('2026-01-02');
});

test('unknown options and missing values are usage errors', () => {
  expect(() => parseArgs(['--nope'], { flags: [], options: [] })).toThrow(UsageError);
  expect(() => parseArgs(['--title'], { flags: [], options: ['title'] })).toThrow(UsageError);
  expect(parseArgs(['--', '--wait'], { flags: ['wait'], options: [] }).positionals).toEqual(['--wait']);
});
