/** What came in, by day, source and kind (intake_counts): the upload page's and /metrics' counts, kept as it happens. */
import type { Queryable } from '../db';
import type { IntakeKind, IntakeSource } from './batches';

export interface IntakeTally {
  documents: Array<{ kind: IntakeKind; pageCount: number; result: { kind: 'accepted' | 'duplicate' } }>;
  separators: number;
  blankPages: number;
}

/**
 * Adds the documents a file became (duplicates are not counted as new), its separators and blank pages, on
 * the day it is where the registry is (`timeZone`, DIWAN_TIMEZONE), as the upload page reads them.
 */
export async function countIntake(q: Queryable, source: IntakeSource, tally: IntakeTally, timeZone = 'UTC'): Promise<void> {
  const byKind = new Map<IntakeKind, { documents: number; pages: number }>();
  for (const d of tally.documents) {
    if (d.result.kind !== 'accepted') continue;
    const k = byKind.get(d.kind) ?? { documents: 0, pages: 0 };
    k.documents++;
    k.pages += d.pageCount;
    byKind.set(d.kind, k);
  }
  const first = [...byKind.keys()][0];
  if (!first && tally.separators === 0 && tally.blankPages === 0) return;
  const rows = byKind.size > 0 ? [...byKind.entries()] : [['stack' as IntakeKind, { documents: 0, pages: 0 }] as const];
  for (const [i, [kind, n]] of rows.entries()) {
    await q.query(
      `INSERT INTO intake_counts (day, source, kind, documents, pages, blank_pages, separators)
       VALUES ((now() AT TIME ZONE $7)::date, $1, $2, $3, $4, $5, $6)
       ON CONFLICT (day, source, kind) DO UPDATE SET documents = intake_counts.documents + $3,
         pages = intake_counts.pages + $4, blank_pages = intake_counts.blank_pages + $5,
         separators = intake_counts.separators + $6`,
      [source, kind, n.documents, n.pages, i === 0 ? tally.blankPages : 0, i === 0 ? tally.separators : 0, timeZone],
    );
  }
}

/** The counts since `since` (a date, YYYY-MM-DD), by source and kind. */
export async function intakeTotals(
  q: Queryable,
  since?: string,
): Promise<
  Array<{ source: IntakeSource; kind: IntakeKind; documents: number; pages: number; blankPages: number; separators: number }>
> {
  const res = await q.query<{
    source: IntakeSource;
    kind: IntakeKind;
    documents: string;
    pages: string;
    blank_pages: string;
    separators: string;
  }>(
    `SELECT source, kind, sum(documents) AS documents, sum(pages) AS pages, sum(blank_pages) AS blank_pages,
            sum(separators) AS separators
     FROM intake_counts WHERE ($1::date IS NULL OR day >= $1::date) GROUP BY source, kind ORDER BY source, kind`,
    [since ?? null],
  );
  return res.rows.map((r) => ({
    source: r.source,
    kind: r.kind,
    documents: Number(r.documents),
    pages: Number(r.pages),
    blankPages: Number(r.blank_pages),
    separators: Number(r.separators),
  }));
}
