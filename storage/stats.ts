/**
 * Counts and probes over the database for /readyz, /metrics, the viewer and
 * `diwan doctor`: small read-only queries, kept here with the rest of the SQL.
 */
import { registryNo } from '../kernel/registry';
import type { Queryable } from './db';

/** Answers when the database does (a readiness probe). */
export async function pingDb(db: Queryable): Promise<void> {
  await db.query('SELECT 1');
}

/** The role a connection runs as. */
export async function currentRole(db: Queryable): Promise<string> {
  return (await db.query<{ role: string }>('SELECT current_user AS role')).rows[0]!.role;
}

/** The server's version string. */
export async function serverVersion(db: Queryable): Promise<string> {
  return (await db.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
}

/** The newest migration applied (0 when none, or when the record cannot be read). */
export async function appliedSchemaVersion(db: Queryable): Promise<number> {
  const r = await db
    .query<{ n: number }>('SELECT coalesce(max(version), 0)::int AS n FROM schema_migrations')
    .catch(() => ({ rows: [{ n: 0 }] }));
  return r.rows[0]!.n;
}

/**
 * A count kept by the triggers of migration 16 ('documents.status', 'fixity.state'), by label: the folded
 * totals plus the changes appended since. The changes are folded in first (one statement, so two readers
 * never fold the same change twice); a fold that fails leaves the answer exact, only slower.
 */
async function keptCounts(db: Queryable, metric: string): Promise<Map<string, number>> {
  await db
    .query(
      `WITH moved AS (DELETE FROM stat_deltas RETURNING metric, label, delta)
       INSERT INTO stat_totals (metric, label, n) SELECT metric, label, sum(delta) FROM moved GROUP BY metric, label
       ON CONFLICT (metric, label) DO UPDATE SET n = stat_totals.n + EXCLUDED.n`,
    )
    .catch(() => undefined);
  const { rows } = await db.query<{ label: string; n: number }>(
    `SELECT label, sum(n)::int AS n FROM
       (SELECT label, n FROM stat_totals WHERE metric = $1 UNION ALL SELECT label, delta FROM stat_deltas WHERE metric = $1) c
     GROUP BY label HAVING sum(n) <> 0`,
    [metric],
  );
  return new Map(rows.map((r) => [r.label, r.n]));
}

/** How many fixity rows are in each state. */
export async function fixityStateCounts(db: Queryable): Promise<Map<string, number>> {
  return keptCounts(db, 'fixity.state');
}

/** When the newest fixity check was made (null before the first). */
export async function lastFixityCheck(db: Queryable): Promise<Date | null> {
  const { rows } = await db.query<{ last: Date | null }>('SELECT max(checked_at) AS last FROM fixity');
  return rows[0]?.last ?? null;
}

/**
 * The stored files of archived documents, and how many of them a replica holds with the same fingerprint:
 * every stored file (a kept count) less those of documents still in the pipeline, and less those pending
 * replication. Reads pending work only, whatever the archive's size (the statuses are named, not
 * negated, so that the status index finds them).
 */
export async function archivedFileCounts(db: Queryable): Promise<{ files: number; verified: number }> {
  const all = [...(await keptCounts(db, 'artefacts.kind')).values()].reduce((a, b) => a + b, 0);
  const { rows } = await db.query<{ unarchived: number; pending: number }>(
    `SELECT (SELECT count(*)::int FROM artefacts a JOIN documents d ON d.id = a.document_id WHERE d.status IN ('queued', 'processing', 'failed')) AS unarchived,
            (SELECT count(*)::int FROM replication_pending p JOIN documents d ON d.id = p.document_id WHERE d.status = 'archived') AS pending`,
  );
  const files = all - rows[0]!.unarchived;
  return { files, verified: files - rows[0]!.pending };
}

/** How many of one document's stored files the last fixity check found damaged or missing. */
export async function documentFixityProblems(db: Queryable, documentId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM fixity WHERE document_id = $1 AND state IN ('mismatch', 'missing')`,
    [documentId],
  );
  return rows[0]!.n;
}

/** How many copies a target holds (its replicas, whatever their state). */
export async function replicaCount(db: Queryable, target: string): Promise<number> {
  return (await keptCounts(db, 'replicas.target')).get(target) ?? 0;
}

/** How many documents are under a hold in force now (the metric). */
export async function heldCount(db: Queryable): Promise<number> {
  return (await keptCounts(db, 'documents.held')).get('') ?? 0;
}

/** How many documents are in each status. */
export async function documentStatusCounts(db: Queryable): Promise<Map<string, number>> {
  return keptCounts(db, 'documents.status');
}

/** Failed documents, which wait for a person (`diwan rerun`), newest first: how many, and the first `limit` of them. */
export async function failedDocuments(
  db: Queryable,
  limit = 100,
): Promise<{
  count: number;
  items: Array<{ id: string; registryNo: string; code: string | null; message: string | null; at: string }>;
}> {
  const count = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM documents WHERE status = 'failed'`);
  if (limit <= 0) return { count: count.rows[0]!.n, items: [] };
  const { rows } = await db.query<{
    id: string;
    register: string;
    registry_year: number;
    registry_seq: number;
    error_code: string | null;
    error_message: string | null;
    updated_at: Date;
  }>(
    `SELECT id, register, registry_year, registry_seq, error_code, error_message, updated_at FROM documents
     WHERE status = 'failed' ORDER BY updated_at DESC LIMIT $1`,
    [limit],
  );
  return {
    count: count.rows[0]!.n,
    items: rows.map((r) => ({
      id: r.id,
      registryNo: registryNo({ register: r.register, year: r.registry_year, seq: r.registry_seq }),
      code: r.error_code,
      message: r.error_message,
      at: r.updated_at.toISOString(),
    })),
  };
}

/** The completed stages of every document still in the pipeline. */
export async function unfinishedStages(db: Queryable): Promise<Record<string, string>[]> {
  const { rows } = await db.query<{ stages: Record<string, string> }>(
    `SELECT stages FROM documents WHERE status IN ('queued', 'processing')`,
  );
  return rows.map((r) => r.stages);
}
