/** A batch of pages laid out as one stack: the letters' parts and each file's row. */
import { planFromLooks } from './stack';
import { layoutPages } from './pageStack';
import type { PageLook } from './stackPages';

/** Pages as letters: `p` text, `b` blank, `S` a separator, `L<n>` a page with the label incoming/2026/<n>. */
function looks(spec: string): PageLook[] {
  return spec.split(' ').map((t) => ({
    separator: t === 'S',
    blank: t === 'b',
    label: t.startsWith('L') ? { register: 'incoming', year: 2026, seq: Number(t.slice(1)) } : null,
  }));
}

test('seven one-page files with a separator: two letters of whole files, the separator’s row taken out', () => {
  const l = looks('p p p S L4 p p');
  const layout = layoutPages([1, 1, 1, 1, 1, 1, 1], l, planFromLooks(l, 'simplex'));
  expect(layout.letters.map((d) => [d.runs.map((r) => [r.file, r.pages, r.whole]), d.rows, d.lead])).toEqual([
    [
      [
        [0, [1], true],
        [1, [1], true],
        [2, [1], true],
      ],
      [0, 1, 2],
      0,
    ],
    [
      [
        [4, [1], true],
        [5, [1], true],
        [6, [1], true],
      ],
      [4, 5, 6],
      4,
    ],
  ]);
  expect(layout.rows.map((r) => [r.letter, r.pageCount, r.notes])).toEqual([
    [0, 1, { pages: [1, 2, 3] }],
    [0, 1, {}],
    [0, 1, {}],
    [null, 0, { separators: 1 }],
    [1, 1, { pages: [5, 6, 7], label: '2026/000004' }],
    [1, 1, {}],
    [1, 1, {}],
  ]);
});

test('two passes in two files are collated page by page; both rows are the one letter’s', () => {
  const l = looks('p p p p p p');
  const layout = layoutPages([3, 3], l, planFromLooks(l, 'passes'));
  expect(layout.letters).toHaveLength(1);
  const [letter] = layout.letters;
  expect(letter!.runs.map((r) => [r.file, r.pages, r.whole])).toEqual([
    [0, [1], false],
    [1, [3], false],
    [0, [2], false],
    [1, [2], false],
    [0, [3], false],
    [1, [1], false],
  ]);
  expect([letter!.rows, letter!.lead]).toEqual([[0, 1], 0]);
  expect(layout.rows.map((r) => [r.letter, r.pageCount, r.notes])).toEqual([
    [0, 3, { pages: [1, 6, 2, 5, 3, 4] }],
    [0, 3, {}],
  ]);
});

test('a letter whose pages all come from files tied to an earlier letter gets a row of its own', () => {
  // Fronts: letter A, a separator, letter B; backs in reverse: B's back, the separator's blank back, A's back.
  const l = looks('p S p p b p');
  const layout = layoutPages([3, 3], l, planFromLooks(l, 'passes'));
  expect(layout.letters.map((d) => [d.pages, d.rows, d.lead, d.notes])).toEqual([
    [[1, 6], [0, 1], 0, { pages: [1, 6] }],
    [[3, 4], [], null, { pages: [3, 4] }],
  ]);
  expect(layout.rows.map((r) => [r.letter, r.pageCount, r.notes])).toEqual([
    [0, 1, { pages: [1, 6], separators: 1 }],
    [0, 1, { blankPages: 1 }],
  ]);
});

test('pages of a file tied to an earlier letter are counted on the later letter’s lead; a whole file is one run', () => {
  // File 0: letter A, a separator, B's first page; file 1 (two pages): the rest of B, as it came.
  const l = looks('p S p p p');
  const layout = layoutPages([3, 2], l, planFromLooks(l, 'simplex'));
  expect(layout.letters[1]!.runs.map((r) => [r.file, r.pages, r.whole])).toEqual([
    [0, [3], false],
    [1, [1, 2], true],
  ]);
  expect(layout.rows.map((r) => [r.letter, r.pageCount])).toEqual([
    [0, 1],
    [1, 3],
  ]);
  expect(layout.rows[1]!.notes).toEqual({ pages: [3, 4, 5] });
});
