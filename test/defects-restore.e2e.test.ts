/**
 * Restore trusts the ledger, not the bucket: a document folder planted in the
 * offsite bucket, whose manifest no ledger entry vouches for, is named in the
 * report and not restored, while the real document comes back.
 */
import crypto from 'node:crypto';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { loadConfig } from '../src/config';
import { startCore } from '../src/runtime/core';
import { createObjectStore } from '../storage/objectStore';
import { loadKeyRing } from '../storage/crypto/keyRing';
import { restoreArchive } from '../storage/restore/restore';
import { isolatedEnv, restoreTarget, startTestServer, type DocumentJson } from './helpers';

jest.setTimeout(300_000);

test('#20 restore refuses a manifest that no ledger entry vouches for, and names it', async () => {
  let env = await isolatedEnv();
  const server = await startTestServer(env);
  let real: DocumentJson;
  try {
    const up = await server.upload(await renderArabicScan(['كتاب وارد للاختبار'], { seed: 70 }), 'حقيقي.jpg');
    real = await server.waitFor(((await up.json()) as { id: string }).id);
    expect(real.status).toBe('archived');
  } finally {
    await server.stop();
  }

  // Someone with write access to the offsite bucket plants a document: the real one's files under another number.
  const offsite = createObjectStore(
    'offsite',
    loadConfig(env).offsite!,
    undefined,
    loadKeyRing(loadConfig(env).encryption.keyFile, true),
  );
  const [year, seq] = real.registryNo.split('/') as [string, string];
  const from = `documents/${year}/${seq}/`;
  const to = `documents/${year}/000099/`;
  const manifest = JSON.parse((await offsite.getBuffer(`${from}manifest.json`)).toString('utf8')) as Record<string, unknown> & {
    files: Array<{ path: string; contentType: string }>;
  };
  for (const f of manifest.files)
    await offsite.putBufferOnce(`${to}${f.path}`, await offsite.getBuffer(`${from}${f.path}`), f.contentType);
  const forged = {
    ...manifest,
    id: crypto.randomUUID(),
    registryNo: `${year}/000099`,
    registry: { year: Number(year), seq: 99 },
    metadata: { ...(manifest.metadata as object), title: 'وثيقة مدسوسة' },
  };
  await offsite.putBufferOnce(`${to}manifest.json`, Buffer.from(JSON.stringify(forged)), 'application/json');

  // The building is lost; a new database and primary bucket, restored from offsite.
  env = await restoreTarget(env, 'forged');
  const core = await startCore(loadConfig(env));
  try {
    const report = await restoreArchive({
      db: core.db,
      source: core.offsite,
      other: core.primary,
      offsiteName: core.offsite.name,
    });
    expect(report.documents).toEqual({ found: 2, restored: 1, alreadyPresent: 0, failed: 1 });
    expect(report.problems).toEqual([
      expect.stringContaining(`${year}/000099: not restored: no 'archived' ledger entry vouches`),
    ]);
    const rows = await core.db.query<{ id: string }>('SELECT id FROM documents');
    expect(rows.rows.map((r) => r.id)).toEqual([real.id]);
  } finally {
    await core.stop();
  }
});
