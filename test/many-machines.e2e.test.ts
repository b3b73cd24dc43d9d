/**
 * Many machines, for real: hosts in network namespaces of this machine (see
 * netns.ts). The services (PostgreSQL, both MinIO servers, Meilisearch) on one
 * host, the API on another, two worker hosts. A batch is archived while one
 * worker host's link is cut mid-batch and then restored: every file ends
 * archived exactly once (documents, ledger entries and objects counted), found
 * by search, copied offsite, and the lag figures come back to nothing.
 * Skipped, saying why, where namespaces cannot be made (not root, no iproute2).
 */
import { type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { isolatedEnv, TOKEN } from './helpers';
import { makeNetwork, namespacesAvailable, type Network } from './netns';

const CLI = path.resolve(__dirname, '..', 'bin', 'diwan.js');
const FILES = 8;
const PORT = 8080;
const METRICS_PORT = 9100;

const why = namespacesAvailable();
if (why) process.stderr.write(`many-machines test skipped: ${why}\n`);
const maybe = why ? describe.skip : describe;

maybe('many machines', () => {
  let network: Network;
  let env: NodeJS.ProcessEnv;
  let apiUrl: string;
  const children: ChildProcess[] = [];

  // Every host is given the ministry's encryption key file (the API's first start makes it): a host's own
  // data folder holds nothing else they share.
  const keyFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-keys-')), 'encryption-keys.json');
  const hostEnv = (name: string, extra: Record<string, string>): NodeJS.ProcessEnv => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `diwan-host-${name}-`));
    return {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...env,
      DIWAN_DATA_DIR: dataDir,
      DIWAN_ENCRYPTION_KEY_FILE: keyFile,
      DIWAN_LOG: 'silent',
      ...extra,
    };
  };
  const api = (p: string, init: RequestInit = {}) =>
    fetch(`${apiUrl}${p}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, ...init.headers } });

  async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let v: T | undefined;
    for (;;) {
      try {
        v = await read();
        if (ok(v)) return v;
      } catch {
        // not answering yet
      }
      if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(v)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  beforeAll(async () => {
    network = await makeNetwork(['api', 'w1', 'w2']);
    const local = await isolatedEnv();
    // The hosts reach the services at this namespace's bridge address.
    env = { ...local };
    for (const k of ['DATABASE_URL', 'DATABASE_OWNER_URL', 'S3_ENDPOINT', 'OFFSITE_S3_ENDPOINT', 'MEILI_URL'])
      env[k] = await network.forward(local[k]!);
    const apiHost = network.hosts.get('api')!;
    apiUrl = `http://${apiHost.address}:${PORT}`;
    children.push(
      apiHost.spawn(
        process.execPath,
        [CLI, 'serve'],
        hostEnv('api', {
          DIWAN_HOST: apiHost.address,
          PORT: String(PORT),
          DIWAN_INPROCESS_WORKERS: 'false',
          DIWAN_SWEEP_SECONDS: '2',
        }),
      ),
    );
    await until(
      'the API',
      async () => (await fetch(`${apiUrl}/readyz`)).status,
      (s) => s === 200,
      60_000,
    );
    for (const name of ['w1', 'w2']) {
      const host = network.hosts.get(name)!;
      // One document at a time on each host (the default is twice its OCR workers): the batch goes in rounds, so a
      // host cut once the first document is archived is cut mid-batch, not after the last round.
      const settings = {
        DIWAN_SWEEP_SECONDS: '2',
        DIWAN_HOST: host.address,
        DIWAN_METRICS_PORT: String(METRICS_PORT),
        DIWAN_WORKER_CONCURRENCY: '1',
      };
      children.push(host.spawn(process.execPath, [CLI, 'worker'], hostEnv(name, settings)));
    }
  });

  afterAll(async () => {
    for (const c of children) {
      if (c.exitCode === null && c.signalCode === null) {
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGKILL');
        await exited;
      }
    }
    await network?.close();
  });

  test('a batch over two worker hosts, one cut off mid-batch and restored: every file archived exactly once', async () => {
    const form = new FormData();
    for (let i = 0; i < FILES; i++) {
      const scan = await renderArabicScan([`كتاب رقم ${i + 1}`, 'بشأن توزيع العمل على الأجهزة'], {
        seed: 500 + i,
        width: 1000,
        height: 700,
      });
      form.append('files', new Blob([scan]), `كتاب-${i + 1}.jpg`);
    }
    const batch = (await (
      await api('/api/v1/batches', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'عبر الأجهزة' }),
      })
    ).json()) as { id: string };
    expect((await api(`/api/v1/batches/${batch.id}/files`, { method: 'POST', body: form })).status).toBe(202);

    const owner = new pg.Client({ connectionString: loopback(env.DATABASE_OWNER_URL!) });
    await owner.connect();
    try {
      const count = async (sql: string) => Number((await owner.query<{ n: string }>(sql)).rows[0]!.n);
      // Mid-batch: once the first document is archived and others are still on their way.
      const first = await until(
        'the first document',
        () => count(`SELECT count(*) AS n FROM documents WHERE status = 'archived'`),
        (n) => n >= 1,
        240_000,
      );
      const w1 = network.hosts.get('w1')!;
      w1.cut();
      expect(first).toBeLessThan(FILES);
      await new Promise((r) => setTimeout(r, 8000));
      w1.restore();
      await until(
        'every document archived',
        () => count(`SELECT count(*) AS n FROM documents WHERE status = 'archived'`),
        (n) => n === FILES,
        400_000,
      );
      // Exactly once: one document per file, one 'archived' entry and one set of objects each.
      expect(await count(`SELECT count(*) AS n FROM documents`)).toBe(FILES);
      expect(await count(`SELECT count(*) AS n FROM ledger WHERE event = 'archived'`)).toBe(FILES);
      expect(await count(`SELECT count(DISTINCT (document_id, kind)) AS n FROM artefacts WHERE kind = 'original'`)).toBe(FILES);
      expect(await count(`SELECT count(*) - count(DISTINCT (document_id, key)) AS n FROM artefacts`)).toBe(0);
      const files = (await (await api(`/api/v1/batches/${batch.id}/files`)).json()) as Array<{ status: string }>;
      expect(files.map((f) => f.status)).toEqual(Array(FILES).fill('archived'));
    } finally {
      await owner.end();
    }
    // Found by search, each one, and the offsite copy complete: the lag back to nothing.
    const found = (await (await api(`/api/v1/search?q=${encodeURIComponent('توزيع العمل')}&limit=50`)).json()) as {
      total: number;
    };
    expect(found.total).toBe(FILES);
    const ready = await until(
      'the offsite copy',
      async () =>
        (await (await fetch(`${apiUrl}/readyz`)).json()) as { replication: { pending: number; oldestPendingSeconds: number } },
      (r) => r.replication.pending === 0,
      120_000,
    );
    expect(ready.replication).toMatchObject({ pending: 0, oldestPendingSeconds: 0 });
    const metrics = await (await api('/metrics')).text();
    expect(metrics).toContain(`diwan_documents{status="archived"} ${FILES}`);
    expect(metrics).toContain('diwan_replication_pending_documents 0');
    // Both worker hosts did part of the work (each counts the stages it ran).
    for (const name of ['w1', 'w2']) {
      const own = await (await fetch(`http://${network.hosts.get(name)!.address}:${METRICS_PORT}/metrics`)).text();
      const stages = [...own.matchAll(/^diwan_pipeline_stages_total\{[^}]*result="done"[^}]*\} (\d+)/gm)].reduce(
        (n, m) => n + Number(m[1]),
        0,
      );
      expect(stages).toBeGreaterThan(0);
    }
  });
});

/** The owner's address as this namespace reaches it (the loopback one: this is the services' host). */
function loopback(forwarded: string): string {
  const u = new URL(forwarded);
  u.hostname = '127.0.0.1';
  return u.toString();
}
