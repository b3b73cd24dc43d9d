/**
 * Files kept whole beside the documents made of them (intake_originals): a scanned stack split at separator
 * sheets is written once to object storage and its row committed before any of its documents is registered;
 * each document it became is tied to it with the stack's pages it holds (intake_original_documents). A row
 * stays 'splitting' until every document is registered, so the sweep finishes what a stopped process began
 * (ingest/intake/stack.ts, finishStacks). Marking it done appends its 'stack-kept' ledger entry in the same
 * transaction (what restore needs to make both rows again: storage/restore/keptStacks.ts); its copy in the
 * offsite bucket is recorded apart (offsite_at), whenever it is read back there (ingest/intake/stackOffsite.ts).
 */
import { inTransaction, type Db, type Queryable } from '../db';
import { appendLedger } from '../integrity/ledger';
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
  /** When its copy in the offsite bucket was read back with its SHA-256; null while it waits for one. */
  offsiteAt: string | null;
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
  offsite_at: Date | null;
}

const COLUMNS =
  'id, batch_id, kind, name, sha256, size, mime, key, pages, status, summary, context, created_by, created_at, offsite_at';

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
    offsiteAt: r.offsite_at?.toISOString() ?? null,
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

/**
 * The 'stack-kept' ledger entry's payload: the kept file as stored, what it became, and the letters it holds, so
 * that a restore makes its rows again from the ledger (`filed`: its letters' classification and department,
 * which decide who may open it; the rest of what they were registered with stays out of the ledger).
 */
export interface StackKept extends Pick<
  IntakeOriginal,
  'id' | 'kind' | 'name' | 'sha256' | 'size' | 'mime' | 'key' | 'pages' | 'batchId' | 'createdBy' | 'createdAt'
> {
  summary: IntakeSummary;
  filed: { classification: string | null; department: string | null };
  letters: Array<{ seq: number; documentId: string; pages: number[] | null }>;
}

/** The classification and department a kept file's letters were filed with (its registration context). */
export function filedOf(context: unknown): StackKept['filed'] {
  const meta = (context as { meta?: { classification?: unknown; department?: unknown } } | null)?.meta;
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  return { classification: text(meta?.classification), department: text(meta?.department) };
}

/**
 * Every document of the kept file is registered: 'done', with what it became, and its 'stack-kept' ledger entry in
 * the same transaction (once: a row already done is left as it is).
 */
export async function finishIntakeOriginal(db: Db, id: string, summary: IntakeSummary): Promise<void> {
  await inTransaction(db, async (tx) => {
    const res = await tx.query<Row>(
      `UPDATE intake_originals SET status = 'done', summary = $2 WHERE id = $1 AND status = 'splitting' RETURNING ${COLUMNS}`,
      [id, JSON.stringify(summary)],
    );
    if (!res.rows[0]) return;
    const o = toOriginal(res.rows[0]);
    const letters = await tx.query<{ seq: number; document_id: string; pages: number[] | null }>(
      'SELECT seq, document_id, pages FROM intake_original_documents WHERE original_id = $1 ORDER BY seq',
      [id],
    );
    const entry: StackKept = {
      id: o.id,
      kind: o.kind,
      name: o.name,
      sha256: o.sha256,
      size: o.size,
      mime: o.mime,
      key: o.key,
      pages: o.pages,
      summary,
      batchId: o.batchId,
      createdBy: o.createdBy,
      createdAt: o.createdAt,
      filed: filedOf(o.context),
      letters: letters.rows.map((l) => ({ seq: l.seq, documentId: l.document_id, pages: l.pages })),
    };
    await appendLedger(tx, 'stack-kept', null, { ...entry });
  });
}

/** Its copy in the offsite bucket was read back with its SHA-256. */
export async function markOffsite(q: Queryable, id: string): Promise<void> {
  await q.query('UPDATE intake_originals SET offsite_at = now() WHERE id = $1 AND offsite_at IS NULL', [id]);
}

/** Kept files not yet copied to the offsite bucket, oldest first. */
export async function awaitingOffsite(q: Queryable, limit = 100): Promise<IntakeOriginal[]> {
  const res = await q.query<Row>(
    `SELECT ${COLUMNS} FROM intake_originals WHERE offsite_at IS NULL ORDER BY created_at LIMIT ${Math.max(1, Math.floor(limit))}`,
  );
  return res.rows.map(toOriginal);
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
