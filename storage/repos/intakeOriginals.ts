/**
 * Files kept whole beside the documents made of them (intake_originals): a scanned stack split at separator
 * sheets is written once to object storage and its row committed before any of its documents is registered;
 * each document it became is tied to it with the stack's pages it holds (intake_original_documents). A row
 * stays 'splitting' until every document is registered, so the sweep finishes what a stopped process began
 * (ingest/intake/stack.ts, finishStacks).
 */
import type { Queryable } from '../db';
import { INCOMING, registryNo } from '../../kernel/registry';
import { isUuid } from '../../kernel/text';

export type IntakeOriginalKind = 'stack' | 'email';

/** What a stack became: its documents, the separator sheets it held, the blank pages left out. */
export interface IntakeSummary {
  documents: number;
  separators: number;
  blankPages: number;
}

export interface IntakeOriginal {
  id: string;
  batchId: string | null;
  kind: IntakeOriginalKind;
  name: string | null;
  sha256: string;
  size: number;
  mime: string;
  key: string;
  pages: number;
  status: 'splitting' | 'done';
  summary: IntakeSummary | null;
  /** What its documents are registered with (the caller's own shape, kept as JSON for the sweep). */
  context: unknown;
  createdBy: string | null;
  createdAt: string;
}

export type NewIntakeOriginal = Pick<
  IntakeOriginal,
  'id' | 'batchId' | 'kind' | 'name' | 'sha256' | 'size' | 'mime' | 'key' | 'pages' | 'context' | 'createdBy'
>;

/** A document a kept file became, with the file's pages it holds (1-based, in the file's order). */
export interface OriginalDocument {
  seq: number;
  documentId: string;
  registryNo: string;
  pages: number[] | null;
}

interface Row {
  id: string;
  batch_id: string | null;
  kind: IntakeOriginalKind;
  name: string | null;
  sha256: string;
  size: string;
  mime: string;
  key: string;
  pages: number;
  status: 'splitting' | 'done';
  summary: IntakeSummary | null;
  context: unknown;
  created_by: string | null;
  created_at: Date;
}

const COLUMNS = 'id, batch_id, kind, name, sha256, size, mime, key, pages, status, summary, context, created_by, created_at';

function toOriginal(r: Row): IntakeOriginal {
  return {
    id: r.id,
    batchId: r.batch_id,
    kind: r.kind,
    name: r.name,
    sha256: r.sha256,
    size: Number(r.size),
    mime: r.mime,
    key: r.key,
    pages: r.pages,
    status: r.status,
    summary: r.summary,
    context: r.context,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
  };
}

/** Records a kept file, already stored, as 'splitting'. */
export async function createIntakeOriginal(q: Queryable, o: NewIntakeOriginal): Promise<IntakeOriginal> {
  const res = await q.query<Row>(
    `INSERT INTO intake_originals (id, batch_id, kind, name, sha256, size, mime, key, pages, context, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ${COLUMNS}`,
    [o.id, o.batchId, o.kind, o.name, o.sha256, o.size, o.mime, o.key, o.pages, JSON.stringify(o.context), o.createdBy],
  );
  return toOriginal(res.rows[0]!);
}

export async function getIntakeOriginal(q: Queryable, id: string): Promise<IntakeOriginal | undefined> {
  if (!isUuid(id)) return undefined;
  const res = await q.query<Row>(`SELECT ${COLUMNS} FROM intake_originals WHERE id = $1`, [id]);
  return res.rows[0] ? toOriginal(res.rows[0]) : undefined;
}

/** Ties a document to the kept file it was made of (again: nothing changes). */
export async function linkOriginalDocument(
  q: Queryable,
  originalId: string,
  link: { seq: number; documentId: string; pages: number[] | null },
): Promise<void> {
  await q.query(
    `INSERT INTO intake_original_documents (original_id, document_id, seq, pages) VALUES ($1, $2, $3, $4)
     ON CONFLICT (original_id, seq) DO NOTHING`,
    [originalId, link.documentId, link.seq, link.pages],
  );
}

/** Every document of the kept file is registered: 'done', with what it became. */
export async function finishIntakeOriginal(q: Queryable, id: string, summary: IntakeSummary): Promise<void> {
  await q.query(`UPDATE intake_originals SET status = 'done', summary = $2 WHERE id = $1`, [id, JSON.stringify(summary)]);
}

/** Kept files of this kind whose documents a stopped process may not have registered, oldest first. */
export async function unfinishedOriginals(q: Queryable, kind: IntakeOriginalKind): Promise<IntakeOriginal[]> {
  const res = await q.query<Row>(
    `SELECT ${COLUMNS} FROM intake_originals WHERE status = 'splitting' AND kind = $1 ORDER BY created_at LIMIT 100`,
    [kind],
  );
  return res.rows.map(toOriginal);
}

/** The documents a kept file became, in its order. */
export async function originalDocuments(q: Queryable, originalId: string): Promise<OriginalDocument[]> {
  const res = await q.query<{ seq: number; document_id: string; pages: number[] | null; register: string; y: number; s: number }>(
    `SELECT o.seq, o.document_id, o.pages, d.register, d.registry_year AS y, d.registry_seq AS s
     FROM intake_original_documents o JOIN documents d ON d.id = o.document_id
     WHERE o.original_id = $1 ORDER BY o.seq`,
    [originalId],
  );
  return res.rows.map((r) => ({
    seq: r.seq,
    documentId: r.document_id,
    registryNo: registryNo({ register: r.register ?? INCOMING, year: r.y, seq: r.s }),
    pages: r.pages,
  }));
}

/** A batch's kept files, as its view lists them. */
export async function batchOriginals(
  q: Queryable,
  batchId: string,
): Promise<
  Array<{ id: string; kind: IntakeOriginalKind; name: string | null; pages: number; documents: number; status: string }>
> {
  const res = await q.query<{
    id: string;
    kind: IntakeOriginalKind;
    name: string | null;
    pages: number;
    status: string;
    n: number;
  }>(
    `SELECT i.id, i.kind, i.name, i.pages, i.status,
            (SELECT count(*)::int FROM intake_original_documents o WHERE o.original_id = i.id) AS n
     FROM intake_originals i WHERE i.batch_id = $1 ORDER BY i.created_at, i.id`,
    [batchId],
  );
  return res.rows.map((r) => ({ id: r.id, kind: r.kind, name: r.name, pages: r.pages, documents: r.n, status: r.status }));
}

/** Whether the batch has a row for this document already (the sweep adds the rows a stopped process did not). */
export async function batchHasDocument(q: Queryable, batchId: string, documentId: string): Promise<boolean> {
  const res = await q.query('SELECT 1 FROM batch_files WHERE batch_id = $1 AND document_id = $2 LIMIT 1', [batchId, documentId]);
  return res.rows.length > 0;
}
