import type { ObjectStore } from '../objectStore';
import { keysOfFolders, manifestKeyPages } from './bucket';

/** A bucket that only lists (as S3 does: in key order, from after `startAfter`, at most `limit`), counting its requests. */
function listing(keys: string[]): { store: ObjectStore; requests: () => number } {
  const sorted = [...keys].sort();
  let requests = 0;
  const list = async (prefix: string, startAfter?: string, limit?: number) => {
    requests++;
    const found = sorted.filter((k) => k.startsWith(prefix) && (startAfter === undefined || k > startAfter));
    return limit === undefined ? found : found.slice(0, limit);
  };
  return { store: { list } as unknown as ObjectStore, requests: () => requests };
}

const folder = (seq: number) => `documents/2026/${String(seq).padStart(6, '0')}/`;
const files = (seq: number) => ['manifest.json', 'ocr.json', 'original.jpg', 'pages/0001.webp'].map((f) => `${folder(seq)}${f}`);

test('the manifests come a page at a time, in key order, from a listing read in pages of LIST_PAGE keys', async () => {
  const docs = Array.from({ length: 700 }, (_, i) => i + 1);
  const { store, requests } = listing(docs.flatMap(files));
  const pages: string[][] = [];
  for await (const page of manifestKeyPages(store, 200)) pages.push(page);
  expect(pages.map((p) => p.length)).toEqual([200, 200, 200, 100]);
  expect(pages.flat()).toEqual(docs.map((d) => `${folder(d)}manifest.json`));
  // 2800 keys: three requests of LIST_PAGE keys at most, never the whole listing at once.
  expect(requests()).toBe(3);
});

test('the keys of a batch of folders are listed from the first folder on, those of folders not asked for passed over', async () => {
  const { store } = listing([
    ...[1, 2, 3, 5, 8].flatMap(files),
    'documents/2026/000002.x',
    'documents/2026/000009/manifest.json',
  ]);
  const got = await keysOfFolders(store, [folder(2), folder(3), folder(8)]);
  expect([...got].sort()).toEqual([...files(2), ...files(3), ...files(8)].sort());
  expect(await keysOfFolders(store, [])).toEqual(new Set());
});

test('a batch of folders spread over more than one page of the listing is listed whole', async () => {
  const docs = Array.from({ length: 600 }, (_, i) => i + 1);
  const { store, requests } = listing(docs.flatMap(files));
  const got = await keysOfFolders(store, [folder(10), folder(590)]);
  expect([...got].sort()).toEqual([...files(10), ...files(590)].sort());
  expect(requests()).toBe(3);
});
