/**
 * Per-document locks between workers: a session advisory lock, released when
 * the connection closes, so a killed worker never holds one.
 */
import type { Db } from './db';

const LOCK_NAMESPACE = 0x646f63; // "doc"

/** Runs `fn` holding the document's lock; returns 'busy' without running it when another worker holds it. */
export async function withDocumentLock<T>(db: Db, documentId: string, fn: () => Promise<T>): Promise<T | 'busy'> {
  const conn = await db.connect();
  try {
    const got = await conn.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [
      LOCK_NAMESPACE,
      documentId,
    ]);
    if (!got.rows[0]?.ok) return 'busy';
    try {
      return await fn();
    } finally {
      await conn.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_NAMESPACE, documentId]);
    }
  } finally {
    conn.release();
  }
}
