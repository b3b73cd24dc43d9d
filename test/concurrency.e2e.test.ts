/**
 * Several clients upload the same scan at the same moment, to the single
 * upload route and into batches: exactly one document exists afterwards, and
 * every answer names its registry number. The UNIQUE constraint decides.
 */
import pg from 'pg';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { startTestServer, type TestServer } from './helpers';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.stop();
});

test('the same file from eight clients at once: one document', async () => {
  const scan = await renderArabicScan(['كتاب مكرر'], { seed: 77, width: 900, height: 600 });
  const batches = await Promise.all(
    [1, 2, 3, 4].map(async (i) => {
      const res = await server.api('/api/v1/batches', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: `عميل ${i}` }),
      });
      return ((await res.json()) as { id: string }).id;
    }),
  );
  const viaDocuments = [1, 2, 3, 4].map(async () => {
    const res = await server.upload(scan, 'نسخة.jpg');
    const body = (await res.json()) as { registryNo: string; duplicate?: boolean };
    return { status: res.status, registryNo: body.registryNo, duplicate: body.duplicate === true };
  });
  const viaBatches = batches.map(async (b) => {
    const form = new FormData();
    form.append('files', new Blob([scan]), 'نسخة.jpg');
    const res = await server.api(`/api/v1/batches/${b}/files`, { method: 'POST', body: form });
    const body = (await res.json()) as { files: Array<{ status: string; registryNo: string }> };
    return { status: res.status, registryNo: body.files[0]!.registryNo, duplicate: body.files[0]!.status === 'duplicate' };
  });
  const answers = await Promise.all([...viaDocuments, ...viaBatches]);
  expect(new Set(answers.map((a) => a.registryNo)).size).toBe(1);
  expect(answers.filter((a) => !a.duplicate)).toHaveLength(1);

  const c = new pg.Client({ connectionString: server.core.config.databaseUrl });
  await c.connect();
  const docs = (await c.query('SELECT count(*)::int AS n FROM documents')).rows[0].n as number;
  const registered = (await c.query(`SELECT count(*)::int AS n FROM ledger WHERE event = 'registered'`)).rows[0].n as number;
  const seq = (await c.query('SELECT last_seq FROM registry_sequences')).rows[0].last_seq as number;
  await c.end();
  expect(docs).toBe(1);
  expect(registered).toBe(1);
  expect(seq).toBe(1); // the losers' registry numbers were rolled back: no gap
});
