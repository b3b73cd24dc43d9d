/**
 * The receiving archive's receipt of a transfer. Completing a transfer records
 * only what the sender says it wrote; the receipt records that the recipient
 * has the bag: their reference and date, and the SHA-256 of the bag's
 * tagmanifest-sha256.txt as they computed it, which must equal the one
 * recorded at completion (the tag manifest names every tag file's hash, the
 * payload manifest's included, so the bag received is the bag sent). Only a
 * received transfer lets a disposal whose rule says 'transfer' go ahead.
 *
 * Recorded by an administrator, with its ledger entry 'transfer-received' in
 * the same transaction; `diwan restore` replays it (replayTransferReceived).
 */
import type { Db, Tx } from '../db';
import { inTransaction } from '../db';
import { appendLedger, type LedgerEntry } from '../integrity/ledger';
import { DomainError } from '../../kernel/errors';
import { getTransfer, type TransferRecord } from './transfers';

export interface Receipt {
  id: string;
  /** The recipient's own reference for the receipt (their letter or accession number). */
  ref: string;
  /** The receipt's date, YYYY-MM-DD. */
  date: string;
  /** The SHA-256 of tagmanifest-sha256.txt as the recipient computed it (lower-case hex). */
  tagmanifestSha256: string;
  by: string;
}

const DAY = 86_400_000;

/** Whether `date` (YYYY-MM-DD) is a real day no earlier than the completion's and no later than today, a day either side for time zones. */
function dateFits(date: string, completedAt: Date, now: Date): boolean {
  const t = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== date) return false;
  const completedDay = Date.parse(`${completedAt.toISOString().slice(0, 10)}T00:00:00Z`);
  return t >= completedDay - DAY && t <= now.getTime() + DAY;
}

async function setReceived(tx: Tx, r: { id: string; ref: string; date: string; by: string; at: string }): Promise<boolean> {
  const res = await tx.query(
    `UPDATE transfers SET received_at = $2, received_by = $3, receipt_ref = $4, receipt_date = $5
     WHERE id = $1 AND state = 'complete' AND received_at IS NULL`,
    [r.id, r.at, r.by, r.ref, r.date],
  );
  return (res.rowCount ?? 0) > 0;
}

/**
 * Records the recipient's receipt of a complete transfer. Answers undefined
 * when there is no such transfer; refuses one not complete
 * (transfer_not_complete), one received already (transfer_received), a date
 * out of range (bad_receipt_date) and a tagmanifest fingerprint that is not the
 * recorded one (receipt_mismatch). Nothing is written for a refusal.
 */
export async function recordReceipt(db: Db, r: Receipt): Promise<TransferRecord | undefined> {
  return inTransaction(db, async (tx) => {
    const res = await tx.query<{
      state: string;
      recipient: string;
      bag_name: string | null;
      tagmanifest_sha256: string | null;
      completed_at: Date | null;
      received_at: Date | null;
    }>(
      `SELECT state, recipient, bag_name, tagmanifest_sha256, completed_at, received_at FROM transfers WHERE id = $1 FOR UPDATE`,
      [r.id],
    );
    const row = res.rows[0];
    if (!row) return undefined;
    if (row.state !== 'complete' || !row.completed_at || !row.tagmanifest_sha256) throw new DomainError('transfer_not_complete');
    if (row.received_at) throw new DomainError('transfer_received');
    if (!dateFits(r.date, row.completed_at, new Date())) throw new DomainError('bad_receipt_date');
    if (r.tagmanifestSha256.toLowerCase() !== row.tagmanifest_sha256.toLowerCase()) {
      throw new DomainError('receipt_mismatch', {
        ar: `(المسجّلة: ${row.tagmanifest_sha256})`,
        en: `(recorded: ${row.tagmanifest_sha256})`,
        details: { recorded: row.tagmanifest_sha256, reported: r.tagmanifestSha256.toLowerCase() },
      });
    }
    const at = new Date().toISOString();
    await setReceived(tx, { id: r.id, ref: r.ref, date: r.date, by: r.by, at });
    await appendLedger(tx, 'transfer-received', null, {
      transferId: r.id,
      recipient: row.recipient,
      bagName: row.bag_name,
      tagmanifestSha256: row.tagmanifest_sha256,
      receiptRef: r.ref,
      receiptDate: r.date,
      by: r.by,
      at,
    });
    return (await getTransfer(tx, r.id))!;
  });
}

/** Restore: a 'transfer-received' entry records its transfer's receipt again (once the transfer is back, complete). */
export async function replayTransferReceived(tx: Tx, entry: LedgerEntry): Promise<boolean> {
  const p = entry.payload as { transferId: string; receiptRef: string; receiptDate: string; by: string; at: string };
  return setReceived(tx, { id: p.transferId, ref: p.receiptRef, date: p.receiptDate, by: p.by, at: p.at });
}
