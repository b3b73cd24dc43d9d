/**
 * The rows restore writes to, and reads back from, the audit trail's tables,
 * which the integrity modules only ever append to one at a time: the ledger's
 * entries put back as they were (chain and sequence numbers included), many
 * to a statement; the entries a batch of documents needs; where the restored
 * chain has a hole; the documents the ledger registered that are not
 * restored; and the signed checkpoints read back from their objects.
 */
import type { Queryable } from '../db';
import type { Checkpoint } from '../integrity/checkpoints';
import { LEDGER_COLUMNS, toEntry, type LedgerEntry, type LedgerRow } from '../integrity/ledger';

/** How many entries one statement puts back. */
const INSERT_CHUNK = 2000;

/** How many entries the ledger holds. */
export async function ledgerEntryCount(q: Queryable): Promise<number> {
  const res = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM ledger');
  return res.rows[0]!.n;
}

/**
 * Puts back entries as they were, many to a statement (those already there
 * are kept); returns the sequence numbers of those that were there already
 * with another hash (two copies of the history disagree).
 */
export async function insertLedgerEntries(q: Queryable, entries: LedgerEntry[]): Promise<number[]> {
  const differing: number[] = [];
  for (let i = 0; i < entries.length; i += INSERT_CHUNK) {
    const chunk = entries.slice(i, i + INSERT_CHUNK);
    const rows = chunk.map((e) => ({
      seq: e.seq,
      at: e.at,
      event: e.event,
      document_id: e.documentId,
      payload: e.payload,
      prev_hash: e.prevHash,
      entry_hash: e.entryHash,
    }));
    const res = await q.query<{ seq: string }>(
      `INSERT INTO ledger (seq, at, event, document_id, payload, prev_hash, entry_hash)
       SELECT r.seq, r.at, r.event, r.document_id, r.payload, r.prev_hash, r.entry_hash
       FROM jsonb_to_recordset($1::jsonb) AS r(seq bigint, at timestamptz, event text, document_id uuid, payload jsonb,
                                               prev_hash text, entry_hash text)
       ON CONFLICT (seq) DO NOTHING RETURNING seq`,
      [JSON.stringify(rows)],
    );
    if (res.rows.length === chunk.length) continue;
    // Entries already there (an earlier run, or an overlapping segment): the same, or a disagreement to name.
    const inserted = new Set(res.rows.map((r) => Number(r.seq)));
    const kept = chunk.filter((e) => !inserted.has(e.seq));
    const there = await q.query<{ seq: string; entry_hash: string }>(
      'SELECT seq, entry_hash FROM ledger WHERE seq = ANY($1::bigint[])',
      [kept.map((e) => e.seq)],
    );
    const hashes = new Map(there.rows.map((r) => [Number(r.seq), r.entry_hash]));
    for (const e of kept) if (hashes.get(e.seq) !== e.entryHash) differing.push(e.seq);
  }
  return differing;
}

/** New entries follow on from the last restored one. */
export async function continueLedgerSequence(q: Queryable): Promise<void> {
  await q.query(`SELECT setval(pg_get_serial_sequence('ledger', 'seq'), GREATEST((SELECT max(seq) FROM ledger), 1))`);
}

/** The entries that vouch for the documents `ids` ('archived', and the later readings'), by document, oldest first. */
export async function vouchingEntries(q: Queryable, ids: string[]): Promise<Map<string, LedgerEntry[]>> {
  const byDocument = new Map<string, LedgerEntry[]>();
  if (ids.length === 0) return byDocument;
  const res = await q.query<LedgerRow & { document_id: string }>(
    `SELECT ${LEDGER_COLUMNS} FROM ledger
     WHERE document_id = ANY($1::uuid[]) AND event IN ('archived', 'reocr', 'text-corrected') ORDER BY seq`,
    [ids],
  );
  for (const r of res.rows) {
    const e = toEntry(r);
    const list = byDocument.get(r.document_id);
    if (list) list.push(e);
    else byDocument.set(r.document_id, [e]);
  }
  return byDocument;
}

/** The first run of sequence numbers missing from the ledger (from 1 to its head), if any. */
export async function firstLedgerHole(q: Queryable): Promise<{ from: number; to: number } | undefined> {
  const res = await q.query<{ from_seq: string; to_seq: string }>(
    `SELECT prev + 1 AS from_seq, seq - 1 AS to_seq
     FROM (SELECT seq, coalesce(lag(seq) OVER (ORDER BY seq), 0) AS prev FROM ledger) s
     WHERE seq <> prev + 1 ORDER BY seq LIMIT 1`,
  );
  const row = res.rows[0];
  return row ? { from: Number(row.from_seq), to: Number(row.to_seq) } : undefined;
}

/**
 * A page of the 'registered' entries (after `afterSeq`) of documents that are
 * not restored, leaving out `skip` (documents whose manifest was found but
 * could not be restored: they are named already).
 */
export async function registeredNotRestored(
  q: Queryable,
  afterSeq: number,
  skip: string[],
  limit: number,
): Promise<Array<{ seq: number; registryNo: string }>> {
  const res = await q.query<{ seq: string; registry_no: string | null }>(
    `SELECT l.seq, l.payload->>'registryNo' AS registry_no FROM ledger l
     WHERE l.event = 'registered' AND l.seq > $1 AND l.document_id IS NOT NULL
       AND NOT (l.document_id = ANY($2::uuid[]))
       AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = l.document_id)
     ORDER BY l.seq LIMIT $3`,
    [afterSeq, skip, limit],
  );
  return res.rows.map((r) => ({ seq: Number(r.seq), registryNo: r.registry_no ?? '' }));
}

/** A checkpoint as its object holds it (the public key beside them is not kept in the row). */
export type StoredCheckpoint = Pick<Checkpoint, 'body' | 'signature'>;

/** Whether the checkpoint kept at `objectKey` is recorded already. */
export async function checkpointRecorded(q: Queryable, objectKey: string): Promise<boolean> {
  const res = await q.query('SELECT 1 FROM checkpoints WHERE object_key = $1', [objectKey]);
  return Boolean(res.rowCount);
}

/** Records a checkpoint read back from `objectKey`. */
export async function restoreCheckpoint(q: Queryable, objectKey: string, c: StoredCheckpoint): Promise<void> {
  await q.query('INSERT INTO checkpoints (body, signature, key_id, ledger_seq, object_key) VALUES ($1, $2, $3, $4, $5)', [
    JSON.stringify(c.body),
    c.signature,
    c.body.keyId,
    c.body.ledgerSeq,
    objectKey,
  ]);
}
