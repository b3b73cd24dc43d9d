/**
 * The OCR evaluation's measures: edit distance, CER and WER on lightly
 * normalised text, and exact-number matching across digit scripts.
 */
import {
  cer,
  charErrors,
  extractNumbers,
  latinDigits,
  levenshtein,
  matchNumbers,
  normaliseForEval,
  wer,
  wordErrors,
} from './metrics';

describe('levenshtein', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(levenshtein([...'kitten'], [...'sitting'])).toBe(3);
    expect(levenshtein([...'flaw'], [...'lawn'])).toBe(2);
    expect(levenshtein([], [...'abc'])).toBe(3);
    expect(levenshtein([...'abc'], [])).toBe(3);
    expect(levenshtein([...'same'], [...'same'])).toBe(0);
  });

  it('is symmetric and works on words', () => {
    const a = ['وزارة', 'العمل', 'والتدريب'];
    const b = ['وزارة', 'العمال'];
    expect(levenshtein(a, b)).toBe(2);
    expect(levenshtein(b, a)).toBe(2);
  });
});

describe('normaliseForEval', () => {
  it('drops diacritics, tatweel and bidi marks and collapses whitespace', () => {
    expect(normaliseForEval('  القَرارُ\u200F   الإداري\n\nالمـــعتمد ')).toBe('القرار الإداري المعتمد');
  });

  it('keeps hamza, ta marbuta and alef maqsura (unlike search normalisation)', () => {
    expect(normaliseForEval('إلى أرشيف مسؤول الوزارة')).toBe('إلى أرشيف مسؤول الوزارة');
  });
});

describe('cer and wer', () => {
  it('are zero for a perfect reading, whatever the whitespace and diacritics', () => {
    expect(cer('وزارة العمل\nقرار رقم 634/2019', 'وزارةُ  العمل قرار رقم 634/2019')).toBe(0);
    expect(wer('وزارة العمل\nقرار رقم 634/2019', 'وزارةُ  العمل قرار رقم 634/2019')).toBe(0);
  });

  it('charge a hamza error as one character and one word', () => {
    expect(charErrors('إلى الأرشيف', 'الى الأرشيف')).toEqual({ errors: 1, length: 11 });
    expect(wordErrors('إلى الأرشيف', 'الى الأرشيف')).toEqual({ errors: 1, length: 2 });
    expect(wer('إلى الأرشيف', 'الى الأرشيف')).toBe(0.5);
  });

  it('count a missing reading as every character wrong', () => {
    expect(cer('وزارة العمل', '')).toBe(1);
    expect(wer('وزارة العمل', '')).toBe(1);
    expect(cer('', '')).toBe(0);
  });

  it('can exceed 1 when the hypothesis is mostly noise', () => {
    expect(wer('ab', 'x y z')).toBe(3);
  });
});

describe('numbers', () => {
  it('maps Arabic-Indic and Persian digits to Latin', () => {
    expect(latinDigits('٢٠٢٤/١٢٣ and ۱۴۰۲')).toBe('2024/123 and 1402');
  });

  it('extracts registry numbers, dates and decision numbers in either script', () => {
    const text = 'رقم القيد: ٢٠٢٤/١٢٣\nالتاريخ: 13/03/2026\nقرار رقم 634/2019، ملف 7-45 بتاريخ 1.5.2020';
    expect(extractNumbers(text)).toEqual(['2024/123', '13/03/2026', '634/2019', '7-45', '1.5.2020']);
  });

  it('does not join numbers across spaces or swallow trailing punctuation', () => {
    expect(extractNumbers('634 / 2019.')).toEqual(['634', '2019']);
  });

  it('counts a number as exact only when all its digits and separators match', () => {
    const ref = 'رقم القيد: ٢٠٢٤/١٢٣ التاريخ: 13/03/2026 قرار رقم 634/2019';
    expect(matchNumbers(ref, 'رقم القيد: 2024/123 التاريخ: 13/03/2026 قرار رقم 634/2019')).toEqual({
      total: 3,
      exact: 3,
      reversed: 0,
      missed: [],
    });
    const m = matchNumbers(ref, 'رقم القيد: ٢٠٢٤/١٢٨ التاريخ: 13/03/2026 قرار رقم 2019/634');
    expect(m).toEqual({ total: 3, exact: 1, reversed: 1, missed: ['2024/123', '634/2019'] });
  });

  it('uses each number of the hypothesis once', () => {
    expect(matchNumbers('12 و 12', '12').exact).toBe(1);
    expect(matchNumbers('12 و 12', '12 12').exact).toBe(2);
  });
});
