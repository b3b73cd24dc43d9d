/**
 * The audit ledger: an append-only table (UPDATE, DELETE and TRUNCATE are
 * refused by triggers) in which every entry is chained to the one before:
 *   entry_hash = sha256(prev_hash || canonical(entry))
 * where entry = { at, event, documentId, payload }. Appends are serialised by an
 * advisory lock so the chain never forks.
 */
import { canonicalJson, sha256 } from '../hash';
import { inTransaction, type Db, type Queryable, type Tx } from '../db';
import { readState, writeState } from '../state';

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
  | 'viewed'
  | 'register-created'
  | 'correspondent-created'
  | 'correspondent-changed'
  | 'linked'
  | 'unlinked'
  | 'referred'
  | 'referral-closed'
  | 'deadline-suspended'
  | 'deadline-resumed'
  | 'directive'
  | 'corrected'
  | 'text-corrected'
  // Records management: the retention schedule, a document's file closed, legal holds, disposal, transfers.
  | 'rule-created'
  | 'rule-changed'
  | 'file-closed'
  | 'held'
  | 'hold-lifted'
  | 'disposal-requested'
  | 'disposal-decided'
  | 'destroyed'
  | 'transfer-created'
  | 'transferred'
  | 'key-rotated'
  | 'transfer-received'
  // Registry numbers given out in advance on printed labels (register, year, first, last).
  | 'labels-allocated'
  // A scanned stack kept whole, once every letter of it is registered: its file and the letters it became.
  | 'stack-kept';

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

/** A ledger row as PostgreSQL gives it (select LEDGER_COLUMNS). */
export interface LedgerRow {
  seq: string;
  at: Date;
  event: string;
  document_id: string | null;
  payload: Record<string, unknown>;
  prev_hash: string;
  entry_hash: string;
}

/** The events that vouch for a text written after the manifest (ocr-vN.json): a re-reading, a person's correction. */
export const LATER_READINGS: readonly string[] = ['reocr', 'text-corrected'];

export const LEDGER_COLUMNS = 'seq, at, event, document_id, payload, prev_hash, entry_hash';

export function toEntry(r: LedgerRow): LedgerEntry {
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

/** How many entries one verification step reads at a time: memory stays flat however long the ledger grows. */
export const LEDGER_VERIFY_CHUNK = 5000;

/** The diwan_state key remembering how far the chain was last found whole. */
export const LEDGER_VERIFIED_KEY = 'ledger-verified';

interface VerifiedMark {
  seq: number;
  entryHash: string;
  /** Entries up to seq. */
  entries: number;
  /**
   * The transaction snapshot when the last deep (or full) check began: an
   * entry written by a transaction it does not see was written since. Quick
   * checks carry it forward unchanged, so the next deep check still looks at
   * every row written since.
   */
  snapshot: string;
  /** When that deep (or full) check ran; absent in marks from before there were deep checks. */
  deepAt?: string;
}

export interface ChainVerification {
  /** Entries in the chain from the first up to verifiedUpTo (those verified before and those verified now). */
  entries: number;
  /** The first entry that does not follow from the one before, or whose remembered hash changed; null when whole. */
  brokenAt: number | null;
  /** The entry this check started after: 0 for the whole chain, else the last entry an earlier check found whole. */
  verifiedFrom: number;
  /** The last entry found whole; when broken, the last one read before the break (verifiedFrom when it broke at or before it). */
  verifiedUpTo: number;
  /** Entries re-hashed by this check: the new ones, the remembered one, and (deep) any older one written since the last deep check. */
  checked: number;
  /** When old entries were last looked at for rewriting (the last deep or full check); null when never. */
  deepCheckedAt: string | null;
}

/**
 * How much a verification looks at. 'quick' (the audit page, the report, the
 * API by default): the entries new since the last check and the remembered
 * one, O(new entries). 'deep' (a cluster schedule, DIWAN_LEDGER_DEEP_MINUTES):
 * besides, no entry missing and every older row written since the last deep
 * check (PostgreSQL's xmin) re-hashed and linked; it reads every row's xmin,
 * so it runs on a schedule, not in a request. 'full': the whole chain re-hashed.
 */
export type LedgerCheck = 'quick' | 'deep' | 'full';

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Re-hashes the entries after `after`, chunk by chunk (keyset on seq), each
 * chained to `prev`; stops at the first that does not follow.
 */
async function verifyAfter(
  db: Queryable,
  after: number,
  prev: string,
): Promise<{ checked: number; lastSeq: number; lastHash: string; brokenAt: number | null }> {
  let lastSeq = after;
  let lastHash = prev;
  let checked = 0;
  for (;;) {
    const res = await db.query<LedgerRow>(`SELECT ${LEDGER_COLUMNS} FROM ledger WHERE seq > $1 ORDER BY seq LIMIT $2`, [
      lastSeq,
      LEDGER_VERIFY_CHUNK,
    ]);
    for (const row of res.rows) {
      const e = toEntry(row);
      checked++;
      if (e.prevHash !== lastHash || entryHash(lastHash, e) !== e.entryHash)
        return { checked, lastSeq, lastHash, brokenAt: e.seq };
      lastSeq = e.seq;
      lastHash = e.entryHash;
    }
    if (res.rows.length < LEDGER_VERIFY_CHUNK) return { checked, lastSeq, lastHash, brokenAt: null };
    await yieldToEventLoop();
  }
}

/** The database's transaction snapshot now: which writes had been committed (txid_current_snapshot). */
async function snapshotNow(db: Queryable): Promise<string> {
  const res = await db.query<{ s: string }>('SELECT txid_current_snapshot()::text AS s');
  return res.rows[0]!.s;
}

/**
 * The entries up to $1 written (inserted or rewritten) by a transaction not
 * committed at snapshot $2, with the hash of the entry before and the link of
 * the entry after. A row's xmin is 32 bits; it is widened against the current
 * snapshot's next transaction id.
 */
const WRITTEN_SINCE = `
  WITH cur AS (SELECT txid_snapshot_xmax(txid_current_snapshot()) AS x)
  SELECT ${LEDGER_COLUMNS},
         (SELECT p.entry_hash FROM ledger p WHERE p.seq < l.seq ORDER BY p.seq DESC LIMIT 1) AS before_hash,
         (SELECT n.prev_hash FROM ledger n WHERE n.seq > l.seq ORDER BY n.seq LIMIT 1) AS after_prev
  FROM ledger l, cur
  WHERE l.seq <= $1 AND l.seq > $4
    AND NOT txid_visible_in_snapshot(cur.x - ((cur.x - l.xmin::text::bigint) % 4294967296 + 4294967296) % 4294967296, $2::txid_snapshot)
  ORDER BY l.seq LIMIT $3`;

/** Whether the remembered entry still re-hashes to the hash remembered for it (one row); a mark of the empty ledger always holds. */
async function markEntryHolds(db: Queryable, mark: VerifiedMark): Promise<boolean> {
  if (mark.seq === 0) return mark.entryHash === GENESIS_HASH;
  const res = await db.query<LedgerRow>(`SELECT ${LEDGER_COLUMNS} FROM ledger WHERE seq = $1`, [mark.seq]);
  const row = res.rows[0];
  return !!row && row.entry_hash === mark.entryHash && entryHash(row.prev_hash, toEntry(row)) === mark.entryHash;
}

/**
 * The deep part: none of the entries up to the remembered one is missing, and
 * every one written (inserted or rewritten) since the last deep check
 * re-hashes and links to its neighbours, a chunk at a time. 'full' when so many
 * transactions have passed (2^31) that a row's 32-bit xmin no longer tells.
 */
async function writtenSinceHold(
  db: Queryable,
  mark: VerifiedMark,
): Promise<{ brokenAt: number | null; checked: number } | 'full'> {
  if (typeof mark.snapshot !== 'string') return 'full';
  const count = await db.query<{ n: number; since: string }>(
    `SELECT count(*)::int AS n, txid_snapshot_xmax(txid_current_snapshot()) - txid_snapshot_xmin($2::txid_snapshot) AS since
     FROM ledger WHERE seq <= $1`,
    [mark.seq, mark.snapshot],
  );
  if (Number(count.rows[0]?.since) >= 2 ** 31) return 'full';
  // An entry missing: the first hole (or the remembered entry, when the count is off without a hole).
  if (count.rows[0]?.n !== mark.entries) return { brokenAt: await firstMissing(db, mark.seq), checked: 1 };
  let after = 0;
  let checked = 0;
  for (;;) {
    const written = await db.query<LedgerRow & { before_hash: string | null; after_prev: string | null }>(WRITTEN_SINCE, [
      mark.seq,
      mark.snapshot,
      LEDGER_VERIFY_CHUNK,
      after,
    ]);
    for (const r of written.rows) {
      const e = toEntry(r);
      checked++;
      const linked = e.prevHash === (r.before_hash ?? GENESIS_HASH) && (r.after_prev === null || r.after_prev === e.entryHash);
      if (!linked || entryHash(e.prevHash, e) !== e.entryHash) return { brokenAt: e.seq, checked };
    }
    if (written.rows.length < LEDGER_VERIFY_CHUNK) return { brokenAt: null, checked };
    after = Number(written.rows.at(-1)!.seq);
    await yieldToEventLoop();
  }
}

/** The first sequence number up to `upTo` with no entry (an entry deleted), else `upTo`. */
async function firstMissing(db: Queryable, upTo: number): Promise<number> {
  const res = await db.query<{ seq: string }>(
    `SELECT s.seq FROM generate_series(1, $1::bigint) AS s(seq)
     WHERE NOT EXISTS (SELECT 1 FROM ledger WHERE ledger.seq = s.seq) ORDER BY s.seq LIMIT 1`,
    [upTo],
  );
  return res.rows[0] ? Number(res.rows[0].seq) : upTo;
}

/**
 * Verifies the chain in chunks ('quick' unless asked: see LedgerCheck). When
 * the chain is whole, how far is remembered for the next check; when broken,
 * it is forgotten, so the next check re-hashes the whole chain.
 */
export async function verifyLedger(db: Db, opts: { full?: boolean; deep?: boolean } = {}): Promise<ChainVerification> {
  const check: LedgerCheck = opts.full ? 'full' : opts.deep ? 'deep' : 'quick';
  const snapshot = await snapshotNow(db);
  const startedAt = new Date().toISOString();
  const mark = check === 'full' ? null : await readState<VerifiedMark | null>(db, LEDGER_VERIFIED_KEY);
  if (!mark && check !== 'full') return verifyLedger(db, { full: true });
  const from = mark ?? { seq: 0, entryHash: GENESIS_HASH, entries: 0, snapshot, deepAt: startedAt };
  const deepCheckedAt = check === 'quick' ? (from.deepAt ?? null) : startedAt;
  const broken = async (at: number, upTo: number, checked: number): Promise<ChainVerification> => {
    await writeState(db, LEDGER_VERIFIED_KEY, null);
    const all = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM ledger');
    return { entries: all.rows[0]?.n ?? 0, brokenAt: at, verifiedFrom: from.seq, verifiedUpTo: upTo, checked, deepCheckedAt };
  };
  let before = 0;
  if (mark) {
    if (!(await markEntryHolds(db, mark))) return broken(mark.seq, mark.seq, 1);
    before = 1;
    if (check === 'deep') {
      const held = await writtenSinceHold(db, mark);
      if (held === 'full') return verifyLedger(db, { full: true });
      if (held.brokenAt !== null) return broken(held.brokenAt, mark.seq, before + held.checked);
      before += held.checked;
    }
  }
  const run = await verifyAfter(db, from.seq, from.entryHash);
  if (run.brokenAt !== null) return broken(run.brokenAt, run.lastSeq, before + run.checked);
  const entries = from.entries + run.checked;
  // A quick check moves the mark on but keeps the deep check's snapshot, so rows rewritten meanwhile are still found.
  const next: VerifiedMark =
    check === 'quick'
      ? { seq: run.lastSeq, entryHash: run.lastHash, entries, snapshot: from.snapshot, deepAt: from.deepAt }
      : { seq: run.lastSeq, entryHash: run.lastHash, entries, snapshot, deepAt: startedAt };
  await writeState(db, LEDGER_VERIFIED_KEY, next);
  return {
    entries,
    brokenAt: null,
    verifiedFrom: from.seq,
    verifiedUpTo: run.lastSeq,
    checked: before + run.checked,
    deepCheckedAt,
  };
}

/** Re-computes the whole chain (in chunks); returns the first broken sequence number, or null when whole. */
export async function verifyLedgerChain(db: Db): Promise<{ entries: number; brokenAt: number | null }> {
  const r = await verifyLedger(db, { full: true });
  return { entries: r.entries, brokenAt: r.brokenAt };
}
