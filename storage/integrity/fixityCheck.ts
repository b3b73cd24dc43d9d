/**
 * One stored object checked on its copies: each copy asked for is read back
 * whole and hashed (the copies at once), and compared with the SHA-256
 * recorded when the object was stored. A copy found changed or missing is
 * repaired from a healthy source (the other copy, read now when this run was
 * not asked to check it, or a version kept by Object Lock); a copy with the
 * right bytes but without its COMPLIANCE retention has it set. Each problem and
 * each repair is a ledger entry as it happens; the copies' latest state is
 * gathered in a BatchState for the caller to write in one transaction
 * (fixityState.ts). A copy that cannot be read, or a repair that fails, is an
 * error in the report. A copy that could not be read, or is left damaged, keeps
 * its place in the cycle, so that the next run reads it first.
 */
import type { Readable } from 'node:stream';
import type { Db } from '../db';
import type { LockSeen, ObjectStore } from '../objectStore';
import { appendLedger } from './ledger';

export type FixityState = 'ok' | 'mismatch' | 'missing' | 'repaired';

export interface FixityFinding {
  documentId: string;
  registryNo: string;
  key: string;
  target: string;
  expected: string;
  /** What the copy hashed to (null when it was missing). */
  found: string | null;
  state: FixityState;
  /** For a repaired object: the copy it was restored from. */
  repairedFrom?: string;
  /** 'retention': the bytes were right but the object was not under COMPLIANCE retention (set by the sweep). */
  problem?: 'retention';
}

/** Something the sweep could not do (a copy that could not be read, a repair that failed); the sweep went on. */
export interface FixityError {
  documentId: string;
  registryNo: string | null;
  key: string | null;
  target: string | null;
  error: string;
}

export interface FixityReport {
  documents: number;
  objects: number;
  /** Bytes read and hashed (both copies). */
  bytes: number;
  ms: number;
  /** Every object that was not ok, repaired or not. */
  findings: FixityFinding[];
  /** Objects still damaged after the sweep. */
  unrepaired: number;
  /** What could not be checked or repaired this time. */
  errors: FixityError[];
}

/** A stored object of a document, as its record says it should be. */
export interface FixityObject {
  documentId: string;
  registryNo: string;
  key: string;
  sha256: string;
  size: number;
  contentType: string;
}

/** The latest check of one copy: a row of the `fixity` table. */
export interface FixityRow {
  documentId: string;
  target: string;
  key: string;
  expected: string;
  found: string | null;
  state: FixityState;
  at: string;
}

/** What a batch writes at its end: each copy's latest state (one per copy), and the copies read through (their place in the cycle). */
export interface BatchState {
  rows: Map<string, FixityRow>;
  read: Array<{ documentId: string; key: string; target: string; at: string }>;
}

export function newBatchState(): BatchState {
  return { rows: new Map(), read: [] };
}

export function newReport(): FixityReport {
  return { documents: 0, objects: 0, bytes: 0, ms: 0, findings: [], unrepaired: 0, errors: [] };
}

type Hashed = { sha256: string | null; size: number; lock?: LockSeen };

const message = (e: unknown) => String((e as Error)?.message ?? e);

async function hashCopy(store: ObjectStore, key: string): Promise<Hashed> {
  try {
    const h = await store.hash(key);
    return { sha256: h.sha256, size: h.size, lock: h.lock };
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'NoSuchKey' || code === 'NotFound') return { sha256: null, size: 0 };
    throw e;
  }
}

function setRow(state: BatchState, row: FixityRow): void {
  state.rows.set(`${row.documentId}\n${row.target}\n${row.key}`, row);
}

/**
 * Checks `o` on `targets` (a subset of `copies`, every copy the archive keeps), repairing what it can.
 * Findings and errors go to `report`, the copies' state to `state`.
 */
export async function checkObject(
  db: Db,
  copies: ObjectStore[],
  targets: ObjectStore[],
  o: FixityObject,
  report: FixityReport,
  state: BatchState,
): Promise<void> {
  const failed = (store: ObjectStore, e: unknown) =>
    report.errors.push({ documentId: o.documentId, registryNo: o.registryNo, key: o.key, target: store.name, error: message(e) });
  // A copy that cannot be read is neither damaged nor a source: it is left for the next run.
  const seen = new Map<ObjectStore, Hashed>();
  await Promise.all(
    targets.map(async (store) => {
      try {
        const c = await hashCopy(store, o.key);
        report.bytes += c.size;
        seen.set(store, c);
      } catch (e) {
        failed(store, e);
      }
    }),
  );
  const at = new Date().toISOString();
  const row = (store: ObjectStore, found: string | null) => ({
    documentId: o.documentId,
    target: store.name,
    key: o.key,
    expected: o.sha256,
    found,
    at,
  });
  const read = (store: ObjectStore) => state.read.push({ documentId: o.documentId, key: o.key, target: store.name, at });
  // The copies with the right bytes: their retention is checked at once.
  const intact = targets.filter((store) => seen.get(store)?.sha256 === o.sha256);
  for (const store of intact) {
    read(store);
    setRow(state, { ...row(store, o.sha256), state: 'ok' });
  }
  await Promise.all(
    intact.map((store) =>
      checkRetention(db, store, o, report, state, seen.get(store)?.lock).catch((e: unknown) => failed(store, e)),
    ),
  );
  for (const store of targets) {
    const c = seen.get(store);
    if (!c || c.sha256 === o.sha256) continue;
    const finding: FixityFinding = {
      documentId: o.documentId,
      registryNo: o.registryNo,
      key: o.key,
      target: store.name,
      expected: o.sha256,
      found: c.sha256,
      state: c.sha256 === null ? 'missing' : 'mismatch',
    };
    await appendLedger(db, 'fixity-problem', o.documentId, {
      key: o.key,
      target: store.name,
      expected: o.sha256,
      found: c.sha256,
      state: finding.state,
    });
    try {
      const source = await healthySource(copies, store, o.key, o.sha256, seen, report);
      if (source) {
        const mended = await store.repair(o.key, await source.open(), o.size, o.contentType, o.sha256);
        // The copy's new bytes as the bucket holds them (a new ciphertext): what the auditor's inventory lists.
        if (mended.stored) await recordStoredHash(db, o.documentId, store.name, o.key, mended.stored.sha256);
        await appendLedger(db, 'repaired', o.documentId, {
          key: o.key,
          target: store.name,
          from: source.name,
          sha256: o.sha256,
          found: c.sha256,
        });
        finding.state = 'repaired';
        finding.repairedFrom = source.name;
        seen.set(store, { sha256: o.sha256, size: o.size });
      }
    } catch (e) {
      failed(store, e);
    }
    // A copy left damaged keeps its place in the cycle: the next run tries it first.
    if (finding.state === 'repaired') read(store);
    else report.unrepaired++;
    setRow(state, { ...row(store, c.sha256), state: finding.state });
    report.findings.push(finding);
  }
}

/** A kept object with the right bytes must also be under COMPLIANCE retention; the check sets it when it is not. */
async function checkRetention(
  db: Db,
  store: ObjectStore,
  o: FixityObject,
  report: FixityReport,
  state: BatchState,
  lock: LockSeen | undefined,
): Promise<void> {
  // The read's own answer said whether it is retained: a retention long enough needs no more requests.
  if ((await store.ensureRetention?.(o.key, lock)) !== 'set') return;
  await appendLedger(db, 'fixity-problem', o.documentId, {
    key: o.key,
    target: store.name,
    expected: o.sha256,
    found: o.sha256,
    state: 'unretained',
  });
  await appendLedger(db, 'repaired', o.documentId, { key: o.key, target: store.name, sha256: o.sha256, retention: 'COMPLIANCE' });
  const at = new Date().toISOString();
  setRow(state, {
    documentId: o.documentId,
    target: store.name,
    key: o.key,
    expected: o.sha256,
    found: o.sha256,
    state: 'repaired',
    at,
  });
  report.findings.push({
    documentId: o.documentId,
    registryNo: o.registryNo,
    key: o.key,
    target: store.name,
    expected: o.sha256,
    found: o.sha256,
    state: 'repaired',
    problem: 'retention',
  });
}

/**
 * Where good bytes for a damaged object can come from: another copy that is
 * healthy (read now when this run did not check it), else a version kept by
 * Object Lock (in this copy or another) that still holds the recorded fingerprint.
 */
async function healthySource(
  copies: ObjectStore[],
  damaged: ObjectStore,
  key: string,
  sha256: string,
  seen: Map<ObjectStore, Hashed>,
  report: FixityReport,
): Promise<{ name: string; open(): Promise<Readable> } | undefined> {
  const others = copies.filter((c) => c !== damaged);
  for (const other of others) {
    let h = seen.get(other);
    if (!h) {
      h = await hashCopy(other, key).catch(() => undefined);
      if (h) report.bytes += h.size;
    }
    if (h?.sha256 === sha256) return { name: other.name, open: () => other.get(key) };
  }
  for (const store of [damaged, ...others]) {
    const kept = await store.keptVersion(key, sha256).catch(() => undefined);
    if (kept) return { name: `${store.name} (locked version ${kept.versionId})`, open: kept.open };
  }
  return undefined;
}

/** The hash of a repaired copy's bytes as stored, on its replica row (offsite) or its artefact row (primary). */
async function recordStoredHash(db: Db, documentId: string, target: string, key: string, storedSha256: string): Promise<void> {
  await db.query('UPDATE replicas SET stored_sha256 = $4 WHERE document_id = $1 AND target = $2 AND key = $3', [
    documentId,
    target,
    key,
    storedSha256,
  ]);
  await db.query(
    `UPDATE artefacts SET stored_sha256 = $3 WHERE document_id = $1 AND key = $2
       AND NOT EXISTS (SELECT 1 FROM replicas WHERE document_id = $1 AND target = $4 AND key = $2)`,
    [documentId, key, storedSha256, target],
  );
}
