/**
 * The document record itself (the `documents` table): its shape, reading one
 * or a page of them, moving it through the pipeline, and putting back a row
 * read from a bucket by `diwan restore`.
 */
import type { Db, Queryable } from '../db';
import { INCOMING, parseRegistryNo, registerOf, registryNo, type RegistryRef } from '../../kernel/registry';
import { isUuid } from '../../kernel/text';

export type DocumentStatus = 'queued' | 'processing' | 'archived' | 'failed' | 'destroyed';

export interface DocumentMeta {
  title: string | null;
  docType: string | null;
  department: string | null;
  classification: string;
  docDate: string | null;
  /** Who the letter is from or to. */
  correspondent: string | null;
  /** The person who sent it (null for the installation's administrator token, and before people existed). */
  uploadedBy?: string | null;
}

/** Where a document stands with its referrals (written by the referral code). */
export type ReferralState = 'none' | 'open' | 'closed';

export interface DocumentRecord extends DocumentMeta, RegistryRef {
  id: string;
  /** The register (book) it is numbered in. */
  register: string;
  /** The sender's own number and date, as printed on the letter. */
  externalRef: string | null;
  /** YYYY-MM-DD. */
  externalDate: string | null;
  /** The correspondent's record; `correspondent` holds its Arabic name. */
  correspondentId: string | null;
  /** The correspondent's Latin name, read from its record (search finds the letter by it). */
  correspondentEn?: string | null;
  referralState: ReferralState;
  /** The earliest due date (YYYY-MM-DD) among its open, not suspended referrals. */
  referralDue: string | null;
  uploadedBy: string | null;
  registryNo: string;
  batchId: string | null;
  /** A born-digital PDF whose own text layer is kept instead of OCR. */
  textLayer: boolean;
  /** Which version of the text the pages hold (1 unless the document was read again). */
  textVersion: number;
  originalName: string | null;
  originalMime: string;
  originalExt: string;
  originalSize: number;
  originalSha256: string;
  status: DocumentStatus;
  pageCount: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  stages: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

export interface DocumentRow {
  id: string;
  register: string;
  registry_year: number;
  registry_seq: number;
  external_ref: string | null;
  external_date: string | null;
  correspondent_id: string | null;
  correspondent_en: string | null;
  referral_state: ReferralState;
  referral_due: string | null;
  title: string | null;
  doc_type: string | null;
  department: string | null;
  classification: string;
  doc_date: string | null;
  correspondent: string | null;
  original_name: string | null;
  original_mime: string;
  original_ext: string;
  original_size: string;
  original_sha256: string;
  status: DocumentStatus;
  page_count: number | null;
  error_code: string | null;
  error_message: string | null;
  stages: Record<string, string>;
  batch_id: string | null;
  text_layer: boolean;
  text_version: number;
  uploaded_by: string | null;
  created_at: Date;
  updated_at: Date;
}

export const DOC_COLUMNS = `id, register, registry_year, registry_seq, external_ref,
  to_char(external_date, 'YYYY-MM-DD') AS external_date, correspondent_id,
  (SELECT c.name_en FROM correspondents c WHERE c.id = correspondent_id) AS correspondent_en, referral_state,
  to_char(referral_due, 'YYYY-MM-DD') AS referral_due, title, doc_type, department, classification,
  to_char(doc_date, 'YYYY-MM-DD') AS doc_date, correspondent, original_name, original_mime, original_ext, original_size,
  original_sha256, status, page_count, error_code, error_message, stages, batch_id, text_layer, text_version, uploaded_by, created_at, updated_at`;

export function toRecord(r: DocumentRow): DocumentRecord {
  const ref = { register: r.register, year: r.registry_year, seq: r.registry_seq };
  return {
    id: r.id,
    ...ref,
    registryNo: registryNo(ref),
    externalRef: r.external_ref,
    externalDate: r.external_date,
    correspondentId: r.correspondent_id,
    correspondentEn: r.correspondent_en,
    referralState: r.referral_state,
    referralDue: r.referral_due,
    batchId: r.batch_id,
    uploadedBy: r.uploaded_by,
    textLayer: r.text_layer,
    textVersion: r.text_version,
    title: r.title,
    docType: r.doc_type,
    department: r.department,
    classification: r.classification,
    docDate: r.doc_date,
    correspondent: r.correspondent,
    originalName: r.original_name,
    originalMime: r.original_mime,
    originalExt: r.original_ext,
    originalSize: Number(r.original_size),
    originalSha256: r.original_sha256,
    status: r.status,
    pageCount: r.page_count,
    errorCode: r.error_code,
    errorMessage: r.error_message,
    stages: r.stages,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** The document with these bytes (its fingerprint), if any. */
export async function documentBySha256(db: Queryable, sha: string): Promise<DocumentRecord | undefined> {
  const res = await db.query<DocumentRow>(`SELECT ${DOC_COLUMNS} FROM documents WHERE original_sha256 = $1`, [sha]);
  return res.rows[0] ? toRecord(res.rows[0]) : undefined;
}

/**
 * Every document one of whose files (an original, or a rendition) has this SHA-256: two documents may share a
 * file (the same message's PDF drawn for two copies of it that differ only in their headers).
 */
export async function documentsByPartSha256(db: Queryable, sha: string): Promise<DocumentRecord[]> {
  const res = await db.query<DocumentRow>(
    `SELECT ${DOC_COLUMNS} FROM documents WHERE original_sha256 = $1
       OR id IN (SELECT document_id FROM document_parts WHERE sha256 = $1)`,
    [sha],
  );
  return res.rows.map(toRecord);
}

/** The document with this registry number (no register: the incoming book), if any. */
export async function documentByRegistry(q: Queryable, ref: RegistryRef): Promise<DocumentRecord | undefined> {
  const res = await q.query<DocumentRow>(
    `SELECT ${DOC_COLUMNS} FROM documents WHERE register = $1 AND registry_year = $2 AND registry_seq = $3`,
    [registerOf(ref), ref.year, ref.seq],
  );
  return res.rows[0] ? toRecord(res.rows[0]) : undefined;
}

/** A document list counts its matches up to this many (or up to the page asked for, when further). */
export const LIST_COUNT_CAP = 10_000;

export function createDocumentRecords(db: Db) {
  return {
    async get(id: string, q: Queryable = db): Promise<DocumentRecord | undefined> {
      if (!isUuid(id)) return undefined;
      const res = await q.query<DocumentRow>(`SELECT ${DOC_COLUMNS} FROM documents WHERE id = $1`, [id]);
      return res.rows[0] ? toRecord(res.rows[0]) : undefined;
    },

    getBySha256: (sha: string): Promise<DocumentRecord | undefined> => documentBySha256(db, sha),
    /** The documents holding a file (original or rendition) of this SHA-256. */
    listByPartSha256: (sha: string): Promise<DocumentRecord[]> => documentsByPartSha256(db, sha),

    /** The document with this registry number (no register: the incoming book). */
    async getByRegistry(year: number, seq: number, register: string = INCOMING): Promise<DocumentRecord | undefined> {
      return documentByRegistry(db, { register, year, seq });
    },

    /** The document a registry number as typed names ("2026/000123", "outgoing/2026/1"), if any. */
    async getByRegistryNo(no: string): Promise<DocumentRecord | undefined> {
      const ref = parseRegistryNo(no);
      return ref ? documentByRegistry(db, ref) : undefined;
    },

    async setStatus(id: string, status: DocumentStatus, error?: { code: string; message: string }): Promise<void> {
      await db.query(`UPDATE documents SET status = $2, error_code = $3, error_message = $4, updated_at = now() WHERE id = $1`, [
        id,
        status,
        error?.code ?? null,
        error?.message ?? null,
      ]);
    },

    /**
     * A failed document back into the pipeline, once what made it fail is
     * mended: queued again, its error cleared, the stages it completed kept.
     * False when the document had not failed.
     */
    async rerun(id: string): Promise<boolean> {
      const res = await db.query(
        `UPDATE documents SET status = 'queued', error_code = NULL, error_message = NULL, updated_at = now()
         WHERE id = $1 AND status = 'failed'`,
        [id],
      );
      return res.rowCount === 1;
    },

    async markStage(id: string, stage: string): Promise<void> {
      await db.query(
        `UPDATE documents SET stages = stages || jsonb_build_object($2::text, now()), updated_at = now() WHERE id = $1`,
        [id, stage],
      );
    },

    /**
     * A page of documents, newest first, optionally only those in a status,
     * in a batch, or with a page whose confidence is below `reviewBelow`.
     */
    async list(opts: {
      status?: DocumentStatus;
      batchId?: string;
      reviewBelow?: number;
      /** Classifications the caller may see, and their departments when scoped. */
      classifications?: string[];
      departments?: string[] | null;
      limit: number;
      offset: number;
      /** Only documents after this one in the list's order (newest first): the next page, read from the index. */
      after?: { register: string; year: number; seq: number };
    }): Promise<{ total: number; totalExact: boolean; items: DocumentRecord[] }> {
      const where: string[] = [];
      const params: unknown[] = [];
      if (opts.classifications) where.push(`classification = ANY($${params.push(opts.classifications)})`);
      if (opts.departments) where.push(`department = ANY($${params.push(opts.departments)})`);
      if (opts.status) where.push(`status = $${params.push(opts.status)}`);
      if (opts.batchId) where.push(`batch_id = $${params.push(opts.batchId)}`);
      if (opts.reviewBelow !== undefined) {
        where.push(
          `EXISTS (SELECT 1 FROM pages p WHERE p.document_id = documents.id AND p.confidence < $${params.push(opts.reviewBelow)})`,
        );
      }
      const cond = where.length ? `WHERE ${where.join(' AND ')}` : '';
      // Counted up to a bound (as a search engine estimates its hits): a count of every row grows with the archive.
      const cap = Math.max(LIST_COUNT_CAP, opts.offset + opts.limit);
      const total = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (SELECT 1 FROM documents ${cond} LIMIT $${params.length + 1}) c`,
        [...params, cap + 1],
      );
      const page = [...where];
      if (opts.after) {
        const a = opts.after;
        page.push(
          `(registry_year, registry_seq, register) < ($${params.push(a.year)}, $${params.push(a.seq)}, $${params.push(a.register)})`,
        );
      }
      const rows = await db.query<DocumentRow>(
        `SELECT ${DOC_COLUMNS} FROM documents ${page.length ? `WHERE ${page.join(' AND ')}` : ''}
         ORDER BY registry_year DESC, registry_seq DESC, register DESC
         LIMIT $${params.push(opts.limit)} OFFSET $${params.push(opts.offset)}`,
        params,
      );
      const n = total.rows[0]!.n;
      return { total: Math.min(n, cap), totalExact: n <= cap, items: rows.rows.map(toRecord) };
    },

    /** One page of archived documents in registry order (register, year, number: the registry key's order), after `after` (the last page's `next`). */
    async archivedIdsPage(
      after: { year: number; seq: number; register?: string } | null,
      limit: number,
    ): Promise<{ ids: string[]; next: { year: number; seq: number; register: string } | null }> {
      const res = await db.query<{ id: string; register: string; registry_year: number; registry_seq: number }>(
        `SELECT id, register, registry_year, registry_seq FROM documents
          WHERE status = 'archived'
            AND ($1::int IS NULL OR (register, registry_year, registry_seq) > ($3::text, $1::int, $2::int))
          ORDER BY register, registry_year, registry_seq LIMIT $4`,
        [after?.year ?? null, after?.seq ?? 0, after?.register ?? '', limit],
      );
      const last = res.rows[res.rows.length - 1];
      return {
        ids: res.rows.map((r) => r.id),
        next:
          last && res.rows.length === limit
            ? { year: last.registry_year, seq: last.registry_seq, register: last.register }
            : null,
      };
    },

    /** Where the archive's changes stand now: the ledger's head and the database's clock (for archivedTouchedSince). */
    async changeMark(): Promise<{ seq: number; at: Date }> {
      const res = await db.query<{ seq: string; at: Date }>(
        'SELECT coalesce(max(seq), 0) AS seq, clock_timestamp() AS at FROM ledger',
      );
      return { seq: Number(res.rows[0]!.seq), at: res.rows[0]!.at };
    },

    /**
     * Archived documents touched since a moment: a ledger entry after `afterSeq`,
     * or a change of the row since `since` (what a rebuild of the index that
     * started then may have missed).
     */
    async archivedTouchedSince(afterSeq: number, since: Date): Promise<string[]> {
      const res = await db.query<{ id: string }>(
        `SELECT d.id FROM documents d
          WHERE d.status = 'archived'
            AND (d.updated_at >= $2 OR d.id IN (SELECT document_id FROM ledger WHERE seq > $1 AND document_id IS NOT NULL))`,
        [afterSeq, since],
      );
      return res.rows.map((r) => r.id);
    },

    /** Documents whose pipeline has not finished (for the start-up sweep). */
    async unfinishedIds(): Promise<string[]> {
      const res = await db.query<{ id: string }>(
        // Documents on their way through the pipeline, and archived ones waiting to be read again.
        `SELECT id FROM (
           SELECT id, created_at FROM documents WHERE status IN ('queued', 'processing')
           UNION SELECT d.id, d.created_at FROM documents d JOIN text_versions v ON v.document_id = d.id
             WHERE d.status = 'archived' AND v.status = 'queued'
         ) u ORDER BY created_at`,
      );
      return res.rows.map((r) => r.id);
    },
  };
}

/** How many documents are recorded. */
export async function documentCount(q: Queryable): Promise<number> {
  const res = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM documents');
  return res.rows[0]!.n;
}

/** An archived document as a bucket describes it, to be put back as it was (manifests before registers lack the first four). */
export type RestoredDocument = Partial<Pick<DocumentRecord, 'register' | 'externalRef' | 'externalDate' | 'correspondentId'>> &
  RestoredCore;

type RestoredCore = Pick<
  DocumentRecord,
  | 'id'
  | 'year'
  | 'seq'
  | 'title'
  | 'docType'
  | 'department'
  | 'classification'
  | 'docDate'
  | 'originalName'
  | 'originalMime'
  | 'originalExt'
  | 'originalSize'
  | 'originalSha256'
  | 'pageCount'
  | 'stages'
  | 'createdAt'
  | 'batchId'
  | 'textLayer'
  | 'textVersion'
  | 'correspondent'
>;

/** Puts back an archived document's row (restore); a document already there is an error. */
export async function restoreDocumentRow(q: Queryable, d: RestoredDocument): Promise<void> {
  await q.query(
    `INSERT INTO documents (id, registry_year, registry_seq, title, doc_type, department, classification, doc_date,
       original_name, original_mime, original_ext, original_size, original_sha256, status, page_count, stages,
       created_at, updated_at, batch_id, text_layer, text_version, correspondent, register, external_ref, external_date,
       correspondent_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'archived', $14, $15, $16, now(), $17, $18, $19, $20,
       $21, $22, $23, $24)`,
    [
      d.id,
      d.year,
      d.seq,
      d.title,
      d.docType,
      d.department,
      d.classification,
      d.docDate,
      d.originalName,
      d.originalMime,
      d.originalExt,
      d.originalSize,
      d.originalSha256,
      d.pageCount,
      JSON.stringify(d.stages),
      d.createdAt,
      d.batchId,
      d.textLayer,
      d.textVersion,
      d.correspondent,
      d.register ?? INCOMING,
      d.externalRef ?? null,
      d.externalDate ?? null,
      d.correspondentId ?? null,
    ],
  );
}
