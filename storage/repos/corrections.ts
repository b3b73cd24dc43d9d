/**
 * Corrections of a document's record: a field typed wrong at registration is
 * put right with a reason, and the record keeps its history. What may be
 * corrected is one table (CORRECTABLE): the field's name in the API, its
 * column, and how a value is read; adding a field is adding a row. The
 * registry number, the register, the stamp, the archive PDF and the originals
 * are not in it and never change.
 *
 * One transaction does the whole correction: the row is updated, the change
 * (each field's value before and after, who, when, why) goes into
 * `document_changes` and into the ledger as a 'corrected' entry carrying the
 * same change. Restore puts the document back as it was registered (from its
 * manifest) and replays the entries (replayCorrection), so a restored record
 * is the corrected one, with its history.
 */
import { inTransaction, type Db, type Queryable, type Tx } from '../db';
import { appendLedger, type LedgerEntry } from '../integrity/ledger';
import { DomainError } from '../../kernel/errors';
import { isClassification } from '../../kernel/clearance';
import { isCalendarDate, isUuid } from '../../kernel/text';
import { parseRegistryNo, registryNo } from '../../kernel/registry';
import { requestRelockIfNeeded } from '../records/lockExtension';
import { recomputeDocuments } from '../records/retention';

/** Control characters have no place in a record's text (and the database refuses NUL). */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** A value as typed: the corrected value (null clears it), or the problem with it. */
type Parsed = { ok: true; value: string | null } | { ok: false; problem: string };

const text =
  (max: number) =>
  (raw: unknown): Parsed => {
    if (raw === null) return { ok: true, value: null };
    if (typeof raw !== 'string') return { ok: false, problem: 'a text is expected' };
    const v = raw.trim();
    if (v.length > max) return { ok: false, problem: `at most ${max} characters` };
    if (CONTROL.test(v)) return { ok: false, problem: 'control characters are not allowed' };
    return { ok: true, value: v === '' ? null : v };
  };

const date = (raw: unknown): Parsed => {
  if (raw === null || raw === '') return { ok: true, value: null };
  if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(raw)) return { ok: false, problem: 'YYYY-MM-DD' };
  if (!isCalendarDate(raw)) return { ok: false, problem: 'not a date in the calendar (years 1000-9999)' };
  return { ok: true, value: raw };
};

const classification = (raw: unknown): Parsed =>
  typeof raw === 'string' && isClassification(raw)
    ? { ok: true, value: raw }
    : { ok: false, problem: 'one of public, internal, confidential, secret' };

const uuid = (raw: unknown): Parsed =>
  raw === null || raw === ''
    ? { ok: true, value: null }
    : typeof raw === 'string' && isUuid(raw)
      ? { ok: true, value: raw }
      : { ok: false, problem: 'an id is expected' };

export interface CorrectableField {
  /** The column in `documents`. */
  column: string;
  /** How the column is read as text (dates as YYYY-MM-DD). */
  read: string;
  parse: (raw: unknown) => Parsed;
}

/** Every field of a record that may be corrected, by its name in the API. */
export const CORRECTABLE = {
  title: { column: 'title', read: 'title', parse: text(500) },
  docType: { column: 'doc_type', read: 'doc_type', parse: text(100) },
  department: { column: 'department', read: 'department', parse: text(200) },
  classification: { column: 'classification', read: 'classification', parse: classification },
  docDate: { column: 'doc_date', read: "to_char(doc_date, 'YYYY-MM-DD')", parse: date },
  correspondent: { column: 'correspondent', read: 'correspondent', parse: text(300) },
  externalRef: { column: 'external_ref', read: 'external_ref', parse: text(200) },
  externalDate: { column: 'external_date', read: "to_char(external_date, 'YYYY-MM-DD')", parse: date },
  correspondentId: { column: 'correspondent_id', read: 'correspondent_id::text', parse: uuid },
} as const satisfies Record<string, CorrectableField>;

export type CorrectableName = keyof typeof CORRECTABLE;
export const CORRECTABLE_NAMES = Object.keys(CORRECTABLE) as CorrectableName[];

/** The fields a correction sets, as typed. */
export type CorrectionValues = Partial<Record<CorrectableName, string | null>>;

/** Each changed field's value before and after. */
export type Changes = Partial<Record<CorrectableName, { before: string | null; after: string | null }>>;

/** The reason a correction must give: 3 to 500 characters, no control characters. */
export function checkReason(raw: unknown): string {
  const reason = typeof raw === 'string' ? raw.trim() : '';
  if (reason.length < 3 || reason.length > 500 || CONTROL.test(reason)) throw new DomainError('reason_required');
  return reason;
}

/**
 * The fields of a request body that a correction sets, read through the
 * table; anything else in the body besides `reason` (and a form's `_csrf`) is
 * refused, so a field that cannot be corrected (the registry number) is never
 * silently ignored.
 */
export function parseCorrection(body: Record<string, unknown>): CorrectionValues {
  const values: CorrectionValues = {};
  const problems: string[] = [];
  for (const [name, raw] of Object.entries(body)) {
    if (name === 'reason' || name === '_csrf' || raw === undefined) continue;
    const field = (CORRECTABLE as Record<string, CorrectableField>)[name];
    if (!field) {
      problems.push(`${name}: cannot be corrected`);
      continue;
    }
    const parsed = field.parse(raw);
    if (parsed.ok) values[name as CorrectableName] = parsed.value;
    else problems.push(`${name}: ${parsed.problem}`);
  }
  if (problems.length > 0) {
    const all = problems.join('; ');
    throw new DomainError('bad_request', { ar: `(${all})`, en: `(${all})` });
  }
  return values;
}

/** The record's correctable fields as they are now. */
export async function currentValues(
  q: Queryable,
  documentId: string,
  lock = false,
): Promise<Record<CorrectableName, string | null> | undefined> {
  const columns = CORRECTABLE_NAMES.map((n) => `${CORRECTABLE[n].read} AS "${n}"`).join(', ');
  const res = await q.query<Record<CorrectableName, string | null>>(
    `SELECT ${columns} FROM documents WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
    [documentId],
  );
  return res.rows[0];
}

/** Writes the after-values of `changes` to the row (inside the caller's transaction). */
async function writeChanges(tx: Tx, documentId: string, changes: Changes): Promise<void> {
  const names = Object.keys(changes) as CorrectableName[];
  const sets = names.map((n, i) => `${CORRECTABLE[n].column} = $${i + 2}`);
  await tx.query(`UPDATE documents SET ${sets.join(', ')}, updated_at = now() WHERE id = $1`, [
    documentId,
    ...names.map((n) => changes[n]!.after),
  ]);
}

export interface Correction {
  documentId: string;
  values: CorrectionValues;
  reason: string;
  /** Who corrects, as the ledger names people, and their user id (null for the administrator token). */
  by: string;
  byUserId: string | null;
  /**
   * Checks the record as it would be after the correction (who may file what
   * where), inside the transaction, before anything is written.
   */
  check?: (after: Record<CorrectableName, string | null>) => void;
}

export interface CorrectionDone {
  id: number;
  at: string;
  changes: Changes;
  ledgerSeq: number;
}

/** The change a correction makes: only the fields whose value differs. */
function diff(now: Record<CorrectableName, string | null>, values: CorrectionValues): Changes {
  const changes: Changes = {};
  for (const n of Object.keys(values) as CorrectableName[]) {
    const after = values[n] ?? null;
    if (now[n] !== after) changes[n] = { before: now[n], after };
  }
  return changes;
}

/**
 * Corrects a record in one transaction: row, history and ledger together.
 * Refused (no_change) when nothing would change. A correspondent chosen from
 * the records also puts its Arabic name into the free-text field, as at registration.
 */
export async function correctDocument(db: Db, c: Correction): Promise<CorrectionDone> {
  return inTransaction(db, async (tx) => {
    const now = await currentValues(tx, c.documentId, true);
    if (!now) throw new DomainError('not_found');
    const values = { ...c.values };
    if (values.correspondentId) {
      const found = await tx.query<{ name_ar: string }>('SELECT name_ar FROM correspondents WHERE id = $1', [
        values.correspondentId,
      ]);
      if (!found.rows[0]) throw new DomainError('unknown_correspondent');
      if (values.correspondent === undefined) values.correspondent = found.rows[0].name_ar;
    }
    const changes = diff(now, values);
    if (Object.keys(changes).length === 0) throw new DomainError('no_change');
    c.check?.({ ...now, ...values } as Record<CorrectableName, string | null>);
    await writeChanges(tx, c.documentId, changes);
    // The type and classification choose the retention rule: the rule and due date follow in this transaction,
    // and the objects are locked again (by the lock extension) where the lock rose.
    if (changes.docType || changes.classification) {
      await recomputeDocuments(tx, [c.documentId]);
      await requestRelockIfNeeded(tx, c.by, [c.documentId]);
    }
    const ref = await tx.query<{ register: string; registry_year: number; registry_seq: number }>(
      'SELECT register, registry_year, registry_seq FROM documents WHERE id = $1',
      [c.documentId],
    );
    const r = ref.rows[0]!;
    const entry = await appendLedger(tx, 'corrected', c.documentId, {
      documentId: c.documentId,
      registryNo: registryNo({ register: r.register, year: r.registry_year, seq: r.registry_seq }),
      changes,
      reason: c.reason,
      by: c.by,
      byUserId: c.byUserId,
    });
    const row = await tx.query<{ id: string }>(
      `INSERT INTO document_changes (document_id, at, by_user, reason, changes, ledger_seq) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [c.documentId, entry.at, c.by, c.reason, JSON.stringify(changes), entry.seq],
    );
    return { id: Number(row.rows[0]!.id), at: entry.at, changes, ledgerSeq: entry.seq };
  });
}

/** One row of a document's history. */
export interface HistoryRow {
  kind: 'registered' | 'corrected' | 'text-corrected';
  at: string;
  by: string | null;
  reason: string | null;
  /** The record's fields before and after; for a page's text, `text` before and after. */
  changes: Record<string, { before: string | null; after: string | null }>;
  /** A text correction's page and the text version it made. */
  page?: number;
  version?: number;
  ledgerSeq: number | null;
}

/**
 * The registration, then every correction of the record and of a page's
 * text, oldest first. A text correction is read from its ledger entry, which
 * holds the page's text before and after.
 */
export async function documentHistory(q: Queryable, documentId: string): Promise<HistoryRow[]> {
  const reg = await q.query<{ created_at: Date; uploaded_by_name: string | null; seq: string | null }>(
    `SELECT d.created_at, u.username AS uploaded_by_name,
            (SELECT seq FROM ledger WHERE document_id = d.id AND event = 'registered' ORDER BY seq LIMIT 1) AS seq
     FROM documents d LEFT JOIN users u ON u.id = d.uploaded_by WHERE d.id = $1`,
    [documentId],
  );
  const first = reg.rows[0];
  if (!first) return [];
  const rows = await q.query<{ at: Date; by_user: string; reason: string; changes: Changes; ledger_seq: string }>(
    'SELECT at, by_user, reason, changes, ledger_seq FROM document_changes WHERE document_id = $1 ORDER BY ledger_seq',
    [documentId],
  );
  const texts = await q.query<{ seq: string; at: Date; payload: Record<string, unknown> }>(
    `SELECT seq, at, payload FROM ledger WHERE document_id = $1 AND event = 'text-corrected' ORDER BY seq`,
    [documentId],
  );
  const textRows: HistoryRow[] = texts.rows.map((r) => ({
    kind: 'text-corrected',
    at: r.at.toISOString(),
    by: typeof r.payload.by === 'string' ? r.payload.by : null,
    reason: typeof r.payload.reason === 'string' ? r.payload.reason : null,
    changes: { text: { before: String(r.payload.textBefore ?? ''), after: String(r.payload.text ?? '') } },
    page: Number(r.payload.page),
    version: Number(r.payload.version),
    ledgerSeq: Number(r.seq),
  }));
  const corrections: HistoryRow[] = rows.rows.map((r) => ({
    kind: 'corrected',
    at: r.at.toISOString(),
    by: r.by_user,
    reason: r.reason,
    changes: r.changes,
    ledgerSeq: Number(r.ledger_seq),
  }));
  return [
    {
      kind: 'registered',
      at: first.created_at.toISOString(),
      by: first.uploaded_by_name,
      reason: null,
      changes: {},
      ledgerSeq: first.seq === null ? null : Number(first.seq),
    },
    ...[...corrections, ...textRows].sort((a, b) => a.ledgerSeq! - b.ledgerSeq!),
  ];
}

/**
 * Restore: puts a 'corrected' entry's change back on the restored record and
 * in its history. Idempotent (an entry already in the history is passed
 * over); false when the document did not come back.
 */
export async function replayCorrection(tx: Tx, entry: LedgerEntry): Promise<boolean> {
  if (!entry.documentId) return false;
  const there = await tx.query('SELECT 1 FROM document_changes WHERE ledger_seq = $1', [entry.seq]);
  if (there.rowCount) return true;
  const doc = await tx.query('SELECT 1 FROM documents WHERE id = $1', [entry.documentId]);
  if (!doc.rowCount) return false;
  const p = entry.payload as { changes: Changes; reason: string; by: string };
  const changes: Changes = {};
  // Only fields the table still knows are written back (a column never disappears, but the payload is read, not trusted).
  for (const [name, change] of Object.entries(p.changes ?? {})) {
    if (name in CORRECTABLE && change) changes[name as CorrectableName] = change;
  }
  if (Object.keys(changes).length > 0) await writeChanges(tx, entry.documentId, changes);
  await tx.query(
    `INSERT INTO document_changes (document_id, at, by_user, reason, changes, ledger_seq) VALUES ($1, $2, $3, $4, $5, $6)`,
    [entry.documentId, entry.at, p.by, p.reason, JSON.stringify(p.changes ?? {}), entry.seq],
  );
  return true;
}

/**
 * The document a reference names: its id, or its registry number as people
 * type it ("2026/000123", "outgoing/2026/1"). Undefined when there is none.
 */
export async function documentIdOf(q: Queryable, ref: string): Promise<string | undefined> {
  if (isUuid(ref)) {
    const res = await q.query<{ id: string }>('SELECT id FROM documents WHERE id = $1', [ref]);
    return res.rows[0]?.id;
  }
  const n = parseRegistryNo(ref);
  if (!n) return undefined;
  const res = await q.query<{ id: string }>(
    'SELECT id FROM documents WHERE register = $1 AND registry_year = $2 AND registry_seq = $3',
    [n.register, n.year, n.seq],
  );
  return res.rows[0]?.id;
}
