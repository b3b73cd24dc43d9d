/**
 * Transfers to another archive (a National Archives): which documents went,
 * to whom, in which BagIt bag. The flow:
 *
 *   create   -> transfers row (state 'open') + transfer_items + ledger 'transfer-created'   one transaction
 *   (the CLI fetches every file, checks each fingerprint, writes the bag)
 *   complete -> transfers row 'complete' with the bag's name, Payload-Oxum and the
 *               tagmanifest's SHA-256 + one ledger 'transferred' per document                one transaction
 *   receipt  -> the receiving archive's acknowledgement, recorded by an administrator: its
 *               reference and date, and the tagmanifest SHA-256 the recipient computed, which
 *               must be the one recorded at completion + ledger 'transfer-received'            one transaction
 *
 * A crash before `complete` leaves the transfer open; completing it again is
 * refused, so each document's 'transferred' entry is written once. Only a
 * received transfer counts (`transferredIds`): completion is the sender's own
 * word, the receipt is the recipient's, so a disposal whose rule says
 * 'transfer' waits for it. Every change is a ledger entry carrying the whole
 * change, replayed by `diwan restore` (replayTransferCreated,
 * replayTransferred, replayTransferReceived).
 */
import type { Db, Queryable, Tx } from '../db';
import { inTransaction } from '../db';
import { appendLedger, type LedgerEntry } from '../integrity/ledger';

export type TransferState = 'open' | 'complete';

/** How the documents were chosen, as the request gave it. */
export type TransferSelection =
  | { kind: 'ids'; ids: string[] }
  | { kind: 'query'; q: string; filters: Record<string, string> }
  | { kind: 'due'; before: string };

export interface TransferRecord {
  id: string;
  recipient: string;
  state: TransferState;
  createdAt: string;
  createdBy: string;
  selection: TransferSelection;
  bagName: string | null;
  payloadOxum: string | null;
  tagmanifestSha256: string | null;
  completedAt: string | null;
  /** The recipient's receipt, once recorded (null before). */
  receivedAt: string | null;
  receivedBy: string | null;
  receiptRef: string | null;
  /** The receipt's own date (YYYY-MM-DD), as the recipient wrote it. */
  receiptDate: string | null;
  documentCount: number;
}

/** One file of a transferred document as the 'transferred' entry records it. */
export interface TransferredFile {
  path: string;
  sha256: string;
  size: number;
}

interface TransferRow {
  id: string;
  recipient: string;
  state: TransferState;
  created_at: Date;
  created_by: string;
  selection: TransferSelection;
  bag_name: string | null;
  payload_oxum: string | null;
  tagmanifest_sha256: string | null;
  completed_at: Date | null;
  received_at: Date | null;
  received_by: string | null;
  receipt_ref: string | null;
  receipt_date: string | null;
  n: number;
}

const COLUMNS = `t.id, t.recipient, t.state, t.created_at, t.created_by, t.selection, t.bag_name, t.payload_oxum,
  t.tagmanifest_sha256, t.completed_at, t.received_at, t.received_by, t.receipt_ref, to_char(t.receipt_date, 'YYYY-MM-DD') AS receipt_date,
  (SELECT count(*)::int FROM transfer_items i WHERE i.transfer_id = t.id) AS n`;

function toRecord(r: TransferRow): TransferRecord {
  return {
    id: r.id,
    recipient: r.recipient,
    state: r.state,
    createdAt: r.created_at.toISOString(),
    createdBy: r.created_by,
    selection: r.selection,
    bagName: r.bag_name,
    payloadOxum: r.payload_oxum,
    tagmanifestSha256: r.tagmanifest_sha256,
    completedAt: r.completed_at ? r.completed_at.toISOString() : null,
    receivedAt: r.received_at ? r.received_at.toISOString() : null,
    receivedBy: r.received_by,
    receiptRef: r.receipt_ref,
    receiptDate: r.receipt_date,
    documentCount: r.n,
  };
}

/** Records a new open transfer of `documentIds`, with its ledger entry, in one transaction. */
export async function createTransfer(
  db: Db,
  input: { id: string; recipient: string; selection: TransferSelection; documentIds: string[]; by: string },
): Promise<TransferRecord> {
  return inTransaction(db, async (tx) => {
    const at = new Date().toISOString();
    await insertTransfer(tx, { ...input, at });
    await appendLedger(tx, 'transfer-created', null, {
      transferId: input.id,
      recipient: input.recipient,
      selection: input.selection,
      documentIds: input.documentIds,
      by: input.by,
      at,
    });
    return (await getTransfer(tx, input.id))!;
  });
}

async function insertTransfer(
  tx: Tx,
  t: { id: string; recipient: string; selection: TransferSelection; documentIds: string[]; by: string; at: string },
): Promise<void> {
  await tx.query(
    `INSERT INTO transfers (id, recipient, created_at, created_by, selection) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (id) DO NOTHING`,
    [t.id, t.recipient, t.at, t.by, JSON.stringify(t.selection)],
  );
  await tx.query(
    `INSERT INTO transfer_items (transfer_id, document_id)
     SELECT $1, d.id FROM documents d WHERE d.id = ANY($2::uuid[]) ON CONFLICT DO NOTHING`,
    [t.id, t.documentIds],
  );
}

/** What completing a transfer records: the bag, and each document's files as they went. */
export interface Completion {
  id: string;
  bagName: string;
  payloadOxum: string;
  tagmanifestSha256: string;
  by: string;
  documents: Array<{ documentId: string; registryNo: string; files: TransferredFile[] }>;
}

/**
 * Marks an open transfer complete and writes one 'transferred' entry per
 * document. Answers undefined when there is no such transfer, and 'complete'
 * when it was completed already (nothing is written twice).
 */
export async function completeTransfer(db: Db, c: Completion): Promise<TransferRecord | 'complete' | undefined> {
  return inTransaction(db, async (tx) => {
    const res = await tx.query<{ state: TransferState; recipient: string }>(
      'SELECT state, recipient FROM transfers WHERE id = $1 FOR UPDATE',
      [c.id],
    );
    const row = res.rows[0];
    if (!row) return undefined;
    if (row.state === 'complete') return 'complete';
    const at = new Date().toISOString();
    await markComplete(tx, { ...c, at });
    for (const d of c.documents) {
      await appendLedger(tx, 'transferred', d.documentId, {
        transferId: c.id,
        recipient: row.recipient,
        bagName: c.bagName,
        payloadOxum: c.payloadOxum,
        tagmanifestSha256: c.tagmanifestSha256,
        registryNo: d.registryNo,
        files: d.files,
        by: c.by,
        at,
      });
    }
    return (await getTransfer(tx, c.id))!;
  });
}

async function markComplete(
  q: Queryable,
  c: { id: string; bagName: string; payloadOxum: string; tagmanifestSha256: string; at: string },
): Promise<void> {
  await q.query(
    `UPDATE transfers SET state = 'complete', bag_name = $2, payload_oxum = $3, tagmanifest_sha256 = $4, completed_at = $5
     WHERE id = $1 AND state = 'open'`,
    [c.id, c.bagName, c.payloadOxum, c.tagmanifestSha256, c.at],
  );
}

/** One transfer, or undefined. */
export async function getTransfer(q: Queryable, id: string): Promise<TransferRecord | undefined> {
  const res = await q.query<TransferRow>(`SELECT ${COLUMNS} FROM transfers t WHERE t.id = $1`, [id]);
  return res.rows[0] ? toRecord(res.rows[0]) : undefined;
}

/** Whether the document is one of the transfer's (one lookup, whatever the transfer's size). */
export async function isTransferItem(q: Queryable, id: string, documentId: string): Promise<boolean> {
  const res = await q.query('SELECT 1 FROM transfer_items WHERE transfer_id = $1 AND document_id = $2', [id, documentId]);
  return res.rows.length > 0;
}

/** The ids of a transfer's documents, in registry order. */
export async function transferDocumentIds(q: Queryable, id: string): Promise<string[]> {
  const res = await q.query<{ document_id: string }>(
    `SELECT i.document_id FROM transfer_items i JOIN documents d ON d.id = i.document_id
     WHERE i.transfer_id = $1 ORDER BY d.register, d.registry_year, d.registry_seq`,
    [id],
  );
  return res.rows.map((r) => r.document_id);
}

/** Transfers, newest first, keyset paged by creation time. */
export async function listTransfers(
  q: Queryable,
  opts: { state?: TransferState; limit: number; before?: string },
): Promise<TransferRecord[]> {
  const res = await q.query<TransferRow>(
    `SELECT ${COLUMNS} FROM transfers t
     WHERE ($1::text IS NULL OR t.state = $1) AND ($2::timestamptz IS NULL OR t.created_at < $2)
     ORDER BY t.created_at DESC, t.id LIMIT $3`,
    [opts.state ?? null, opts.before ?? null, opts.limit],
  );
  return res.rows.map(toRecord);
}

/** How many transfers there are in each state (for the metrics). */
export async function transferCounts(q: Queryable): Promise<Record<TransferState, number>> {
  const res = await q.query<{ state: TransferState; n: number }>(
    'SELECT state, count(*)::int AS n FROM transfers GROUP BY state',
  );
  const out: Record<TransferState, number> = { open: 0, complete: 0 };
  for (const r of res.rows) out[r.state] = r.n;
  return out;
}

/**
 * Those of `ids` that went in a transfer the recipient acknowledged (its receipt
 * recorded): a disposal whose rule says 'transfer' waits for it. A transfer that
 * is only complete (the bag written, on the sender's word) does not count.
 */
export async function transferredIds(q: Queryable, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const res = await q.query<{ document_id: string }>(
    `SELECT DISTINCT i.document_id FROM transfer_items i JOIN transfers t ON t.id = i.transfer_id
     WHERE t.state = 'complete' AND t.received_at IS NOT NULL AND i.document_id = ANY($1::uuid[])`,
    [ids],
  );
  return new Set(res.rows.map((r) => r.document_id));
}

/** Restore: puts a 'transfer-created' entry's transfer back (its documents that came back). */
export async function replayTransferCreated(tx: Tx, entry: LedgerEntry): Promise<boolean> {
  const p = entry.payload as {
    transferId: string;
    recipient: string;
    selection: TransferSelection;
    documentIds: string[];
    by: string;
    at: string;
  };
  await insertTransfer(tx, {
    id: p.transferId,
    recipient: p.recipient,
    selection: p.selection,
    documentIds: p.documentIds,
    by: p.by,
    at: p.at,
  });
  return true;
}

/** Restore: a 'transferred' entry completes its transfer (the first such entry does; the rest find it done). */
export async function replayTransferred(tx: Tx, entry: LedgerEntry): Promise<boolean> {
  const p = entry.payload as { transferId: string; bagName: string; payloadOxum: string; tagmanifestSha256: string; at: string };
  const exists = await tx.query('SELECT 1 FROM transfers WHERE id = $1', [p.transferId]);
  if (exists.rowCount === 0 || !entry.documentId) return false;
  const doc = await tx.query('SELECT 1 FROM documents WHERE id = $1', [entry.documentId]);
  if (doc.rowCount === 0) return false;
  await tx.query('INSERT INTO transfer_items (transfer_id, document_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
    p.transferId,
    entry.documentId,
  ]);
  await markComplete(tx, {
    id: p.transferId,
    bagName: p.bagName,
    payloadOxum: p.payloadOxum,
    tagmanifestSha256: p.tagmanifestSha256,
    at: p.at,
  });
  return true;
}
