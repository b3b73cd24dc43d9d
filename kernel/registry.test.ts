import { parseRegistryNo, registryLabel, registryNo } from './registry';
import { documentPrefix } from '../storage/layout';
import { asRegistryNo, registryKeys } from '../search/searchIndex';
import { externalRefKeys } from '../search/records';

describe('registry numbers per register', () => {
  test('the incoming book keeps the form numbers had before registers; other books carry their code', () => {
    expect(registryNo({ year: 2026, seq: 123 })).toBe('2026/000123');
    expect(registryNo({ register: 'incoming', year: 2026, seq: 123 })).toBe('2026/000123');
    expect(registryNo({ register: 'outgoing', year: 2026, seq: 1 })).toBe('outgoing/2026/000001');
    expect(documentPrefix({ year: 2026, seq: 123 })).toBe('documents/2026/000123/');
    expect(documentPrefix({ register: 'outgoing', year: 2026, seq: 1 })).toBe('documents/outgoing/2026/000001/');
  });

  test('a number is read back however it is typed, and nothing else is taken for one', () => {
    expect(parseRegistryNo('2026/000123')).toEqual({ register: 'incoming', year: 2026, seq: 123 });
    expect(parseRegistryNo(' ٢٠٢٦/١٢٣ ')).toEqual({ register: 'incoming', year: 2026, seq: 123 });
    expect(parseRegistryNo('outgoing/2026/1')).toEqual({ register: 'outgoing', year: 2026, seq: 1 });
    for (const bad of ['', '2026', '2026/0', 'Outgoing/2026/1', '../2026/1', '2026/1/2'])
      expect(parseRegistryNo(bad)).toBeUndefined();
    expect(asRegistryNo('outgoing/2026/1')).toBe('outgoing/2026/000001');
    expect(asRegistryNo('٢٠٢٦/١٢٣')).toBe('2026/000123');
    expect(registryKeys('outgoing/2026/000001')).toEqual(['outgoing/2026/000001', '2026/000001', '2026/1', '000001', '1']);
  });

  test('the number as people write it: the letter beside it, Arabic-Indic digits in Arabic', () => {
    expect(registryLabel({ register: 'outgoing', year: 2026, seq: 1 }, { letterAr: 'ص', letterEn: 'OUT' })).toEqual({
      ar: 'ص ٢٠٢٦/١',
      en: 'OUT 2026/1',
    });
  });

  test("the sender's reference is found as written and by its letters and digits alone", () => {
    expect(externalRefKeys('م/٧٨/٢٠٢٦')).toEqual(['م/78/2026', 'م782026']);
    expect(externalRefKeys(null)).toEqual([]);
  });
});
