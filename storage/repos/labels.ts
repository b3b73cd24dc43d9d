/**
 * Registry labels: registry numbers given out in advance, printed on sticker sheets (`diwan sheets labels`).
 * Each is taken from its register's sequence when the sheet is made, so no registration gives it, and is tied
 * to the document whose first page bears it when that document is registered (documentRegistration.ts).
 *
 * The numbers taken are a 'labels-allocated' ledger entry (register, year, first, last) written in the same
 * transaction, so a restored archive knows them too: `diwan restore` replays the entry
 * (replayLabelsAllocated), moving the sequence past the last and making the labels again, each tied to the
 * restored document that bears its number. Without it a restore would give those numbers to other letters
 * while the printed stickers still carry them.
 */
import { inTransaction, type Db, type Queryable, type Tx } from '../db';
import { appendLedger, type LedgerEntry } from '../integrity/ledger';
import { DomainError } from '../../kernel/errors';
import { REGISTER_CODE, type RegistryRef } from '../../kernel/registry';
import { toArabicIndic } from '../../kernel/text';
import { advanceRegistrySequence, registryYear } from './documentRegistration';

/**
 * At most this many labels are made at once (about 21 sheets of 24): drawing them takes a few seconds of the
 * API process, and a day's letters rarely need more.
 */
export const MAX_LABELS = 500;

/** The 'labels-allocated' ledger entry's payload. */
interface LabelsAllocated {
  register: string;
  year: number;
  first: number;
  last: number;
  by: string | null;
}

/**
 * Takes `count` numbers from the register's sequence for the year (where the registry is, `timeZone`) and
 * keeps them as labels; returns them in order.
 */
export async function allocateLabels(
  db: Db,
  input: { register: string; count: number; by: string | null; timeZone?: string; at?: Date },
): Promise<Array<Required<RegistryRef>>> {
  if (!Number.isInteger(input.count) || input.count < 1 || input.count > MAX_LABELS) {
    throw new DomainError('bad_label_count', {
      ar: `(من ١ إلى ${toArabicIndic(String(MAX_LABELS))})`,
      en: `(1 to ${MAX_LABELS})`,
      details: { max: MAX_LABELS },
    });
  }
  return inTransaction(db, async (tx) => {
    const known = await tx.query('SELECT 1 FROM registers WHERE code = $1', [input.register]);
    if (known.rows.length === 0) {
      throw new DomainError('unknown_register', { ar: `(${input.register})`, en: `(${input.register})` });
    }
    const at = input.at ?? (await tx.query<{ now: Date }>('SELECT now() AS now')).rows[0]!.now;
    const year = registryYear(at, input.timeZone ?? 'UTC');
    const res = await tx.query<{ last_seq: number }>(
      `INSERT INTO registry_sequences (register, year, last_seq) VALUES ($1, $2, $3)
       ON CONFLICT (register, year) DO UPDATE SET last_seq = registry_sequences.last_seq + $3
       RETURNING last_seq`,
      [input.register, year, input.count],
    );
    const last = res.rows[0]!.last_seq;
    const refs = Array.from({ length: input.count }, (_, i) => ({
      register: input.register,
      year,
      seq: last - input.count + 1 + i,
    }));
    await tx.query(
      `INSERT INTO registry_labels (register, year, seq, printed_by)
       SELECT $1, $2, s, $4 FROM generate_series($3::int, $5::int) AS s`,
      [input.register, year, refs[0]!.seq, input.by, last],
    );
    const entry: LabelsAllocated = { register: input.register, year, first: refs[0]!.seq, last, by: input.by };
    await appendLedger(tx, 'labels-allocated', null, { ...entry });
    return refs;
  });
}

/** A label's state: unknown (never given out), free, or the document it was used on. */
export async function labelState(
  q: Queryable,
  ref: Required<RegistryRef>,
): Promise<{ kind: 'unknown' } | { kind: 'free' } | { kind: 'used'; documentId: string }> {
  const res = await q.query<{ document_id: string | null }>(
    'SELECT document_id FROM registry_labels WHERE register = $1 AND year = $2 AND seq = $3',
    [ref.register, ref.year, ref.seq],
  );
  const row = res.rows[0];
  if (!row) return { kind: 'unknown' };
  return row.document_id ? { kind: 'used', documentId: row.document_id } : { kind: 'free' };
}

/**
 * Replays a 'labels-allocated' entry (restore): the register's sequence moves past the last number, and the
 * labels are made again, each tied to the restored document registered under its number (a label's number is
 * taken by no other registration, so a document with it was registered from the label). Idempotent.
 */
export async function replayLabelsAllocated(tx: Tx, e: LedgerEntry): Promise<boolean> {
  const p = e.payload as unknown as LabelsAllocated;
  const [first, last] = [Number(p.first), Number(p.last)];
  if (!REGISTER_CODE.test(String(p.register)) || !Number.isInteger(first) || !Number.isInteger(last) || first > last)
    return false;
  const known = await tx.query('SELECT 1 FROM registers WHERE code = $1', [p.register]);
  if (known.rows.length === 0) return false;
  await advanceRegistrySequence(tx, { register: p.register, year: p.year, seq: last });
  // Who printed them, when that person is known here (people are not restored with the records).
  await tx.query(
    `INSERT INTO registry_labels (register, year, seq, printed_at, printed_by)
     SELECT $1, $2, s, $5, (SELECT id FROM users WHERE id::text = $6)
     FROM generate_series($3::int, $4::int) AS s
     ON CONFLICT (register, year, seq) DO NOTHING`,
    [p.register, p.year, first, last, e.at, p.by ?? null],
  );
  await tx.query(
    `UPDATE registry_labels l SET document_id = d.id, used_at = d.created_at
     FROM documents d
     WHERE l.register = $1 AND l.year = $2 AND l.seq BETWEEN $3 AND $4 AND l.document_id IS NULL
       AND d.register = l.register AND d.registry_year = l.year AND d.registry_seq = l.seq`,
    [p.register, p.year, first, last],
  );
  return true;
}
