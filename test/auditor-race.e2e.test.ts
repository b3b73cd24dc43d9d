/**
 * The auditor's inventory never passes a copy still being recorded: a replica written by a transaction
 * that is open while a later one has committed is listed once both are in, by the checkpoint that waited
 * for it (it would otherwise be behind the cursor and in no inventory at all).
 */
import pg from 'pg';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { auditKeys } from '../storage/integrity/auditTrail';
import { isolatedEnv, startTestServer, type TestServer } from './helpers';

jest.setTimeout(180_000);

let server: TestServer;
let db: pg.Pool;
let documentId: string;

beforeAll(async () => {
  const env = await isolatedEnv();
  server = await startTestServer(env);
  db = new pg.Pool({ connectionString: env.DATABASE_URL });
  const scan = await renderArabicScan(['كتاب للجرد'], { seed: 77, width: 500, height: 240 });
  const res = await server.upload(scan, 'جرد.jpg');
  expect(res.status).toBe(202);
  documentId = ((await res.json()) as { id: string }).id;
  expect((await server.waitFor(documentId)).status).toBe('archived');
});

afterAll(async () => {
  await db?.end();
  await server?.stop();
});

const checkpoint = async () => {
  const res = await server.api('/api/v1/audit/checkpoint', { method: 'POST' });
  expect(res.status).toBe(201);
  return ((await res.json()) as { body: { auditSeq: number } }).body.auditSeq;
};

const insert = (q: pg.ClientBase | pg.Pool, key: string) =>
  q.query(
    `INSERT INTO replicas (document_id, target, key, sha256, verified_at, stored_sha256)
     VALUES ($1, $2, $3, $4, now(), $4)`,
    [documentId, server.core.offsite.name, key, key.endsWith('a') ? 'a'.repeat(64) : 'b'.repeat(64)],
  );

test('a replica committed after a later one is listed, the checkpoint waiting for it', async () => {
  const first = await checkpoint();
  const open = await db.connect();
  try {
    await open.query('BEGIN');
    await insert(open, 'race/early-a'); // takes the lower number, still uncommitted
    await insert(db, 'race/late-b'); // a higher number, committed at once

    let settled = false;
    const made = checkpoint().then((n) => {
      settled = true;
      return n;
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect(settled).toBe(false); // waiting for the open transaction, not passing its number
    await open.query('COMMIT');
    const second = await made;
    expect(second).toBe(first + 1);
    const inventory = (await server.core.offsite.getBuffer(auditKeys(second).inventory)).toString('utf8');
    expect(inventory).toContain(`${'a'.repeat(64)}  race/early-a\n`);
    expect(inventory).toContain(`${'b'.repeat(64)}  race/late-b\n`);
  } finally {
    open.release();
  }
});
