/**
 * The lock extension: COMPLIANCE retention follows each document's retention, never shorter.
 * 1. Records kept permanently, with no rule, or whose trigger has not come (no due date) and whose lock ends
 *    within `beforeMs` get lock_until = now + the retention (never lower than before). Records whose due
 *    date has come (or comes within that time) and that are not in an approved disposal are kept too, in
 *    short steps: lock_until = now + min(`dueStepMs`, the retention) when it ends within half a step (at
 *    most `beforeMs`), so an approved disposal waits for at most one step.
 * 2. Every document whose lock_until is past what its objects were last locked to (step 1, or a rule made
 *    longer) has every object in both buckets locked again (ObjectStore.ensureRetention raises an object's
 *    retention to lockUntilForKey), then locks_applied = lock_until.
 * 3. The archive's own files (ledger/, checkpoints/, audit/, tombstones): one lock end for all of them
 *    (diwan_state OWN_FILES_LOCK), raised to now + the retention when it nears its end, then re-applied.
 * Flat in the archive's size: each step reads only the documents its partial index holds (near their
 * lock's end, or waiting for a re-lock); the documents of approved disposals not carried out yet are
 * the only ones step 1 reads and passes over.
 */
import type { Db, Queryable } from '../db';
import { requestJob } from '../jobs';
import { documentPrefix } from '../layout';
import type { ObjectStore } from '../objectStore';
import { readState, writeState } from '../state';
import { OWN_FILES_LOCK } from './retention';

export interface ExtensionDeps {
  db: Db;
  stores: ObjectStore[];
  /** DIWAN_RETENTION: how far a lock is extended from now. */
  retentionMs: number;
  /** DIWAN_LOCK_EXTEND_BEFORE: a lock ending within this is extended. */
  beforeMs: number;
  /** DIWAN_DUE_LOCK_STEP: how far the lock of a record kept past its due date is extended from now. */
  dueStepMs: number;
}

export interface ExtensionResult {
  /** Documents whose lock_until was raised (step 1). */
  extended: number;
  /** Documents whose objects were locked again. */
  relocked: number;
  /** Objects whose retention was set (raised) in a bucket. */
  objectsSet: number;
  /** The archive's own files locked again (0 when their lock was not near its end). */
  ownFiles: number;
  /** Documents or keys left for the next run (a bucket was away). */
  errors: string[];
}

const BATCH = 500;

/**
 * Step 1's selections ($1: how soon a lock must end to be extended, in ms), each read through its own partial
 * index: set locks of records with no due date (documents_lock_nodue_idx), locks still as written
 * (documents_default_lock_idx, by registration), and locks of records due and kept (documents_lock_due_idx),
 * but not those of an approved disposal, which run out so the disposal can be carried out.
 */
export const EXTEND_STEPS: ReadonlyArray<{ due: boolean; where: string }> = [
  {
    due: false,
    where: `destroyed_at IS NULL AND retention_due IS NULL AND lock_until IS NOT NULL
      AND lock_until < now() + $1::float8 * interval '1 millisecond'`,
  },
  {
    due: false,
    where: `destroyed_at IS NULL AND lock_until IS NULL AND created_at < now() + ($1::float8 - $2::float8) * interval '1 millisecond'`,
  },
  {
    due: true,
    where: `destroyed_at IS NULL AND retention_due IS NOT NULL AND lock_until < now() + $1::float8 * interval '1 millisecond'
      AND NOT EXISTS (SELECT 1 FROM disposal_items i JOIN disposals p ON p.id = i.disposal_id
        WHERE i.document_id = documents.id AND p.state IN ('approved', 'done'))`,
  },
];

/**
 * Asks for the lock extension when a document's lock rose past what its objects were locked to (of
 * `ids` only, when given): a rule made longer, a file closed, a correction that changed the rule.
 */
export async function requestRelockIfNeeded(q: Queryable, by: string, ids?: string[]): Promise<boolean> {
  const res = await q.query(
    `SELECT 1 FROM documents WHERE destroyed_at IS NULL AND lock_until > COALESCE(locks_applied, created_at)
       AND ($1::uuid[] IS NULL OR id = ANY($1::uuid[])) LIMIT 1`,
    [ids ?? null],
  );
  if (res.rows.length === 0) return false;
  await requestJob(q, 'lock-extension', {}, by);
  return true;
}
const NIL = '00000000-0000-0000-0000-000000000000';

/** Keys of the archive's own files, in one store. */
const OWN_PREFIXES = ['ledger/', 'checkpoints/', 'audit/'];

export async function extendLocks(deps: ExtensionDeps, progress?: (done: number) => void): Promise<ExtensionResult> {
  const result: ExtensionResult = { extended: 0, relocked: 0, objectsSet: 0, ownFiles: 0, errors: [] };
  const { db } = deps;
  const ms = Math.round(deps.retentionMs);
  const before = Math.round(deps.beforeMs);

  // 1. Locks nearing their end, by the partial index each condition reads (EXTEND_STEPS).
  const step = Math.round(Math.min(deps.dueStepMs, deps.retentionMs));
  const window = Math.round(Math.min(deps.beforeMs, deps.dueStepMs / 2));
  for (const s of EXTEND_STEPS) {
    const [within, by] = s.due ? [window, step] : [before, ms];
    let after = NIL;
    for (;;) {
      const res = await db.query<{ id: string }>(
        `UPDATE documents d SET lock_until = GREATEST(d.lock_until, now() + $2::float8 * interval '1 millisecond', d.retention_due)
         WHERE d.id IN (SELECT id FROM documents WHERE ${s.where} AND id > $3::uuid ORDER BY id LIMIT ${BATCH})
         RETURNING d.id`,
        [within, by, after],
      );
      if (res.rows.length === 0) break;
      result.extended += res.rows.length;
      after = res.rows
        .map((r) => r.id)
        .sort()
        .at(-1)!;
    }
  }
  progress?.(result.extended);

  // 2. Documents whose objects wait to be locked again (documents_relock_idx).
  let after = NIL;
  for (;;) {
    const res = await db.query<{ id: string; register: string; registry_year: number; registry_seq: number; lock_until: string }>(
      `SELECT id, register, registry_year, registry_seq, lock_until::text AS lock_until FROM documents
       WHERE destroyed_at IS NULL AND lock_until > COALESCE(locks_applied, created_at) AND id > $1 ORDER BY id LIMIT ${BATCH}`,
      [after],
    );
    if (res.rows.length === 0) break;
    for (const d of res.rows) {
      const prefix = documentPrefix({ register: d.register, year: d.registry_year, seq: d.registry_seq });
      const ok = await relockPrefix(deps.stores, prefix, result);
      if (!ok) continue;
      await db.query('UPDATE documents SET locks_applied = lock_until WHERE id = $1 AND lock_until = $2::timestamptz', [
        d.id,
        d.lock_until,
      ]);
      result.relocked++;
      progress?.(result.extended + result.relocked);
    }
    after = res.rows.at(-1)!.id;
  }

  // 3. The archive's own files, when their common lock nears its end (or was never given).
  const own = await readState<string>(db, OWN_FILES_LOCK);
  if (!own || Date.parse(own) < Date.now() + before) {
    await writeState(db, OWN_FILES_LOCK, new Date(Date.now() + ms).toISOString());
    const tombstones = await db.query<{ register: string; registry_year: number; registry_seq: number }>(
      `SELECT register, registry_year, registry_seq FROM documents WHERE destroyed_at IS NOT NULL`,
    );
    for (const store of deps.stores) {
      const keys: string[] = [];
      try {
        for (const p of OWN_PREFIXES) keys.push(...(await store.list(p)));
      } catch (e) {
        result.errors.push(`${store.name}: ${String(e)}`);
        continue;
      }
      for (const t of tombstones.rows) {
        keys.push(`${documentPrefix({ register: t.register, year: t.registry_year, seq: t.registry_seq })}tombstone.json`);
      }
      for (const key of keys) {
        try {
          if ((await store.stat(key)) === undefined) continue;
          if ((await store.ensureRetention?.(key)) === 'set') result.objectsSet++;
          result.ownFiles++;
        } catch (e) {
          result.errors.push(`${store.name}:${key}: ${String(e)}`);
        }
      }
    }
  }
  return result;
}

/** Locks every object under a document's prefix again in each store; false when a store could not be done. */
async function relockPrefix(stores: ObjectStore[], prefix: string, result: ExtensionResult): Promise<boolean> {
  let ok = true;
  for (const store of stores) {
    try {
      for (const key of await store.list(prefix)) {
        if ((await store.ensureRetention?.(key)) === 'set') result.objectsSet++;
      }
    } catch (e) {
      result.errors.push(`${store.name}:${prefix}: ${String(e)}`);
      ok = false;
    }
  }
  return ok;
}
