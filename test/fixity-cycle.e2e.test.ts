/**
 * Fixity as a rolling cycle, on real storage: each run takes the copies checked
 * longest ago (never-checked first), its share of the cycle, and the next run
 * the next ones; a run killed mid-batch (SIGKILL at a crash point, in a real
 * `diwan serve`) loses that batch only, and the run after it records nothing
 * twice; damage planted in an object is found within one cycle and repaired,
 * and damage a download found is read first by the next run.
 * The archive here is seeded by SQL with objects put straight into both buckets
 * (no OCR): 12 documents of 2 objects each, 48 copies.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { recordFixityProblem, runFixityCycle, type FixityCycleReport } from '../storage/integrity/fixity';
import { ledgerForDocument } from '../storage/integrity/ledger';
import { s3Client } from '../storage/objectStore';
import { isolatedEnv, startTestServer, type TestServer } from './helpers';

const CLI = path.resolve(__dirname, '..', 'bin', 'diwan.js');
const DOCUMENTS = 12;
const COPIES = DOCUMENTS * 2 * 2;

let server: TestServer;
let env: NodeJS.ProcessEnv;
const docs: Array<{ id: string; keys: string[]; bytes: Map<string, Buffer> }> = [];

type CycleRow = { document_id: string; key: string; target: string; checked_at: Date | number };

async function cycleRows(): Promise<CycleRow[]> {
  const { rows } = await server.core.db.query<CycleRow>(
    'SELECT document_id, key, target, checked_at FROM fixity_cycle ORDER BY checked_at, document_id, key, target',
  );
  return rows;
}

const copyId = (r: { document_id: string; key: string; target: string }) => `${r.document_id} ${r.key} ${r.target}`;

/** One scheduled run: daily, in a cycle of 4 days, so each run's share is a quarter of the copies. */
const run = (opts: { limit?: number } = {}): Promise<FixityCycleReport> =>
  runFixityCycle(server.core, { periodHours: 24, cycleDays: 4, batchSize: 5, concurrency: 3, ...opts });

/** Which copies a run read: those whose place in the cycle moved past `since`. */
async function readSince(since: Date): Promise<Set<string>> {
  const rows = await cycleRows();
  return new Set(rows.filter((r) => r.checked_at instanceof Date && r.checked_at >= since).map(copyId));
}

async function resetCycle(): Promise<void> {
  await server.core.db.query(`UPDATE fixity_cycle SET checked_at = '-infinity'`);
}

beforeAll(async () => {
  env = await isolatedEnv({ DIWAN_INPROCESS_WORKERS: 'false', DIWAN_FIXITY_HOURS: '0' });
  server = await startTestServer(env);
  const { db, primary, offsite } = server.core;
  for (let i = 0; i < DOCUMENTS; i++) {
    const original = crypto.randomBytes(20_000 + i * 3000);
    const pdf = crypto.randomBytes(50_000 + i * 1000);
    const registry = `documents/2026/${String(i + 1).padStart(6, '0')}`;
    const files: Array<[string, Buffer, string, string]> = [
      [`${registry}/original.jpg`, original, 'image/jpeg', 'original'],
      [`${registry}/archive.pdf`, pdf, 'application/pdf', 'archive'],
    ];
    const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
    const doc = await db.query<{ id: string }>(
      `INSERT INTO documents (registry_year, registry_seq, classification, original_name, original_mime, original_ext, original_size,
         original_sha256, status, page_count)
       VALUES (2026, $1, 'public', 'scan.jpg', 'image/jpeg', 'jpg', $2, $3, 'processing', 1) RETURNING id`,
      [i + 1, original.length, sha(original)],
    );
    const id = doc.rows[0]!.id;
    for (const [key, data, type, kind] of files) {
      for (const store of [primary, offsite]) await store.putBufferOnce(key, data, type);
      await db.query(
        `INSERT INTO artefacts (document_id, kind, key, sha256, size, content_type) VALUES ($1, $2, $3, $4, $5, $6)`,
        [id, kind, key, sha(data), data.length, type],
      );
    }
    docs.push({ id, keys: files.map((f) => f[0]), bytes: new Map(files.map((f) => [f[0], f[1]])) });
  }
  // Archived only now: the cycle takes a document's copies as it is archived, not before.
  expect(await cycleRows()).toHaveLength(0);
  await db.query(`UPDATE documents SET status = 'archived'`);
  expect(await cycleRows()).toHaveLength(COPIES);
});

afterAll(async () => {
  await server?.stop();
});

test('each run takes its share of the cycle, never-checked first; the next run takes the next ones; then the oldest checks come first', async () => {
  await resetCycle();
  const seen = new Set<string>();
  for (let i = 0; i < 4; i++) {
    const since = new Date();
    const r = await run();
    // A daily run in a 4-day cycle: a quarter of the 48 copies.
    expect(r).toMatchObject({ quota: COPIES / 4, copies: COPIES / 4, late: 0, unrepaired: 0, errors: [] });
    const read = await readSince(since);
    expect(read.size).toBe(COPIES / 4);
    for (const c of read) expect(seen.has(c)).toBe(false);
    for (const c of read) seen.add(c);
    expect(r.oldestCheckedAt === null).toBe(i < 3);
  }
  // One cycle read every copy exactly once, and wrote each copy's state once.
  expect(seen.size).toBe(COPIES);
  const fixity = await server.core.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM fixity WHERE state = 'ok'`);
  expect(fixity.rows[0]!.n).toBe(COPIES);

  // The oldest checks first: two documents' copies made older than the rest (and one of them past the cycle).
  const [older, oldest] = [docs[7]!, docs[3]!];
  await server.core.db.query(`UPDATE fixity_cycle SET checked_at = now() - interval '2 days' WHERE document_id = $1`, [older.id]);
  await server.core.db.query(`UPDATE fixity_cycle SET checked_at = now() - interval '5 days' WHERE document_id = $1`, [
    oldest.id,
  ]);
  const since = new Date();
  const r = await run({ limit: 6 });
  expect(r).toMatchObject({ copies: 6, late: 4 });
  const read = [...(await readSince(since))];
  expect(read.filter((c) => c.startsWith(oldest.id))).toHaveLength(4);
  expect(read.filter((c) => c.startsWith(older.id))).toHaveLength(2);

  // Copies past the cycle raise a run's share: all of them are taken at once.
  await server.core.db.query(
    `UPDATE fixity_cycle SET checked_at = now() - interval '5 days' WHERE document_id = ANY($1::uuid[])`,
    [docs.slice(0, 5).map((d) => d.id)],
  );
  const late = await run();
  expect(late).toMatchObject({ late: 20, quota: 20, copies: 20 });
});

test('a run killed mid-batch loses that batch only; the run after it checks what is left and records nothing twice', async () => {
  await resetCycle();
  const order = await cycleRows();
  // Batches of 8: the second batch holds copies 9 to 16; its first is damaged on the primary.
  const victim = order.find((r, i) => i >= 8 && i < 16 && r.target === 'primary')!;
  const doc = docs.find((d) => d.id === victim.document_id)!;
  const good = doc.bytes.get(victim.key)!;
  const damaged = Buffer.from(good);
  damaged[100] = damaged[100]! ^ 0xff;
  const s3 = server.core.config.s3!;
  await s3Client(s3).putObject(s3.bucket, victim.key, damaged, damaged.length);
  const before = (await ledgerForDocument(server.core.db, doc.id)).length;

  const began = new Date();
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...env,
      DIWAN_LOG: 'silent',
      // A run 1.8 s after the schedule is first seen, whose share is every copy; killed before its second batch's state is
      // written. One object at a time, so that the kill comes when the second batch is read whole and nothing else is.
      DIWAN_FIXITY_HOURS: '0.0005',
      DIWAN_FIXITY_CYCLE_DAYS: '0.00002',
      DIWAN_FIXITY_BATCH: '8',
      DIWAN_FIXITY_CONCURRENCY: '1',
      DIWAN_CRASH_AT: 'fixity.before-state#2',
    },
    stdio: 'ignore',
  });
  const exit = await new Promise<NodeJS.Signals | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the server was not killed at its crash point within 60 s'));
    }, 60_000);
    child.once('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve(signal);
    });
  });
  expect(exit).toBe('SIGKILL');

  // The first batch's state was written; the second batch's was not, though its repair was made and recorded.
  const kept = await readSince(began);
  expect(kept).toEqual(new Set(order.slice(0, 8).map(copyId)));
  const entries = () => ledgerForDocument(server.core.db, doc.id).then((l) => l.slice(before));
  expect((await entries()).map((e) => [e.event, e.payload.key, e.payload.target])).toEqual([
    ['fixity-problem', victim.key, 'primary'],
    ['repaired', victim.key, 'primary'],
  ]);
  const { sha256 } = await server.core.primary.hash(victim.key);
  expect(sha256).toBe(crypto.createHash('sha256').update(good).digest('hex'));

  // The next run reads the lost batch first, and the rest; the first batch is not read again.
  const since = new Date();
  const r = await run({ limit: COPIES - 8 });
  expect(r).toMatchObject({ copies: COPIES - 8, findings: [], unrepaired: 0, errors: [] });
  const read = await readSince(since);
  expect(read).toEqual(new Set(order.slice(8).map(copyId)));
  expect(r.oldestCheckedAt).not.toBeNull();
  // Nothing recorded twice: the repair's two entries stand alone, and every copy has one state, ok.
  expect(await entries()).toHaveLength(2);
  const states = await server.core.db.query<{ state: string; n: number }>(
    'SELECT state, count(*)::int AS n FROM fixity GROUP BY state',
  );
  expect(states.rows).toEqual([{ state: 'ok', n: COPIES }]);
});

test('damage planted in an object is found within one cycle and repaired from the other copy', async () => {
  await resetCycle();
  const { s3, offsite } = server.core.config;
  const changed = docs[10]!;
  const gone = docs[2]!;
  const changedKey = changed.keys[0]!;
  const goneKey = gone.keys[1]!;
  const bad = Buffer.from(changed.bytes.get(changedKey)!);
  bad[bad.length >> 1] = bad[bad.length >> 1]! ^ 0x01;
  await s3Client(s3!).putObject(s3!.bucket, changedKey, bad, bad.length);
  await s3Client(offsite!).removeObject(offsite!.bucket, goneKey);

  const findings: FixityCycleReport['findings'] = [];
  let copies = 0;
  for (let i = 0; i < 4; i++) {
    const r = await run();
    findings.push(...r.findings);
    copies += r.copies;
    expect(r.unrepaired).toBe(0);
  }
  expect(copies).toBe(COPIES);
  expect(findings).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ key: changedKey, target: 'primary', state: 'repaired', repairedFrom: 'offsite' }),
      expect.objectContaining({ key: goneKey, target: 'offsite', state: 'repaired', found: null, repairedFrom: 'primary' }),
    ]),
  );
  expect(findings.filter((f) => f.problem !== 'retention')).toHaveLength(2);
  for (const [store, key, doc] of [
    [server.core.primary, changedKey, changed],
    [server.core.offsite, goneKey, gone],
  ] as const) {
    expect((await store.hash(key)).sha256).toBe(crypto.createHash('sha256').update(doc.bytes.get(key)!).digest('hex'));
  }
  const problems = await server.core.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM fixity WHERE state IN ('mismatch', 'missing')`,
  );
  expect(problems.rows[0]!.n).toBe(0);
});

test('a damaged copy found outside the cycle (by a download) is read first by the next run, and repaired', async () => {
  // Every copy just checked: the damaged one would otherwise wait a whole cycle.
  await server.core.db.query(`UPDATE fixity_cycle SET checked_at = now()`);
  const doc = docs[5]!;
  const key = doc.keys[0]!;
  const expected = crypto.createHash('sha256').update(doc.bytes.get(key)!).digest('hex');
  const offsite = server.core.config.offsite!;
  await s3Client(offsite).removeObject(offsite.bucket, key);
  await recordFixityProblem(server.core.db, {
    documentId: doc.id,
    target: 'offsite',
    key,
    expected,
    found: null,
    during: 'download',
  });

  const r = await run({ limit: 1 });
  expect(r).toMatchObject({ copies: 1, unrepaired: 0 });
  expect(r.findings).toEqual([expect.objectContaining({ key, target: 'offsite', state: 'repaired', repairedFrom: 'primary' })]);
  expect((await server.core.offsite.hash(key)).sha256).toBe(expected);
});
