import { normalizeArabic } from './normalize';

describe('normalizeArabic', () => {
  test.each([
    ['أحمد', 'احمد'],
    ['إدارة', 'اداره'],
    ['آمنة', 'امنه'],
    ['مستشفى', 'مستشفي'],
    ['مَدْرَسَةٌ', 'مدرسه'],
    ['العـــمل', 'العمل'],
    ['قرار ١٢٣ لسنة ٢٠٢٦', 'قرار 123 لسنه 2026'],
    ['رقم ۴۵۶', 'رقم 456'],
    ['مسؤول', 'مسوول'],
    ['  Ministry   of LABOUR ', 'ministry of labour'],
  ])('%s -> %s', (input, expected) => {
    expect(normalizeArabic(input)).toBe(expected);
  });

  test('the spellings people type meet in one form', () => {
    const forms = ['الإدارة', 'الادارة', 'الاداره', 'الإدارَة'];
    expect(new Set(forms.map(normalizeArabic)).size).toBe(1);
  });
});
