/** Training text must stay apart from what measures it: no evaluation letter's line is ever a training line. */
import { LETTERS } from '../eval/corpus';
import { Random } from './random';
import { makeLines, numbersIn } from './texts';

test('training lines never repeat a line of the evaluation letters, and hold numbers of both digit systems', () => {
  const lines = makeLines(5000, new Random(1));
  expect(lines.length).toBeGreaterThan(4500);
  const evaluation = new Set(LETTERS.flatMap((l) => l.lines.map((x) => x.trim())));
  expect(lines.filter((l) => evaluation.has(l.trim()))).toEqual([]);
  const numbers = lines.flatMap(numbersIn);
  expect(numbers.some((n) => /[٠-٩]/.test(n))).toBe(true);
  expect(numbers.some((n) => /[0-9]/.test(n))).toBe(true);
});
