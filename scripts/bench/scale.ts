/**
 * Benchmark: do the probes and the everyday API stay as fast when the archive grows?
 *
 * - Starts the embedded services and a Diwan server on them.
 * - Seeds the database with SQL alone (generate_series, no OCR, no objects): archived
 *   documents, each with its original and its archive PDF, both replicated offsite and
 *   checked by fixity on both copies; 10k, then 100k, then (with --max 1000000) 1M.
 * - At each size times /readyz, /metrics, the document list API, the audit report API and
 *   the ledger check `diwan audit verify-ledger` asks for (median of 3 each; the probes 1.1 s apart, past their
 *   shared answer) and prints a table with each figure's ratio to the 10k one.
 *
 * Usage: npm run bench:scale [-- --max 1000000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../kernel/log';
import { loadConfig } from '../../src/config';
import { startServer } from '../../src/runtime/server';
import { startEmbeddedServices } from '../../src/runtime/services/embedded';
import { createDb, type Queryable } from '../../storage/db';

/** The year the seeded documents are numbered in (far from any real upload's). */
export const SEED_YEAR = 2001;

/**
 * Archived documents `from` (inclusive) to `to` (exclusive), all SQL: each has its original and its archive
 * PDF, both verified on `offsite` and checked ok on `primary` and `offsite`. Replicas go in before the
 * artefacts, as the replicate stage's would have been, so nothing is left pending. `light`: the archive
 * PDF alone and no document parts (half the rows, for tests that need only the probes' tables).
 */
export async function seedArchive(
  db: Queryable,
  from: number,
  to: number,
  targets: { primary: string; offsite: string },
  opts: { light?: boolean } = {},
): Promise<void> {
  const { primary, offsite } = targets;
  const range = `generate_series(${Math.floor(from)}, ${Math.floor(to) - 1}) AS i`;
  const id = `md5('diwan-seed-' || i)::uuid`;
  const dir = `'documents/${SEED_YEAR}/' || lpad(i::text, 7, '0')`;
  const original = `('original', '/original.jpg', 'image/jpeg', 'o')`;
  const archive = `('archive', '/archive.pdf', 'application/pdf', 'a')`;
  const files = `(VALUES ${opts.light ? archive : `${original}, ${archive}`}) AS f(kind, name, type, tag)`;
  const hash = `md5(f.tag || i) || md5(i || f.tag)`;
  await db.query(
    `INSERT INTO documents (id, registry_year, registry_seq, title, original_name, original_mime, original_ext, original_size,
                            original_sha256, status, page_count, stages)
     SELECT ${id}, ${SEED_YEAR}, i, 'كتاب رقم ' || i, 'scan-' || i || '.jpg', 'image/jpeg', 'jpg', 250000,
            md5('o' || i) || md5(i || 'o'), 'archived', 1, '{}'::jsonb
     FROM ${range}`,
  );
  if (!opts.light) {
    await db.query(
      `INSERT INTO document_parts (document_id, n, key, sha256, size, mime, ext, original_name, page_count)
       SELECT ${id}, 1, ${dir} || '/original.jpg', md5('o' || i) || md5(i || 'o'), 250000, 'image/jpeg', 'jpg', 'scan-' || i || '.jpg', 1
       FROM ${range}`,
    );
  }
  await db.query(
    `INSERT INTO replicas (document_id, target, key, sha256, verified_at)
     SELECT ${id}, $1, ${dir} || f.name, ${hash}, now() FROM ${range}, ${files}`,
    [offsite],
  );
  await db.query(
    `INSERT INTO artefacts (document_id, kind, key, sha256, size, content_type)
     SELECT ${id}, f.kind, ${dir} || f.name, ${hash}, 250000, f.type FROM ${range}, ${files}`,
  );
  await db.query(
    `INSERT INTO fixity (document_id, target, key, expected_sha256, found_sha256, state, checked_at)
     SELECT ${id}, t.target, ${dir} || f.name, ${hash}, ${hash}, 'ok', now()
     FROM ${range}, ${files}, (VALUES ($1::text), ($2::text)) AS t(target)`,
    [primary, offsite],
  );
}

/** The id the seed gives document `i`. */
export async function seededId(db: Queryable, i: number): Promise<string> {
  return (await db.query<{ id: string }>(`SELECT md5('diwan-seed-' || $1::int)::uuid::text AS id`, [i])).rows[0]!.id;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (m: string) => process.stderr.write(`${m}\n`);

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

async function main(): Promise<void> {
  const max = arg('max', 100_000);
  const sizes = [10_000, 100_000, 1_000_000].filter((n) => n <= max);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-bench-scale-'));
  fs.chmodSync(dataDir, 0o755);
  const token = 'bench-scale-admin-token-0123456789';
  const config = loadConfig({
    DIWAN_DATA_DIR: dataDir,
    DIWAN_LOG: 'silent',
    DIWAN_ADMIN_TOKEN: token,
    PORT: '0',
    // Nothing is processed while it is timed (the scheduled fixity sweep is first due a day after start).
    DIWAN_INPROCESS_WORKERS: 'false',
  });
  const services = await startEmbeddedServices(config, createLogger('silent'));
  const server = await startServer(services.config);
  const c = services.config;
  const db = createDb(c.databaseOwnerUrl ?? c.databaseUrl!, 2);
  const auth = { headers: { authorization: `Bearer ${token}` } };
  const get = async (p: string, init?: RequestInit) => {
    const res = await fetch(`${server.url}${p}`, init);
    await res.arrayBuffer();
    if (res.status >= 500) throw new Error(`${p}: ${res.status}`);
  };
  const ops: Array<{ name: string; probe: boolean; fn: () => Promise<unknown> }> = [
    { name: '/readyz', probe: true, fn: () => get('/readyz') },
    { name: '/metrics', probe: true, fn: () => get('/metrics') },
    { name: 'GET /api/v1/documents', probe: false, fn: () => get('/api/v1/documents', auth) },
    { name: 'GET /api/v1/audit/report', probe: false, fn: () => get('/api/v1/audit/report', auth) },
    // What `diwan audit verify-ledger` asks the server for.
    { name: 'verify-ledger (/audit/ledger)', probe: false, fn: () => get('/api/v1/audit/ledger', auth) },
  ];
  const results = new Map<string, number[]>();
  try {
    let seeded = 0;
    for (const size of sizes) {
      log(`seeding to ${size} documents…`);
      for (let from = seeded; from < size; from += 100_000) {
        await seedArchive(db, from, Math.min(size, from + 100_000), {
          primary: server.core.primary.name,
          offsite: server.core.offsite.name,
        });
      }
      seeded = size;
      await db.query('VACUUM ANALYZE');
      for (const op of ops) {
        const ms: number[] = [];
        for (let k = 0; k < 3; k++) {
          if (op.probe) await sleep(1100);
          ms.push(await timed(op.fn));
        }
        results.set(`${op.name}@${size}`, [...(results.get(`${op.name}@${size}`) ?? []), median(ms)]);
        log(`  ${op.name} at ${size}: ${median(ms).toFixed(1)} ms`);
      }
    }
    const head = `${'operation (median of 3, ms)'.padEnd(30)}${sizes.map((n) => `${n}`.padStart(12) + 'ratio'.padStart(8)).join('')}`;
    const lines = ops.map((op) => {
      const base = results.get(`${op.name}@${sizes[0]}`)![0]!;
      const cells = sizes.map((n) => {
        const v = results.get(`${op.name}@${n}`)![0]!;
        return v.toFixed(1).padStart(12) + `${(v / base).toFixed(2)}×`.padStart(8);
      });
      return `${op.name.padEnd(30)}${cells.join('')}`;
    });
    process.stdout.write(['', `Scale, documents seeded by SQL, ${os.cpus().length} cores`, head, ...lines, ''].join('\n'));
  } finally {
    await db.end();
    await server.stop();
    await services.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
