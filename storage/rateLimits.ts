/**
 * Rate-limit counters in PostgreSQL, so every process of the archive counts
 * the same requests: one row per key (a limit's name and a client) per
 * one-minute window. Old windows are removed as new ones are counted.
 */
import type { Queryable } from './db';

/** Counts one request for `key` in the current minute; returns the count so far and the seconds until the window ends. */
export async function countRequest(db: Queryable, key: string): Promise<{ count: number; resetSeconds: number }> {
  const { rows } = await db.query<{ count: number; reset: number }>(
    `INSERT INTO rate_limits (key, window_start, count) VALUES ($1, date_trunc('minute', now()), 1)
     ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limits.count + 1
     RETURNING count, ceil(extract(epoch FROM (window_start + interval '1 minute' - now())))::int AS reset`,
    [key],
  );
  // Now and then, the windows that ended are dropped: the table stays the size of one minute's clients.
  if (Math.random() < 0.02) await db.query(`DELETE FROM rate_limits WHERE window_start < now() - interval '2 minutes'`);
  return { count: rows[0]!.count, resetSeconds: Math.max(1, rows[0]!.reset) };
}
