/**
 * Long work as jobs, on real services and real processes: asking answers 202
 * at once, asking again while it is open names the same job, a `diwan worker`
 * killed (SIGKILL) just after taking it delays it (another process takes it
 * again once its heartbeat is old) and loses nothing; the rebuild of the index
 * is built aside while the old one answers, and what changed meanwhile is in
 * the new one.
 */
import type { ChildProcess } from 'node:child_process';
import { Meilisearch } from 'meilisearch';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { rebuildIndex } from '../search/reindex';
import { finishJob, getJob, releaseJob, reportProgress, requestJob, takeJob } from '../storage/jobs';
import { isolatedEnv, runCli, startJobWorker, startTestServer, type JobJson, type TestServer } from './helpers';

let server: TestServer;
let env: NodeJS.ProcessEnv;
const ids: string[] = [];

beforeAll(async () => {
  // This server takes no jobs itself: the `diwan worker` processes below do.
  env = await isolatedEnv({ DIWAN_JOBS: 'false', DIWAN_JOB_STALE_SECONDS: '3' });
  server = await startTestServer(env);
  const letters = [
    ['وزارة الداخلية', 'كتاب بشأن تجديد جوازات السفر'],
    ['وزارة الداخلية', 'تعميم حول مواعيد الدوام'],
    ['وزارة الداخلية', 'طلب نقل موظف إلى مديرية أخرى'],
  ];
  for (const [i, lines] of letters.entries()) {
    const scan = await renderArabicScan(lines, { seed: 300 + i, width: 1000, height: 700 });
    const res = await server.upload(scan, `letter-${i + 1}.jpg`, { title: `كتاب ${i + 1}` });
    ids.push(((await res.json()) as { id: string }).id);
  }
  for (const id of ids) expect((await server.waitFor(id)).status).toBe('archived');
});

afterAll(async () => {
  await server?.stop();
});

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

const jobOf = async (id: string) => (await (await server.api(`/api/v1/jobs/${id}`)).json()) as JobJson<Record<string, number>>;

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('a rebuild asked for answers 202 at once; a worker killed as it takes it delays it, another finishes it', async () => {
  const res = await server.api('/api/v1/reindex', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  expect(res.status).toBe(202);
  const { job, created } = (await res.json()) as { job: JobJson; created: boolean };
  expect(created).toBe(true);
  expect(res.headers.get('location')).toBe(`/api/v1/jobs/${job.id}`);
  expect(job).toMatchObject({ kind: 'reindex', state: 'queued', attempts: 0 });
  // Asked again while open: the same job.
  const again = (await (await server.api('/api/v1/reindex', { method: 'POST' })).json()) as { job: JobJson; created: boolean };
  expect(again).toMatchObject({ created: false, job: { id: job.id } });

  // A worker that dies (SIGKILL) right after taking the job leaves it running, with a heartbeat that stops.
  const doomed = startJobWorker(env, { DIWAN_CRASH_AT: 'job.taken' });
  const died = await new Promise<string | null>((r) => doomed.once('exit', (_code, signal) => r(signal)));
  expect(died).toBe('SIGKILL');
  expect(await jobOf(job.id)).toMatchObject({ state: 'running', attempts: 1 });

  // Another worker takes it again once the heartbeat is older than DIWAN_JOB_STALE_SECONDS, and finishes it.
  const worker = startJobWorker(env);
  try {
    const done = await until(
      'the job',
      () => jobOf(job.id),
      (j) => j.state === 'done' || j.state === 'failed',
    );
    expect(done).toMatchObject({ state: 'done', attempts: 2, done: 3, total: 3, result: { documents: 3, pages: 3 } });
  } finally {
    await stop(worker);
  }
  // The rebuilt index finds every letter, and nothing is left of the index built aside.
  const found = (await (await server.api(`/api/v1/search?q=${encodeURIComponent('كتاب')}`)).json()) as {
    hits: Array<{ id: string }>;
  };
  expect(found.hits.map((h) => h.id).sort()).toEqual([...ids].sort());
  const meili = new Meilisearch({ host: server.config.meili!.url, apiKey: server.config.meili!.key });
  const names = (await meili.getIndexes({ limit: 1000 })).results.map((i) => i.uid);
  expect(names).toContain(server.config.meiliIndex);
  expect(names).not.toContain(`${server.config.meiliIndex}__next`);

  // The list, and the command line's view of the job.
  const list = (await (await server.api('/api/v1/jobs')).json()) as { jobs: JobJson[] };
  expect(list.jobs.map((j) => j.id)).toContain(job.id);
  const cli = await runCli(server, ['jobs', job.id, '--json', '--quiet']);
  expect(cli.code).toBe(0);
  expect(JSON.parse(cli.out)).toMatchObject({ documents: 3, pages: 3 });
  // An unknown job is a clear 404.
  expect((await server.api('/api/v1/jobs/00000000-0000-4000-8000-000000000000')).status).toBe(404);
});

test('while the new index is built the old one answers; what changed meanwhile is in the new one', async () => {
  const deps = { ...server.core, reviewBelow: server.config.ocr.reviewBelow };
  const changed = ids[1]!;
  const title = 'مذكرة عاجلة معدلة';
  let answeredMeanwhile = -1;
  const report = await rebuildIndex(deps, {
    // Called once the documents were read for the new index, before it is swapped in.
    onProgress: async () => {
      const res = await server.api(`/api/v1/search?q=${encodeURIComponent('كتاب')}`);
      answeredMeanwhile = ((await res.json()) as { hits: unknown[] }).hits.length;
      // Changed after it was read: only the catch-up after the swap can bring this title into the new index.
      await server.core.db.query(`UPDATE documents SET title = $2, updated_at = now() WHERE id = $1`, [changed, title]);
    },
  });
  expect(answeredMeanwhile).toBe(3);
  expect(report).toMatchObject({ documents: 3, pages: 3 });
  expect(report.caughtUp).toBeGreaterThanOrEqual(1);
  const hits = (await (await server.api(`/api/v1/search?q=${encodeURIComponent(title)}`)).json()) as {
    hits: Array<{ id: string }>;
  };
  expect(hits.hits.map((h) => h.id)).toEqual([changed]);
});

test('a job given back by a stopping process is taken at once by another, the attempt not counted', async () => {
  const db = server.core.db;
  const { job } = await requestJob(db, 'fixity', { documentId: ids[0] }, 'test');
  const first = await takeJob(db, 'host-a:1', ['fixity'], 60);
  expect(first).toMatchObject({ id: job.id, state: 'running', attempts: 1 });
  // Running and fresh: nobody else may take it.
  expect(await takeJob(db, 'host-b:2', ['fixity'], 60)).toBeUndefined();
  await releaseJob(db, job.id, 'host-a:1');
  const second = await takeJob(db, 'host-b:2', ['fixity'], 60);
  expect(second).toMatchObject({ id: job.id, state: 'running', attempts: 1 });
  // The first owner's late progress and end no longer count.
  expect(await reportProgress(db, job.id, 'host-a:1', 5, 10)).toBe(false);
  await finishJob(db, job.id, 'host-b:2', { ok: true });
  expect(await getJob(db, job.id)).toMatchObject({ state: 'done', result: { ok: true } });
});
