/**
 * An account's lock-out: refused sign-ins for a name in the last minutes, from any address. The name is
 * compared without regard to case (and spaces around it), for every account: the directory finds "alice",
 * "Alice" and "ALICE" alike, so each spelling must not get tries of its own.
 */
import type { Db } from '../db';

/** Refused sign-ins for `username` (any case) in the last `minutes` minutes, from any address. */
export async function failedSignInsOfName(db: Db, username: string, minutes: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM access_log
      WHERE kind = 'login-failed' AND lower(btrim(username)) = lower($1) AND at > now() - make_interval(mins => $2)`,
    [username.trim(), minutes],
  );
  return rows[0]!.n;
}
