/**
 * Messages taken from a polled mailbox (`mail_taken`): one row per message, named by its mailbox, UIDVALIDITY
 * and UID, made ('taking') before the message is received and finished ('done', or 'rejected' with the code)
 * after. A row still 'taking' is a message whose receiving was interrupted (a process stopped, a passing
 * fault): it is begun again at the next poll, into the batch its first attempt chose, and given up after a few
 * attempts. A finished row is never begun again, so each message is archived once however often the mailbox
 * is polled. Its code says what happened: on a 'rejected' row why the message was refused (or
 * `attempts_exhausted`), on a 'done' row the first of its parts that was refused, if any.
 */
import type { Queryable } from '../db';

/** A message in a mailbox: the mailbox as named in the settings (no password), its UIDVALIDITY, its UID. */
export interface MailKey {
  mailbox: string;
  uidValidity: string;
  uid: number;
}

/** The code of a message begun too many times without being finished (it stopped its process every time). */
export const ATTEMPTS_EXHAUSTED = 'attempts_exhausted';

export type MailTakenEnd =
  | { status: 'done'; batchId: string; sha256: string; errorCode: string | null }
  | { status: 'rejected'; batchId: string | null; sha256: string | null; errorCode: string };

/** A message begun: the attempt this is (1 for the first) and the batch an earlier attempt chose, if any. */
export interface Taking {
  attempt: number;
  batchId: string | null;
}

/** Begins taking a message: its row made, or a 'taking' row begun again; undefined when it was taken already. */
export async function beginTaking(q: Queryable, key: MailKey, messageId: string | null): Promise<Taking | undefined> {
  const res = await q.query<{ attempts: number; batch_id: string | null }>(
    `INSERT INTO mail_taken AS m (mailbox, uid_validity, uid, message_id, attempts) VALUES ($1, $2, $3, $4, 1)
     ON CONFLICT (mailbox, uid_validity, uid) DO UPDATE SET attempts = m.attempts + 1, taken_at = now()
       WHERE m.status = 'taking'
     RETURNING m.attempts, m.batch_id`,
    [key.mailbox, key.uidValidity, key.uid, messageId],
  );
  const row = res.rows[0];
  return row && { attempt: row.attempts, batchId: row.batch_id };
}

/** Notes on a row still 'taking' the batch it is received into, or the passing fault an attempt met. */
export async function noteTaking(q: Queryable, key: MailKey, note: { batchId?: string; errorCode?: string }): Promise<void> {
  await q.query(
    `UPDATE mail_taken SET batch_id = coalesce($4, batch_id), error_code = coalesce($5, error_code)
     WHERE mailbox = $1 AND uid_validity = $2 AND uid = $3 AND status = 'taking'`,
    [key.mailbox, key.uidValidity, key.uid, note.batchId ?? null, note.errorCode ?? null],
  );
}

/** Finishes taking a message. */
export async function endTaking(q: Queryable, key: MailKey, end: MailTakenEnd): Promise<void> {
  await q.query(
    `UPDATE mail_taken SET status = $4, batch_id = coalesce($5, batch_id), sha256 = $6, error_code = $7
     WHERE mailbox = $1 AND uid_validity = $2 AND uid = $3`,
    [key.mailbox, key.uidValidity, key.uid, end.status, end.batchId, end.sha256, end.errorCode],
  );
}

/** Where the mailbox's messages stand in this UIDVALIDITY: the highest UID ever begun, and those still 'taking'. */
export async function takenSoFar(
  q: Queryable,
  mailbox: string,
  uidValidity: string,
): Promise<{ highest: number; unfinished: number[] }> {
  const res = await q.query<{ highest: string; unfinished: string[] }>(
    `SELECT coalesce(max(uid), 0) AS highest,
            coalesce(array_agg(uid ORDER BY uid) FILTER (WHERE status = 'taking'), '{}') AS unfinished
     FROM mail_taken WHERE mailbox = $1 AND uid_validity = $2`,
    [mailbox, uidValidity],
  );
  const row = res.rows[0]!;
  return { highest: Number(row.highest), unfinished: row.unfinished.map(Number) };
}

/** Every row of a mailbox, in UIDVALIDITY and UID order (for inspection and tests). */
export async function takenRows(
  q: Queryable,
  mailbox: string,
): Promise<Array<{ uid: number; status: string; attempts: number; errorCode: string | null; batchId: string | null }>> {
  const res = await q.query<{
    uid: string;
    status: string;
    attempts: number;
    error_code: string | null;
    batch_id: string | null;
  }>('SELECT uid, status, attempts, error_code, batch_id FROM mail_taken WHERE mailbox = $1 ORDER BY uid_validity, uid', [
    mailbox,
  ]);
  return res.rows.map((r) => ({
    uid: Number(r.uid),
    status: r.status,
    attempts: r.attempts,
    errorCode: r.error_code,
    batchId: r.batch_id,
  }));
}
