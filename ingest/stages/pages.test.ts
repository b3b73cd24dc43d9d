import crypto from 'node:crypto';
import { DomainError } from '../../kernel/errors';
import { keys } from '../../storage/layout';
import { fakeDeps, makeDoc, stageContext } from '../../test/fakes/memoryDocuments';
import type { RenderedPage } from '../adapters/images';
import { sharp } from '../adapters/sharp';
import { pagesStage } from './pages';

/** A page of grey pixels, a diagonal ramp so the encoder has something to encode. */
function greyPage(width: number, height: number): RenderedPage {
  const grey = Buffer.alloc(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) grey[y * width + x] = (x + y) % 256;
  return { width, height, grey, dpi: 300 };
}

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

// The second page is wider than the viewer's 2000 pixels and is scaled down.
const SIZES: Array<[number, number]> = [
  [300, 400],
  [2400, 120],
  [50, 60],
];
const doc = makeDoc({ pageCount: SIZES.length });

test('stores one WebP viewer image per page under pages/NNNN.webp and records each as an artefact', async () => {
  const fake = fakeDeps();
  const asked: number[] = [];
  const page = async (n: number) => {
    asked.push(n);
    const [w, h] = SIZES[n - 1]!;
    return greyPage(w, h);
  };

  expect(await pagesStage.run(stageContext(doc, fake.deps, page))).toEqual({ kind: 'done', detail: { pages: 3 } });
  expect(asked.sort()).toEqual([1, 2, 3]);
  const expectedKeys = [1, 2, 3].map((n) => keys.pageImage(doc, n));
  expect(expectedKeys[0]).toBe('documents/2026/000123/pages/0001.webp');
  expect(fake.primary.keys()).toEqual(expectedKeys);

  const decoded = await Promise.all(expectedKeys.map(async (k) => sharp(fake.primary.peek(k)!).metadata()));
  expect(decoded.map((m) => [m.format, m.width, m.height])).toEqual([
    ['webp', 300, 400],
    ['webp', 2000, 100],
    ['webp', 50, 60],
  ]);
  const artefacts = await fake.documents.artefacts(doc.id);
  expect(artefacts).toEqual(
    expectedKeys.map((key) => ({
      kind: 'page-image',
      key,
      sha256: sha256(fake.primary.peek(key)!),
      size: fake.primary.peek(key)!.length,
      contentType: 'image/webp',
    })),
  );
  for (const key of expectedKeys) expect((await fake.primary.stat(key))?.contentType).toBe('image/webp');
});

test('run again after a crash, an image already stored is kept as it is and recorded with its own hash', async () => {
  const fake = fakeDeps();
  const before = Buffer.from('an image stored before the crash');
  await fake.primary.putBufferOnce(keys.pageImage(doc, 2), before, 'image/webp');
  const page = async (n: number) => greyPage(...SIZES[n - 1]!);

  expect((await pagesStage.run(stageContext(doc, fake.deps, page))).kind).toBe('done');
  expect(fake.primary.peek(keys.pageImage(doc, 2))).toEqual(before);
  const second = (await fake.documents.artefacts(doc.id)).find((a) => a.key === keys.pageImage(doc, 2));
  expect(second).toMatchObject({ sha256: sha256(before), size: before.length });
  expect(fake.primary.olderVersions(keys.pageImage(doc, 2))).toBe(0);
});

test('a page the decoder calls corrupt fails the document with corrupt_file, and no later page is started', async () => {
  const fake = fakeDeps({ ocrWorkers: 1 });
  const asked: number[] = [];
  const page = async (n: number) => {
    asked.push(n);
    if (n === 2) throw new DomainError('corrupt_file', { en: '(page 2: VipsJpeg: premature end of data)' });
    return greyPage(...SIZES[n - 1]!);
  };

  const result = await pagesStage.run(stageContext(doc, fake.deps, page));
  expect(result).toMatchObject({ kind: 'failed', code: 'corrupt_file' });
  expect(result.kind === 'failed' && result.message).toContain('page 2');
  expect(asked).toEqual([1, 2]);
  expect((await fake.documents.artefacts(doc.id)).map((a) => a.key)).toEqual([keys.pageImage(doc, 1)]);
});

test('a passing fault is thrown on, for the runner to retry: a plain error, a transient domain error, the store away', async () => {
  const fake = fakeDeps();
  const boom = new Error('worker crashed');
  await expect(pagesStage.run(stageContext(doc, fake.deps, () => Promise.reject(boom)))).rejects.toBe(boom);

  const transient = new DomainError('storage_unavailable');
  await expect(pagesStage.run(stageContext(doc, fake.deps, () => Promise.reject(transient)))).rejects.toBe(transient);

  fake.primary.setAway(true);
  await expect(pagesStage.run(stageContext(doc, fake.deps, async () => greyPage(20, 20)))).rejects.toThrow(/ECONNREFUSED/);
  expect(await fake.documents.artefacts(doc.id)).toEqual([]);
});

test('a document whose page count is not known yet is treated as one page', async () => {
  const fake = fakeDeps();
  const single = makeDoc({ pageCount: null });
  expect(await pagesStage.run(stageContext(single, fake.deps, async () => greyPage(40, 30)))).toEqual({
    kind: 'done',
    detail: { pages: 1 },
  });
  expect(fake.primary.keys()).toEqual([keys.pageImage(single, 1)]);
});
