/**
 * A worker process killed (SIGKILL) at random moments while it archives a
 * batch, again and again, then left to finish: every accepted file is archived
 * exactly once. Counted three ways: documents, objects in both buckets, and
 * ledger entries.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { createObjectStore } from '../storage/objectStore';
import { isolatedEnv, startTestServer, type TestServer } from './helpers';

const CLI = path.resolve(__dirname, '..', 'bin', 'diwan.js');
const FILES = 6;

let server: TestServer;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  // The API only: the work is done by separate `diwan worker` processes.
  env = await isolatedEnv({ DIWAN_INPROCESS_WORKERS: 'false', DIWAN_SWEEP_SECONDS: '1' });
  server = await startTestServer(env);
});

afterAll(async () => {
  await server?.stop();
});

function startWorker(): ChildProcess {
  const child = spawn(process.execPath, [CLI, 'worker'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, DIWAN_LOG: 'silent' },
    stdio: 'ignore',
  });
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

async function query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: server.core.config.databaseUrl });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

test('killed again and again, every file ends archived exactly once', async () => {
  const batch = (await (
    await server.api('/api/v1/batches', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'crash' }),
    })
  ).json()) as { id: string };
  const form = new FormData();
  for (let i = 0; i < FILES; i++) {
    const scan = await renderArabicScan([`كتاب رقم ${i + 1}`, 'بشأن حفظ السجلات'], { seed: 100 + i, width: 1000, height: 700 });
    form.append('files', new Blob([scan]), `كتاب-${i + 1}.jpg`);
  }
  const res = await server.api(`/api/v1/batches/${batch.id}/files`, { method: 'POST', body: form });
  expect(res.status).toBe(202);

  // Kill workers at random points of their work (seeded, so a failure can be replayed).
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 1000) / 1000;
  let kills = 0;
  for (let round = 0; round < 6; round++) {
    const worker = startWorker();
    await new Promise((r) => setTimeout(r, 1500 + rand() * 3500));
    await kill(worker);
    kills++;
  }
  expect(kills).toBe(6);

  // Then let one finish.
  const last = startWorker();
  try {
    const deadline = Date.now() + 240_000;
    for (;;) {
      const [row] = await query<{ n: number }>(`SELECT count(*)::int AS n FROM documents WHERE status = 'archived'`);
      if (row!.n === FILES) break;
      if (Date.now() > deadline) throw new Error(`only ${row!.n} of ${FILES} archived`);
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await kill(last);
  }

  const docs = await query<{ id: string; registry_seq: number; status: string }>(
    'SELECT id, registry_seq, status FROM documents ORDER BY registry_seq',
  );
  expect(docs).toHaveLength(FILES);
  expect(docs.map((d) => d.registry_seq)).toEqual([1, 2, 3, 4, 5, 6]); // gap-free
  const ledger = await query<{ event: string; n: number }>(
    'SELECT event, count(*)::int AS n FROM ledger GROUP BY event ORDER BY event',
  );
  expect(ledger).toEqual([
    { event: 'archived', n: FILES },
    { event: 'indexed', n: FILES },
    // The encryption key's first use, once however often the archive was killed and started.
    { event: 'key-rotated', n: 1 },
    { event: 'registered', n: FILES },
    { event: 'replicated', n: FILES },
    { event: 'stamped', n: FILES },
  ]);
  const perDoc = await query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ledger GROUP BY document_id, event HAVING count(*) > 1`,
  );
  expect(perDoc).toEqual([]);
  const pages = await query<{ n: number }>('SELECT count(*)::int AS n FROM pages');
  expect(pages[0]!.n).toBe(FILES);

  // Objects: original, one page image, archive.pdf, ocr.json, manifest.json per document; no more, on both sides.
  const primary = createObjectStore('primary', server.core.config.s3!, undefined, server.core.keys);
  const offsite = createObjectStore('offsite', server.core.config.offsite!, undefined, server.core.keys);
  const primaryKeys = (await primary.list('documents/')).sort();
  const offsiteKeys = (await offsite.list('documents/')).sort();
  expect(primaryKeys).toHaveLength(FILES * 5);
  expect(offsiteKeys).toEqual(primaryKeys);
  const artefacts = await query<{ n: number }>('SELECT count(*)::int AS n FROM artefacts');
  expect(artefacts[0]!.n).toBe(FILES * 5);
  const replicas = await query<{ n: number }>('SELECT count(*)::int AS n FROM replicas');
  expect(replicas[0]!.n).toBe(FILES * 5);
});
