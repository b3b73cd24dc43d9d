/**
 * The rows restore writes to the audit trail's tables, which the integrity
 * modules only ever append to one at a time: the ledger's entries put back
 * as they were, chain and sequence numbers included, and the signed
 * checkpoints read back from their objects.
 */
import { inTransaction, type Db, type Queryable } from '../db';
import type { Checkpoint } from '../integrity/checkpoints';
import type { LedgerEntry } from '../integrity/ledger';

/** How many entries the ledger holds. */
export async function ledgerEntryCount(q: Queryable): Promise<number> {
  const res = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM ledger');
  return res.rows[0]!.n;
}

/** Puts back entries as they were (those already there are kept); new entries then follow on from the last. */
export async function insertLedgerEntries(db: Db, entries: LedgerEntry[]): Promise<void> {
  await inTransaction(db, async (tx) => {
    for (const e of entries) {
      await tx.query(
        `INSERT INTO ledger (seq, at, event, document_id, payload, prev_hash, entry_hash) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (seq) DO NOTHING`,
        [e.seq, e.at, e.event, e.documentId, JSON.stringify(e.payload), e.prevHash, e.entryHash],
      );
    }
    // New entries follow on from the last restored one.
    await tx.query(`SELECT setval(pg_get_serial_sequence('ledger', 'seq'), GREATEST((SELECT max(seq) FROM ledger), 1))`);
  });
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
