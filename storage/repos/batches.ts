/**
 * The batches repository: a batch, and one row per file received into it with
 * its outcome at the door. The live status of an accepted file is its
 * document's status, read through a join, never copied.
 */
import { inTransaction, isUniqueViolation, type Db, type Queryable } from '../db';
import type { DocumentMeta } from './documents';
import { INCOMING, registryNo, type LabelRefusal } from '../../kernel/registry';
import { DomainError } from '../../kernel/errors';
import { isUuid } from '../../kernel/text';

export type BatchMode = 'documents' | 'pages';
/** Where a batch's files came from. */
export const INTAKE_SOURCES = ['web', 'api', 'cli', 'folder', 'mail'] as const;
export type IntakeSource = (typeof INTAKE_SOURCES)[number];
/** How the scanner fed the paper: one side, both sides (blank backs dropped), two one-sided passes (collated). */
export const DUPLEX_MODES = ['simplex', 'duplex', 'passes'] as const;
export type Duplex = (typeof DUPLEX_MODES)[number];
/** What a received file was: one document as it came, a part of a split stack, an Office file, a message, an attachment. */
export type IntakeKind = 'file' | 'stack' | 'office' | 'email' | 'attachment';
/** What was noticed of a file at the door: its pages in the stack, separators, blank pages dropped, the label read. */
export interface IntakeNotes {
  pages?: number[];
  separators?: number;
  blankPages?: number;
  label?: string;
  labelRefused?: LabelRefusal;
}
/** 'sheet': a page file of a batch of pages taken out at the seal (a separator sheet, a blank back; its notes say which). */
export type FileOutcome = 'accepted' | 'duplicate' | 'rejected' | 'staged' | 'sheet';
export type FileStatus = 'queued' | 'processing' | 'archived' | 'duplicate' | 'rejected' | 'failed';

/** A batch carries the metadata its documents are registered with. */
export interface BatchRecord extends DocumentMeta {
  id: string;
  name: string;
  mode: BatchMode;
  /** The register its documents are numbered in. */
  register: string;
  /** The sender's reference and date, the correspondent's record and the documents (ids) answered, its documents take. */
  externalRef: string | null;
  externalDate: string | null;
  correspondentId: string | null;
  inReplyTo: string[];
  /** Who sent it (null for the installation's administrator token). */
  createdBy: string | null;
  source: IntakeSource;
  duplex: Duplex;
  sealedAt: string | null;
  createdAt: string;
}

export interface BatchFileView {
  id: string;
  seq: number;
  name: string | null;
  size: number;
  sha256: string;
  status: FileStatus;
  documentId: string | null;
  registryNo: string | null;
  pageCount: number | null;
  error: { code: string; message: string; messageEn: string } | null;
  kind: IntakeKind;
  partOf: string | null;
  notes: IntakeNotes | null;
}

export interface NewBatchFile {
  name: string | null;
  size: number;
  sha256: string;
  outcome: FileOutcome;
  mime?: string | null;
  documentId?: string | null;
  pageCount?: number | null;
  error?: { code: string; message: string; messageEn: string } | null;
  stagedKey?: string | null;
  kind?: IntakeKind;
  partOf?: string | null;
  notes?: IntakeNotes | null;
}

export interface StagedFile {
  seq: number;
  name: string | null;
  size: number;
  sha256: string;
  mime: string;
  stagedKey: string;
  pageCount: number;
}

interface BatchRow {
  id: string;
  name: string;
  mode: BatchMode;
  title: string | null;
  doc_type: string | null;
  department: string | null;
  classification: string;
  doc_date: string | null;
  correspondent: string | null;
  register: string;
  external_ref: string | null;
  external_date: string | null;
  correspondent_id: string | null;
  in_reply_to: string[];
  created_by: string | null;
  source: IntakeSource;
  duplex: Duplex;
  sealed_at: Date | null;
  created_at: Date;
}

const BATCH_COLUMNS = `id, name, mode, title, doc_type, department, classification, to_char(doc_date, 'YYYY-MM-DD') AS doc_date, correspondent, register, external_ref, to_char(external_date, 'YYYY-MM-DD') AS external_date, correspondent_id, in_reply_to, created_by, source, duplex, sealed_at, created_at`;

function toBatch(r: BatchRow): BatchRecord {
  return {
    id: r.id,
    name: r.name,
    mode: r.mode,
    title: r.title,
    docType: r.doc_type,
    department: r.department,
    classification: r.classification,
    docDate: r.doc_date,
    correspondent: r.correspondent,
    register: r.register,
    externalRef: r.external_ref,
    externalDate: r.external_date,
    correspondentId: r.correspondent_id,
    inReplyTo: r.in_reply_to,
    createdBy: r.created_by,
    source: r.source,
    duplex: r.duplex,
    sealedAt: r.sealed_at?.toISOString() ?? null,
    createdAt: r.created_at.toISOString(),
  };
}

/**
 * The status a clerk sees: the document's while it lives, the door's outcome otherwise. A page taken out is
 * tied to no document and nothing waits for it: 'archived', its notes saying why (a separator, a blank back).
 */
function fileStatus(outcome: FileOutcome, docStatus: string | null): FileStatus {
  if (outcome === 'duplicate' || outcome === 'rejected') return outcome;
  if (outcome === 'sheet') return 'archived';
  if (outcome === 'staged' && !docStatus) return 'queued';
  return (docStatus ?? 'queued') as FileStatus;
}

/** Staged pages of a batch not yet tied to a document, in order. */
async function stagedFiles(batchId: string, q: Queryable): Promise<StagedFile[]> {
  const res = await q.query<{
    seq: number;
    name: string | null;
    size: string;
    sha256: string;
    mime: string;
    staged_key: string;
    page_count: number;
  }>(
    `SELECT seq, name, size, sha256, mime, staged_key, page_count FROM batch_files
     WHERE batch_id = $1 AND outcome = 'staged' AND document_id IS NULL ORDER BY seq`,
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
  }));
}

/** The registry fields a batch gives its documents. */
type RegistryFieldName = 'register' | 'externalRef' | 'externalDate' | 'correspondentId' | 'inReplyTo';

/** The metadata a document of `batch` is registered with (`title`: its own, or none). */
export function batchMeta(
  batch: BatchRecord,
  title: string | null,
): DocumentMeta & Pick<BatchRecord, RegistryFieldName> & { batchId: string } {
  const { docType, department, classification, docDate, correspondent, register } = batch;
  return {
    title,
    docType,
    department,
    classification,
    docDate,
    correspondent,
    register,
    externalRef: batch.externalRef ?? null,
    externalDate: batch.externalDate ?? null,
    correspondentId: batch.correspondentId ?? null,
    inReplyTo: batch.inReplyTo ?? [],
    batchId: batch.id,
    uploadedBy: batch.createdBy,
  };
}

/** A received file's columns in batch_files after batch_id and seq, in the order of fileValues. */
export const FILE_COLUMNS =
  'name, size, sha256, outcome, mime, document_id, page_count, error_code, error_message, error_message_en, staged_key, kind, part_of, notes';

/** A received file's values for FILE_COLUMNS (`kind` when it names none). */
export function fileValues(f: NewBatchFile, kind: IntakeKind): unknown[] {
  return [
    f.name,
    f.size,
    f.sha256,
    f.outcome,
    f.mime ?? null,
    f.documentId ?? null,
    f.pageCount ?? null,
    f.error?.code ?? null,
    f.error?.message ?? null,
    f.error?.messageEn ?? null,
    f.stagedKey ?? null,
    f.kind ?? kind,
    f.partOf ?? null,
    f.notes ? JSON.stringify(f.notes) : null,
  ];
}

export function createBatchesRepo(db: Db) {
  return {
    /** A new batch; its register (default incoming) must exist (an unknown one is `unknown_register`). */
    async create(
      input: Omit<BatchRecord, 'id' | 'sealedAt' | 'createdAt' | 'source' | 'duplex' | RegistryFieldName> &
        Partial<Pick<BatchRecord, RegistryFieldName | 'source' | 'duplex'>>,
    ): Promise<BatchRecord> {
      const register = input.register ?? INCOMING;
      const known = await db.query('SELECT 1 FROM registers WHERE code = $1', [register]);
      if (known.rows.length === 0) throw new DomainError('unknown_register', { ar: `(${register})`, en: `(${register})` });
      const res = await db.query<BatchRow>(
        `INSERT INTO batches (name, mode, title, doc_type, department, classification, doc_date, correspondent, created_by, register,
           external_ref, external_date, correspondent_id, in_reply_to, source, duplex)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING ${BATCH_COLUMNS}`,
        [
          input.name,
          input.mode,
          input.title,
          input.docType,
          input.department,
          input.classification,
          input.docDate,
          input.correspondent,
          input.createdBy,
          register,
          input.externalRef ?? null,
          input.externalDate ?? null,
          input.correspondentId ?? null,
          input.inReplyTo ?? [],
          input.source ?? 'api',
          input.duplex ?? 'simplex',
        ],
      );
      return toBatch(res.rows[0]!);
    },

    async get(id: string, q: Queryable = db): Promise<BatchRecord | undefined> {
      if (!isUuid(id)) return undefined;
      const res = await q.query<BatchRow>(`SELECT ${BATCH_COLUMNS} FROM batches WHERE id = $1`, [id]);
      return res.rows[0] ? toBatch(res.rows[0]) : undefined;
    },

    /**
     * Appends a received file under the next sequence number of its batch. A
     * staged page is only added while the batch is open (the row lock waits for
     * a seal under way); undefined means the batch was sealed first.
     */
    async addFile(batchId: string, f: NewBatchFile): Promise<string | undefined> {
      // Two requests into one batch may race for the next seq; the UNIQUE (batch_id, seq) makes one of them try again.
      for (let attempt = 0; ; attempt++) {
        try {
          const res = await db.query<{ id: string }>(
            `INSERT INTO batch_files (batch_id, seq, ${FILE_COLUMNS})
             SELECT $1, (SELECT coalesce(max(seq), 0) + 1 FROM batch_files WHERE batch_id = $1),
               $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15
             FROM batches b WHERE b.id = $1 AND ($5 <> 'staged' OR b.sealed_at IS NULL)
             FOR SHARE OF b
             RETURNING id`,
            [batchId, ...fileValues(f, 'file')],
          );
          return res.rows[0]?.id;
        } catch (e) {
          if (!isUniqueViolation(e) || attempt >= 20) throw e;
        }
      }
    },

    async files(batchId: string): Promise<BatchFileView[]> {
      const res = await db.query<{
        id: string;
        seq: number;
        name: string | null;
        size: string;
        sha256: string;
        outcome: FileOutcome;
        document_id: string | null;
        page_count: number | null;
        error_code: string | null;
        error_message: string | null;
        error_message_en: string | null;
        doc_status: string | null;
        doc_error_code: string | null;
        doc_error_message: string | null;
        register: string | null;
        registry_year: number | null;
        registry_seq: number | null;
        kind: IntakeKind;
        part_of: string | null;
        notes: IntakeNotes | null;
      }>(
        `SELECT f.id, f.seq, f.name, f.size, f.sha256, f.outcome, f.document_id, f.page_count,
                f.error_code, f.error_message, f.error_message_en, f.kind, f.part_of, f.notes,
                d.status AS doc_status, d.error_code AS doc_error_code, d.error_message AS doc_error_message,
                d.register, d.registry_year, d.registry_seq
         FROM batch_files f LEFT JOIN documents d ON d.id = f.document_id
         WHERE f.batch_id = $1 ORDER BY f.seq`,
        [batchId],
      );
      return res.rows.map((r) => {
        const status = fileStatus(r.outcome, r.doc_status);
        const error = r.error_code
          ? { code: r.error_code, message: r.error_message ?? '', messageEn: r.error_message_en ?? '' }
          : status === 'failed' && r.doc_error_code
            ? { code: r.doc_error_code, message: r.doc_error_message ?? '', messageEn: r.doc_error_message ?? '' }
            : null;
        return {
          id: r.id,
          seq: r.seq,
          name: r.name,
          size: Number(r.size),
          sha256: r.sha256,
          status,
          documentId: r.document_id,
          registryNo:
            r.registry_year !== null && r.registry_seq !== null
              ? registryNo({ register: r.register ?? INCOMING, year: r.registry_year, seq: r.registry_seq })
              : null,
          pageCount: r.page_count,
          error,
          kind: r.kind,
          partOf: r.part_of,
          notes: r.notes,
        };
      });
    },

    /**
     * Closes a batch of pages (under a row lock, so no page slips in after) and
     * returns the staged pages it holds, in order; undefined when already sealed.
     */
    async seal(batchId: string): Promise<StagedFile[] | undefined> {
      return inTransaction(db, async (tx) => {
        const b = await tx.query<{ sealed_at: Date | null }>('SELECT sealed_at FROM batches WHERE id = $1 FOR UPDATE', [batchId]);
        if (!b.rows[0] || b.rows[0].sealed_at) return undefined;
        await tx.query('UPDATE batches SET sealed_at = now() WHERE id = $1', [batchId]);
        return stagedFiles(batchId, tx);
      });
    },

    /** Batches of pages sealed with pages neither tied to a document nor taken out (the process sealing them stopped first). */
    async sealedUnregistered(): Promise<BatchRecord[]> {
      const res = await db.query<BatchRow>(
        `SELECT ${BATCH_COLUMNS} FROM batches WHERE mode = 'pages' AND sealed_at IS NOT NULL
           AND id IN (SELECT batch_id FROM batch_files WHERE outcome = 'staged' AND document_id IS NULL)
         ORDER BY sealed_at`,
      );
      return res.rows.map(toBatch);
    },

    /** Ties staged pages to the document they became (`duplicate` when it existed already). */
    async linkPages(
      q: Queryable,
      batchId: string,
      seqs: number[],
      documentId: string,
      outcome: 'staged' | 'duplicate',
    ): Promise<void> {
      await q.query(`UPDATE batch_files SET document_id = $3, outcome = $4 WHERE batch_id = $1 AND seq = ANY($2::int[])`, [
        batchId,
        seqs,
        documentId,
        outcome,
      ]);
    },

    /** Staged sources of a document's parts (for finishing an interrupted seal). */
    async stagedForDocument(documentId: string): Promise<string[]> {
      const res = await db.query<{ staged_key: string }>(
        `SELECT staged_key FROM batch_files WHERE document_id = $1 AND outcome = 'staged' ORDER BY seq`,
        [documentId],
      );
      return res.rows.map((r) => r.staged_key);
    },
  };
}

export type BatchesRepo = ReturnType<typeof createBatchesRepo>;

/** A batch as a document's manifest describes it. */
export type RestoredBatch = Omit<BatchRecord, 'createdBy' | 'uploadedBy'>;

/** Puts back a batch (restore); its other documents may have brought it back already. */
export async function restoreBatch(q: Queryable, b: RestoredBatch): Promise<void> {
  await q.query(
    `INSERT INTO batches (id, name, mode, title, doc_type, department, classification, doc_date, correspondent, sealed_at, created_at,
       register)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING`,
    [
      b.id,
      b.name,
      b.mode,
      b.title,
      b.docType,
      b.department,
      b.classification,
      b.docDate,
      b.correspondent,
      b.sealedAt,
      b.createdAt,
      b.register ?? INCOMING,
    ],
  );
}
