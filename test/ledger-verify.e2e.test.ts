/**
 * Ledger verification on a long chain: 40,000 entries are verified in chunks
 * with memory flat, the verification remembers how far the chain was whole, so
 * the next one reads only what is new; a rewritten remembered hash is seen by
 * the quick check; an old entry changed or removed behind the database's back
 * is named by the deep check (scheduled, or `?deep=true`), which the quick one
 * does not wait for, and by the full one (API `?full=true` and `diwan audit
 * verify-ledger --full`).
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { createDb, type Db } from '../storage/db';
import {
  allLedgerEntries,
  appendLedger,
  entryHash,
  GENESIS_HASH,
  LEDGER_VERIFY_CHUNK,
  verifyLedger,
  type ChainVerification,
} from '../storage/integrity/ledger';
import { runCli, startTestServer, type TestServer } from './helpers';

const SEEDED = 40_000;
const LEDGER_LOCK = 0x6c656467;

let server: TestServer;
let owner: Db;

/** A Db that counts the rows its queries return, and the most any one returned. */
function counting(db: Db): { db: Db; rows: () => number; largest: () => number } {
  let rows = 0;
  let largest = 0;
  const query = (async (...args: Parameters<Db['query']>) => {
    const res = await (db.query as (...a: unknown[]) => Promise<{ rows: unknown[] }>)(...args);
    rows += res.rows.length;
    largest = Math.max(largest, res.rows.length);
    return res;
  }) as Db['query'];
  return {
    db: new Proxy(db, { get: (t, k) => (k === 'query' ? query : Reflect.get(t, k)) }),
    rows: () => rows,
    largest: () => largest,
  };
}

/** Appends `n` chained entries in batches, as the owner, under the ledger's lock (much faster than appendLedger one by one). */
async function seed(db: Db, n: number): Promise<void> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [LEDGER_LOCK]);
    const head = await client.query<{ entry_hash: string }>('SELECT entry_hash FROM ledger ORDER BY seq DESC LIMIT 1');
    let prev = head.rows[0]?.entry_hash ?? GENESIS_HASH;
    const t0 = Date.parse('2026-01-01T00:00:00.000Z');
    for (let start = 0; start < n; start += 5000) {
      const cols: { at: string[]; payload: string[]; prev: string[]; hash: string[] } = {
        at: [],
        payload: [],
        prev: [],
        hash: [],
      };
      for (let i = start; i < Math.min(n, start + 5000); i++) {
        const at = new Date(t0 + i * 1000).toISOString();
        const payload = { n: i, note: `قيد تجريبي ${i} `.repeat(40) };
        const hash = entryHash(prev, { at, event: 'verified', documentId: null, payload });
        cols.at.push(at);
        cols.payload.push(JSON.stringify(payload));
        cols.prev.push(prev);
        cols.hash.push(hash);
        prev = hash;
      }
      await client.query(
        `INSERT INTO ledger (at, event, document_id, payload, prev_hash, entry_hash)
         SELECT a, 'verified', NULL, p::jsonb, h0, h1 FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS r(a, p, h0, h1, o) ORDER BY o`,
        [cols.at, cols.payload, cols.prev, cols.hash],
      );
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK');
    throw e;
  } finally {
    client.release();
  }
}

/** Changes a ledger row as the owner, with the append-only trigger off for the moment. */
async function rewrite(sql: string, params: unknown[]): Promise<void> {
  await owner.query('ALTER TABLE ledger DISABLE TRIGGER ledger_no_update_delete');
  try {
    await owner.query(sql, params);
  } finally {
    await owner.query('ALTER TABLE ledger ENABLE TRIGGER ledger_no_update_delete');
  }
}

async function ledgerCheck(query = ''): Promise<ChainVerification & { checkpoints: number; badCheckpoint: number | null }> {
  const res = await server.api(`/api/v1/audit/ledger${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as ChainVerification & { checkpoints: number; badCheckpoint: number | null };
}

async function head(): Promise<number> {
  const r = await owner.query<{ seq: string }>('SELECT max(seq) AS seq FROM ledger');
  return Number(r.rows[0]!.seq);
}

beforeAll(async () => {
  server = await startTestServer();
  owner = createDb(server.config.databaseOwnerUrl!, 2);
  await seed(owner, SEEDED);
});

afterAll(async () => {
  await owner?.end();
  await server?.stop();
});

let fullMs = 0;

test('the whole chain of 40,000 entries is verified in chunks, and how far it is whole remembered', async () => {
  const total = Number((await owner.query<{ n: string }>('SELECT count(*) AS n FROM ledger')).rows[0]!.n);
  expect(total).toBeGreaterThanOrEqual(SEEDED);
  const t0 = Date.now();
  const r = await ledgerCheck('?full=true');
  fullMs = Date.now() - t0;
  expect(r).toMatchObject({ entries: total, brokenAt: null, verifiedFrom: 0, verifiedUpTo: await head(), checked: total });
  expect(r).toMatchObject({ badCheckpoint: null });
  process.stdout.write(`full verification of ${total} entries: ${fullMs} ms\n`);
});

test('ten new entries: the next verification re-hashes only them and the remembered entry, and is right', async () => {
  const before = await head();
  const total = Number((await owner.query<{ n: string }>('SELECT count(*) AS n FROM ledger')).rows[0]!.n);
  for (let i = 0; i < 10; i++) await appendLedger(server.core.db, 'verified', null, { n: i, note: 'جديد / new' });
  const seen = counting(server.core.db);
  const t0 = Date.now();
  const r = await verifyLedger(seen.db);
  const ms = Date.now() - t0;
  expect(r).toMatchObject({ entries: total + 10, brokenAt: null, verifiedFrom: before, verifiedUpTo: await head(), checked: 11 });
  // The snapshot, the remembered mark and entry, the count before it, the ten new entries: nothing older is read.
  expect(seen.rows()).toBeLessThanOrEqual(14);
  process.stdout.write(`incremental verification of 10 new entries: ${ms} ms, ${seen.rows()} rows read (full: ${fullMs} ms)\n`);
  expect(ms).toBeLessThan(Math.max(fullMs / 5, 200));

  // Through the API, with nothing new since: only the remembered entry re-hashed, the same answer.
  expect(await ledgerCheck()).toMatchObject({ entries: total + 10, brokenAt: null, verifiedFrom: r.verifiedUpTo, checked: 1 });
});

test('the full verification keeps memory flat: chunks of at most 5,000 rows, the live heap well below the whole ledger', async () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  gc();
  const base = process.memoryUsage().heapUsed;
  // For scale: the whole ledger held at once, as verification used to.
  const all = await allLedgerEntries(server.core.db);
  gc();
  const wholeLedger = process.memoryUsage().heapUsed - base;
  expect(all.length).toBeGreaterThan(SEEDED);
  all.length = 0;
  gc();

  const seen = counting(server.core.db);
  let peak = 0;
  let sampling = true;
  const sample = async () => {
    while (sampling) {
      gc();
      peak = Math.max(peak, process.memoryUsage().heapUsed - base);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const sampler = sample();
  const r = await verifyLedger(seen.db, { full: true });
  sampling = false;
  await sampler;
  expect(r.brokenAt).toBeNull();
  expect(r.checked).toBeGreaterThan(SEEDED);
  expect(seen.largest()).toBeLessThanOrEqual(LEDGER_VERIFY_CHUNK);
  process.stdout.write(
    `heap: whole ledger held at once +${(wholeLedger / 1048576).toFixed(1)} MB; chunked verification peak live +${(peak / 1048576).toFixed(1)} MB\n`,
  );
  expect(peak).toBeLessThan(wholeLedger / 2);
});

test('a rewritten hash of the remembered entry is seen by the quick check', async () => {
  const mark = (await ledgerCheck()).verifiedUpTo;
  const row = await owner.query<{ entry_hash: string }>('SELECT entry_hash FROM ledger WHERE seq = $1', [mark]);
  const real = row.rows[0]!.entry_hash;
  await rewrite('UPDATE ledger SET entry_hash = $2 WHERE seq = $1', [mark, 'f'.repeat(64)]);
  try {
    expect(await ledgerCheck()).toMatchObject({ brokenAt: mark, verifiedFrom: mark });
  } finally {
    await rewrite('UPDATE ledger SET entry_hash = $2 WHERE seq = $1', [mark, real]);
  }
  // After a break the next check goes over the whole chain again, and finds it whole once more.
  expect(await ledgerCheck()).toMatchObject({ brokenAt: null, verifiedFrom: 0 });
});

test('an old entry rewritten with a hash recomputed to match is seen by the deep check through its link to the next', async () => {
  expect(await ledgerCheck('?deep=true')).toMatchObject({ brokenAt: null });
  const rows = await owner.query<{
    seq: string;
    at: Date;
    payload: Record<string, unknown>;
    prev_hash: string;
    entry_hash: string;
  }>('SELECT seq, at, payload, prev_hash, entry_hash FROM ledger ORDER BY seq OFFSET 2000 LIMIT 2');
  const [old, next] = rows.rows;
  const payload = { ...old!.payload, n: -1 };
  const forged = entryHash(old!.prev_hash, { at: old!.at.toISOString(), event: 'verified', documentId: null, payload });
  await rewrite('UPDATE ledger SET payload = $2::jsonb, entry_hash = $3 WHERE seq = $1', [
    old!.seq,
    JSON.stringify(payload),
    forged,
  ]);
  try {
    expect(await ledgerCheck('?deep=true')).toMatchObject({ brokenAt: Number(old!.seq) });
    expect(await ledgerCheck('?full=true')).toMatchObject({ brokenAt: Number(next!.seq) });
  } finally {
    await rewrite('UPDATE ledger SET payload = $2::jsonb, entry_hash = $3 WHERE seq = $1', [
      old!.seq,
      JSON.stringify(old!.payload),
      old!.entry_hash,
    ]);
  }
});

test('an old entry removed behind the database’s back is named by the deep check', async () => {
  expect(await ledgerCheck('?deep=true')).toMatchObject({ brokenAt: null });
  const row = await owner.query<{
    seq: string;
    at: Date;
    event: string;
    document_id: string | null;
    payload: unknown;
    prev_hash: string;
    entry_hash: string;
  }>('SELECT seq, at, event, document_id, payload, prev_hash, entry_hash FROM ledger ORDER BY seq OFFSET 777 LIMIT 1');
  const gone = row.rows[0]!;
  await rewrite('DELETE FROM ledger WHERE seq = $1', [gone.seq]);
  try {
    expect(await ledgerCheck('?deep=true')).toMatchObject({ brokenAt: Number(gone.seq) });
  } finally {
    await rewrite(
      'INSERT INTO ledger (seq, at, event, document_id, payload, prev_hash, entry_hash) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [gone.seq, gone.at, gone.event, gone.document_id, JSON.stringify(gone.payload), gone.prev_hash, gone.entry_hash],
    );
  }
  expect(await ledgerCheck('?full=true')).toMatchObject({ brokenAt: null });
});

test('an old entry changed behind the database’s back is named by the deep check, the full check (API and CLI) and the report', async () => {
  const deepAt = (await ledgerCheck('?deep=true')).deepCheckedAt;
  expect(deepAt).not.toBeNull();
  const mark = (await ledgerCheck()).verifiedUpTo;
  const target = (await owner.query<{ seq: string }>('SELECT seq FROM ledger ORDER BY seq OFFSET 1234 LIMIT 1')).rows[0]!.seq;
  const seq = Number(target);
  await rewrite(`UPDATE ledger SET payload = jsonb_set(payload, '{n}', '999999') WHERE seq = $1`, [seq]);
  // The quick check reads a handful of rows whatever the ledger's length, and says when old rows were last looked at.
  const quick = counting(server.core.db);
  expect(await verifyLedger(quick.db)).toMatchObject({ brokenAt: null, verifiedFrom: mark, deepCheckedAt: deepAt });
  expect(quick.rows()).toBeLessThanOrEqual(4);
  // The deep check re-hashes only the rows written since the last deep check (their xmin): this one among them.
  const deep = counting(server.core.db);
  expect(await verifyLedger(deep.db, { deep: true })).toMatchObject({ brokenAt: seq, verifiedFrom: mark });
  expect(deep.rows()).toBeLessThanOrEqual(6);
  const full = await ledgerCheck('?full=true');
  expect(full).toMatchObject({ brokenAt: seq, verifiedFrom: 0 });
  const cli = await runCli(server, ['audit', 'verify-ledger', '--full', '--json']);
  expect(cli.code).toBe(1);
  expect(JSON.parse(cli.out)).toMatchObject({ brokenAt: seq, verifiedFrom: 0 });
  const text = await runCli(server, ['audit', 'verify-ledger', '--full']);
  expect(text.code).toBe(1);
  expect(text.out).toContain(`ledger broken at entry ${seq}`);
  // The break is not forgotten by the quick check that follows, nor by the report.
  expect((await ledgerCheck()).brokenAt).toBe(seq);
  const report = (await (await server.api('/api/v1/audit/report')).json()) as { ledger: { brokenAt: number | null } };
  expect(report.ledger.brokenAt).toBe(seq);
});
