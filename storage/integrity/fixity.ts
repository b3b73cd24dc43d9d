/**
 * Fixity: every stored object of every archived document is read back from
 * both copies (primary and offsite) and hashed, and compared with the SHA-256
 * recorded when it was stored. An object found changed or missing is repaired
 * from the other copy when that one is healthy; each problem and each repair
 * is a ledger entry, and the latest state of every object is kept in the
 * `fixity` table (for /readyz and the audit report).
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
}

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

/** One sweep over every archived document (or the ones given), both copies. */
export async function sweepFixity(
  deps: { db: Db; documents: DocumentsRepo; primary: ObjectStore; offsite: ObjectStore },
  opts: {
    documentIds?: string[];
    /** Pace for scheduled sweeps (0 or unset: as fast as the disks go). */ maxBytesPerSecond?: number;
  } = {},
): Promise<FixityReport> {
  const t0 = Date.now();
  const ids = opts.documentIds ?? (await deps.documents.archivedIds());
  const report: FixityReport = { documents: 0, objects: 0, bytes: 0, ms: 0, findings: [], unrepaired: 0 };
  const copies = [deps.primary, deps.offsite];
  for (const id of ids) {
    const doc = await deps.documents.get(id);
    if (!doc) continue;
    report.documents++;
    for (const a of await deps.documents.artefacts(id)) {
      report.objects++;
      const seen = new Map<ObjectStore, { sha256: string | null; size: number }>();
      for (const store of copies) {
        const c = await check(store, a.key);
        report.bytes += c.size;
        seen.set(store, c);
      }
      if (opts.maxBytesPerSecond) {
        const due = (report.bytes / opts.maxBytesPerSecond) * 1000 - (Date.now() - t0);
        if (due > 0) await new Promise((r) => setTimeout(r, due));
      }
      for (const store of copies) {
        const c = seen.get(store)!;
        const now = new Date().toISOString();
        if (c.sha256 === a.sha256) {
          await record(deps.db, id, store.name, a.key, a.sha256, c.sha256, 'ok', now);
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
        } else {
          report.unrepaired++;
        }
        await record(deps.db, id, store.name, a.key, a.sha256, c.sha256, finding.state, now);
        report.findings.push(finding);
      }
    }
  }
  report.ms = Date.now() - t0;
  return report;
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

/** Objects whose latest check found them damaged and not repaired. */
export async function openFixityProblems(db: Db): Promise<number> {
  const res = await db.query<{ n: string }>(`SELECT count(*) AS n FROM fixity WHERE state IN ('mismatch', 'missing')`);
  return Number(res.rows[0]?.n ?? 0);
}
