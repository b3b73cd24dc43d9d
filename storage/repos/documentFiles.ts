/**
 * A document's stored files: its originals (`document_parts`), every object
 * kept for it with its SHA-256 (`artefacts`), and the copies of those objects
 * verified in another bucket (`replicas`). Also the plain inserts restore uses
 * to put a document's files back as its bucket describes them.
 */
import type { Db, Queryable } from '../db';

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
  /**
   * A rendition, not an original: the PDF made of an Office file or of an e-mail's body. It holds the pages;
   * the original it was made from is a part of 0 pages and keeps the document's fingerprint.
   */
  rendition?: boolean;
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
  /** The SHA-256 of the copy's bytes as its bucket holds them (ciphertext), when read back. */
  storedSha256?: string;
}

/** Records one original of a document (at registration, and on restore). */
export async function insertPart(q: Queryable, documentId: string, p: PartRecord): Promise<void> {
  await q.query(
    `INSERT INTO document_parts (document_id, n, key, sha256, size, mime, ext, original_name, page_count, rendition)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [documentId, p.n, p.key, p.sha256, p.size, p.mime, p.ext, p.originalName, p.pageCount, p.rendition === true],
  );
}

/** Puts back a stored object's row (restore); one already there is an error. */
export async function restoreArtefact(q: Queryable, documentId: string, a: ArtefactRecord): Promise<void> {
  await q.query(`INSERT INTO artefacts (document_id, kind, key, sha256, size, content_type) VALUES ($1, $2, $3, $4, $5, $6)`, [
    documentId,
    a.kind,
    a.key,
    a.sha256,
    a.size,
    a.contentType,
  ]);
}

/** Puts back a verified copy's row (restore); one already there is an error. */
export async function restoreReplica(q: Queryable, documentId: string, r: ReplicaRecord): Promise<void> {
  await q.query(`INSERT INTO replicas (document_id, target, key, sha256, verified_at) VALUES ($1, $2, $3, $4, $5)`, [
    documentId,
    r.target,
    r.key,
    r.sha256,
    r.verifiedAt,
  ]);
}

export function createDocumentFiles(db: Db) {
  return {
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
        rendition: boolean;
      }>(
        'SELECT n, key, sha256, size, mime, ext, original_name, page_count, rendition FROM document_parts WHERE document_id = $1 ORDER BY n',
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
        ...(r.rendition ? { rendition: true } : {}),
      }));
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
        `INSERT INTO replicas (document_id, target, key, sha256, verified_at, stored_sha256) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (document_id, target, key) DO UPDATE SET sha256 = $4, verified_at = $5, stored_sha256 = $6`,
        [id, r.target, r.key, r.sha256, r.verifiedAt, r.storedSha256 ?? null],
      );
    },

    async replicas(id: string): Promise<ReplicaRecord[]> {
      const res = await db.query<{ target: string; key: string; sha256: string; verified_at: Date }>(
        'SELECT target, key, sha256, verified_at FROM replicas WHERE document_id = $1 ORDER BY target, key',
        [id],
      );
      return res.rows.map((r) => ({ target: r.target, key: r.key, sha256: r.sha256, verifiedAt: r.verified_at.toISOString() }));
    },
  };
}
