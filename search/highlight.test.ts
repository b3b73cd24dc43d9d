import type { OcrWord } from '../storage/repos/documents';
import { matchBoxes, queryTerms, snippet } from './highlight';
import { asRegistryNo, filterFor, registryKeys } from './searchIndex';

test('snippets mark the words as printed, however the query spelled them, and are safe in HTML', () => {
  const text = 'يرجى الموافقة على طلب الإجازة السنوية <script>alert(1)</script> للموظف';
  const html = snippet(text, queryTerms('اجازه'));
  expect(html).toContain('<mark>الإجازة</mark>');
  expect(html).not.toContain('<script>');
  expect(html).toContain('&lt;script&gt;');
  expect(snippet(text, queryTerms('والموظف'))).toContain('<mark>للموظف</mark>');
  // Nothing matched: the start of the page, nothing marked.
  expect(snippet('نص بلا تطابق', queryTerms('قرار'))).toBe('نص بلا تطابق');
});

test('a long page is cut around the first match', () => {
  const text =
    Array.from({ length: 60 }, (_, i) => `كلمة${i}`).join(' ') + ' الموازنة ' + Array.from({ length: 60 }, () => 'نص').join(' ');
  const html = snippet(text, queryTerms('موازنة'), 10);
  expect(html.startsWith('… ')).toBe(true);
  expect(html.endsWith(' …')).toBe(true);
  expect(html).toContain('<mark>الموازنة</mark>');
});

test('boxes are those of the matching words', () => {
  const words: OcrWord[] = [
    ['طلب', 900, 100, 960, 130, 90],
    ['الإجازة', 780, 100, 890, 130, 88],
    ['السنوية', 650, 100, 770, 130, 91],
  ];
  expect(matchBoxes(words, queryTerms('إجازة سنويه'))).toEqual([
    [780, 100, 890, 130],
    [650, 100, 770, 130],
  ]);
});

test('registry numbers are recognised in any digit style and indexed in every short form', () => {
  expect(asRegistryNo('٢٠٢٦/١٢٣')).toBe('2026/000123');
  expect(asRegistryNo(' 2026 - 000123 ')).toBe('2026/000123');
  expect(asRegistryNo('۲۰۲۶/۱۲۳')).toBe('2026/000123');
  expect(asRegistryNo('طلب 2026/123')).toBeUndefined();
  expect(registryKeys('2026/000123')).toEqual(['2026/000123', '2026/123', '000123', '123']);
});

test("the caller's clearance is always in the filter; values are quoted", () => {
  expect(filterFor({ filters: {}, clearance: 'internal' })).toEqual(['clearance <= 1']);
  expect(
    filterFor({
      filters: { department: 'الشؤون "القانونية"', needsReview: true, docDateFrom: '2026-01-01' },
      clearance: 'secret',
    }),
  ).toEqual([
    'clearance <= 3',
    'department = "الشؤون \\"القانونية\\""',
    'needsReview = true',
    `docDate >= ${Date.parse('2026-01-01T00:00:00Z')}`,
  ]);
});
