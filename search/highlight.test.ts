import type { OcrWord } from '../storage/repos/documents';
import { matchBoxes, matches, queryTerms, snippet } from './highlight';
import { escapeHtml } from '../kernel/text';
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

/** The snippet as it was first written: the page split whole, then cut (what the word-by-word reading must equal). */
function snippetWhole(text: string, terms: string[], width = 16): string {
  const tokens = text.split(/\s+/).filter((t) => t !== '');
  const first = terms.length === 0 ? -1 : tokens.findIndex((t) => matches(t, terms));
  const start = Math.max(0, (first < 0 ? 0 : first) - Math.floor(width / 3));
  const end = Math.min(tokens.length, start + width);
  const body = tokens
    .slice(start, end)
    .map((t) => (first >= 0 && matches(t, terms) ? `<mark>${escapeHtml(t)}</mark>` : escapeHtml(t)))
    .join(' ');
  return `${start > 0 ? '… ' : ''}${body}${end < tokens.length ? ' …' : ''}`;
}

test('the snippet read word by word equals the page split whole, wherever the match falls', () => {
  const vocabulary = ['الموازنة', 'قرار', 'وزارة', 'المالية', 'طلب', '<b>', 'الإجازة', '2026/000123', 'نص'];
  let x = 7;
  const next = () => ((x = (x * 1103515245 + 12345) % 2147483648), x);
  for (let n = 0; n < 400; n++) {
    const words = Array.from({ length: next() % 40 }, () => vocabulary[next() % vocabulary.length]!);
    const text = (next() % 2 ? '  ' : '') + words.join(next() % 3 ? ' ' : ' \n\t ') + (next() % 2 ? '\n' : '');
    for (const q of ['', 'موازنة', 'اجازه', 'قرار المالية', 'غائب']) {
      for (const width of [1, 3, 10, 16])
        expect(snippet(text, queryTerms(q), width)).toBe(snippetWhole(text, queryTerms(q), width));
    }
  }
});
