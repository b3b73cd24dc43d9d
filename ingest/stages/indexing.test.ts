import { stemmedText } from '../../search/normalize';
import { fakeDeps, makeDoc, stageContext, type FakePipeline } from '../../test/fakes/memoryDocuments';
import { indexStage } from './indexing';

const doc = makeDoc({ pageCount: 3, classification: 'confidential' });

async function withPages(fake: FakePipeline): Promise<void> {
  await fake.documents.savePage(doc.id, {
    n: 1,
    width: 100,
    height: 140,
    text: 'يعتمد الديوان حفظ المراسلات',
    confidence: 91,
    words: [],
  });
  await fake.documents.savePage(doc.id, { n: 2, width: 100, height: 140, text: 'بالموازنة العامة', confidence: 42, words: [] });
  await fake.documents.savePage(doc.id, { n: 3, width: 100, height: 140, text: '', confidence: null, words: [] });
}

test('puts one record per page into the index, with the document’s fields, and records "indexed" once', async () => {
  const fake = fakeDeps();
  await withPages(fake);

  expect(await indexStage.run(stageContext(doc, fake.deps))).toEqual({ kind: 'done', detail: { pages: 3 } });
  expect(await fake.search.count()).toBe(3);
  const records = fake.search.pages(doc.id);
  expect(records.map((r) => [r.id, r.page])).toEqual([
    [`${doc.id}-1`, 1],
    [`${doc.id}-2`, 2],
    [`${doc.id}-3`, 3],
  ]);
  for (const r of records) {
    expect(r).toMatchObject({
      documentId: doc.id,
      registryNo: '2026/000123',
      title: doc.title,
      correspondent: 'وزارة العمل',
      docType: 'circular',
      department: 'الموارد البشرية',
      classification: 'confidential',
      clearance: 2,
      batchId: null,
      registryYear: 2026,
      registeredAt: Date.parse(doc.createdAt),
      docDate: Date.parse('2026-01-15T00:00:00Z'),
    });
    expect(r.registryKeys).toEqual(expect.arrayContaining(['2026/000123', '2026/123', '123']));
  }
  expect(records.map((r) => r.text)).toEqual(['يعتمد الديوان حفظ المراسلات', 'بالموازنة العامة', '']);
  expect(records[1]!.textStem).toBe(stemmedText('بالموازنة العامة'));
  // Below the review threshold (60) only; a page without a confidence is not flagged.
  expect(records.map((r) => r.needsReview)).toEqual([false, true, false]);
  expect(fake.ledger.events('indexed', doc.id).map((e) => e.payload)).toEqual([{ registryNo: '2026/000123', pages: 3 }]);

  // Run again after a crash: the same page ids are replaced, the ledger has its one entry.
  expect(await indexStage.run(stageContext(doc, fake.deps))).toEqual({ kind: 'done', detail: { pages: 3 } });
  expect(await fake.search.count()).toBe(3);
  expect(fake.ledger.events('indexed', doc.id)).toHaveLength(1);

  // What was indexed can be found, within the reader's clearance only.
  const ask = (q: string, clearance: 'internal' | 'confidential') =>
    fake.search.search({ q, filters: {}, sort: 'relevance', limit: 10, offset: 0, clearance });
  expect((await ask('والموازنة', 'confidential')).hits.map((h) => [h.documentId, h.page])).toEqual([[doc.id, 2]]);
  expect((await ask('2026/123', 'confidential')).registryMatch).toBe('2026/000123');
  expect((await ask('والموازنة', 'internal')).total).toBe(0);
});

test('when the index cannot be reached the stage throws and records nothing in the ledger', async () => {
  const fake = fakeDeps();
  await withPages(fake);
  fake.search.setAway(true);

  await expect(indexStage.run(stageContext(doc, fake.deps))).rejects.toThrow(/ECONNREFUSED/);
  expect(fake.ledger.events('indexed', doc.id)).toEqual([]);
  fake.search.setAway(false);
  expect(await fake.search.count()).toBe(0);
});

test('a document without a title is indexed under its original file name', async () => {
  const untitled = makeDoc({ title: null, originalName: 'letter-17.pdf' });
  const fake = fakeDeps();
  await fake.documents.savePage(untitled.id, { n: 1, width: 10, height: 10, text: 'نص', confidence: 80, words: [] });

  await indexStage.run(stageContext(untitled, fake.deps));
  expect(fake.search.pages(untitled.id).map((r) => r.title)).toEqual(['letter-17.pdf']);
});
