/**
 * Carrying out a disposal is a job that a process killed in the middle of it only delays: a `diwan worker` is
 * killed (SIGKILL) just after the first document's objects were removed and before its destruction was recorded;
 * another worker takes the job again once its heartbeat is old, records that document's destruction from the
 * tombstone already stored, and destroys the rest. Each document is destroyed once: one 'destroyed' ledger
 * entry, nothing left in either bucket but its tombstone.
 */
import pg from 'pg';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { documentPrefix } from '../storage/layout';
import { parseRegistryNo } from '../kernel/registry';
import {
  isolatedEnv,
  objectVersions,
  startJobWorker,
  startTestServer,
  untilAllDue,
  type DocumentJson,
  type JobJson,
  type TestServer,
} from './helpers';

jest.setTimeout(300_000);

const json = { 'content-type': 'application/json' };
let server: TestServer;
let env: NodeJS.ProcessEnv;
let db: pg.Pool;
let docs: DocumentJson[];

const post = (p: string, body: unknown, token?: string) =>
  server.api(`/api/v1${p}`, { method: 'POST', headers: json, body: JSON.stringify(body), token });

beforeAll(async () => {
  // This server takes no jobs itself: the workers below do. A due record is kept locked seconds at a time here.
  env = await isolatedEnv({
    DIWAN_JOBS: 'false',
    DIWAN_JOB_STALE_SECONDS: '3',
    DIWAN_DUE_LOCK_STEP: '2s',
    DIWAN_LOCK_EXTEND_HOURS: '0',
  });
  server = await startTestServer(env);
  db = new pg.Pool({ connectionString: env.DATABASE_URL });
  const rule = { code: 'drill', nameAr: 'تمرين', docType: 'تمرين', period: '20s', trigger: 'registered', action: 'destroy' };
  expect((await post('/records/rules', rule)).status).toBe(201);
  docs = [];
  for (const [i, line] of ['دعوة إلى اجتماع', 'إعلان عن دورة', 'تعميم مؤقت'].entries()) {
    const res = await server.upload(
      await renderArabicScan([line], { seed: 700 + i, width: 900, height: 600 }),
      `drill-${i}.jpg`,
      {
        docType: 'تمرين',
        title: line,
      },
    );
    docs.push(await server.waitFor(((await res.json()) as { id: string }).id));
  }
  expect(docs.map((d) => d.status)).toEqual(['archived', 'archived', 'archived']);
  docs.sort((p, q) => parseRegistryNo(p.registryNo)!.seq - parseRegistryNo(q.registryNo)!.seq);
  // Due, and their locks ended.
  await untilAllDue(db);
});

afterAll(async () => {
  await db?.end();
  await server?.stop();
});

test('a worker killed in the middle of a disposal delays it; another finishes it, each document destroyed once', async () => {
  expect((await post('/users', { username: 'amal', displayName: 'أمل', role: 'archivist' })).status).toBe(201);
  const amal = ((await (await post('/tokens', { username: 'amal', name: 'tests' })).json()) as { token: string }).token;
  const asked = await post('/records/disposals', { title: 'إتلاف التمرين', documents: docs.map((d) => d.id) }, amal);
  expect(asked.status).toBe(201);
  const { id } = (await asked.json()) as { id: string };
  const decision = { approve: true, approvingBody: 'المحفوظات الوطنية', decisionNo: '٧', decisionDate: '2026-12-07' };
  expect((await post(`/records/disposals/${id}/decide`, decision)).status).toBe(200);
  const started = await post(`/records/disposals/${id}/execute`, {}, amal);
  expect(started.status).toBe(202);
  const { job } = (await started.json()) as { job: JobJson };
  const jobNow = async () => (await (await server.api(`/api/v1/jobs/${job.id}`, { token: amal })).json()) as JobJson;

  // Killed just after the first document's objects were removed, before its destruction was recorded.
  const doomed = startJobWorker(env, { DIWAN_CRASH_AT: 'disposal.after-remove' });
  const signal = await new Promise<string | null>((r) => doomed.once('exit', (_code, s) => r(s)));
  expect(signal).toBe('SIGKILL');
  expect(await jobNow()).toMatchObject({ state: 'running', attempts: 1 });
  const first = docs[0]!;
  const prefix = (d: DocumentJson) => documentPrefix(parseRegistryNo(d.registryNo)!);
  expect(await objectVersions(server.config.s3!, first.registryNo)).toEqual([`${prefix(first)}tombstone.json`]);
  const recorded = async (d: DocumentJson) =>
    (
      await db.query<{ n: number }>("SELECT count(*)::int AS n FROM ledger WHERE event = 'destroyed' AND document_id = $1", [
        d.id,
      ])
    ).rows[0]!.n;
  expect(await recorded(first)).toBe(0);
  expect((await objectVersions(server.config.s3!, docs[1]!.registryNo)).length).toBeGreaterThan(1);

  // Another worker takes the job again once its heartbeat is old, and finishes it.
  const worker = startJobWorker(env);
  try {
    const deadline = Date.now() + 120_000;
    let now = await jobNow();
    while (now.state !== 'done' && now.state !== 'failed' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      now = await jobNow();
    }
    expect(now).toMatchObject({ state: 'done', attempts: 2, done: 3, total: 3 });
    expect(now.result).toEqual({ disposalId: id, destroyed: 3, blocked: 0, reasons: {} });
  } finally {
    const exited = new Promise((r) => worker.once('exit', r));
    worker.kill('SIGTERM');
    await exited;
  }

  // Each destroyed once: one ledger entry, its tombstone alone in both buckets; the request done.
  for (const d of docs) {
    expect(await recorded(d)).toBe(1);
    for (const t of [server.config.s3!, server.config.offsite!])
      expect(await objectVersions(t, d.registryNo)).toEqual([`${prefix(d)}tombstone.json`]);
  }
  const after = (await (await server.api(`/api/v1/records/disposals/${id}`)).json()) as {
    state: string;
    counts: { destroyed: number };
  };
  expect(after).toMatchObject({ state: 'done', counts: { destroyed: 3 } });
});
