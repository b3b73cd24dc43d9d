/**
 * The disaster drill: archive a batch, let it replicate, then lose the
 * building: the database, the primary bucket and the search index are gone.
 * A new machine with only the offsite settings runs `diwan restore --from
 * offsite` into an empty database and an empty primary bucket, starts again,
 * and every document is back: same registry numbers and fingerprints,
 * searchable, verifiable, and the ledger chain and checkpoints verify.
 * The restore is interrupted once on the way and simply run again.
 */
import crypto from 'node:crypto';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { loadConfig } from '../src/config';
import { startCore } from '../src/runtime/core';
import { restoreArchive } from '../storage/restore/restore';
import { isolatedEnv, restoreTarget, runCli, runCliWith, startTestServer, type DocumentJson, type TestServer } from './helpers';

jest.setTimeout(600_000);

const LINES = [
  ['قرار إداري بشأن تنظيم الأرشيف', 'يعتمد هذا القرار من تاريخه'],
  ['كتاب وارد من وزارة المالية', 'بخصوص الميزانية السنوية'],
  ['محضر اجتماع لجنة المشتريات', 'المنعقد يوم الأحد'],
];

let env: NodeJS.ProcessEnv;
let server: TestServer | undefined;
const before: DocumentJson[] = [];
let ledgerBefore: { entries: number };

beforeAll(async () => {
  env = await isolatedEnv();
  server = await startTestServer(env);
  const batch = await server.api('/api/v1/batches', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'دفعة التجربة', department: 'الشؤون الإدارية', docType: 'قرار' }),
  });
  const batchId = ((await batch.json()) as { id: string }).id;
  const form = new FormData();
  for (const [i, lines] of LINES.entries()) {
    form.append('files', new Blob([await renderArabicScan(lines, { seed: 40 + i })]), `وثيقة-${i + 1}.jpg`);
  }
  const up = await server.api(`/api/v1/batches/${batchId}/files`, { method: 'POST', body: form });
  expect(up.status).toBeLessThan(300);
  const files = ((await (await server.api(`/api/v1/batches/${batchId}`)).json()) as { files: Array<{ documentId: string }> })
    .files;
  for (const f of files) before.push(await server.waitFor(f.documentId));
  // One document was read again: its second text version must come back too.
  const reocr = await runCli(server, ['reocr', before[0]!.id, '--layout', 'block', '--reason', 'تجربة', '--wait', '--json']);
  expect(reocr.code).toBe(0);
  before[0] = (await (await server.api(`/api/v1/documents/${before[0]!.id}`)).json()) as DocumentJson;
  expect(before.every((d) => d.status === 'archived')).toBe(true);
  // A signed checkpoint, as the schedule makes every day; it also exports the ledger's tail.
  expect((await runCli(server, ['audit', 'checkpoint', '--json'])).code).toBe(0);
  const status = JSON.parse((await runCli(server, ['replicate', '--status', '--json'])).out) as {
    pending: number;
    oldestPendingSeconds: number;
    bytesPending: number;
    objectLock: Record<string, { enabled: boolean }>;
  };
  expect(status).toMatchObject({ pending: 0, oldestPendingSeconds: 0, bytesPending: 0 });
  expect(status.objectLock).toEqual({
    primary: expect.objectContaining({ enabled: true }),
    offsite: expect.objectContaining({ enabled: true }),
  });
  ledgerBefore = JSON.parse((await runCli(server, ['audit', 'verify-ledger', '--json'])).out) as { entries: number };

  // The building is lost: the server, its database, its primary bucket and its search index.
  await server.stop();
  server = undefined;
  const meili = await fetch(`${env.MEILI_URL}/indexes/${env.MEILI_INDEX}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${env.MEILI_MASTER_KEY}` },
  });
  expect(meili.status).toBe(202);
  // Under Object Lock not even we can empty the old primary bucket: the new machine gets a new, empty one.
  env = await restoreTarget(env, 'restored');
});

afterAll(async () => {
  await server?.stop();
});

test('restore from offsite brings back every document, its numbers, fingerprints, text, search and ledger', async () => {
  // Interrupted after the first document...
  const core = await startCore(loadConfig(env));
  try {
    await expect(
      restoreArchive({
        db: core.db,
        source: core.offsite,
        other: core.primary,
        offsiteName: core.offsite.name,
        // One manifest a batch, so the first batch is the first document.
        batchSize: 1,
        onProgress: (done) => {
          if (done === 1) throw new Error('power cut');
        },
      }),
    ).rejects.toThrow('power cut');
  } finally {
    await core.stop();
  }
  // ...and run again: it finishes the work.
  const { code, out } = await runCliWith(env, ['restore', '--from', 'offsite', '--json']);
  const report = JSON.parse(out) as {
    ok: boolean;
    documents: { found: number; restored: number; alreadyPresent: number; failed: number };
    objects: { verified: number; copiedToOther: number };
    ledger: { entries: number; brokenAt: number | null };
    checkpoints: number;
    registry: Array<{ year: number; lastSeq: number }>;
    index: { documents: number; pages: number };
    problems: string[];
  };
  expect(report.problems).toEqual([]);
  expect(code).toBe(0);
  expect(report.documents).toEqual({ found: 3, restored: 2, alreadyPresent: 1, failed: 0 });
  // The first run already copied the first document's files to the new primary.
  expect(report.objects.copiedToOther).toBeGreaterThanOrEqual(2 * 5);
  expect(report.ledger).toEqual({ ...report.ledger, entries: ledgerBefore.entries, brokenAt: null });
  expect(report.checkpoints).toBe(1);
  expect(report.index.documents).toBe(3);
  const year = Number(before[0]!.registryNo.split('/')[0]);
  expect(report.registry).toEqual([{ register: 'incoming', year, lastSeq: 3 }]);

  // A second run has nothing to do and says so.
  const again = await runCliWith(env, ['restore', '--from', 'offsite']);
  expect(again.code).toBe(1);

  server = await startTestServer(env);
  for (const old of before) {
    const doc = (await (await server.api(`/api/v1/documents/${old.id}`)).json()) as DocumentJson;
    expect(doc).toMatchObject({ registryNo: old.registryNo, status: 'archived', pageCount: old.pageCount, sha256: old.sha256 });
    expect(doc.pages.map((p) => p.text)).toEqual(old.pages.map((p) => p.text));
    // The files are on the new primary, byte for byte.
    const original = Buffer.from(await (await server.api(`/api/v1/documents/${old.id}/original`)).arrayBuffer());
    expect(crypto.createHash('sha256').update(original).digest('hex')).toBe(old.sha256.original);
  }
  const versions = (await (await server.api(`/api/v1/documents/${before[0]!.id}/text-versions`)).json()) as {
    versions: Array<{ version: number; current: boolean }>;
  };
  expect(versions.versions.map((v) => [v.version, v.current])).toEqual([
    [1, false],
    [2, true],
  ]);

  // Searchable...
  const hits = (await (await server.api(`/api/v1/search?q=${encodeURIComponent('المشتريات')}`)).json()) as {
    hits: Array<{ registryNo: string }>;
  };
  expect(hits.hits.map((h) => h.registryNo)).toEqual([before[2]!.registryNo]);
  // ...verifiable on both copies...
  const verified = await runCli(server, ['verify', '--all', '--json']);
  expect(verified.code).toBe(0);
  const verdicts = JSON.parse(verified.out) as Array<{ registryNo: string; ok: boolean }>;
  expect(verdicts.map((v) => [v.registryNo, v.ok]).sort()).toEqual(before.map((d) => [d.registryNo, true]).sort());
  // ...and the history is whole, and still signed.
  const ledger = JSON.parse((await runCli(server, ['audit', 'verify-ledger', '--json'])).out) as Record<string, unknown>;
  // Since the restore: three readings of the text, three downloads of the originals and three verifications.
  expect(ledger).toMatchObject({ entries: ledgerBefore.entries + 9, brokenAt: null, checkpoints: 1, badCheckpoint: null });

  // The next document continues the registry; no number is given twice.
  const next = await server.upload(await renderArabicScan(['وثيقة بعد الاستعادة'], { seed: 50 }), 'بعد.jpg');
  expect(((await next.json()) as { registryNo: string }).registryNo).toBe(`${year}/000004`);
});
