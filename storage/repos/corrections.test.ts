import { DomainError } from '../../kernel/errors';
import { checkReason, CORRECTABLE_NAMES, parseCorrection } from './corrections';

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return e instanceof DomainError ? e.code : String(e);
  }
};

test('a correction reads each field through its row of the table; an empty value clears it', () => {
  expect(
    parseCorrection({ title: '  عنوان جديد ', docDate: '2026-02-28', correspondent: '', reason: 'سبب', _csrf: 'x' }),
  ).toEqual({
    title: 'عنوان جديد',
    docDate: '2026-02-28',
    correspondent: null,
  });
  expect(CORRECTABLE_NAMES).toEqual(
    expect.arrayContaining(['title', 'docType', 'department', 'classification', 'docDate', 'correspondent', 'externalRef']),
  );
});

test.each([
  ['a field that is not correctable (the registry number)', { registryNo: '2026/000001' }],
  ['the register', { register: 'outgoing' }],
  ['a date not in the calendar', { docDate: '2026-02-30' }],
  ['an unknown classification', { classification: 'top-secret' }],
  ['a title too long', { title: 'ا'.repeat(501) }],
  ['control characters', { title: 'a\u0000b' }],
  ['a correspondent id that is not an id', { correspondentId: 'فلان' }],
])('refused: %s', (_what, body) => {
  expect(codeOf(() => parseCorrection(body))).toBe('bad_request');
});

test('a reason is 3 to 500 characters', () => {
  expect(checkReason('  خطأ في القيد ')).toBe('خطأ في القيد');
  for (const bad of [undefined, '', 'لا', 'ا'.repeat(501), 42]) expect(codeOf(() => checkReason(bad))).toBe('reason_required');
});
