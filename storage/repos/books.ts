/**
 * What the registry's books and its public status page read: the letters of
 * one register registered in a period (a day or a month, in the archive's time
 * zone), each with its correspondent, the sender's reference, the departments
 * it was referred to and the letters that answered it; and the state of one
 * transaction (received, referred, answered, closed) by its registry number.
 * Read-only: the tables are written by the registers, links and referrals.
 */
import type { Queryable } from '../db';
import type { RegistryRef } from '../../kernel/registry';

export interface BookEntry {
  id: string;
  ref: Required<RegistryRef>;
  /** Registration time (ISO). */
  registeredAt: string;
  classification: string;
  department: string | null;
  uploadedBy: string | null;
  /** The chosen correspondent's Arabic name, or the free text of older records. */
  correspondent: string | null;
  externalRef: string | null;
  /** YYYY-MM-DD. */
  externalDate: string | null;
  title: string | null;
  /** Departments it was referred to, first referral first, each once. */
  referredTo: string[];
  /** The letters that answer it (live reply links), in registration order. */
  answeredBy: Array<Required<RegistryRef>>;
}

interface EntryRow {
  id: string;
  register: string;
  registry_year: number;
  registry_seq: number;
  created_at: Date;
  classification: string;
  department: string | null;
  uploaded_by: string | null;
  correspondent: string | null;
  external_ref: string | null;
  external_date: string | null;
  title: string | null;
  referred_to: string[];
  answered_by: Array<{ register: string; year: number; seq: number }>;
}

/** A period of local dates: from the first day, up to (not including) the day after the last. */
export interface Period {
  /** YYYY-MM-DD, inclusive. */
  from: string;
  /** YYYY-MM-DD, exclusive. */
  until: string;
}

/** The register's letters registered in `period` (local dates in `timeZone`), in registration order. */
export async function bookEntries(q: Queryable, register: string, period: Period, timeZone: string): Promise<BookEntry[]> {
  const res = await q.query<EntryRow>(
    `SELECT d.id, d.register, d.registry_year, d.registry_seq, d.created_at, d.classification, d.department, d.uploaded_by,
            COALESCE(c.name_ar, d.correspondent) AS correspondent, d.external_ref,
            to_char(d.external_date, 'YYYY-MM-DD') AS external_date, d.title,
            ARRAY(SELECT r.to_department FROM referrals r WHERE r.document_id = d.id
                  GROUP BY r.to_department ORDER BY min(r.created_at)) AS referred_to,
            COALESCE((SELECT json_agg(json_build_object('register', a.register, 'year', a.registry_year, 'seq', a.registry_seq)
                                      ORDER BY a.created_at, a.id)
                      FROM document_links l JOIN documents a ON a.id = l.from_id
                      WHERE l.to_id = d.id AND l.kind = 'reply' AND l.removed_at IS NULL), '[]'::json) AS answered_by
     FROM documents d LEFT JOIN correspondents c ON c.id = d.correspondent_id
     WHERE d.register = $1
       AND d.created_at >= ($2::date::timestamp AT TIME ZONE $4)
       AND d.created_at < ($3::date::timestamp AT TIME ZONE $4)
     ORDER BY d.registry_year, d.registry_seq`,
    [register, period.from, period.until, timeZone],
  );
  return res.rows.map((r) => ({
    id: r.id,
    ref: { register: r.register, year: r.registry_year, seq: r.registry_seq },
    registeredAt: r.created_at.toISOString(),
    classification: r.classification,
    department: r.department,
    uploadedBy: r.uploaded_by,
    correspondent: r.correspondent,
    externalRef: r.external_ref,
    externalDate: r.external_date,
    title: r.title,
    referredTo: r.referred_to,
    answeredBy: r.answered_by,
  }));
}

/** Where a transaction stands, as its receipt's holder is told it: dates only, nothing of its content. */
export interface TransactionState {
  id: string;
  state: 'received' | 'referred' | 'answered' | 'closed';
  /** ISO times; null where the step was not reached. */
  receivedAt: string;
  referredAt: string | null;
  answeredAt: string | null;
  closedAt: string | null;
}

interface StateRow {
  id: string;
  created_at: Date;
  referral_state: 'none' | 'open' | 'closed';
  referred_at: Date | null;
  closed_at: Date | null;
  answered_at: Date | null;
}

/**
 * The state of the letter with this number: answered once a reply is linked
 * to it (the reply's registration date), otherwise closed when its referrals
 * are all closed, referred while one is open, received before any.
 */
export async function transactionState(q: Queryable, ref: Required<RegistryRef>): Promise<TransactionState | undefined> {
  const res = await q.query<StateRow>(
    `SELECT d.id, d.created_at, d.referral_state,
            (SELECT min(r.created_at) FROM referrals r WHERE r.document_id = d.id) AS referred_at,
            (SELECT max(r.closed_at) FROM referrals r WHERE r.document_id = d.id) AS closed_at,
            (SELECT min(a.created_at) FROM document_links l JOIN documents a ON a.id = l.from_id
             WHERE l.to_id = d.id AND l.kind = 'reply' AND l.removed_at IS NULL) AS answered_at
     FROM documents d WHERE d.register = $1 AND d.registry_year = $2 AND d.registry_seq = $3`,
    [ref.register, ref.year, ref.seq],
  );
  const r = res.rows[0];
  if (!r) return undefined;
  const closed = r.referral_state === 'closed';
  return {
    id: r.id,
    state: r.answered_at ? 'answered' : closed ? 'closed' : r.referral_state === 'open' ? 'referred' : 'received',
    receivedAt: r.created_at.toISOString(),
    referredAt: r.referred_at?.toISOString() ?? null,
    answeredAt: r.answered_at?.toISOString() ?? null,
    closedAt: closed ? (r.closed_at?.toISOString() ?? null) : null,
  };
}
