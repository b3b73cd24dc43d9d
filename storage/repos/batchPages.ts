/**
 * The rows of a batch of pages as its seal settles them (ingest/intake/pageStackSeal.ts): each page file's row
 * ends tied to a document ('staged' for the one document of files as they came, 'accepted' or 'duplicate' for a
 * letter of a split batch), taken out ('sheet'), or refused with its letter ('rejected'). A row still 'staged'
 * and untied is what a stopped seal left to do; settling touches only such rows, so doing it again is harmless.
 */
import type { Queryable } from '../db';
import { FILE_COLUMNS, fileValues, type FileOutcome, type IntakeNotes, type NewBatchFile, type StagedFile } from './batches';

/** A page file of the batch (a row with a staged object) and what became of it so far. */
export interface PageRow extends StagedFile {
  outcome: FileOutcome;
  documentId: string | null;
}

/** Whether the seal has yet to settle the row. */
export const unsettled = (r: Pick<PageRow, 'outcome' | 'documentId'>): boolean => r.outcome === 'staged' && r.documentId === null;

/** What a row becomes. */
export interface PageFate {
  seq: number;
  outcome: Exclude<FileOutcome, 'staged'>;
  documentId: string | null;
  pageCount: number;
  notes: IntakeNotes | null;
  error?: { code: string; message: string; messageEn: string };
}

/** Every page file of the batch, in the order they came, settled or not. */
export async function pageRows(q: Queryable, batchId: string): Promise<PageRow[]> {
  const res = await q.query<{
    seq: number;
    name: string | null;
    size: string;
    sha256: string;
    mime: string;
    staged_key: string;
    page_count: number;
    outcome: FileOutcome;
    document_id: string | null;
  }>(
    `SELECT seq, name, size, sha256, mime, staged_key, page_count, outcome, document_id FROM batch_files
     WHERE batch_id = $1 AND staged_key IS NOT NULL ORDER BY seq`,
    [batchId],
  );
  return res.rows.map((r) => ({
    seq: r.seq,
    name: r.name,
    size: Number(r.size),
    sha256: r.sha256,
    mime: r.mime,
    stagedKey: r.staged_key,
    pageCount: r.page_count,
    outcome: r.outcome,
    documentId: r.document_id,
  }));
}

/** Settles the rows still unsettled among `fates`; returns the sequence numbers it settled. */
export async function settlePages(q: Queryable, batchId: string, fates: PageFate[]): Promise<number[]> {
  const settled: number[] = [];
  for (const f of fates) {
    const res = await q.query<{ seq: number }>(
      `UPDATE batch_files SET outcome = $3, document_id = $4, page_count = $5, notes = $6,
         error_code = $7, error_message = $8, error_message_en = $9
       WHERE batch_id = $1 AND seq = $2 AND outcome = 'staged' AND document_id IS NULL RETURNING seq`,
      [
        batchId,
        f.seq,
        f.outcome,
        f.documentId,
        f.pageCount,
        f.notes && Object.keys(f.notes).length > 0 ? JSON.stringify(f.notes) : null,
        f.error?.code ?? null,
        f.error?.message ?? null,
        f.error?.messageEn ?? null,
      ],
    );
    settled.push(...res.rows.map((r) => r.seq));
  }
  return settled;
}

/** Adds what a row says to its notes (a label refused, known once its document is registered). */
export async function notePage(q: Queryable, batchId: string, seq: number, notes: IntakeNotes): Promise<void> {
  await q.query(`UPDATE batch_files SET notes = coalesce(notes, '{}'::jsonb) || $3::jsonb WHERE batch_id = $1 AND seq = $2`, [
    batchId,
    seq,
    JSON.stringify(notes),
  ]);
}

/**
 * Adds the row of a letter that no page file's row speaks for (its pages all from files tied to an earlier
 * letter), under the next sequence number (returned): the batch's row is locked first, so no other row takes it.
 */
export async function addLetterRow(q: Queryable, batchId: string, f: NewBatchFile & { notes: IntakeNotes }): Promise<number> {
  await q.query('SELECT 1 FROM batches WHERE id = $1 FOR UPDATE', [batchId]);
  const res = await q.query<{ seq: number }>(
    `INSERT INTO batch_files (batch_id, seq, ${FILE_COLUMNS})
     SELECT $1, coalesce(max(seq), 0) + 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15
     FROM batch_files WHERE batch_id = $1 RETURNING seq`,
    [batchId, ...fileValues(f, 'stack')],
  );
  return res.rows[0]!.seq;
}

/** Whether the letter of these pages (the stack's numbering) has its added row already. */
export async function hasLetterRow(q: Queryable, batchId: string, pages: number[]): Promise<boolean> {
  const res = await q.query(
    `SELECT 1 FROM batch_files WHERE batch_id = $1 AND staged_key IS NULL AND kind = 'stack' AND notes -> 'pages' = $2::jsonb
     LIMIT 1`,
    [batchId, JSON.stringify(pages)],
  );
  return res.rows.length > 0;
}

/**
 * Opens a sealed batch again when its seal failed before settling any row (the clerk may add pages and seal
 * again); one with a row settled stays sealed, for the sweep to finish. Returns whether it was opened.
 */
export async function unsealUntouched(q: Queryable, batchId: string): Promise<boolean> {
  const res = await q.query(
    `UPDATE batches SET sealed_at = NULL WHERE id = $1 AND NOT EXISTS (
       SELECT 1 FROM batch_files WHERE batch_id = $1 AND staged_key IS NOT NULL
         AND (outcome <> 'staged' OR document_id IS NOT NULL))`,
    [batchId],
  );
  return (res.rowCount ?? 0) > 0;
}
