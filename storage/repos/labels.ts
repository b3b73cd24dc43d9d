/**
 * Registry labels: registry numbers given out in advance, printed on sticker sheets (`diwan sheets labels`).
 * Each is taken from its register's sequence when the sheet is made, so no registration gives it, and is tied
 * to the document whose first page bears it when that document is registered (documentRegistration.ts).
 */
import { inTransaction, type Db, type Queryable } from '../db';
import { DomainError } from '../../kernel/errors';
import type { RegistryRef } from '../../kernel/registry';
import { registryYear } from './documentRegistration';

/** At most this many labels are made at once. */
export const MAX_LABELS = 1000;

/**
 * Takes `count` numbers from the register's sequence for the year (where the registry is, `timeZone`) and
 * keeps them as labels; returns them in order.
 */
export async function allocateLabels(
  db: Db,
  input: { register: string; count: number; by: string | null; timeZone?: string; at?: Date },
): Promise<Array<Required<RegistryRef>>> {
  if (!Number.isInteger(input.count) || input.count < 1 || input.count > MAX_LABELS) {
    throw new DomainError('bad_request', { ar: `(العدد من ١ إلى ${MAX_LABELS})`, en: `(count: 1 to ${MAX_LABELS})` });
  }
  return inTransaction(db, async (tx) => {
    const known = await tx.query('SELECT 1 FROM registers WHERE code = $1', [input.register]);
    if (known.rows.length === 0) throw new DomainError('unknown_register', { ar: input.register, en: input.register });
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
