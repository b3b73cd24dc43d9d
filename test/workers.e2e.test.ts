/**
 * Several `diwan worker` processes on one queue (the API process runs none):
 * a batch is archived with no stage of any document run twice, the work is
 * shared, each worker reports its own metrics; then one worker is killed in
 * the middle of a batch and the others finish it; and SIGTERM stops a worker
 * cleanly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { freePort } from '../src/runtime/services/util';
import { isolatedEnv, startTestServer, type TestServer } from './helpers';

jest.setTimeout(900_000);

const CLI = path.resolve(__dirname, '..', 'bin', 'diwan.js');

interface Worker {
  child: ChildProcess;
  /** Each stage this worker ran: document, stage, result. */
  stages: Array<{ documentId: string; stage: string; result: string }>;
  metricsPort: number;
}

let server: TestServer;
let env: NodeJS.ProcessEnv;
const workers: Worker[] = [];

/** Still running (a process killed by a signal has no exit code, but a signal code). */
const alive = (w: Worker) => w.child.exitCode === null && w.child.signalCode === null;

async function startWorker(): Promise<Worker> {
  const metricsPort = await freePort();
  const child = spawn(process.execPath, [CLI, 'worker'], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...env,
      DIWAN_LOG: 'debug',
      DIWAN_OCR_WORKERS: '1',
      DIWAN_METRICS_PORT: String(metricsPort),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const w: Worker = { child, stages: [], metricsPort };
  let buf = '';
  child.stderr!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        const e = JSON.parse(line) as { msg?: string; documentId?: string; stage?: string; result?: string };
        if (e.msg === 'stage' && e.documentId && e.stage && e.result)
          w.stages.push({ documentId: e.documentId, stage: e.stage, result: e.result });
      } catch {
        // not a log line
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => String(d).includes('worker is running') && resolve());
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
  workers.push(w);
  return w;
}

async function upload(n: number, seed: number): Promise<string[]> {
  const batch = (await (
    await server.api('/api/v1/batches', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: `عمال ${seed}` }),
    })
  ).json()) as { id: string };
  const form = new FormData();
  for (let i = 0; i < n; i++) {
    form.append(
      'files',
      new Blob([
        await renderArabicScan([`كتاب رقم ${seed + i}`, 'بشأن توزيع العمل'], { seed: seed + i, width: 1000, height: 700 }),
      ]),
      `كتاب-${seed + i}.jpg`,
    );
  }
  const res = await server.api(`/api/v1/batches/${batch.id}/files`, { method: 'POST', body: form });
  expect(res.status).toBe(202);
  return ((await res.json()) as { files: Array<{ documentId: string }> }).files.map((f) => f.documentId);
}

async function allArchived(ids: string[], timeoutMs = 400_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await server.core.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM documents WHERE id = ANY($1) AND status = 'archived'`,
      [ids],
    );
    if (r.rows[0]!.n === ids.length) return;
    if (Date.now() > deadline) throw new Error(`only ${r.rows[0]!.n} of ${ids.length} archived`);
    await new Promise((res) => setTimeout(res, 500));
  }
}

beforeAll(async () => {
  env = await isolatedEnv({ DIWAN_INPROCESS_WORKERS: 'false', DIWAN_SWEEP_SECONDS: '2' });
  server = await startTestServer(env);
  await Promise.all([startWorker(), startWorker(), startWorker()]);
});

afterAll(async () => {
  for (const w of workers) if (alive(w)) w.child.kill('SIGKILL');
  await server?.stop();
});

test('three workers on one queue: every document archived, no stage of any document run twice, the work shared', async () => {
  const ids = await upload(6, 400);
  await allArchived(ids);
  const done = workers.flatMap((w, i) => w.stages.filter((s) => s.result === 'done').map((s) => ({ ...s, worker: i })));
  const runs = new Map<string, number>();
  for (const s of done) runs.set(`${s.documentId} ${s.stage}`, (runs.get(`${s.documentId} ${s.stage}`) ?? 0) + 1);
  expect([...runs.entries()].filter(([, n]) => n !== 1)).toEqual([]);
  expect(runs.size).toBe(6 * 6); // six documents, six stages each
  expect(new Set(done.map((s) => s.worker)).size).toBeGreaterThanOrEqual(2);
  // Each worker counts what it did, on its own /metrics.
  const busiest = workers.reduce((a, b) => (b.stages.length > a.stages.length ? b : a));
  const metrics = await (await fetch(`http://127.0.0.1:${busiest.metricsPort}/metrics`)).text();
  expect(metrics).toMatch(/diwan_pipeline_stages_total\{stage="ocr",result="done"\} [1-9]/);
  expect(metrics).toMatch(/diwan_ocr_page_confidence_count [1-9]/);
  expect(metrics).toMatch(/diwan_queue_depth\{stage="pages"\} 0/);
  const archived = await server.core.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ledger WHERE event = 'archived' AND document_id = ANY($1)`,
    [ids],
  );
  expect(archived.rows[0]!.n).toBe(6);
});

test('a worker killed in the middle of a batch: the others finish it, each document archived once', async () => {
  const ids = await upload(4, 500);
  // Wait until some worker is at work on this batch, then kill that one.
  const victim = await new Promise<Worker>((resolve, reject) => {
    const deadline = Date.now() + 120_000;
    const t = setInterval(() => {
      const w = workers.find((x) => alive(x) && x.stages.some((s) => ids.includes(s.documentId)));
      if (w || Date.now() > deadline) {
        clearInterval(t);
        if (w) resolve(w);
        else
          reject(
            new Error(`no worker reported a stage of the new batch: ${JSON.stringify(workers.map((x) => x.stages.length))}`),
          );
      }
    }, 100);
  });
  victim.child.kill('SIGKILL');
  await new Promise((r) => victim.child.once('exit', r));
  await allArchived(ids);
  const ledger = await server.core.db.query<{ event: string; n: number }>(
    `SELECT event, count(*)::int AS n FROM ledger WHERE document_id = ANY($1) GROUP BY event ORDER BY event`,
    [ids],
  );
  expect(ledger.rows.filter((r) => ['archived', 'stamped', 'replicated', 'indexed'].includes(r.event))).toEqual([
    { event: 'archived', n: 4 },
    { event: 'indexed', n: 4 },
    { event: 'replicated', n: 4 },
    { event: 'stamped', n: 4 },
  ]);
});

test('SIGTERM: a worker stops taking jobs, closes its connections and exits cleanly', async () => {
  const w = workers.find(alive)!;
  const t0 = Date.now();
  const exited = new Promise<number | null>((r) => w.child.once('exit', (code) => r(code)));
  w.child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(Date.now() - t0).toBeLessThan(30_000);
});
