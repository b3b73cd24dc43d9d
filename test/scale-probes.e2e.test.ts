/**
 * The probes at scale: an archive seeded by SQL alone (no OCR, no objects) with 10k and then 200k
 * archived documents. /readyz and /metrics read only what is pending (kept counts, the pending
 * replication list, the damaged fixity rows), so they take about the same time at both sizes, and
 * the numbers they report are the same as counting the whole archive.
 */
import { createDb, type Db } from '../storage/db';
import { median, timed } from '../scripts/bench/scale';
import { seedArchive, seededId } from '../scripts/bench/scaleSeed';
import { isolatedEnv, startTestServer, type TestServer } from './helpers';

jest.setTimeout(180_000);

let server: TestServer;
let owner: Db;

beforeAll(async () => {
  server = await startTestServer(await isolatedEnv({ DIWAN_INPROCESS_WORKERS: 'false' }));
  owner = createDb(server.config.databaseOwnerUrl ?? server.config.databaseUrl!, 2);
});

afterAll(async () => {
  await owner?.end();
  await server?.stop();
});

interface Ready {
  integrity: { unrepairedObjects: number | null };
  documents: { failed: number | null };
  replication: { pending: number; bytesPending: number; oldestPendingSeconds: number } | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Median times of /readyz, /metrics (each call past the probes' one-second shared answer) and the document list's first page. */
async function probeTimes(rounds = 7): Promise<{ readyz: number; metrics: number; list: number }> {
  const readyz: number[] = [];
  const metrics: number[] = [];
  const list: number[] = [];
  for (let k = 0; k < rounds; k++) {
    await sleep(1050);
    readyz.push(await timed(async () => (await fetch(`${server.url}/readyz`)).arrayBuffer()));
    metrics.push(await timed(async () => (await fetch(`${server.url}/metrics`)).arrayBuffer()));
    list.push(await timed(async () => (await server.api('/api/v1/documents?limit=20')).arrayBuffer()));
  }
  return { readyz: median(readyz), metrics: median(metrics), list: median(list) };
}

const gauge = (text: string, line: string): number => {
  const m = new RegExp(`^${line.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text);
  if (!m) throw new Error(`no ${line} in /metrics`);
  return Number(m[1]);
};

test('/readyz, /metrics and the document list take about as long at 200k documents as at 10k, and they and the audit report count right', async () => {
  const primary = server.core.primary.name;
  const offsite = server.core.offsite.name;
  const seed = (from: number, to: number) => seedArchive(owner, from, to, { primary, offsite }, { light: true });
  await seed(0, 10_000);
  await owner.query('VACUUM ANALYZE');
  const small = await probeTimes();

  for (let from = 10_000; from < 200_000; from += 95_000) await seed(from, from + 95_000);
  // Planted among the 200k: 3 archived documents whose offsite copies are gone (a fourth one is failed, and
  // a failed document's files are not waited for), 4 failed documents, 2 damaged objects.
  const ids = await Promise.all([17, 123_456, 199_999, 50_000, 1, 2, 3].map((i) => seededId(owner, i)));
  await owner.query('DELETE FROM replicas WHERE document_id = ANY($1::uuid[])', [ids.slice(0, 4)]);
  await owner.query(`UPDATE documents SET status = 'failed' WHERE id = ANY($1::uuid[])`, [ids.slice(3, 7)]);
  await owner.query(
    `UPDATE fixity SET state = 'mismatch', found_sha256 = NULL WHERE document_id = ANY($1::uuid[]) AND target = $2 AND key LIKE '%/archive.pdf'`,
    [ids.slice(5, 7), primary],
  );
  await owner.query('VACUUM ANALYZE');
  const large = await probeTimes();

  // Whole-archive reference: what the probes used to compute on every call, timed once.
  const reference = await timed(() =>
    Promise.all([
      owner.query('SELECT status, count(*) FROM documents GROUP BY status'),
      owner.query('SELECT state, count(*) FROM fixity GROUP BY state'),
      owner.query(
        `SELECT count(DISTINCT a.document_id) FROM artefacts a JOIN documents d ON d.id = a.document_id AND d.status <> 'failed'
         LEFT JOIN replicas r ON r.document_id = a.document_id AND r.target = $1 AND r.key = a.key AND r.sha256 = a.sha256
         WHERE r.key IS NULL`,
        [offsite],
      ),
    ]),
  );
  process.stderr.write(
    `probes, median ms: 10k readyz ${small.readyz.toFixed(1)} metrics ${small.metrics.toFixed(1)}; ` +
      `200k readyz ${large.readyz.toFixed(1)} metrics ${large.metrics.toFixed(1)}; ` +
      `document list 10k ${small.list.toFixed(1)}, 200k ${large.list.toFixed(1)}; ` +
      `whole-archive queries at 200k ${reference.toFixed(1)} ms\n`,
  );
  expect(large.readyz).toBeLessThanOrEqual(2 * small.readyz + 15);
  expect(large.metrics).toBeLessThanOrEqual(2 * small.metrics + 15);
  // The list's first page, newest first, is read from an index in that order, not sorted out of the whole table.
  expect(large.list).toBeLessThanOrEqual(2 * small.list + 15);

  await sleep(1050);
  const ready = (await (await fetch(`${server.url}/readyz`)).json()) as Ready;
  expect(ready.replication).toEqual({ pending: 3, bytesPending: 3 * 250_000, oldestPendingSeconds: expect.any(Number) });
  expect(ready.documents.failed).toBe(4);
  expect(ready.integrity.unrepairedObjects).toBe(2);

  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  expect(gauge(metrics, 'diwan_replication_pending_documents')).toBe(3);
  expect(gauge(metrics, 'diwan_replication_pending_bytes')).toBe(750_000);
  expect(gauge(metrics, 'diwan_documents{status="archived"}')).toBe(200_000 - 4);
  expect(gauge(metrics, 'diwan_documents{status="failed"}')).toBe(4);
  expect(gauge(metrics, 'diwan_documents{status="queued"}')).toBe(0);
  expect(gauge(metrics, 'diwan_fixity_objects{state="ok"}')).toBe(200_000 * 2 - 2);
  expect(gauge(metrics, 'diwan_fixity_objects{state="mismatch"}')).toBe(2);
  expect(gauge(metrics, 'diwan_fixity_unrepaired_objects')).toBe(2);

  // The scrape folded the appended changes into the totals (the application's role may).
  expect((await owner.query<{ n: number }>('SELECT count(*)::int AS n FROM stat_deltas')).rows[0]!.n).toBe(0);
  // The kept counts equal counting everything.
  const truth = await owner.query<{ status: string; n: number }>(
    'SELECT status, count(*)::int AS n FROM documents GROUP BY status',
  );
  for (const r of truth.rows) expect(gauge(metrics, `diwan_documents{status="${r.status}"}`)).toBe(r.n);

  // The audit report's counts, read from kept counts and pending work, equal counting everything.
  const report = (await (await server.api('/api/v1/audit/report')).json()) as {
    replication: { files: number; verifiedOffsite: number; missingOffsite: number };
    documents: Record<string, number>;
    fixity: { objectsChecked: number };
  };
  const files = (
    await owner.query<{ files: number; verified: number }>(
      `SELECT count(*)::int AS files, count(r.key)::int AS verified
       FROM artefacts a JOIN documents d ON d.id = a.document_id AND d.status = 'archived'
       LEFT JOIN replicas r ON r.document_id = a.document_id AND r.key = a.key AND r.sha256 = a.sha256`,
    )
  ).rows[0]!;
  expect(report.replication).toEqual({
    files: files.files,
    verifiedOffsite: files.verified,
    missingOffsite: files.files - files.verified,
  });
  expect(report.documents).toEqual(Object.fromEntries(truth.rows.map((r) => [r.status, r.n])));
  expect(report.fixity.objectsChecked).toBe(200_000 * 2);

  // The document list counts up to 10,000 (or the page asked for), not the whole archive; a short list exactly.
  type List = { total: number; totalExact: boolean; items: unknown[] };
  const list = async (q: string) => (await (await server.api(`/api/v1/documents?${q}`)).json()) as List;
  expect(await list('limit=5')).toMatchObject({ total: 10_000, totalExact: false, items: expect.any(Array) });
  expect((await list('limit=5')).items).toHaveLength(5);
  expect(await list('limit=50&offset=12000')).toMatchObject({ total: 12_050, totalExact: false });
  expect(await list('status=failed')).toMatchObject({ total: 4, totalExact: true });
  // Deep pages by cursor: the page after a document is the same as by offset, and as quick at the far end as at the start.
  type Paged = { next: string | null; items: Array<{ registryNo: string }> };
  const paged = async (q: string) => (await (await server.api(`/api/v1/documents?${q}`)).json()) as Paged;
  const first = await paged('limit=5');
  expect(first.next).toBe(first.items[4]!.registryNo);
  expect((await paged(`limit=5&after=${encodeURIComponent(first.next!)}`)).items).toEqual(
    (await paged('limit=5&offset=5')).items,
  );
  const deep = (await paged('limit=3&offset=199990')).items;
  const near = await timed(() => paged(`limit=3&after=${encodeURIComponent(first.next!)}`));
  const far = await timed(() => paged(`limit=3&after=${encodeURIComponent(deep[0]!.registryNo)}`));
  expect((await paged(`limit=3&after=${encodeURIComponent(deep[0]!.registryNo)}`)).items).toEqual(
    (await paged('limit=3&offset=199991')).items,
  );
  expect(far).toBeLessThanOrEqual(2 * near + 15);
  expect((await server.api('/api/v1/documents?after=nonsense')).status).toBe(400);

  // The copies come back: nothing is pending any more.
  await owner.query(
    `INSERT INTO replicas (document_id, target, key, sha256, verified_at)
     SELECT document_id, $1, key, sha256, now() FROM artefacts WHERE document_id = ANY($2::uuid[])`,
    [offsite, ids.slice(0, 4)],
  );
  await sleep(1050);
  const after = (await (await fetch(`${server.url}/readyz`)).json()) as Ready;
  expect(after.replication).toEqual({ pending: 0, bytesPending: 0, oldestPendingSeconds: 0 });
});

test('a correspondent of 12,000 letters: counted up to 10,000, a page newest first as quick as for one of 100', async () => {
  const make = async (nameAr: string) => {
    const res = await server.api('/api/v1/correspondents', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ nameAr, kind: 'ministry' }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  };
  const [big, small] = [await make('ديوان المحاسبة'), await make('مديرية الأوقاف')];
  // Letters spread over the whole archive (ids are random, so the first 12,000 by id come from every year), and a hundred for the other.
  await owner.query('UPDATE documents SET correspondent_id = $1 WHERE id IN (SELECT id FROM documents ORDER BY id LIMIT 12000)', [
    big,
  ]);
  const bigCount = 12_000;
  await owner.query(
    `UPDATE documents SET correspondent_id = $1 WHERE id IN (SELECT id FROM documents WHERE correspondent_id IS NULL ORDER BY id DESC LIMIT 100)`,
    [small],
  );
  await owner.query('VACUUM ANALYZE documents');

  type Letters = { letters: { total: number; totalExact: boolean; items: Array<{ id: string }> } };
  const letters = async (id: string, q = '') =>
    ((await (await server.api(`/api/v1/correspondents/${id}?${q}`)).json()) as Letters).letters;
  const newest = async (id: string, limit: number, offset = 0) =>
    (
      await owner.query<{ id: string }>(
        'SELECT id FROM documents WHERE correspondent_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3',
        [id, limit, offset],
      )
    ).rows.map((r) => r.id);

  const first = await letters(big, 'limit=20');
  expect(first).toMatchObject({ total: 10_000, totalExact: false });
  expect(first.items.map((i) => i.id)).toEqual(await newest(big, 20));
  // A page past the cap is counted up to itself: the last page counts them all, exactly.
  const last = await letters(big, `limit=50&offset=${bigCount - 10}`);
  expect(last).toMatchObject({ total: bigCount, totalExact: true });
  expect(last.items.map((i) => i.id)).toEqual(await newest(big, 50, bigCount - 10));
  expect(await letters(small, 'limit=20')).toMatchObject({ total: 100, totalExact: true });

  const bigMs = median(await times(() => letters(big, 'limit=20')));
  const smallMs = median(await times(() => letters(small, 'limit=20')));
  process.stderr.write(
    `correspondent's first page, median ms: 12k letters ${bigMs.toFixed(1)}, 100 letters ${smallMs.toFixed(1)}\n`,
  );
  expect(bigMs).toBeLessThanOrEqual(2 * smallMs + 15);
});

/** Seven timings of one call, in ms. */
async function times(f: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < 7; i++) out.push(await timed(f));
  return out;
}
