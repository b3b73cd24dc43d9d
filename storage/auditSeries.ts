/**
 * The audit page's charts, read in time bounded by the window shown (30 or 90
 * days) and by the work in progress, never by the archive's size:
 *
 * - documents registered per day: a range of the `created_at` index (migration 39);
 * - documents and pages in each pipeline stage now: the unfinished and failed
 *   documents through the status index, the archived ones from the kept counts
 *   (migrations 16 and 18: documents by status, stored files by kind);
 * - the fixity state of each copy: counts kept per copy and state by the
 *   triggers of migration 39, and the copies never checked yet from the
 *   fixity cycle's index (`checked_at = '-infinity'`);
 * - the offsite copy's delay, per day of archiving: from a document's record
 *   stage (its `archived` ledger entry) to the verification of its last file
 *   offsite (`replicas.verified_at`, read no later than the replicate stage's
 *   end, so that a later re-verification does not move it); the documents are
 *   found through the replicas' (target, verified_at) index and the status
 *   index. A document still waiting counts with its wait so far.
 *
 * A past day's figures of the two daily series are kept in `audit_days` once they
 * can no longer change (two days back, and for the delays, none of that day's
 * documents still waiting), so that a page view reads one row per day and
 * computes only the recent days. The days are the archive's time zone's; the
 * kept rows are named by the time zone and by the last restore (a restore
 * brings back documents of past days, and nothing is kept while one runs).
 */
import type { Queryable } from './db';
import { readState } from './state';

/** A day in the archive's time zone, `YYYY-MM-DD`. */
export type Day = string;

export interface DayLag {
  day: Day;
  /** Documents archived that day. */
  documents: number;
  /** Of those, the ones whose offsite copy is not complete yet. */
  waiting: number;
  /** Median and longest delay from archiving to the verified offsite copy, in seconds (null: none archived). */
  medianSeconds: number | null;
  maxSeconds: number | null;
}

export interface StageLoad {
  /** A pipeline stage's id (documents waiting for it), or 'done' (archived) or 'failed'. */
  stage: string;
  documents: number;
  pages: number;
}

export interface CopyFixity {
  target: string;
  ok: number;
  repaired: number;
  damaged: number;
  missing: number;
  /** Stored copies in the fixity cycle that no check has read yet. */
  unchecked: number;
}

export interface AuditSeries {
  /** The days shown, oldest first, today last. */
  days: Day[];
  registered: number[];
  stages: StageLoad[];
  fixity: CopyFixity[];
  lag: DayLag[];
}

export interface SeriesOptions {
  days: number;
  timeZone: string;
  /** The pipeline's stage ids, in order. */
  stages: readonly string[];
  /** The copies' names: the primary's and the offsite's, in that order. */
  targets: readonly string[];
  /** The offsite copy's name (replicas' target). */
  offsite: string;
}

export async function auditSeries(db: Queryable, o: SeriesOptions): Promise<AuditSeries> {
  const today = (await db.query<{ d: Day }>(`SELECT to_char((now() AT TIME ZONE $1)::date, 'YYYY-MM-DD') AS d`, [o.timeZone]))
    .rows[0]!.d;
  const days = Array.from({ length: o.days }, (_, i) => addDays(today, i - o.days + 1));
  const keep = await keeper(db, o.timeZone, addDays(today, -1));
  const registered = await keep('registered', days, { n: 0 }, (from) => registeredSince(db, from, o.timeZone));
  const noLag = { documents: 0, waiting: 0, medianSeconds: null, maxSeconds: null };
  const lag = await keep(
    `offsite-lag:${o.offsite}`,
    days,
    noLag,
    (from) => lagSince(db, from, o),
    (v) => v.waiting === 0,
  );
  return {
    days,
    registered: days.map((d) => registered.get(d)!.n),
    stages: await stageLoads(db, o.stages),
    fixity: await copyFixity(db, o.targets),
    lag: days.map((d) => ({ day: d, ...lag.get(d)! })),
  };
}

/** `day` moved by `n` days. */
export function addDays(day: Day, n: number): Day {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

type Compute<V> = (from: Day) => Promise<Map<Day, V>>;

/**
 * A daily series over `days` (a day with nothing is `empty`): the kept days as kept, the rest computed in one
 * query from the first day not kept, and then kept where final (before `recent`, and `final` says so).
 */
async function keeper(db: Queryable, timeZone: string, recent: Day) {
  const restore = await readState<{ status: string; finishedAt?: string }>(db, 'restore');
  const keeping = restore?.status !== 'running';
  const generation = `${timeZone}|${restore?.finishedAt ?? ''}`;
  return async <V extends object>(
    name: string,
    days: Day[],
    empty: V,
    compute: Compute<V>,
    final: (v: V) => boolean = () => true,
  ): Promise<Map<Day, V>> => {
    const series = `${name}|${generation}`;
    const kept = new Map<Day, V>();
    if (keeping) {
      const { rows } = await db.query<{ day: Day; value: V }>(
        `SELECT to_char(day, 'YYYY-MM-DD') AS day, value FROM audit_days WHERE series = $1 AND day >= $2::date AND day < $3::date`,
        [series, days[0], recent],
      );
      for (const r of rows) kept.set(r.day, r.value);
    }
    const first = days.find((d) => !kept.has(d));
    if (first === undefined) return kept;
    const computed = await compute(first);
    for (const d of days) if (d >= first && !computed.has(d)) computed.set(d, empty);
    const add = days.filter((d) => d >= first && d < recent && !kept.has(d) && final(computed.get(d)!));
    if (keeping && add.length > 0) {
      await db.query(
        `INSERT INTO audit_days (series, day, value) SELECT $1, d::date, v FROM unnest($2::text[], $3::jsonb[]) AS u(d, v)
         ON CONFLICT DO NOTHING`,
        [series, add, add.map((d) => JSON.stringify(computed.get(d)))],
      );
    }
    for (const [d, v] of computed) kept.set(d, v);
    return kept;
  };
}

/** Documents registered on each day from `from` on (the created_at index, from the day's start in the time zone). */
async function registeredSince(db: Queryable, from: Day, timeZone: string): Promise<Map<Day, { n: number }>> {
  const { rows } = await db.query<{ day: Day; n: number }>(
    `SELECT to_char((created_at AT TIME ZONE $2)::date, 'YYYY-MM-DD') AS day, count(*)::int AS n
     FROM documents WHERE created_at >= ($1::date)::timestamp AT TIME ZONE $2 GROUP BY 1`,
    [from, timeZone],
  );
  return new Map(rows.map((r) => [r.day, { n: r.n }]));
}

/** The offsite copy's delay for the documents archived on each day from `from` on (see the file's comment). */
async function lagSince(db: Queryable, from: Day, o: SeriesOptions): Promise<Map<Day, Omit<DayLag, 'day'>>> {
  const { rows } = await db.query<{ day: Day; documents: number; waiting: number; median: number; max: number }>(
    `WITH found AS (
       SELECT document_id FROM replicas WHERE target = $1 AND verified_at >= ($2::date)::timestamp AT TIME ZONE $3
       UNION
       SELECT id FROM documents WHERE status IN ('queued', 'processing')
     ), timed AS (
       SELECT (d.stages->>'record')::timestamptz AS archived_at, c.copied_at
       FROM found f JOIN documents d ON d.id = f.document_id
       LEFT JOIN LATERAL (
         SELECT coalesce(max(r.verified_at), (d.stages->>'replicate')::timestamptz) AS copied_at FROM replicas r
         WHERE r.document_id = d.id AND r.target = $1 AND r.verified_at <= (d.stages->>'replicate')::timestamptz
       ) c ON d.stages ? 'replicate'
       WHERE d.stages ? 'record' AND d.status <> 'failed'
         AND (d.stages->>'record')::timestamptz >= ($2::date)::timestamp AT TIME ZONE $3
     ), lags AS (
       SELECT (archived_at AT TIME ZONE $3)::date AS day, copied_at IS NULL AS waiting,
              greatest(0, extract(epoch FROM coalesce(copied_at, now()) - archived_at))::float8 AS seconds
       FROM timed
     )
     SELECT to_char(day, 'YYYY-MM-DD') AS day, count(*)::int AS documents, count(*) FILTER (WHERE waiting)::int AS waiting,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS median, max(seconds) AS max
     FROM lags GROUP BY day`,
    [o.offsite, from, o.timeZone],
  );
  return new Map(
    rows.map((r) => [
      r.day,
      { documents: r.documents, waiting: r.waiting, medianSeconds: round(r.median), maxSeconds: round(r.max) },
    ]),
  );
}

function round(seconds: number): number {
  return Math.round(seconds * 10) / 10;
}

/** A count kept by triggers (migrations 16, 18, 39), by label: the folded totals plus the changes not folded yet. */
async function kept(db: Queryable, metric: string): Promise<Map<string, number>> {
  const { rows } = await db.query<{ label: string; n: number }>(
    `SELECT label, sum(n)::int AS n FROM
       (SELECT label, n FROM stat_totals WHERE metric = $1 UNION ALL SELECT label, delta FROM stat_deltas WHERE metric = $1) c
     GROUP BY label`,
    [metric],
  );
  return new Map(rows.map((r) => [r.label, r.n]));
}

/**
 * Documents and pages waiting for each stage (the first stage of `stages` not done), then the archived ('done')
 * and the failed. The archived pages are the stored page images less those of documents not archived.
 */
async function stageLoads(db: Queryable, stages: readonly string[]): Promise<StageLoad[]> {
  const { rows } = await db.query<{ stage: string | null; documents: number; pages: number; images: number }>(
    `SELECT CASE WHEN d.status = 'failed' THEN 'failed'
                 ELSE (SELECT s FROM unnest($1::text[]) WITH ORDINALITY u(s, i) WHERE NOT d.stages ? s ORDER BY i LIMIT 1) END AS stage,
            count(*)::int AS documents, coalesce(sum(d.page_count), 0)::int AS pages,
            coalesce(sum((SELECT count(*) FROM artefacts a WHERE a.document_id = d.id AND a.kind = 'page-image')), 0)::int AS images
     FROM documents d WHERE d.status IN ('queued', 'processing', 'failed') GROUP BY 1`,
    [stages],
  );
  const byStage = new Map(rows.map((r) => [r.stage ?? stages.at(-1)!, r]));
  const statuses = await kept(db, 'documents.status');
  const images = (await kept(db, 'artefacts.kind')).get('page-image') ?? 0;
  const elsewhere = rows.reduce((n, r) => n + r.images, 0);
  return [
    ...stages.map((s) => ({ stage: s, documents: byStage.get(s)?.documents ?? 0, pages: byStage.get(s)?.pages ?? 0 })),
    { stage: 'done', documents: statuses.get('archived') ?? 0, pages: Math.max(0, images - elsewhere) },
    { stage: 'failed', documents: byStage.get('failed')?.documents ?? 0, pages: byStage.get('failed')?.pages ?? 0 },
  ];
}

/** Each copy's latest fixity states (kept per copy), and its copies that no check has read yet. */
async function copyFixity(db: Queryable, targets: readonly string[]): Promise<CopyFixity[]> {
  const states = await kept(db, 'fixity.copy_state');
  const { rows } = await db.query<{ target: string; n: number }>(
    `SELECT c.target, count(*)::int AS n FROM fixity_cycle c
     WHERE c.checked_at = '-infinity'
       AND NOT EXISTS (SELECT 1 FROM fixity f WHERE f.document_id = c.document_id AND f.target = c.target AND f.key = c.key)
     GROUP BY c.target`,
  );
  const unchecked = new Map(rows.map((r) => [r.target, r.n]));
  const n = (t: string, s: string) => states.get(`${t}/${s}`) ?? 0;
  return targets.map((t) => ({
    target: t,
    ok: n(t, 'ok'),
    repaired: n(t, 'repaired'),
    damaged: n(t, 'mismatch'),
    missing: n(t, 'missing'),
    unchecked: unchecked.get(t) ?? 0,
  }));
}
