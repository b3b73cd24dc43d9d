/**
 * A passing fault never fails an accepted document (#1): primary object
 * storage away (through a fault-injecting proxy in front of the real MinIO)
 * for longer than every attempt of its jobs, then back.
 */
import pg from 'pg';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { createLogger } from '../kernel/log';
import { installJobQueue } from '../ingest/adapters/queue';
import { startS3Proxy, type S3Proxy } from './faults/s3Proxy';
import { isolatedEnv, startTestServer, type TestServer } from './helpers';

let server: TestServer;
let proxy: S3Proxy;
let env: NodeJS.ProcessEnv;

/** Three attempts a second apart, so that a job runs out of attempts in seconds, not minutes. */
const RETRIES = { limit: 2, delaySeconds: 1, backoff: false };

beforeAll(async () => {
  proxy = await startS3Proxy(process.env.S3_ENDPOINT!);
  // An empty database: the queue made before the archive starts keeps these settings (the archive, and the
  // migrated copy other tests start from, make it only when it is missing).
  env = await isolatedEnv({ S3_ENDPOINT: proxy.url, DIWAN_SWEEP_SECONDS: '1' }, { emptyDatabase: true });
  await installJobQueue(env.DATABASE_OWNER_URL!, createLogger('silent'), RETRIES);
  server = await startTestServer(env);
});

afterAll(async () => {
  await server?.stop();
  await proxy?.close();
});

async function query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: env.DATABASE_OWNER_URL });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

test('#1 an accepted document whose storage is away across every attempt waits, never fails, and is archived once it returns', async () => {
  const scan = await renderArabicScan(['كتاب ينتظر عودة التخزين'], { seed: 111, width: 900, height: 600 });
  const res = await server.upload(scan, 'ينتظر.jpg');
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  proxy.setAway(true);

  // Away until at least two jobs of the document have run out of attempts, and a while longer.
  const exhausted = async () =>
    (
      await query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pgboss.job WHERE data->>'documentId' = $1 AND retry_count >= retry_limit AND state IN ('failed', 'completed')`,
        [id],
      )
    )[0]!.n;
  const deadline = Date.now() + 60_000;
  const seen = new Set<string>();
  while ((await exhausted()) < 2) {
    const status = (await server.core.documents.get(id))!.status;
    seen.add(status);
    if (status === 'failed') break;
    if (Date.now() > deadline) throw new Error('the jobs never ran out of attempts');
    await new Promise((r) => setTimeout(r, 250));
  }
  seen.add((await server.core.documents.get(id))!.status);
  expect(seen.has('failed')).toBe(false);
  expect(proxy.failed.length).toBeGreaterThan(0);

  proxy.setAway(false);
  const doc = await server.waitFor(id, ['archived', 'failed'], 120_000);
  expect(doc.status).toBe('archived');
  expect(doc.error).toBeNull();
  const failedEntries = await query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ledger WHERE document_id = $1 AND event = 'failed'`,
    [id],
  );
  expect(failedEntries[0]!.n).toBe(0);
});
