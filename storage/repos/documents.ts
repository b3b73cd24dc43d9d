/**
 * The documents repository: the SQL that reads and writes document records,
 * pages, artefacts and replicas. Registration gives each document a per-year
 * registry number inside the same transaction that inserts it, so a rolled-back
 * registration (a duplicate) leaves no gap; the UNIQUE constraint on the
 * original's SHA-256 decides duplicates, never a SELECT beforehand.
 */
import crypto from 'node:crypto';
import { inTransaction, isUniqueViolation, type Db, type Queryable, type Tx } from '../db';
import { appendLedger } from '../integrity/ledger';
import { keys } from '../layout';
import { registryNo, type RegistryRef } from '../../kernel/registry';
import { isUuid } from '../../kernel/text';

export type DocumentStatus = 'queued' | 'processing' | 'archived' | 'failed';

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

export interface DocumentRecord extends DocumentMeta, RegistryRef {
  id: string;
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

export interface PageRecord {
  n: number;
  width: number;
  height: number;
  text: string;
  confidence: number | null;
  words: OcrWord[];
}

/** One recognised word: text, box in page pixels (x0, y0, x1, y1), confidence 0-100. */
export type OcrWord = [string, number, number, number, number, number];

/** One original file of a document (most documents have exactly one). */
export interface PartRecord {
  n: number;
  key: string;
  sha256: string;
  size: number;
  mime: string;
  ext: string;
  originalName: string | null;
  pageCount: number;
}

export interface ArtefactRecord {
  kind: string;
  key: string;
  sha256: string;
  size: number;
  contentType: string;
}

export interface ReplicaRecord {
  target: string;
  key: string;
  sha256: string;
  verifiedAt: string;
}

interface DocumentRow {
  id: string;
  registry_year: number;
  registry_seq: number;
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

const DOC_COLUMNS = `id, registry_year, registry_seq, title, doc_type, department, classification,
  to_char(doc_date, 'YYYY-MM-DD') AS doc_date, correspondent, original_name, original_mime, original_ext, original_size,
  original_sha256, status, page_count, error_code, error_message, stages, batch_id, text_layer, text_version, uploaded_by, created_at, updated_at`;

function toRecord(r: DocumentRow): DocumentRecord {
  const ref = { year: r.registry_year, seq: r.registry_seq };
  return {
    id: r.id,
    ...ref,
    registryNo: registryNo(ref),
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

export type NewPart = Omit<PartRecord, 'n' | 'key'>;

export interface NewDocument extends DocumentMeta {
  batchId: string | null;
  textLayer: boolean;
  /** The original files, in page order; one for an ordinary upload. */
  parts: NewPart[];
}

/** The fingerprint that decides duplicates: the file's SHA-256, or for several files, the SHA-256 of their hashes in order. */
export function documentFingerprint(parts: Array<Pick<NewPart, 'sha256'>>): string {
  if (parts.length === 1) return parts[0]!.sha256;
  return crypto
    .createHash('sha256')
    .update(parts.map((p) => p.sha256).join('\n'))
    .digest('hex');
}

export const MULTIPART_MIME = 'application/x-diwan-pages';

export type RegisterResult =
  { kind: 'registered'; doc: DocumentRecord; parts: PartRecord[] } | { kind: 'duplicate'; doc: DocumentRecord };

export function createDocumentsRepo(db: Db) {
  const get = async (id: string, q: Queryable = db): Promise<DocumentRecord | undefined> => {
    if (!isUuid(id)) return undefined;
    const res = await q.query<DocumentRow>(`SELECT ${DOC_COLUMNS} FROM documents WHERE id = $1`, [id]);
    return res.rows[0] ? toRecord(res.rows[0]) : undefined;
  };

  const getBySha256 = async (sha: string): Promise<DocumentRecord | undefined> => {
    const res = await db.query<DocumentRow>(`SELECT ${DOC_COLUMNS} FROM documents WHERE original_sha256 = $1`, [sha]);
    return res.rows[0] ? toRecord(res.rows[0]) : undefined;
  };

  const getByRegistry = async (year: number, seq: number): Promise<DocumentRecord | undefined> => {
    const res = await db.query<DocumentRow>(
      `SELECT ${DOC_COLUMNS} FROM documents WHERE registry_year = $1 AND registry_seq = $2`,
      [year, seq],
    );
    return res.rows[0] ? toRecord(res.rows[0]) : undefined;
  };

  return {
    get,
    getBySha256,
    getByRegistry,

    /** Registers a new document, or answers with the document that already holds these bytes. */
    async register(
      input: NewDocument,
      opts: { year?: number; onRegistered?: (tx: Tx, doc: DocumentRecord, parts: PartRecord[]) => Promise<void> } = {},
    ): Promise<RegisterResult> {
      const year = opts.year ?? new Date().getUTCFullYear();
      if (input.parts.length === 0) throw new Error('a document needs at least one file');
      const single = input.parts.length === 1 ? input.parts[0]! : undefined;
      const fingerprint = documentFingerprint(input.parts);
      const pageCount = input.parts.reduce((n, p) => n + p.pageCount, 0);
      try {
        return await inTransaction(db, async (tx) => {
          const seq = await tx.query<{ last_seq: number }>(
            `INSERT INTO registry_sequences (year, last_seq) VALUES ($1, 1)
             ON CONFLICT (year) DO UPDATE SET last_seq = registry_sequences.last_seq + 1
             RETURNING last_seq`,
            [year],
          );
          const ins = await tx.query<DocumentRow>(
            `INSERT INTO documents (registry_year, registry_seq, title, doc_type, department, classification, doc_date,
               original_name, original_mime, original_ext, original_size, original_sha256, page_count, batch_id, text_layer, correspondent,
               uploaded_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
             RETURNING ${DOC_COLUMNS}`,
            [
              year,
              seq.rows[0]!.last_seq,
              input.title,
              input.docType,
              input.department,
              input.classification,
              input.docDate,
              single ? single.originalName : null,
              single ? single.mime : MULTIPART_MIME,
              single ? single.ext : 'pages',
              input.parts.reduce((n, p) => n + p.size, 0),
              fingerprint,
              pageCount,
              input.batchId,
              input.textLayer,
              input.correspondent,
              input.uploadedBy ?? null,
            ],
          );
          const doc = toRecord(ins.rows[0]!);
          const parts: PartRecord[] = input.parts.map((p, i) => ({
            ...p,
            n: i + 1,
            key: single ? keys.original(doc, p.ext) : keys.originalPart(doc, i + 1, p.ext),
          }));
          for (const p of parts) {
            await tx.query(
              `INSERT INTO document_parts (document_id, n, key, sha256, size, mime, ext, original_name, page_count)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
              [doc.id, p.n, p.key, p.sha256, p.size, p.mime, p.ext, p.originalName, p.pageCount],
            );
          }
          await opts.onRegistered?.(tx, doc, parts);
          await appendLedger(tx, 'registered', doc.id, {
            registryNo: doc.registryNo,
            fingerprint,
            files: parts.map((p) => ({
              path: p.key.slice(p.key.lastIndexOf('/') + 1),
              sha256: p.sha256,
              size: p.size,
              name: p.originalName,
            })),
          });
          return { kind: 'registered' as const, doc, parts };
        });
      } catch (e) {
        if (!isUniqueViolation(e, 'documents_original_sha256_key')) throw e;
        const existing = await getBySha256(fingerprint);
        if (!existing) throw e;
        return { kind: 'duplicate', doc: existing };
      }
    },

    async parts(id: string): Promise<PartRecord[]> {
      const res = await db.query<{
        n: number;
        key: string;
        sha256: string;
        size: string;
        mime: string;
        ext: string;
        original_name: string | null;
        page_count: number;
      }>(
        'SELECT n, key, sha256, size, mime, ext, original_name, page_count FROM document_parts WHERE document_id = $1 ORDER BY n',
        [id],
      );
      return res.rows.map((r) => ({
        n: r.n,
        key: r.key,
        sha256: r.sha256,
        size: Number(r.size),
        mime: r.mime,
        ext: r.ext,
        originalName: r.original_name,
        pageCount: r.page_count,
      }));
    },

    async setStatus(id: string, status: DocumentStatus, error?: { code: string; message: string }): Promise<void> {
      await db.query(`UPDATE documents SET status = $2, error_code = $3, error_message = $4, updated_at = now() WHERE id = $1`, [
        id,
        status,
        error?.code ?? null,
        error?.message ?? null,
      ]);
    },

    async markStage(id: string, stage: string): Promise<void> {
      await db.query(
        `UPDATE documents SET stages = stages || jsonb_build_object($2::text, now()), updated_at = now() WHERE id = $1`,
        [id, stage],
      );
    },

    async savePage(id: string, p: PageRecord): Promise<void> {
      await db.query(
        `INSERT INTO pages (document_id, n, width, height, text, confidence, words) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (document_id, n) DO UPDATE SET width = $3, height = $4, text = $5, confidence = $6, words = $7`,
        [id, p.n, p.width, p.height, p.text, p.confidence, JSON.stringify(p.words)],
      );
    },

    /** The words of several pages at once, keyed "documentId:n" (for search hits). */
    async pagesOf(which: Array<{ documentId: string; n: number }>): Promise<Map<string, OcrWord[]>> {
      if (which.length === 0) return new Map();
      const res = await db.query<{ document_id: string; n: number; words: OcrWord[] }>(
        `SELECT p.document_id, p.n, p.words FROM pages p
         JOIN unnest($1::uuid[], $2::int[]) AS w(document_id, n) ON w.document_id = p.document_id AND w.n = p.n`,
        [which.map((w) => w.documentId), which.map((w) => w.n)],
      );
      return new Map(res.rows.map((r) => [`${r.document_id}:${r.n}`, r.words]));
    },

    async pages(id: string): Promise<PageRecord[]> {
      const res = await db.query<{
        n: number;
        width: number;
        height: number;
        text: string;
        confidence: number | null;
        words: OcrWord[];
      }>('SELECT n, width, height, text, confidence, words FROM pages WHERE document_id = $1 ORDER BY n', [id]);
      return res.rows;
    },

    async saveArtefact(id: string, a: ArtefactRecord): Promise<void> {
      await db.query(
        `INSERT INTO artefacts (document_id, kind, key, sha256, size, content_type) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (document_id, key) DO NOTHING`,
        [id, a.kind, a.key, a.sha256, a.size, a.contentType],
      );
    },

    async artefacts(id: string): Promise<ArtefactRecord[]> {
      const res = await db.query<{ kind: string; key: string; sha256: string; size: string; content_type: string }>(
        'SELECT kind, key, sha256, size, content_type FROM artefacts WHERE document_id = $1 ORDER BY key',
        [id],
      );
      return res.rows.map((r) => ({
        kind: r.kind,
        key: r.key,
        sha256: r.sha256,
        size: Number(r.size),
        contentType: r.content_type,
      }));
    },

    async saveReplica(id: string, r: ReplicaRecord): Promise<void> {
      await db.query(
        `INSERT INTO replicas (document_id, target, key, sha256, verified_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (document_id, target, key) DO UPDATE SET sha256 = $4, verified_at = $5`,
        [id, r.target, r.key, r.sha256, r.verifiedAt],
      );
    },

    async replicas(id: string): Promise<ReplicaRecord[]> {
      const res = await db.query<{ target: string; key: string; sha256: string; verified_at: Date }>(
        'SELECT target, key, sha256, verified_at FROM replicas WHERE document_id = $1 ORDER BY target, key',
        [id],
      );
      return res.rows.map((r) => ({ target: r.target, key: r.key, sha256: r.sha256, verifiedAt: r.verified_at.toISOString() }));
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
    }): Promise<{ total: number; items: DocumentRecord[] }> {
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
      const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM documents ${cond}`, params);
      const rows = await db.query<DocumentRow>(
        `SELECT ${DOC_COLUMNS} FROM documents ${cond} ORDER BY registry_year DESC, registry_seq DESC
         LIMIT $${params.push(opts.limit)} OFFSET $${params.push(opts.offset)}`,
        params,
      );
      return { total: total.rows[0]!.n, items: rows.rows.map(toRecord) };
    },

    /** Documents whose pipeline has not finished (for the start-up sweep). */
    /** Every archived document, in registry order. */
    async archivedIds(): Promise<string[]> {
      const res = await db.query<{ id: string }>(
        `SELECT id FROM documents WHERE status = 'archived' ORDER BY registry_year, registry_seq`,
      );
      return res.rows.map((r) => r.id);
    },

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

export type DocumentsRepo = ReturnType<typeof createDocumentsRepo>;
