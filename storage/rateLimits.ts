/**
 * Rate-limit counters in PostgreSQL, so every process of the archive counts
 * the same requests: one row per key (a limit's name and a client) per fixed
 * window (`windowMs` long, aligned to the epoch, so a one-minute window is a
 * clock minute). The database's clock decides the window, so machines whose
 * clocks differ still share it. Windows that ended are removed now and then
 * as new ones are counted, so the table stays the size of one window's clients.
 */
import type { Queryable } from './db';

/** A key's count in the current window, and when that window ends. */
export interface WindowCount {
  count: number;
  resetAt: Date;
}

/** The current window's start, in SQL, for a window of $2 milliseconds. */
const WINDOW_START = `to_timestamp(floor(extract(epoch FROM now()) * 1000 / $2::int) * $2::int / 1000.0)`;

interface Row {
  count: number;
  reset_at: Date;
}

const toCount = (row: Row | undefined): WindowCount | undefined =>
  row ? { count: row.count, resetAt: new Date(row.reset_at) } : undefined;

/** Counts one request for `key` in the current window: the count so far and when the window ends. */
export async function countHit(db: Queryable, key: string, windowMs: number): Promise<WindowCount> {
  const { rows } = await db.query<Row>(
    `INSERT INTO rate_limits (key, window_start, count) VALUES ($1, ${WINDOW_START}, 1)
     ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limits.count + 1
     RETURNING count, window_start + make_interval(secs => $2::int / 1000.0) AS reset_at`,
    [key, windowMs],
  );
  // Now and then, the windows that ended are dropped (those of this limit's keys, by the prefix before the client).
  if (Math.random() < 0.02) await dropEnded(db, key.slice(0, key.indexOf(':') + 1), windowMs);
  return toCount(rows[0])!;
}

/** `key`'s count in the current window, if it has one. */
export async function currentCount(db: Queryable, key: string, windowMs: number): Promise<WindowCount | undefined> {
  const { rows } = await db.query<Row>(
    `SELECT count, window_start + make_interval(secs => $2::int / 1000.0) AS reset_at
       FROM rate_limits WHERE key = $1 AND window_start = ${WINDOW_START}`,
    [key, windowMs],
  );
  return toCount(rows[0]);
}

/** Takes back one request of `key` in the current window (never below zero). */
export async function uncountHit(db: Queryable, key: string, windowMs: number): Promise<void> {
  await db.query(`UPDATE rate_limits SET count = count - 1 WHERE key = $1 AND window_start = ${WINDOW_START} AND count > 0`, [
    key,
    windowMs,
  ]);
}

/** Forgets every window of `key`. */
export async function clearCounts(db: Queryable, key: string): Promise<void> {
  await db.query(`DELETE FROM rate_limits WHERE key = $1`, [key]);
}

/** Drops the windows of keys starting with `prefix` that ended before the previous one. */
async function dropEnded(db: Queryable, prefix: string, windowMs: number): Promise<void> {
  await db.query(
    `DELETE FROM rate_limits
      WHERE left(key, length($1)) = $1 AND window_start < now() - make_interval(secs => 2 * $2::int / 1000.0)`,
    [prefix, windowMs],
  );
}
