/**
 * Files taken from watched drop folders by a worker (drop_files): a row when a file is taken, finished as
 * processed or rejected once it has left for processed/ or rejected/. A watcher stopped in between leaves
 * the row 'taking'; the watcher that finishes the file takes that row up again.
 */
import type { Queryable } from '../db';

export type DropStatus = 'taking' | 'processed' | 'rejected';

export interface DropFileRecord {
  id: string;
  folder: string;
  name: string;
  sha256: string | null;
  size: number;
  mtime: string;
  status: DropStatus;
  batchId: string | null;
  errorCode: string | null;
  takenAt: string;
  doneAt: string | null;
}

interface Row {
  id: string;
  folder: string;
  name: string;
  sha256: string | null;
  size: string;
  mtime: Date;
  status: DropStatus;
  batch_id: string | null;
  error_code: string | null;
  taken_at: Date;
  done_at: Date | null;
}

const toRecord = (r: Row): DropFileRecord => ({
  id: r.id,
  folder: r.folder,
  name: r.name,
  sha256: r.sha256,
  size: Number(r.size),
  mtime: r.mtime.toISOString(),
  status: r.status,
  batchId: r.batch_id,
  errorCode: r.error_code,
  takenAt: r.taken_at.toISOString(),
  doneAt: r.done_at?.toISOString() ?? null,
});

export function createDropFilesRepo(db: Queryable) {
  return {
    /** The row of a file taken from `folder`: the one left 'taking' for the same bytes (a watcher stopped midway), or a new one. */
    async take(f: { folder: string; name: string; size: number; mtime: Date; sha256: string; batchId: string }): Promise<string> {
      const left = await db.query<{ id: string }>(
        `UPDATE drop_files SET batch_id = $4, taken_at = now()
         WHERE id = (SELECT id FROM drop_files WHERE folder = $1 AND name = $2 AND sha256 = $3 AND status = 'taking'
                     ORDER BY taken_at LIMIT 1)
         RETURNING id`,
        [f.folder, f.name, f.sha256, f.batchId],
      );
      if (left.rows[0]) return left.rows[0].id;
      const res = await db.query<{ id: string }>(
        `INSERT INTO drop_files (folder, name, sha256, size, mtime, batch_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [f.folder, f.name, f.sha256, f.size, f.mtime, f.batchId],
      );
      return res.rows[0]!.id;
    },

    /** The file has left the folder's working place: for processed/, or for rejected/ with the first reason's code. */
    async finish(id: string, status: 'processed' | 'rejected', errorCode: string | null): Promise<void> {
      await db.query(`UPDATE drop_files SET status = $2, error_code = $3, done_at = now() WHERE id = $1`, [
        id,
        status,
        errorCode,
      ]);
    },

    /** The files taken from `folder` (every folder when absent), the latest first. */
    async list(folder?: string): Promise<DropFileRecord[]> {
      const res = await db.query<Row>(
        `SELECT id, folder, name, sha256, size, mtime, status, batch_id, error_code, taken_at, done_at FROM drop_files
         WHERE ($1::text IS NULL OR folder = $1) ORDER BY taken_at DESC`,
        [folder ?? null],
      );
      return res.rows.map(toRecord);
    },

    /** The batch a watched folder's files of one day are received into, when it was made already (its name says which). */
    async folderBatch(name: string): Promise<string | undefined> {
      const res = await db.query<{ id: string }>(
        `SELECT id FROM batches WHERE source = 'folder' AND mode = 'documents' AND name = $1 ORDER BY created_at LIMIT 1`,
        [name],
      );
      return res.rows[0]?.id;
    },
  };
}

export type DropFilesRepo = ReturnType<typeof createDropFilesRepo>;
