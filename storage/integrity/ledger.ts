/**
 * The audit ledger: an append-only table (UPDATE, DELETE and TRUNCATE are
 * refused by triggers) in which every entry is chained to the one before:
 *   entry_hash = sha256(prev_hash || canonical(entry))
 * where entry = { at, event, documentId, payload }. Appends are serialised by an
 * advisory lock so the chain never forks.
 */
import { canonicalJson, sha256 } from '../hash';
import { inTransaction, type Db, type Queryable, type Tx } from '../db';

export const GENESIS_HASH = '0'.repeat(64);
const LEDGER_LOCK = 0x6c656467; // "ledg"

export type LedgerEvent =
  | 'registered'
  | 'stamped'
  | 'archived'
  | 'indexed'
  | 'replicated'
  | 'failed'
  | 'reocr'
  | 'fixity-problem'
  | 'repaired'
  | 'verified'
  | 'downloaded'
  | 'viewed';

export interface LedgerEntry {
  seq: number;
  at: string;
  event: string;
  documentId: string | null;
  payload: Record<string, unknown>;
  prevHash: string;
  entryHash: string;
}

export function entryHash(
  prevHash: string,
  e: { at: string; event: string; documentId: string | null; payload: unknown },
): string {
  return sha256(prevHash + canonicalJson({ at: e.at, event: e.event, documentId: e.documentId, payload: e.payload }));
}

/** Appends one entry inside the caller's transaction (or a new one) and returns it. */
export async function appendLedger(
  dbOrTx: Db | Tx,
  event: LedgerEvent,
  documentId: string | null,
  payload: Record<string, unknown>,
): Promise<LedgerEntry> {
  const write = async (tx: Tx | Db): Promise<LedgerEntry> => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LEDGER_LOCK]);
    const last = await tx.query<{ entry_hash: string }>('SELECT entry_hash FROM ledger ORDER BY seq DESC LIMIT 1');
    const prevHash = last.rows[0]?.entry_hash ?? GENESIS_HASH;
    const at = new Date().toISOString();
    const hash = entryHash(prevHash, { at, event, documentId, payload });
    const res = await tx.query<{ seq: string }>(
      `INSERT INTO ledger (at, event, document_id, payload, prev_hash, entry_hash)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq`,
      [at, event, documentId, JSON.stringify(payload), prevHash, hash],
    );
    return { seq: Number(res.rows[0]!.seq), at, event, documentId, payload, prevHash, entryHash: hash };
  };
  return 'release' in dbOrTx ? write(dbOrTx) : inTransaction(dbOrTx, write);
}

/**
 * Appends `event` for `documentId` unless the ledger already holds it, so a
 * stage re-run after a crash records its event exactly once.
 */
export async function appendLedgerOnce(
  db: Db,
  event: LedgerEvent,
  documentId: string,
  payload: Record<string, unknown>,
  /** For events a document may have more than once: the payload fields that tell one from another. */
  distinctBy: Record<string, unknown> = {},
): Promise<void> {
  await inTransaction(db, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LEDGER_LOCK]);
    const seen = await tx.query('SELECT 1 FROM ledger WHERE document_id = $1 AND event = $2 AND payload @> $3::jsonb LIMIT 1', [
      documentId,
      event,
      JSON.stringify(distinctBy),
    ]);
    if (seen.rowCount === 0) await appendLedger(tx, event, documentId, payload);
  });
}

interface LedgerRow {
  seq: string;
  at: Date;
  event: string;
  document_id: string | null;
  payload: Record<string, unknown>;
  prev_hash: string;
  entry_hash: string;
}

const LEDGER_COLUMNS = 'seq, at, event, document_id, payload, prev_hash, entry_hash';

function toEntry(r: LedgerRow): LedgerEntry {
  return {
    seq: Number(r.seq),
    at: r.at.toISOString(),
    event: r.event,
    documentId: r.document_id,
    payload: r.payload,
    prevHash: r.prev_hash,
    entryHash: r.entry_hash,
  };
}

/** The entries about one document, oldest first. */
export async function ledgerForDocument(db: Db, documentId: string): Promise<LedgerEntry[]> {
  const res = await db.query<LedgerRow>(`SELECT ${LEDGER_COLUMNS} FROM ledger WHERE document_id = $1 ORDER BY seq`, [documentId]);
  return res.rows.map(toEntry);
}

/** The whole ledger, or the entries after `after` up to `upTo`, in order (for the audit export and ledger segments). */
export async function allLedgerEntries(db: Queryable, range: { after?: number; upTo?: number } = {}): Promise<LedgerEntry[]> {
  const res = await db.query<LedgerRow>(`SELECT ${LEDGER_COLUMNS} FROM ledger WHERE seq > $1 AND seq <= $2 ORDER BY seq`, [
    range.after ?? 0,
    range.upTo ?? Number.MAX_SAFE_INTEGER,
  ]);
  return res.rows.map(toEntry);
}

/** Re-computes the chain; returns the first broken sequence number, or null when whole. */
export async function verifyLedgerChain(db: Db): Promise<{ entries: number; brokenAt: number | null }> {
  const res = await db.query<LedgerRow>(`SELECT ${LEDGER_COLUMNS} FROM ledger ORDER BY seq`);
  let prev = GENESIS_HASH;
  for (const e of res.rows.map(toEntry)) {
    if (e.prevHash !== prev || entryHash(prev, e) !== e.entryHash) return { entries: res.rows.length, brokenAt: e.seq };
    prev = e.entryHash;
  }
  return { entries: res.rows.length, brokenAt: null };
}
