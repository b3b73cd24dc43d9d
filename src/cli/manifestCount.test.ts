import { countManifests } from './manifestCount';

/** A bucket's listing as the object store gives it: keys in order, after a key, at most `limit`. */
function bucket(keys: string[]) {
  const calls: Array<string | undefined> = [];
  const sorted = [...keys].sort();
  return {
    calls,
    list: async (prefix: string, startAfter?: string, limit?: number) => {
      calls.push(startAfter);
      const after = sorted.filter((k) => k.startsWith(prefix) && (startAfter === undefined || k > startAfter));
      return after.slice(0, limit);
    },
  };
}

const doc = (n: number) => [
  `documents/2026/${String(n).padStart(6, '0')}/archive.pdf`,
  `documents/2026/${String(n).padStart(6, '0')}/manifest.json`,
  `documents/2026/${String(n).padStart(6, '0')}/original.jpg`,
];

test("counts the bucket's documents a page of keys at a time", async () => {
  const source = bucket([...Array.from({ length: 7 }, (_, i) => doc(i + 1)).flat(), 'checkpoints/0001.json']);
  const count = countManifests(source, 4);
  expect(count.total).toBeNull();
  for (let i = 0; i < 20 && count.total === null; i++) await new Promise((r) => setImmediate(r));
  expect(count.total).toBe(7);
  // 21 keys under documents/, four a page: six listings, each after the last key of the one before.
  expect(source.calls).toHaveLength(6);
  expect(source.calls[1]).toBe('documents/2026/000002/archive.pdf');
  await count.stop();
});

test('stopped early, it lists no further and gives no total', async () => {
  const source = bucket(Array.from({ length: 50 }, (_, i) => doc(i + 1)).flat());
  const count = countManifests(source, 2);
  await count.stop();
  expect(count.total).toBeNull();
  expect(source.calls.length).toBeLessThanOrEqual(1);
});
