import type { InkImage } from '../adapters/ocrImage';
import { findTextLines } from './segment';

/** A white page with ink rectangles [x0, y0, x1, y1]. */
function page(width: number, height: number, marks: Array<[number, number, number, number]>): InkImage {
  const data = new Uint8Array(width * height).fill(255);
  for (const [x0, y0, x1, y1] of marks) for (let y = y0; y < y1; y++) data.fill(0, y * width + x0, y * width + x1);
  return { data, width, height };
}

/** A line of text as words (40 px tall) with a dot above it, like an Arabic letter's. */
function textLine(y: number, x0: number, x1: number): Array<[number, number, number, number]> {
  const words: Array<[number, number, number, number]> = [];
  for (let x = x0; x + 60 <= x1; x += 80) words.push([x, y, x + 60, y + 40]);
  return [...words, [x0 + 10, y - 14, x0 + 18, y - 6]];
}

test('finds each line of a page, top to bottom, with the dots above a line joined to it', () => {
  const ink = page(1000, 600, [...textLine(100, 300, 900), ...textLine(200, 500, 900), ...textLine(300, 100, 900)]);
  const lines = findTextLines(ink);
  expect(lines).toHaveLength(3);
  expect(lines.every((l) => !l.block)).toBe(true);
  // Each box holds its words and its dot, and only its own line.
  expect(lines[0]!.box[1]).toBeLessThanOrEqual(86);
  expect(lines[0]!.box[3]).toBeGreaterThanOrEqual(140);
  expect(lines[0]!.box[3]).toBeLessThan(186);
  expect(lines[1]!.box[0]).toBeLessThanOrEqual(500);
  expect(lines[1]!.box[0]).toBeGreaterThan(460);
  expect(lines[2]!.box[0]).toBeLessThanOrEqual(100);
});

test('a picture of one line is one line; specks and a thin rule are not lines', () => {
  const ink = page(1200, 120, [...textLine(40, 50, 1150), [5, 5, 6, 6], [0, 110, 1200, 113]]);
  const lines = findTextLines(ink);
  expect(lines).toHaveLength(1);
  expect(lines[0]!.block).toBe(false);
});

test('a region several lines tall (a stamp, a logo) is a block', () => {
  const ink = page(1000, 900, [
    ...textLine(100, 100, 900),
    ...textLine(200, 100, 900),
    [300, 320, 600, 600],
    ...textLine(700, 100, 900),
  ]);
  const lines = findTextLines(ink);
  expect(lines.map((l) => l.block)).toEqual([false, false, true, false]);
});

test('an empty page has no lines', () => {
  expect(findTextLines(page(500, 500, []))).toEqual([]);
});
