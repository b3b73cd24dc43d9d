/**
 * A document kept with a classification the archive does not know (an older
 * installation's, or a row changed by hand) is not brought back in by a
 * restore: the restore refuses it and names it, and restores the rest.
 */
import pg from 'pg';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { startWorkers } from '../src/runtime/workers';
import { isolatedEnv, restoreTarget, runCliWith, startTestServer, type TestServer } from './helpers';

jest.setTimeout(300_000);

let server: TestServer | undefined;

afterAll(async () => {
  await server?.stop();
});

test('#19 restore refuses a document whose manifest carries an unknown classification, and names it', async () => {
  // Workers are started by hand, after the classification is changed, so the manifest carries it.
  const env = await isolatedEnv({ DIWAN_INPROCESS_WORKERS: 'false' });
  server = await startTestServer(env);
  const ids: string[] = [];
  for (const [i, line] of ['وثيقة عادية', 'وثيقة بتصنيف مجهول'].entries()) {
    const res = await server.upload(await renderArabicScan([line], { seed: 190 + i, width: 1000, height: 600 }), `${i}.jpg`);
    expect(res.status).toBe(202);
    ids.push(((await res.json()) as { id: string }).id);
  }
  const owner = new pg.Client({ connectionString: server.config.databaseOwnerUrl });
  await owner.connect();
  await owner.query(`UPDATE documents SET classification = 'top-secret' WHERE id = $1`, [ids[1]]);
  await owner.end();
  const workers = await startWorkers(server.core);
  let registryNo = '';
  try {
    for (const id of ids) expect((await server.waitFor(id)).status).toBe('archived');
    registryNo = (await server.waitFor(ids[1]!)).registryNo;
  } finally {
    await workers.stop();
    await server.stop();
    server = undefined;
  }

  // The building is lost; a new database and primary bucket are restored from the offsite copy.
  const restored = await restoreTarget(env, 'restored');
  const { out } = await runCliWith(restored, ['restore', '--from', 'offsite', '--json']);
  const report = JSON.parse(out) as { documents: { found: number; restored: number; failed: number }; problems: string[] };
  expect(report.documents).toMatchObject({ found: 2, restored: 1, failed: 1 });
  expect(report.problems.join('\n')).toMatch(new RegExp(`${registryNo}.*top-secret`));
});
