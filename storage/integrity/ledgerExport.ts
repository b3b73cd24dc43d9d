/**
 * Ledger segments in object storage: the entries not yet exported, as one
 * write-once JSON-lines object per export (`ledger/<first seq>-<last seq>.jsonl`),
 * on both copies. With the manifests they let `diwan restore` rebuild the
 * ledger, chain and all, from a bucket alone. A failed export is kept in
 * `diwan_state` until one succeeds, for the retry schedule and the audit report.
 */
import { inTransaction, type Db, type Tx } from '../db';
import { readState, writeState } from '../state';
import { allLedgerEntries, entryHash, GENESIS_HASH, type LedgerEntry } from './ledger';
import type { ObjectStore } from '../objectStore';

const EXPORT_LOCK = 0x6c657870; // "lexp"
const STATE_KEY = 'ledger-exported-seq';
/** The segment that holds the last exported entry. */
const LAST_SEGMENT_KEY = 'ledger-last-segment';
/** The latest export's failure, until an export succeeds (null then). */
const FAILURE_KEY = 'ledger-export-failure';
const MAX_PER_SEGMENT = 5000;
export const LEDGER_PREFIX = 'ledger/';

export function segmentKey(first: number, last: number): string {
  return `${LEDGER_PREFIX}${String(first).padStart(12, '0')}-${String(last).padStart(12, '0')}.jsonl`;
}

/** The sequence numbers a segment's key names. */
function segmentRange(key: string): { first: number; last: number } | undefined {
  const m = /^ledger\/(\d{12})-(\d{12})\.jsonl$/.exec(key);
  return m ? { first: Number(m[1]), last: Number(m[2]) } : undefined;
}

/** The ledger segments kept in `store`, in order. */
export async function segmentKeys(store: ObjectStore): Promise<string[]> {
  return (await store.list(LEDGER_PREFIX)).filter((k) => k.endsWith('.jsonl')).sort();
}

export function segmentBytes(entries: LedgerEntry[]): Buffer {
  return Buffer.from(entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
}

export interface ExportFailure {
  at: string;
  error: string;
}

/** How far the ledger is exported, and the export failure not yet overcome, if any. */
export async function ledgerExportState(db: Db): Promise<{ exportedSeq: number; failure: ExportFailure | null }> {
  return {
    exportedSeq: Number((await readState<number>(db, STATE_KEY)) ?? 0),
    failure: (await readState<ExportFailure | null>(db, FAILURE_KEY)) ?? null,
  };
}

/** Writes the entries after `after` up to `last` as one segment to every store. */
async function writeSegment(tx: Tx, stores: ObjectStore[], after: number, last: number): Promise<string> {
  const entries = await allLedgerEntries(tx, { after, upTo: last });
  const key = segmentKey(entries[0]!.seq, last);
  const bytes = segmentBytes(entries);
  for (const store of stores) await store.putBufferOnce(key, bytes, 'application/x-ndjson');
  return key;
}

/**
 * One export, under the exporters' lock: every entry after the last exported one
 * to `stores`, in segments. With `confirm`, the segment holding the last exported
 * entry is also made sure of in every store (written again from the ledger when
 * a store lacks it). A failure is recorded, and thrown.
 */
async function runExport(
  db: Db,
  stores: ObjectStore[],
  confirm: boolean,
): Promise<{ written: string[]; seq: number; entryHash: string }> {
  try {
    return await inTransaction(db, async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [EXPORT_LOCK]);
      let after = Number((await readState<number>(tx, STATE_KEY)) ?? 0);
      let lastSegment = (await readState<string>(tx, LAST_SEGMENT_KEY)) ?? null;
      const written: string[] = [];
      // Up to the head as it is now: entries that arrive meanwhile wait for the next export.
      const head = await tx.query<{ seq: string }>('SELECT coalesce(max(seq), 0) AS seq FROM ledger');
      const upTo = Number(head.rows[0]!.seq);
      for (;;) {
        const rows = await tx.query<{ seq: string }>(
          'SELECT seq FROM ledger WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3',
          [after, upTo, MAX_PER_SEGMENT],
        );
        if (rows.rows.length === 0) break;
        const last = Number(rows.rows.at(-1)!.seq);
        lastSegment = await writeSegment(tx, stores, after, last);
        written.push(lastSegment);
        after = last;
        await writeState(tx, STATE_KEY, after);
        await writeState(tx, LAST_SEGMENT_KEY, lastSegment);
      }
      if (confirm && written.length === 0 && after > 0) {
        // Exported before (an older export left no name for its segment: the head alone is written now).
        const named = lastSegment ? segmentRange(lastSegment) : undefined;
        const range = named?.last === after ? named : { first: after, last: after };
        const key = segmentKey(range.first, range.last);
        const lacking = [];
        for (const store of stores) if (!(await store.stat(key))) lacking.push(store);
        if (lacking.length > 0) await writeSegment(tx, lacking, range.first - 1, range.last);
        if (key !== lastSegment) await writeState(tx, LAST_SEGMENT_KEY, key);
      }
      if (await readState(tx, FAILURE_KEY)) await writeState(tx, FAILURE_KEY, null);
      const signed = await tx.query<{ entry_hash: string }>('SELECT entry_hash FROM ledger WHERE seq = $1', [after]);
      return { written, seq: after, entryHash: signed.rows[0]?.entry_hash ?? GENESIS_HASH };
    });
  } catch (e) {
    const failure: ExportFailure = { at: new Date().toISOString(), error: String((e as Error)?.message ?? e) };
    await writeState(db, FAILURE_KEY, failure).catch(() => undefined);
    throw e;
  }
}

/**
 * Writes every entry after the last exported one to `stores`, in segments.
 * One exporter at a time (an advisory lock); returns the keys written.
 */
export async function exportLedgerSegments(db: Db, stores: ObjectStore[]): Promise<string[]> {
  return (await runExport(db, stores, false)).written;
}

/**
 * Exports what is not exported yet and returns the last entry that is stored,
 * as a segment, in every one of `stores` (seq 0 and the genesis hash for an
 * empty ledger); throws when that cannot be made so.
 */
export async function exportStoredHead(db: Db, stores: ObjectStore[]): Promise<{ seq: number; entryHash: string }> {
  const r = await runExport(db, stores, true);
  return { seq: r.seq, entryHash: r.entryHash };
}

/** Exports again when the latest export failed; returns whether it tried. */
export async function retryFailedExport(db: Db, stores: ObjectStore[]): Promise<boolean> {
  if (!(await readState(db, FAILURE_KEY))) return false;
  await exportLedgerSegments(db, stores);
  return true;
}

/** Parses segments (in any order, overlapping or not) into one run of entries by sequence number. */
export function mergeSegments(texts: string[]): { entries: LedgerEntry[]; problems: string[] } {
  const bySeq = new Map<number, LedgerEntry>();
  const problems: string[] = [];
  for (const text of texts) {
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const e = JSON.parse(line) as LedgerEntry;
      const seen = bySeq.get(e.seq);
      if (seen && seen.entryHash !== e.entryHash) problems.push(`ledger entry ${e.seq} differs between segments`);
      bySeq.set(e.seq, e);
    }
  }
  const entries = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  let prev = GENESIS_HASH;
  for (const [i, e] of entries.entries()) {
    if (e.seq !== i + 1) {
      problems.push(`ledger entries ${i + 1}-${e.seq - 1} are missing from the exported segments`);
      break;
    }
    if (e.prevHash !== prev || entryHash(prev, e) !== e.entryHash) {
      problems.push(`ledger entry ${e.seq} does not follow from the one before`);
      break;
    }
    prev = e.entryHash;
  }
  return { entries, problems };
}
