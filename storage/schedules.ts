/**
 * Schedules shared by every process of the archive: a run is due when the
 * last run recorded here (by any process) is older than the period. A run is
 * taken only under a session advisory lock, after reading the last run again,
 * so two processes never run one schedule at once; the lock is released when
 * the connection closes, so a killed process never keeps it.
 */
import type { Db, Queryable } from './db';

/** The advisory lock's first key; the second is hashtext(name). */
export const SCHEDULE_LOCK_NAMESPACE = 0x736368; // "sch"

/** Runs kept per schedule; older ones are removed as new ones start. */
const KEPT_RUNS = 1000;

export interface ScheduleRun {
  id: string;
  name: string;
  process: string;
  startedAt: Date;
  finishedAt: Date | null;
  ok: boolean | null;
  error: string | null;
  atStart: boolean;
}

export type RunOutcome = { outcome: 'ran' } | { outcome: 'busy' } | { outcome: 'not-due'; dueInSeconds: number };

/**
 * Seconds until `name` is due (0 or less: due now). A schedule seen for the
 * first time is due at once when `dueAtFirstSight`, else one period later.
 */
export async function secondsUntilDue(
  db: Queryable,
  name: string,
  periodSeconds: number,
  dueAtFirstSight: boolean,
): Promise<number> {
  await db.query(
    `INSERT INTO schedules (name, since) VALUES ($1, CASE WHEN $2::boolean THEN NULL ELSE now() END)
     ON CONFLICT (name) DO NOTHING`,
    [name, dueAtFirstSight],
  );
  const { rows } = await db.query<{ due_in: number | null }>(
    `SELECT extract(epoch FROM coalesce(
              (SELECT max(started_at) FROM schedule_runs WHERE name = $1),
              (SELECT since FROM schedules WHERE name = $1))
            + make_interval(secs => $2) - clock_timestamp())::float8 AS due_in`,
    [name, periodSeconds],
  );
  return rows[0]?.due_in ?? 0;
}

/**
 * Runs `job` when `name` is due and no other process is running it; the run's
 * start, end and failure are recorded. A failure is recorded and thrown.
 */
export async function runIfDue(
  db: Db,
  name: string,
  periodSeconds: number,
  opts: { dueAtFirstSight: boolean; process: string },
  job: () => Promise<void>,
): Promise<RunOutcome> {
  const conn = await db.connect();
  // A connection whose lock could not be given back is closed, which releases it.
  let broken = false;
  try {
    const got = await conn.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [
      SCHEDULE_LOCK_NAMESPACE,
      name,
    ]);
    if (!got.rows[0]?.ok) return { outcome: 'busy' };
    try {
      // Read again under the lock: another process may have just finished a run.
      const dueIn = await secondsUntilDue(conn, name, periodSeconds, opts.dueAtFirstSight);
      if (dueIn > 0) return { outcome: 'not-due', dueInSeconds: dueIn };
      const started = await conn.query<{ id: string }>('INSERT INTO schedule_runs (name, process) VALUES ($1, $2) RETURNING id', [
        name,
        opts.process,
      ]);
      const id = started.rows[0]!.id;
      await conn.query(
        `DELETE FROM schedule_runs WHERE name = $1 AND id <= (
           SELECT id FROM schedule_runs WHERE name = $1 ORDER BY id DESC OFFSET $2 LIMIT 1)`,
        [name, KEPT_RUNS],
      );
      try {
        await job();
      } catch (e) {
        await finishRun(conn, id, String(e));
        throw e;
      }
      await finishRun(conn, id, null);
      return { outcome: 'ran' };
    } finally {
      await conn
        .query('SELECT pg_advisory_unlock($1, hashtext($2))', [SCHEDULE_LOCK_NAMESPACE, name])
        .catch(() => (broken = true));
    }
  } finally {
    conn.release(broken);
  }
}

async function finishRun(db: Queryable, id: string, error: string | null): Promise<void> {
  await db.query('UPDATE schedule_runs SET finished_at = clock_timestamp(), ok = $2, error = $3 WHERE id = $1', [
    id,
    error === null,
    error,
  ]);
}

/** Records a run made outside the schedule (as a process starts), once it has ended; its period counts from it. */
export async function recordRunAtStart(
  db: Queryable,
  run: { name: string; process: string; startedAt: Date; error: string | null },
): Promise<void> {
  await db.query(
    `INSERT INTO schedule_runs (name, process, started_at, finished_at, ok, error, at_start)
     VALUES ($1, $2, $3, clock_timestamp(), $4, $5, true)`,
    [run.name, run.process, run.startedAt, run.error === null, run.error],
  );
}

/** The recorded runs of `name`, oldest first. */
export async function listScheduleRuns(db: Queryable, name: string): Promise<ScheduleRun[]> {
  const { rows } = await db.query<{
    id: string;
    name: string;
    process: string;
    started_at: Date;
    finished_at: Date | null;
    ok: boolean | null;
    error: string | null;
    at_start: boolean;
  }>('SELECT id, name, process, started_at, finished_at, ok, error, at_start FROM schedule_runs WHERE name = $1 ORDER BY id', [
    name,
  ]);
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    process: r.process,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    ok: r.ok,
    error: r.error,
    atStart: r.at_start,
  }));
}
