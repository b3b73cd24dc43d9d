/**
 * How far the offsite copy is behind: every stored file of a document that is
 * not failed counts until a copy with the same SHA-256 has been read back and
 * verified on the target. Reported in /readyz, /metrics and `diwan replicate --status`.
 */
import type { Queryable } from '../db';
import { replicaCount } from '../stats';

export interface ReplicationStatus {
  /** Documents with at least one file not yet verified offsite. */
  pending: number;
  /** Age of the oldest such file (0 when none). */
  oldestPendingSeconds: number;
  /** Bytes still to copy. */
  bytesPending: number;
  objectsPending: number;
  /** Files verified on the target. */
  objectsReplicated: number;
  /** When the latest copy was verified. */
  lastVerifiedAt: string | null;
}

/** What the probes need: the pending part only, read in time proportional to what is pending. */
export type ReplicationLag = Pick<ReplicationStatus, 'pending' | 'oldestPendingSeconds' | 'bytesPending' | 'objectsPending'>;

/**
 * Files of documents not failed that `target` holds no verified copy of (same key, same SHA-256).
 * `replication_pending` (kept by triggers, migration 16) lists the files no target holds; while every
 * replica is `target`'s that is the same set, read in time proportional to the pending work. With
 * replicas of another target too (the offsite bucket renamed, say), the whole archive is compared.
 */
export async function replicationLag(db: Queryable, target: string): Promise<ReplicationLag> {
  const other = await db.query<{ other: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM replicas WHERE target < $1) OR EXISTS (SELECT 1 FROM replicas WHERE target > $1) AS other`,
    [target],
  );
  const { rows } = await db.query<{ pending: number; objects: number; bytes: string; oldest: number | null }>(
    other.rows[0]!.other
      ? `SELECT count(DISTINCT a.document_id)::int AS pending, count(*)::int AS objects, coalesce(sum(a.size), 0)::text AS bytes,
                extract(epoch FROM now() - min(a.created_at))::float8 AS oldest
         FROM artefacts a
         JOIN documents d ON d.id = a.document_id AND d.status <> 'failed'
         LEFT JOIN replicas r ON r.document_id = a.document_id AND r.target = $1 AND r.key = a.key AND r.sha256 = a.sha256
         WHERE r.key IS NULL`
      : `SELECT count(DISTINCT p.document_id)::int AS pending, count(*)::int AS objects, coalesce(sum(p.size), 0)::text AS bytes,
                extract(epoch FROM now() - min(p.created_at))::float8 AS oldest
         FROM replication_pending p
         JOIN documents d ON d.id = p.document_id AND d.status <> 'failed'`,
    other.rows[0]!.other ? [target] : [],
  );
  const r = rows[0]!;
  return {
    pending: r.pending,
    oldestPendingSeconds: Math.max(0, Math.round(r.oldest ?? 0)),
    bytesPending: Number(r.bytes),
    objectsPending: r.objects,
  };
}

/** The lag, and what the target holds (a kept count, and its newest copy from the index on verification time). */
export async function replicationStatus(db: Queryable, target: string): Promise<ReplicationStatus> {
  const lag = await replicationLag(db, target);
  const last = await db.query<{ last: Date | null }>('SELECT max(verified_at) AS last FROM replicas WHERE target = $1', [target]);
  return {
    ...lag,
    objectsReplicated: await replicaCount(db, target),
    lastVerifiedAt: last.rows[0]!.last?.toISOString() ?? null,
  };
}
