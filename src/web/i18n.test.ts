import { count, date, hijriDate, plural, valueWord, type PluralForms } from './i18n';

const RESULTS: readonly [PluralForms, PluralForms] = [
  { zero: 'لا نتائج', one: 'نتيجة واحدة', two: 'نتيجتان', few: '# نتائج', many: '# نتيجة', other: '# نتيجة' },
  { one: '# result', other: '# results' },
];

test('Arabic counts take the six forms of its plural rules, in Arabic-Indic digits', () => {
  const said = [0, 1, 2, 3, 10, 11, 100, 101].map((n) => plural('ar', n, RESULTS));
  expect(said).toEqual(['لا نتائج', 'نتيجة واحدة', 'نتيجتان', '٣ نتائج', '١٠ نتائج', '١١ نتيجة', '١٠٠ نتيجة', '١٠١ نتيجة']);
  // 103 is "few" again, as 3 is; 99 "many", as 11 is.
  expect(plural('ar', 103, RESULTS)).toBe('١٠٣ نتائج');
  expect(plural('ar', 99, RESULTS)).toBe('٩٩ نتيجة');
});

test('English counts take one and other; a missing form falls back to other', () => {
  expect([0, 1, 2, 11].map((n) => plural('en', n, RESULTS))).toEqual(['0 results', '1 result', '2 results', '11 results']);
  expect(plural('ar', 2, [{ other: '# ملف' }, { other: '# files' }])).toBe('٢ ملف');
});

test('the shared counts: an overdue referral two days late, files chosen', () => {
  expect(count('ar', 'days', 2)).toBe('يومين');
  expect(count('ar', 'days', 3)).toBe('٣ أيام');
  expect(count('ar', 'days', 11)).toBe('١١ يومًا');
  expect(count('ar', 'files', 0)).toBe('لم يُختر ملف');
  expect(count('en', 'files', 1)).toBe('1 file');
});

test('dates show the Hijri day beside the Gregorian one, in the archive time zone', () => {
  // 1 December 2026, 23:30 UTC is already 2 December in Riyadh: 22 Jumada II 1448 there.
  const at = '2026-12-01T23:30:00Z';
  expect(date('ar', at, false, 'Asia/Riyadh')).toMatch(/^٠٢‏?\/١٢‏?\/٢٠٢٦ \(٢٢ جمادى الآخرة ١٤٤٨ هـ\)$/);
  expect(date('en', at, true, 'Asia/Riyadh')).toBe('02/12/2026, 02:30 (22 Jumada II 1448 AH)');
  expect(date('en', at, false, 'UTC')).toBe('01/12/2026 (21 Jumada II 1448 AH)');
  expect(hijriDate('ar', new Date('2026-12-01T12:00:00Z'))).toBe('٢١ جمادى الآخرة ١٤٤٨ هـ');
  expect(date('ar', null)).toBe('—');
});

test('stored values are said in words: classifications, roles, states', () => {
  expect(['public', 'internal', 'confidential', 'secret'].map((c) => valueWord('ar', 'classification', c))).toEqual([
    'عام',
    'داخلي',
    'سري',
    'سري للغاية',
  ]);
  expect(valueWord('en', 'classification', 'confidential')).toBe('Confidential');
  expect(valueWord('ar', 'role', 'archivist')).toBe('أمين المحفوظات');
  expect(valueWord('ar', 'status', 'destroyed')).toBe('أُتلفت');
  expect(valueWord('ar', 'classification', 'top-secret')).toBe('top-secret');
});
