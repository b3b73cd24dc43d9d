import { keys } from '../../storage/layout';
import { fakeDeps, makeDoc, stageContext, type FakePipeline } from '../../test/fakes/memoryDocuments';
import { MemoryObjectStore } from '../../test/fakes/memoryObjectStore';
import { replicateStage } from './replicate';

const doc = makeDoc({ pageCount: 1 });

/** A document with three stored files in the primary bucket, each recorded as an artefact. */
async function stored(fake: FakePipeline): Promise<string[]> {
  const files: Array<[string, string, Buffer, string]> = [
    ['original', keys.original(doc, 'png'), Buffer.from('the original scan'), 'image/png'],
    ['archive-pdf', keys.archivePdf(doc), Buffer.from('%PDF-1.7 the stamped copy'), 'application/pdf'],
    ['page-image', keys.pageImage(doc, 1), Buffer.from('RIFF....WEBP page one'), 'image/webp'],
  ];
  for (const [kind, key, bytes, contentType] of files) {
    const s = await fake.primary.putBufferOnce(key, bytes, contentType);
    await fake.documents.saveArtefact(doc.id, { kind, ...s, contentType });
  }
  return files.map(([, key]) => key).sort();
}

test('copies every stored file offsite with the same SHA-256, records each replica and one ledger entry, even when run again', async () => {
  const fake = fakeDeps({ offsite: new MemoryObjectStore('offsite', { bucketExists: false }) });
  const all = await stored(fake);

  const result = await replicateStage.run(stageContext(doc, fake.deps));
  expect(result).toEqual({ kind: 'done', detail: { files: 3 } });
  for (const key of all) {
    const copy = await fake.offsite.hash(key);
    expect(copy.sha256).toBe((await fake.primary.hash(key)).sha256);
    expect((await fake.offsite.stat(key))?.sha256).toBe(copy.sha256);
  }
  const replicas = await fake.documents.replicas(doc.id);
  expect(replicas.map((r) => [r.target, r.key])).toEqual(all.map((k) => ['offsite', k]));
  for (const r of replicas) expect(r.sha256).toBe((await fake.primary.stat(r.key))?.sha256);
  expect(fake.ledger.events('replicated', doc.id).map((e) => e.payload)).toEqual([{ target: 'offsite', files: 3 }]);
  // The ledger so far went to both buckets too.
  expect(await fake.primary.list('ledger/')).toHaveLength(1);
  expect(await fake.offsite.list('ledger/')).toEqual(await fake.primary.list('ledger/'));

  // After a crash the stage runs again: nothing is copied twice, nothing recorded twice.
  expect(await replicateStage.run(stageContext(doc, fake.deps))).toEqual({ kind: 'done', detail: { files: 3 } });
  expect(fake.ledger.events('replicated', doc.id)).toHaveLength(1);
  expect(await fake.documents.replicas(doc.id)).toHaveLength(3);
  expect(fake.offsite.keys().filter((k) => !k.startsWith('ledger/'))).toEqual(all);
});

test('a damaged offsite copy is not recorded as a replica: the stage asks to retry', async () => {
  const fake = fakeDeps();
  const all = await stored(fake);
  const rotten = keys.archivePdf(doc);
  // An earlier run copied this file; its bytes have rotted since (the recorded SHA-256 still looks right).
  const there = (await fake.primary.stat(rotten))!;
  await fake.offsite.putStream(rotten, await fake.primary.get(rotten), there.size, 'application/pdf', there.sha256!);
  fake.offsite.damage(rotten);

  const result = await replicateStage.run(stageContext(doc, fake.deps));
  expect(result.kind).toBe('retry');
  expect(result.kind === 'retry' && result.reason).toContain(rotten);
  const replicated = (await fake.documents.replicas(doc.id)).map((r) => r.key);
  expect(replicated).not.toContain(rotten);
  // Files before it (in key order) were verified and recorded; the ones after were not reached.
  expect(replicated).toEqual(all.slice(0, all.indexOf(rotten)));
  expect(fake.ledger.events('replicated', doc.id)).toEqual([]);
});

test('a damaged primary copy never becomes a replica (the real store records the expected hash over the bytes it is sent)', async () => {
  const offsite = new MemoryObjectStore('offsite', { verifyPuts: false }); // as MinIO: no check on put
  const fake = fakeDeps({ offsite });
  await stored(fake);
  const rotten = keys.original(doc, 'png');
  fake.primary.damage(rotten);

  for (let run = 0; run < 2; run++) {
    const result = await replicateStage.run(stageContext(doc, fake.deps));
    expect(result.kind).toBe('retry');
    expect((await fake.documents.replicas(doc.id)).map((r) => r.key)).not.toContain(rotten);
  }
  expect(fake.ledger.events('replicated', doc.id)).toEqual([]);
});

test('with the offsite store away the stage throws (the runner retries) and records nothing', async () => {
  const fake = fakeDeps();
  await stored(fake);
  fake.offsite.setAway(true);

  await expect(replicateStage.run(stageContext(doc, fake.deps))).rejects.toThrow(/ECONNREFUSED/);
  expect(await fake.documents.replicas(doc.id)).toEqual([]);
  expect(fake.ledger.events('replicated', doc.id)).toEqual([]);
  expect(fake.offsite.keys()).toEqual([]);
});

test('a ledger export that fails after the copies are verified only warns: the stage is done', async () => {
  const fake = fakeDeps();
  await stored(fake);
  const record = fake.ledger.recordOnce.bind(fake.ledger);
  // The offsite store goes away right after the 'replicated' entry is written.
  jest.spyOn(fake.ledger, 'recordOnce').mockImplementation(async (...args) => {
    await record(...args);
    fake.offsite.setAway(true);
  });

  expect(await replicateStage.run(stageContext(doc, fake.deps))).toEqual({ kind: 'done', detail: { files: 3 } });
  expect(await fake.documents.replicas(doc.id)).toHaveLength(3);
  expect(fake.ledger.events('replicated', doc.id)).toHaveLength(1);
  expect(fake.log.lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual(['ledger segment not exported yet']);
});
