/**
 * The registers (books) documents are numbered in (`registers`): incoming,
 * outgoing and internal from the start, and any an administrator adds (a
 * minister's office book). A register is never removed. Adding one is a
 * 'register-created' ledger entry carrying the whole record, replayed by
 * `diwan restore` (replayRegisterCreated); a restored document also brings its
 * register back from its manifest (ensureRegister), since documents are
 * restored before the ledger's registry entries are replayed.
 */
import { inTransaction, isUniqueViolation, type Db, type Queryable, type Tx } from '../db';
import { appendLedger, type LedgerEntry } from '../integrity/ledger';
import { DomainError } from '../../kernel/errors';
import { REGISTER_CODE, type RegisterNames } from '../../kernel/registry';

export const DIRECTIONS = ['in', 'out', 'internal'] as const;
export type Direction = (typeof DIRECTIONS)[number];
export const isDirection = (d: unknown): d is Direction => (DIRECTIONS as readonly unknown[]).includes(d);

export interface RegisterRecord extends RegisterNames {
  code: string;
  direction: Direction;
  createdAt: string;
}

interface Row {
  code: string;
  name_ar: string;
  name_en: string;
  letter_ar: string;
  letter_en: string;
  direction: Direction;
  created_at: Date;
}

const COLUMNS = 'code, name_ar, name_en, letter_ar, letter_en, direction, created_at';

function toRegister(r: Row): RegisterRecord {
  return {
    code: r.code,
    nameAr: r.name_ar,
    nameEn: r.name_en,
    letterAr: r.letter_ar,
    letterEn: r.letter_en,
    direction: r.direction,
    createdAt: r.created_at.toISOString(),
  };
}

export type NewRegister = Omit<RegisterRecord, 'createdAt'>;

/** Every register, the three built-in ones first, then by when they were added. */
export async function listRegisters(q: Queryable): Promise<RegisterRecord[]> {
  const res = await q.query<Row>(
    `SELECT ${COLUMNS} FROM registers
     ORDER BY array_position(ARRAY['incoming', 'outgoing', 'internal'], code) NULLS LAST, created_at, code`,
  );
  return res.rows.map(toRegister);
}

export async function getRegister(q: Queryable, code: string): Promise<RegisterRecord | undefined> {
  const res = await q.query<Row>(`SELECT ${COLUMNS} FROM registers WHERE code = $1`, [code]);
  return res.rows[0] ? toRegister(res.rows[0]) : undefined;
}

/** The register, or a domain error naming the unknown code. */
export async function requireRegister(q: Queryable, code: string): Promise<RegisterRecord> {
  const r = await getRegister(q, code);
  if (!r) throw new DomainError('unknown_register', { ar: `(${code})`, en: `(${code})` });
  return r;
}

/** Adds a register with its ledger entry; a code or a letter already taken is `register_exists`. */
export async function createRegister(db: Db, input: NewRegister, by: string | null): Promise<RegisterRecord> {
  if (!REGISTER_CODE.test(input.code) || !isDirection(input.direction)) throw new DomainError('bad_request');
  for (const v of [input.nameAr, input.nameEn, input.letterAr, input.letterEn]) {
    if (typeof v !== 'string' || !v.trim() || v.length > 200) throw new DomainError('bad_request');
  }
  try {
    return await inTransaction(db, async (tx) => {
      const res = await tx.query<Row>(
        `INSERT INTO registers (code, name_ar, name_en, letter_ar, letter_en, direction) VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING ${COLUMNS}`,
        [input.code, input.nameAr.trim(), input.nameEn.trim(), input.letterAr.trim(), input.letterEn.trim(), input.direction],
      );
      const reg = toRegister(res.rows[0]!);
      await appendLedger(tx, 'register-created', null, { ...reg, by });
      return reg;
    });
  } catch (e) {
    if (isUniqueViolation(e, 'registers_pkey')) throw new DomainError('register_exists');
    // A letter another book has: numbers written with it would name two books.
    if (isUniqueViolation(e, 'registers_letter_ar_key') || isUniqueViolation(e, 'registers_letter_en_key')) {
      throw new DomainError('register_exists', { ar: '(حرف هذا السجل لسجل آخر)', en: '(another register has this letter)' });
    }
    throw e;
  }
}

/** Puts a register back as a manifest or ledger entry describes it, unless it is there already. */
export async function ensureRegister(q: Queryable, r: NewRegister & { createdAt?: string }): Promise<void> {
  await q.query(
    `INSERT INTO registers (code, name_ar, name_en, letter_ar, letter_en, direction, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, coalesce($7::timestamptz, now())) ON CONFLICT (code) DO NOTHING`,
    [r.code, r.nameAr, r.nameEn, r.letterAr, r.letterEn, r.direction, r.createdAt ?? null],
  );
}

/** Replays a 'register-created' entry (restore). */
export async function replayRegisterCreated(tx: Tx, e: LedgerEntry): Promise<boolean> {
  const p = e.payload as unknown as RegisterRecord;
  await ensureRegister(tx, p);
  return true;
}
