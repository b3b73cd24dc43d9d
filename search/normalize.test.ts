import { normalizeArabic, stemmedText, stemWord, words } from './normalize';

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

describe('the rest of the rules', () => {
  test.each([
    ['bidi and zero-width marks go', '\u200Fوزارة\u200E \u200Cالعمل\u200B', 'وزاره العمل'],
    ['Arabic punctuation becomes Latin', 'نعم، لا؛ لماذا؟', 'نعم, لا; لماذا?'],
    ['alef wasla', 'ٱلعمل', 'العمل'],
    ['hamza on ya', 'رئيس', 'رييس'],
    ['Persian kaf and ya', 'کتاب ی', 'كتاب ي'],
  ])('%s', (_rule, input, expected) => {
    expect(normalizeArabic(input)).toBe(expected);
  });
});

describe('light stemming', () => {
  test.each([
    ['والموازنه', 'موازنه'],
    ['بالموازنه', 'موازنه'],
    ['للموظفين', 'موظفين'],
    ['الاجازه', 'اجازه'],
    ['فالقرار', 'قرار'],
    ['وقرار', 'قرار'],
    ['بيت', 'بيت'], // three letters would be left with two: kept
    ['2026', '2026'],
    ['ministry', 'ministry'],
  ])('%s -> %s', (word, stem) => {
    expect(stemWord(word)).toBe(stem);
  });

  test('a word with and without its article and conjunction meets in one form', () => {
    const forms = ['إجازة', 'الإجازة', 'والاجازة', 'بالإجازه', 'اجازه'];
    expect(new Set(forms.map(stemmedText)).size).toBe(1);
  });

  test('words() keeps letters and digits and sets punctuation aside', () => {
    expect(words('«قرار رقم ١٢/٣٤»، بشأن: الموازنة.')).toEqual(['قرار', 'رقم', '12/34', 'بشان', 'الموازنه']);
  });
});

describe('#4 linear-time word trimming', () => {
  test('#4 a 300,000-character token of punctuation inside a word is split into words in well under a second', () => {
    const token = `أ${'.'.repeat(300_000)}ب`;
    const t0 = performance.now();
    expect(words(`بداية ${token} نهاية`)).toEqual(['بدايه', token.replace('أ', 'ا'), 'نهايه']);
    expect(stemmedText(token).length).toBe(300_002);
    expect(performance.now() - t0).toBeLessThan(500);
  });

  test('#4 punctuation around words is still set aside, letters beyond the BMP kept whole', () => {
    expect(words('«وزارة» (العمل)، ...!')).toEqual(['وزاره', 'العمل']);
    expect(words('..𝐀𝐁..')).toEqual(['𝐀𝐁']);
  });
});
