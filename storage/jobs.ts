/**
 * Long work as jobs: a request (or a schedule) records a job, any server or
 * worker process takes it, and its progress, result or error are kept here for
 * the API and the command line, so no request waits for the whole work. A
 * process keeps a heartbeat on the job it runs; a job whose heartbeat stopped
 * (its process was killed) is taken again by another, up to MAX_ATTEMPTS times.
 * Asking for a job of a kind, with the same parameters, while one is open
 * returns that one.
 */
import type { Queryable } from './db';

export type JobState = 'queued' | 'running' | 'done' | 'failed';

export interface Job {
  id: string;
  kind: string;
  params: Record<string, unknown>;
  state: JobState;
  requestedBy: string | null;
  attempts: number;
  done: number;
  total: number | null;
  result: unknown;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** Times a job is taken before one whose process keeps dying is failed. */
export const MAX_ATTEMPTS = 3;

type Row = {
  id: string;
  kind: string;
  params: Record<string, unknown>;
  state: JobState;
  requested_by: string | null;
  attempts: number;
  done: string;
  total: string | null;
  result: unknown;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
};

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const toJob = (r: Row): Job => ({
  id: r.id,
  kind: r.kind,
  params: r.params,
  state: r.state,
  requestedBy: r.requested_by,
  attempts: r.attempts,
  done: Number(r.done),
  total: r.total === null ? null : Number(r.total),
  result: r.result,
  error: r.error,
  createdAt: r.created_at.toISOString(),
  startedAt: iso(r.started_at),
  finishedAt: iso(r.finished_at),
});

const COLUMNS = `id, kind, params, state, requested_by, attempts, done, total, result, error, created_at, started_at, finished_at`;

/** Records a job, or returns the open one of the same kind and parameters. */
export async function requestJob(
  db: Queryable,
  kind: string,
  params: Record<string, unknown>,
  requestedBy: string | null,
): Promise<{ job: Job; created: boolean }> {
  for (;;) {
    const made = await db.query<Row>(
      `INSERT INTO jobs (kind, params, requested_by) VALUES ($1, $2::jsonb, $3)
       ON CONFLICT (kind, params) WHERE state IN ('queued', 'running') DO NOTHING RETURNING ${COLUMNS}`,
      [kind, JSON.stringify(params), requestedBy],
    );
    if (made.rows[0]) return { job: toJob(made.rows[0]), created: true };
    const open = await openJob(db, kind, params);
    // The open one may have finished in between: then a new one is made.
    if (open) return { job: open, created: false };
  }
}

/** The job of a kind and parameters that is waiting or running, if there is one. */
export async function openJob(db: Queryable, kind: string, params: Record<string, unknown>): Promise<Job | undefined> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM jobs WHERE kind = $1 AND params = $2::jsonb AND state IN ('queued', 'running')`,
    [kind, JSON.stringify(params)],
  );
  return rows[0] ? toJob(rows[0]) : undefined;
}

/**
 * Takes the oldest job of the given kinds that is waiting, or whose process
 * stopped; a job taken MAX_ATTEMPTS times already is failed instead.
 */
export async function takeJob(db: Queryable, owner: string, kinds: string[], staleSeconds: number): Promise<Job | undefined> {
  await db.query(
    `UPDATE jobs SET state = 'failed', finished_at = clock_timestamp(),
            error = coalesce(error, 'stopped ' || attempts || ' times while running')
      WHERE state = 'running' AND heartbeat_at < clock_timestamp() - make_interval(secs => $1) AND attempts >= $2`,
    [staleSeconds, MAX_ATTEMPTS],
  );
  const { rows } = await db.query<Row>(
    `UPDATE jobs SET state = 'running', owner = $1, attempts = attempts + 1,
            started_at = coalesce(started_at, clock_timestamp()), heartbeat_at = clock_timestamp()
      WHERE id = (SELECT id FROM jobs
                   WHERE kind = ANY($2::text[])
                     AND (state = 'queued' OR (state = 'running' AND heartbeat_at < clock_timestamp() - make_interval(secs => $3)))
                   ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING ${COLUMNS}`,
    [owner, kinds, staleSeconds],
  );
  return rows[0] ? toJob(rows[0]) : undefined;
}

/** Progress and heartbeat; false when the job is no longer this owner's (it was taken as stopped). */
export async function reportProgress(
  db: Queryable,
  id: string,
  owner: string,
  done: number,
  total: number | null,
): Promise<boolean> {
  const res = await db.query(
    `UPDATE jobs SET done = $3, total = $4, heartbeat_at = clock_timestamp()
      WHERE id = $1 AND owner = $2 AND state = 'running'`,
    [id, owner, done, total],
  );
  return (res.rowCount ?? 0) > 0;
}

export async function finishJob(db: Queryable, id: string, owner: string, result: unknown): Promise<void> {
  await db.query(
    `UPDATE jobs SET state = 'done', result = $3::jsonb, finished_at = clock_timestamp(), done = greatest(done, coalesce(total, done))
      WHERE id = $1 AND owner = $2 AND state = 'running'`,
    [id, owner, JSON.stringify(result ?? null)],
  );
}

export async function failJob(db: Queryable, id: string, owner: string, error: string): Promise<void> {
  await db.query(
    `UPDATE jobs SET state = 'failed', error = $3, finished_at = clock_timestamp() WHERE id = $1 AND owner = $2 AND state = 'running'`,
    [id, owner, error],
  );
}

/** Gives a running job back (its process is stopping): another process takes it at once, the attempt not counted. */
export async function releaseJob(db: Queryable, id: string, owner: string): Promise<void> {
  await db.query(
    `UPDATE jobs SET state = 'queued', owner = NULL, heartbeat_at = NULL, attempts = greatest(attempts - 1, 0)
      WHERE id = $1 AND owner = $2 AND state = 'running'`,
    [id, owner],
  );
}

export async function getJob(db: Queryable, id: string): Promise<Job | undefined> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM jobs WHERE id = $1`, [id]);
  return rows[0] ? toJob(rows[0]) : undefined;
}

/** The latest jobs, newest first (results left out: a list stays small). */
export async function listJobs(db: Queryable, limit: number): Promise<Job[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS.replace('result', 'NULL::jsonb AS result')} FROM jobs ORDER BY created_at DESC LIMIT $1`,
    [limit],
  );
  return rows.map(toJob);
}

/** Open jobs (waiting or running), for /metrics and the doctor. */
export async function openJobs(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM jobs WHERE state IN ('queued', 'running')`);
  return Number(rows[0]?.n ?? 0);
}
