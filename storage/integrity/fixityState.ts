/**
 * The fixity cycle's state in the database (migration 20): which copies to
 * read next, oldest check first, found by an index scan on
 * fixity_cycle(checked_at, document_id, key, target) whatever the archive's
 * size; and a batch's results written in one transaction (one multi-row
 * upsert of `fixity`, one multi-row update of `fixity_cycle`), so that a run
 * killed mid-batch loses that batch and nothing else, and writes nothing twice.
 */
import { registryNo } from '../../kernel/registry';
import { inTransaction, type Db, type Queryable } from '../db';
import type { BatchState, FixityObject, FixityRow } from './fixityCheck';

/** A copy due for a check: the object, which copy, and its place in the cycle (the keyset cursor). */
export interface DueCopy {
  object: FixityObject;
  target: string;
  /** When the cycle last read this copy, as the database prints it ('-infinity': never). */
  checkedAt: string;
}

export type CycleCursor = Pick<DueCopy, 'checkedAt' | 'target'> & { documentId: string; key: string };

type ObjectRow = {
  document_id: string;
  key: string;
  sha256: string;
  size: string;
  content_type: string;
  register: string;
  registry_year: number;
  registry_seq: number;
};

const toObject = (r: ObjectRow): FixityObject => ({
  documentId: r.document_id,
  registryNo: registryNo({ register: r.register, year: r.registry_year, seq: r.registry_seq }),
  key: r.key,
  sha256: r.sha256,
  size: Number(r.size),
  contentType: r.content_type,
});

/**
 * The next `limit` copies of `targets` in the cycle's order (oldest check first) that were last read before
 * `before`, after `cursor` (null: from the start): those of archived documents to check (`due`), and where
 * the next call starts (`next`; null when none are left). The copies are taken from the index first, and
 * only those joined to their document, so the plan never depends on how many match.
 */
export async function oldestCopies(
  db: Queryable,
  targets: string[],
  before: Date,
  cursor: CycleCursor | null,
  limit: number,
): Promise<{ due: DueCopy[]; next: CycleCursor | null }> {
  const params: unknown[] = [targets, before, limit];
  const after = cursor
    ? `AND (checked_at, document_id, key, target) > ($${params.push(cursor.checkedAt)}::timestamptz,
         $${params.push(cursor.documentId)}::uuid, $${params.push(cursor.key)}::text, $${params.push(cursor.target)}::text)`
    : '';
  const { rows } = await db.query<Partial<ObjectRow> & { document_id: string; key: string; target: string; checked_at: string }>(
    `WITH next AS MATERIALIZED (
       SELECT document_id, key, target, checked_at FROM fixity_cycle
       WHERE target = ANY($1::text[]) AND checked_at < $2 ${after}
       ORDER BY checked_at, document_id, key, target LIMIT $3)
     SELECT c.document_id, c.key, c.target, c.checked_at::text AS checked_at, a.sha256, a.size, a.content_type,
            d.register, d.registry_year, d.registry_seq
     FROM next c
     LEFT JOIN documents d ON d.id = c.document_id AND d.status = 'archived'
     LEFT JOIN artefacts a ON a.document_id = c.document_id AND a.key = c.key
     ORDER BY c.checked_at, c.document_id, c.key, c.target`,
    params,
  );
  const last = rows[rows.length - 1];
  const due = rows
    .filter((r): r is ObjectRow & { target: string; checked_at: string } => r.registry_year != null && r.sha256 != null)
    .map((r) => ({ object: toObject(r), target: r.target, checkedAt: r.checked_at }));
  const next = last ? { checkedAt: last.checked_at, documentId: last.document_id, key: last.key, target: last.target } : null;
  return { due, next: rows.length === limit ? next : null };
}

/** Copies of `targets` whose last check is older than `since` (never-checked ones are not counted: they are new). */
export async function lateCopies(db: Queryable, targets: string[], since: Date): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM fixity_cycle WHERE checked_at > '-infinity' AND checked_at < $2 AND target = ANY($1::text[])`,
    [targets, since],
  );
  return rows[0]?.n ?? 0;
}

/** When the least recently checked copy of `targets` was read by the cycle (null: one never was; undefined: none to check). */
export async function oldestCheck(db: Queryable, targets: string[]): Promise<Date | null | undefined> {
  const { rows } = await db.query<{ at: Date | number }>(
    `SELECT checked_at AS at FROM fixity_cycle WHERE target = ANY($1::text[]) ORDER BY checked_at LIMIT 1`,
    [targets],
  );
  const at = rows[0]?.at;
  if (at === undefined) return undefined;
  return at instanceof Date ? at : null;
}

/**
 * One page of archived documents in registry order (register, year, number: the registry key's order) after
 * `after` (null: from the first; a cursor without a register is the incoming book's), with their stored objects.
 */
export async function archivedPage(
  db: Queryable,
  after: { year: number; seq: number; register?: string } | null,
  limit: number,
): Promise<{ documents: number; objects: FixityObject[]; next: { year: number; seq: number; register: string } | null }> {
  const docs = await db.query<{ id: string; register: string; registry_year: number; registry_seq: number }>(
    after
      ? `SELECT id, register, registry_year, registry_seq FROM documents
         WHERE status = 'archived' AND (register, registry_year, registry_seq) > ($4, $2, $3)
         ORDER BY register, registry_year, registry_seq LIMIT $1`
      : `SELECT id, register, registry_year, registry_seq FROM documents WHERE status = 'archived'
         ORDER BY register, registry_year, registry_seq LIMIT $1`,
    after ? [limit, after.year, after.seq, after.register ?? 'incoming'] : [limit],
  );
  const last = docs.rows[docs.rows.length - 1];
  const objects = await objectsOf(
    db,
    docs.rows.map((d) => d.id),
  );
  return {
    documents: docs.rows.length,
    objects,
    next:
      last && docs.rows.length === limit ? { year: last.registry_year, seq: last.registry_seq, register: last.register } : null,
  };
}

/** The stored objects of the given documents (any status), by document in the order given, then by key. */
export async function objectsOf(db: Queryable, documentIds: string[]): Promise<FixityObject[]> {
  if (documentIds.length === 0) return [];
  const { rows } = await db.query<ObjectRow>(
    `SELECT a.document_id, a.key, a.sha256, a.size, a.content_type, d.register, d.registry_year, d.registry_seq
     FROM unnest($1::uuid[]) WITH ORDINALITY AS w(id, n)
     JOIN documents d ON d.id = w.id JOIN artefacts a ON a.document_id = d.id
     ORDER BY w.n, a.key`,
    [documentIds],
  );
  return rows.map(toObject);
}

/** Writes copies' latest states (the `fixity` rows), one statement for any number of them. */
export async function upsertFixityRows(q: Queryable, rows: FixityRow[]): Promise<void> {
  if (rows.length === 0) return;
  await q.query(
    `INSERT INTO fixity (document_id, target, key, expected_sha256, found_sha256, state, checked_at)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])
     ON CONFLICT (document_id, target, key) DO UPDATE SET expected_sha256 = EXCLUDED.expected_sha256,
       found_sha256 = EXCLUDED.found_sha256, state = EXCLUDED.state, checked_at = EXCLUDED.checked_at`,
    [
      rows.map((r) => r.documentId),
      rows.map((r) => r.target),
      rows.map((r) => r.key),
      rows.map((r) => r.expected),
      rows.map((r) => r.found),
      rows.map((r) => r.state),
      rows.map((r) => r.at),
    ],
  );
}

/** Writes a batch's results in one transaction: the copies' fixity rows, and their new place in the cycle. */
export async function writeBatchState(db: Db, state: BatchState): Promise<void> {
  if (state.rows.size === 0 && state.read.length === 0) return;
  await inTransaction(db, async (tx) => {
    await upsertFixityRows(tx, [...state.rows.values()]);
    if (state.read.length > 0) {
      await tx.query(
        `UPDATE fixity_cycle c SET checked_at = u.at
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[]) AS u(document_id, key, target, at)
         WHERE c.document_id = u.document_id AND c.key = u.key AND c.target = u.target`,
        [
          state.read.map((r) => r.documentId),
          state.read.map((r) => r.key),
          state.read.map((r) => r.target),
          state.read.map((r) => r.at),
        ],
      );
    }
  });
}

/** Puts a copy first in the cycle (a damaged copy found outside it), so that the next run reads it. */
export async function checkFirst(db: Queryable, c: { documentId: string; key: string; target: string }): Promise<void> {
  await db.query(`UPDATE fixity_cycle SET checked_at = '-infinity' WHERE document_id = $1 AND key = $2 AND target = $3`, [
    c.documentId,
    c.key,
    c.target,
  ]);
}
