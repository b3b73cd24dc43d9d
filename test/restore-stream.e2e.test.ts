/**
 * Restore in bounded batches: an archive of 23 documents restored with
 * batches of 4 manifests (two objects in flight) gives the same records as a
 * restore in one batch, and a restore killed after its first batch
 * (restore.after-batch), then killed again once that batch's objects were
 * copied but before its rows were written (restore.before-rows), and run a
 * third time, finishes with every document restored exactly once. The kills
 * are real (SIGKILL, kernel/crashPoints.ts) in a process that runs the built
 * restore (`npm run build` first).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { startCore, type Core } from '../src/runtime/core';
import { makeKeyFile } from '../storage/crypto/keyRing';
import type { Queryable } from '../storage/db';
import { restoreArchive, type RestoreReport } from '../storage/restore/restore';
import { seedOffsite, type SeedSizes } from '../scripts/bench/restore';
import { isolatedEnv, restoreTarget } from './helpers';

jest.setTimeout(600_000);

const DOCS = 23;
const BATCH = 4;
/** Small objects: the test is about batches and restarts, not bytes. */
const SMALL: SeedSizes = { original: 3000, archivePdf: 4000, pageImage: 700, pages: 2 };
const DIST = path.resolve(__dirname, '..', 'dist');

let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  env = await isolatedEnv();
  // The archive's key, as `serve` makes it on a first start (this test starts only cores).
  makeKeyFile(loadConfig(env).encryption.keyFile);
  const core = await startCore(loadConfig(env));
  try {
    await seedOffsite(core.db, core.offsite, { from: 1, to: DOCS }, SMALL);
  } finally {
    await core.stop();
  }
});

/** Settings for a new machine: an empty database and an empty primary bucket, the same offsite bucket. */
async function newMachine(): Promise<NodeJS.ProcessEnv> {
  return await restoreTarget(env, 'stream');
}

async function withCore<T>(e: NodeJS.ProcessEnv, fn: (core: Core) => Promise<T>): Promise<T> {
  const core = await startCore(loadConfig(e));
  try {
    return await fn(core);
  } finally {
    await core.stop();
  }
}

const restoreIn = (core: Core, batchSize: number, concurrency?: number): Promise<RestoreReport> =>
  restoreArchive({
    db: core.db,
    source: core.offsite,
    other: core.primary,
    offsiteName: core.offsite.name,
    batchSize,
    concurrency,
  });

/** A restore in a process of its own, with the crash point `crashAt` armed; resolves with how it ended. */
function restoreKilledAt(e: NodeJS.ProcessEnv, crashAt: string): Promise<NodeJS.Signals | number | null> {
  const script = `
    const { loadConfig } = require(${JSON.stringify(`${DIST}/src/config.js`)});
    const { startCore } = require(${JSON.stringify(`${DIST}/src/runtime/core.js`)});
    const { restoreArchive } = require(${JSON.stringify(`${DIST}/storage/restore/restore.js`)});
    (async () => {
      const core = await startCore(loadConfig(process.env));
      try {
        await restoreArchive({ db: core.db, source: core.offsite, other: core.primary, offsiteName: core.offsite.name,
                               batchSize: ${BATCH}, concurrency: 2 });
      } finally {
        await core.stop();
      }
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', script], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...e, DIWAN_CRASH_AT: crashAt },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
}

/** The restored records, in an order that does not depend on how they were written. */
async function records(db: Queryable): Promise<Record<string, unknown[]>> {
  const rows = async (sql: string) => (await db.query(sql)).rows as unknown[];
  return {
    documents: await rows(
      `SELECT id, registry_year, registry_seq, title, status, original_sha256, original_size, page_count, text_version, classification
       FROM documents ORDER BY id`,
    ),
    parts: await rows('SELECT document_id, n, key, sha256, size FROM document_parts ORDER BY document_id, n'),
    artefacts: await rows('SELECT document_id, kind, key, sha256, size, content_type FROM artefacts ORDER BY document_id, key'),
    replicas: await rows('SELECT document_id, target, key, sha256 FROM replicas ORDER BY document_id, key'),
    pages: await rows('SELECT document_id, n, width, height, text, confidence, words FROM pages ORDER BY document_id, n'),
    ledger: await rows('SELECT seq, entry_hash FROM ledger ORDER BY seq'),
    registry: await rows('SELECT year, last_seq FROM registry_sequences ORDER BY year'),
    pending: await rows('SELECT key FROM replication_pending ORDER BY key'),
  };
}

test('a restore in batches of 4 gives the same records as one batch, and a restore killed twice finishes each document exactly once', async () => {
  // The reference: every manifest in one batch.
  const whole = await newMachine();
  const reference = await withCore(whole, async (core) => {
    const report = await restoreIn(core, 1000);
    expect(report.problems).toEqual([]);
    expect(report.documents).toEqual({ found: DOCS, restored: DOCS, alreadyPresent: 0, failed: 0 });
    return { report, records: await records(core.db), objects: (await core.primary.list('')).sort() };
  });
  expect(reference.records.documents).toHaveLength(DOCS);
  expect(reference.records.pending).toEqual([]);

  // Batches of 4: killed right after the first batch's transaction...
  const batched = await newMachine();
  expect(await restoreKilledAt(batched, 'restore.after-batch')).toBe('SIGKILL');
  const afterFirst = await withCore(
    batched,
    async (core) => (await core.db.query('SELECT count(*)::int AS n FROM documents')).rows[0],
  );
  expect(afterFirst).toEqual({ n: BATCH });
  // ...then killed again with the next batch's objects copied and its rows not yet written...
  expect(await restoreKilledAt(batched, 'restore.before-rows')).toBe('SIGKILL');
  await withCore(batched, async (core) => {
    expect((await core.db.query('SELECT count(*)::int AS n FROM documents')).rows[0]).toEqual({ n: BATCH });
    // ...and run once more: it finishes the work, the first batch passed over.
    const report = await restoreIn(core, BATCH, 2);
    expect(report.problems).toEqual([]);
    expect(report.documents).toEqual({ found: DOCS, restored: DOCS - BATCH, alreadyPresent: BATCH, failed: 0 });
    expect(report.ledger).toEqual(reference.report.ledger);
    expect(report.registry).toEqual(reference.report.registry);
    // Every document exactly once, with the same rows as the restore in one batch.
    expect(await records(core.db)).toEqual(reference.records);
    expect((await core.primary.list('')).sort()).toEqual(reference.objects);
  });
});
