/**
 * Fixity: every stored object of every archived document is read back from
 * both copies (primary and offsite) and hashed, and compared with the SHA-256
 * recorded when it was stored. An object found changed or missing is repaired
 * from the other copy when that one is healthy; a kept object found without its
 * COMPLIANCE retention has it set. Each problem and each repair is a ledger
 * entry, and the latest state of every object is kept in the `fixity` table
 * (for /readyz and the audit report). A copy that cannot be read, or a repair
 * that fails, is reported and the sweep goes on.
 */
import type { Readable } from 'node:stream';
import type { Db } from '../db';
import type { DocumentsRepo } from '../repos/documents';
import { appendLedger } from './ledger';
import type { ObjectStore } from '../objectStore';

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

type SweepDeps = { db: Db; documents: DocumentsRepo; primary: ObjectStore; offsite: ObjectStore };

async function check(store: ObjectStore, key: string): Promise<{ sha256: string | null; size: number }> {
  try {
    const h = await store.hash(key);
    return { sha256: h.sha256, size: h.size };
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'NoSuchKey' || code === 'NotFound') return { sha256: null, size: 0 };
    throw e;
  }
}

const message = (e: unknown) => String((e as Error)?.message ?? e);

/** One sweep over every archived document (or the ones given), both copies. */
export async function sweepFixity(
  deps: SweepDeps,
  opts: {
    documentIds?: string[];
    /** Pace for scheduled sweeps (0 or unset: as fast as the disks go). */ maxBytesPerSecond?: number;
  } = {},
): Promise<FixityReport> {
  const t0 = Date.now();
  const ids = opts.documentIds ?? (await deps.documents.archivedIds());
  const report: FixityReport = { documents: 0, objects: 0, bytes: 0, ms: 0, findings: [], unrepaired: 0, errors: [] };
  const pace = async () => {
    if (!opts.maxBytesPerSecond) return;
    const due = (report.bytes / opts.maxBytesPerSecond) * 1000 - (Date.now() - t0);
    if (due > 0) await new Promise((r) => setTimeout(r, due));
  };
  for (const id of ids) {
    try {
      await sweepDocument(deps, id, report, pace);
    } catch (e) {
      report.errors.push({ documentId: id, registryNo: null, key: null, target: null, error: message(e) });
    }
  }
  report.ms = Date.now() - t0;
  return report;
}

async function sweepDocument(deps: SweepDeps, id: string, report: FixityReport, pace: () => Promise<void>): Promise<void> {
  const doc = await deps.documents.get(id);
  if (!doc) return;
  report.documents++;
  const copies = [deps.primary, deps.offsite];
  for (const a of await deps.documents.artefacts(id)) {
    report.objects++;
    const failed = (store: ObjectStore, e: unknown) =>
      report.errors.push({ documentId: id, registryNo: doc.registryNo, key: a.key, target: store.name, error: message(e) });
    // A copy that cannot be read is neither damaged nor a source: it is left for the next sweep.
    const seen = new Map<ObjectStore, { sha256: string | null; size: number }>();
    for (const store of copies) {
      try {
        const c = await check(store, a.key);
        report.bytes += c.size;
        seen.set(store, c);
      } catch (e) {
        failed(store, e);
      }
    }
    await pace();
    for (const store of copies) {
      const c = seen.get(store);
      if (!c) continue;
      const now = new Date().toISOString();
      if (c.sha256 === a.sha256) {
        await record(deps.db, id, store.name, a.key, a.sha256, c.sha256, 'ok', now);
        await checkRetention(deps.db, store, a.key, a.sha256, doc.registryNo, id, report).catch((e: unknown) => failed(store, e));
        continue;
      }
      const state = c.sha256 === null ? 'missing' : 'mismatch';
      const finding: FixityFinding = {
        documentId: id,
        registryNo: doc.registryNo,
        key: a.key,
        target: store.name,
        expected: a.sha256,
        found: c.sha256,
        state,
      };
      await appendLedger(deps.db, 'fixity-problem', id, {
        key: a.key,
        target: store.name,
        expected: a.sha256,
        found: c.sha256,
        state,
      });
      try {
        const source = await healthySource(copies, store, a.key, a.sha256, seen);
        if (source) {
          await store.repair(a.key, await source.open(), a.size, a.contentType, a.sha256);
          await appendLedger(deps.db, 'repaired', id, {
            key: a.key,
            target: store.name,
            from: source.name,
            sha256: a.sha256,
            found: c.sha256,
          });
          finding.state = 'repaired';
          finding.repairedFrom = source.name;
          seen.set(store, { sha256: a.sha256, size: a.size });
        }
      } catch (e) {
        failed(store, e);
      }
      if (finding.state !== 'repaired') report.unrepaired++;
      await record(deps.db, id, store.name, a.key, a.sha256, c.sha256, finding.state, now);
      report.findings.push(finding);
    }
  }
}

/** A kept object with the right bytes must also be under COMPLIANCE retention; the sweep sets it when it is not. */
async function checkRetention(
  db: Db,
  store: ObjectStore,
  key: string,
  sha256: string,
  registryNo: string,
  documentId: string,
  report: FixityReport,
): Promise<void> {
  if ((await store.ensureRetention?.(key)) !== 'set') return;
  await appendLedger(db, 'fixity-problem', documentId, {
    key,
    target: store.name,
    expected: sha256,
    found: sha256,
    state: 'unretained',
  });
  await appendLedger(db, 'repaired', documentId, { key, target: store.name, sha256, retention: 'COMPLIANCE' });
  await record(db, documentId, store.name, key, sha256, sha256, 'repaired', new Date().toISOString());
  report.findings.push({
    documentId,
    registryNo,
    key,
    target: store.name,
    expected: sha256,
    found: sha256,
    state: 'repaired',
    problem: 'retention',
  });
}

/**
 * Where good bytes for a damaged object can come from: the other copy when it is
 * healthy, else a version kept by Object Lock (in this copy or the other) that
 * still holds the recorded fingerprint.
 */
async function healthySource(
  copies: ObjectStore[],
  damaged: ObjectStore,
  key: string,
  sha256: string,
  seen: Map<ObjectStore, { sha256: string | null } | undefined>,
): Promise<{ name: string; open(): Promise<Readable> } | undefined> {
  const other = copies.find((c) => c !== damaged && seen.get(c)?.sha256 === sha256);
  if (other) return { name: other.name, open: () => other.get(key) };
  for (const store of [damaged, ...copies.filter((c) => c !== damaged)]) {
    const kept = await store.keptVersion(key, sha256).catch(() => undefined);
    if (kept) return { name: `${store.name} (locked version ${kept.versionId})`, open: kept.open };
  }
  return undefined;
}

async function record(
  db: Db,
  documentId: string,
  target: string,
  key: string,
  expected: string,
  found: string | null,
  state: FixityState,
  at: string,
) {
  await db.query(
    `INSERT INTO fixity (document_id, target, key, expected_sha256, found_sha256, state, checked_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (document_id, target, key) DO UPDATE SET expected_sha256 = $4, found_sha256 = $5, state = $6, checked_at = $7`,
    [documentId, target, key, expected, found, state, at],
  );
}

/**
 * A damaged or missing copy found outside a sweep (a download that hashed it first):
 * a ledger entry and the object's fixity state, for the next sweep to repair.
 */
export async function recordFixityProblem(
  db: Db,
  p: { documentId: string; target: string; key: string; expected: string; found: string | null; during: string },
): Promise<void> {
  const state = p.found === null ? 'missing' : 'mismatch';
  await appendLedger(db, 'fixity-problem', p.documentId, {
    key: p.key,
    target: p.target,
    expected: p.expected,
    found: p.found,
    state,
    during: p.during,
  });
  await record(db, p.documentId, p.target, p.key, p.expected, p.found, state, new Date().toISOString());
}

/** Objects whose latest check found them damaged and not repaired. */
export async function openFixityProblems(db: Db): Promise<number> {
  const res = await db.query<{ n: string }>(`SELECT count(*) AS n FROM fixity WHERE state IN ('mismatch', 'missing')`);
  return Number(res.rows[0]?.n ?? 0);
}
