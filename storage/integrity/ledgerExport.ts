/**
 * Ledger segments in object storage: the entries not yet exported, as one
 * write-once JSON-lines object per export (`ledger/<first seq>-<last seq>.jsonl`),
 * on both copies. With the manifests they let `diwan restore` rebuild the
 * ledger, chain and all, from a bucket alone.
 */
import { inTransaction, type Db } from '../db';
import { readState, writeState } from '../state';
import { allLedgerEntries, entryHash, GENESIS_HASH, type LedgerEntry } from './ledger';
import type { ObjectStore } from '../objectStore';

const EXPORT_LOCK = 0x6c657870; // "lexp"
const STATE_KEY = 'ledger-exported-seq';
const MAX_PER_SEGMENT = 5000;
export const LEDGER_PREFIX = 'ledger/';

export function segmentKey(first: number, last: number): string {
  return `${LEDGER_PREFIX}${String(first).padStart(12, '0')}-${String(last).padStart(12, '0')}.jsonl`;
}

/** The ledger segments kept in `store`, in order. */
export async function segmentKeys(store: ObjectStore): Promise<string[]> {
  return (await store.list(LEDGER_PREFIX)).filter((k) => k.endsWith('.jsonl')).sort();
}

export function segmentBytes(entries: LedgerEntry[]): Buffer {
  return Buffer.from(entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
}

/**
 * Writes every entry after the last exported one to `stores`, in segments.
 * One exporter at a time (an advisory lock); returns the keys written.
 */
export async function exportLedgerSegments(db: Db, stores: ObjectStore[]): Promise<string[]> {
  return inTransaction(db, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [EXPORT_LOCK]);
    let after = Number((await readState<number>(tx, STATE_KEY)) ?? 0);
    const written: string[] = [];
    for (;;) {
      const rows = await tx.query<{ seq: string }>('SELECT seq FROM ledger WHERE seq > $1 ORDER BY seq LIMIT $2', [
        after,
        MAX_PER_SEGMENT,
      ]);
      if (rows.rows.length === 0) break;
      const last = Number(rows.rows.at(-1)!.seq);
      const entries = await allLedgerEntries(tx, { after, upTo: last });
      const key = segmentKey(entries[0]!.seq, last);
      const bytes = segmentBytes(entries);
      for (const store of stores) await store.putBufferOnce(key, bytes, 'application/x-ndjson');
      written.push(key);
      after = last;
      await writeState(tx, STATE_KEY, after);
    }
    return written;
  });
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
