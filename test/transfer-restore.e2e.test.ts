/**
 * A transfer survives the loss of the building: after a letter is exported as
 * a BagIt bag, a restore from the offsite copy alone brings the transfer back
 * from the ledger ('transfer-created', 'transferred', 'transfer-received'),
 * complete, with its bag's name, Payload-Oxum and tagmanifest fingerprint and
 * the recipient's receipt, and the letter counts as transferred (a disposal
 * whose rule says 'transfer' may still follow).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { loadConfig } from '../src/config';
import { startCore } from '../src/runtime/core';
import { transferredIds } from '../storage/records/transfers';
import { restoreArchive } from '../storage/restore/restore';
import { isolatedEnv, restoreTarget, runCli, startTestServer, type TestServer } from './helpers';

jest.setTimeout(300_000);

let env: NodeJS.ProcessEnv;
let server: TestServer | undefined;

beforeAll(async () => {
  env = await isolatedEnv();
  server = await startTestServer(env);
});

afterAll(async () => {
  await server?.stop();
});

test('a restore from the offsite copy brings a complete transfer back', async () => {
  const up = await server!.upload(await renderArabicScan(['كتاب إلى المحفوظات الوطنية'], { seed: 41 }), 'letter.jpg', {
    title: 'كتاب للتحويل',
  });
  const letter = await server!.waitFor(((await up.json()) as { id: string }).id);
  expect(letter.status).toBe('archived');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-bag-'));
  const res = await runCli(server!, ['export', 'bagit', out, '--ids', letter.registryNo, '--json']);
  expect(res.code).toBe(0);
  const made = JSON.parse(res.out) as { transferId: string; tagmanifestSha256: string };
  const receipt = await runCli(server!, [
    'transfers',
    'receipt',
    made.transferId,
    '--ref',
    'NA/2026/9',
    '--date',
    new Date().toISOString().slice(0, 10),
    '--tagmanifest',
    made.tagmanifestSha256,
  ]);
  expect(receipt.code).toBe(0);

  // Every copy offsite, then the ledger's tail to both buckets with a checkpoint; then the building is lost.
  const deadline = Date.now() + 120_000;
  while (((await (await server!.api('/api/v1/replication')).json()) as { pending: number }).pending > 0) {
    if (Date.now() > deadline) throw new Error('offsite copies still pending');
    await new Promise((r) => setTimeout(r, 300));
  }
  expect((await runCli(server!, ['audit', 'checkpoint', '--json'])).code).toBe(0);
  const before = await server!.core.db.query('SELECT * FROM transfers ORDER BY id');
  const itemsBefore = await server!.core.db.query('SELECT * FROM transfer_items ORDER BY transfer_id, document_id');
  expect(before.rows).toHaveLength(1);
  await server!.stop();
  server = undefined;

  env = await restoreTarget(env, 'transfer');
  const core = await startCore(loadConfig(env));
  try {
    await restoreArchive({ db: core.db, source: core.offsite, other: core.primary, offsiteName: core.offsite.name });
    expect((await core.db.query('SELECT * FROM transfers ORDER BY id')).rows).toEqual(before.rows);
    expect((await core.db.query('SELECT * FROM transfer_items ORDER BY transfer_id, document_id')).rows).toEqual(
      itemsBefore.rows,
    );
    expect(before.rows[0]).toMatchObject({ id: made.transferId, state: 'complete', receipt_ref: 'NA/2026/9' });
    expect(before.rows[0].received_at).toBeInstanceOf(Date);
    expect(await transferredIds(core.db, [letter.id])).toEqual(new Set([letter.id]));
  } finally {
    await core.stop();
  }
});
