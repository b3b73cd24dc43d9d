/** Planning a scanned stack from what its pages show: collation, blank pages, separators, labels. */
import { isDomainError } from '../../kernel/errors';
import { collate, planFromLooks } from './stack';
import type { PageLook } from './stackPages';

/**
 * Pages written as letters: `p` a page of text, `b` a blank page, `S` a separator sheet, `L<n>` a page with
 * the label incoming/2026/<n>.
 */
function looks(spec: string): PageLook[] {
  return spec.split(' ').map((t) => ({
    separator: t === 'S',
    blank: t === 'b',
    label: t.startsWith('L') ? { register: 'incoming', year: 2026, seq: Number(t.slice(1)) } : null,
  }));
}

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (isDomainError(e)) return e.code;
    throw e;
  }
  return undefined;
}

test('two one-sided passes are collated: front 1, back 1 (the last page), front 2, …; an odd count is refused', () => {
  expect(collate(6, 'passes')).toEqual([1, 6, 2, 5, 3, 4]);
  expect(collate(5, 'simplex')).toEqual([1, 2, 3, 4, 5]);
  expect(collate(2, 'passes')).toEqual([1, 2]);
  expect(code(() => collate(5, 'passes'))).toBe('passes_uneven');
});

test('a simplex file with no separator is registered as it came, blank pages and all', () => {
  const plan = planFromLooks(looks('p b p'), 'simplex');
  expect(plan).toMatchObject({ split: false, separators: 0, blankPages: 0, pageCount: 3 });
  expect(plan.documents).toEqual([{ pages: [1, 2, 3], label: null, notes: {} }]);
});

test('a label on the first page of a file as it came is its number, and the file is not split for it', () => {
  const plan = planFromLooks(looks('L17 p'), 'simplex');
  expect(plan.split).toBe(false);
  expect(plan.documents[0]).toMatchObject({
    label: { register: 'incoming', year: 2026, seq: 17 },
    notes: { label: '2026/000017' },
  });
});

test('separators split the stack; their blank backs, leading and doubled separators leave no empty letter', () => {
  // 12 pages: a leading separator, a letter of 3, a separator and its blank back, a letter of 2, two separators together, a letter of 3.
  const plan = planFromLooks(looks('S p p p S b p p S S p p p'), 'simplex');
  expect(plan.split).toBe(true);
  expect(plan.separators).toBe(4);
  expect(plan.blankPages).toBe(1);
  expect(plan.documents.map((d) => d.pages)).toEqual([
    [2, 3, 4],
    [7, 8],
    [11, 12, 13],
  ]);
  expect(plan.documents.map((d) => d.notes)).toEqual([
    { pages: [2, 3, 4], separators: 1 },
    { pages: [7, 8], separators: 1, blankPages: 1 },
    { pages: [11, 12, 13], separators: 2 },
  ]);
  // Separators and blank pages after the last letter are counted with it.
  const trailing = planFromLooks(looks('p S b'), 'simplex');
  expect(trailing.documents).toEqual([{ pages: [1], label: null, notes: { pages: [1], separators: 1, blankPages: 1 } }]);
  expect(trailing.split).toBe(true);
});

test("a label counts only on a letter's first page", () => {
  const plan = planFromLooks(looks('L5 p S p L6 S L7'), 'simplex');
  expect(plan.documents.map((d) => d.label?.seq ?? null)).toEqual([5, null, 7]);
  expect(plan.documents[2]!.notes).toEqual({ pages: [7], separators: 1, label: '2026/000007' });
});

test('duplex drops blank backs (and is as it came when it has none); two passes are collated, then split', () => {
  const duplex = planFromLooks(looks('p b p p b'), 'duplex');
  expect(duplex).toMatchObject({ split: true, blankPages: 2, separators: 0 });
  expect(duplex.documents).toEqual([{ pages: [1, 3, 4], label: null, notes: { pages: [1, 3, 4], blankPages: 2 } }]);
  expect(planFromLooks(looks('p p'), 'duplex').split).toBe(false);
  // Fronts 1–4, then the backs in reverse (8 is the back of 1): a letter of one sheet (its label on the front), a
  // separator sheet (2) with a blank back (7), a letter of two sheets.
  const passes = planFromLooks(looks('L9 S p p p p b p'), 'passes');
  expect(passes.documents.map((d) => d.pages)).toEqual([
    [1, 8],
    [3, 6, 4, 5],
  ]);
  expect(passes).toMatchObject({ split: true, separators: 1, blankPages: 1 });
  expect(passes.documents[0]!.label?.seq).toBe(9);
});

test('a stack of nothing but separators and blank pages is refused', () => {
  expect(code(() => planFromLooks(looks('S S'), 'simplex'))).toBe('stack_empty');
  expect(code(() => planFromLooks(looks('b b'), 'duplex'))).toBe('stack_empty');
  expect(code(() => planFromLooks(looks('S b'), 'simplex'))).toBe('stack_empty');
  // Blank pages of a plain simplex file are kept: it is not empty.
  expect(planFromLooks(looks('b b'), 'simplex').documents[0]!.pages).toEqual([1, 2]);
});
