import { canonicalJson, sha256 } from '../hash';
import { entryHash, GENESIS_HASH } from './ledger';
import { keys } from '../layout';
import { registryNo } from '../../kernel/registry';
import { toArabicIndic } from '../../kernel/text';

describe('canonicalJson', () => {
  test('sorts keys at every level and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: 'ع' }, u: undefined })).toBe(
      '{"a":{"c":"ع","d":[2,{"y":2,"z":1}]},"b":1}',
    );
  });
  test('the same value in another key order gives the same bytes', () => {
    expect(canonicalJson({ x: 1, y: [1, 2] })).toBe(canonicalJson({ y: [1, 2], x: 1 }));
  });
});

describe('ledger hashing', () => {
  const e1 = { at: '2026-01-01T00:00:00.000Z', event: 'registered', documentId: 'd1', payload: { sha: 'a' } };
  const e2 = { at: '2026-01-01T00:00:01.000Z', event: 'archived', documentId: 'd1', payload: { sha: 'b' } };

  test('entry_hash = sha256(prev_hash || canonical(entry))', () => {
    expect(entryHash(GENESIS_HASH, e1)).toBe(sha256(GENESIS_HASH + canonicalJson(e1)));
  });

  test('changing any entry changes every hash after it', () => {
    const h1 = entryHash(GENESIS_HASH, e1);
    const h2 = entryHash(h1, e2);
    const forged1 = entryHash(GENESIS_HASH, { ...e1, payload: { sha: 'A' } });
    expect(forged1).not.toBe(h1);
    expect(entryHash(forged1, e2)).not.toBe(h2);
  });
});

describe('layout', () => {
  const ref = { year: 2026, seq: 123 };
  test('registry numbers and keys are self-describing', () => {
    expect(registryNo(ref)).toBe('2026/000123');
    expect(toArabicIndic(registryNo(ref))).toBe('٢٠٢٦/٠٠٠١٢٣');
    expect(keys.original(ref, 'tif')).toBe('documents/2026/000123/original.tif');
    expect(keys.pageImage(ref, 7)).toBe('documents/2026/000123/pages/0007.webp');
    expect(keys.manifest(ref)).toBe('documents/2026/000123/manifest.json');
  });
});
