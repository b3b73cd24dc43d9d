/**
 * Referrals, their suspensions and directives put back from the ledger by
 * `diwan restore` (storage/restore/registryReplay.ts runs these in ledger
 * order). Each handler sets what its entry's payload says, so running it
 * again changes nothing; an entry whose document did not come back is
 * skipped (answers false). The documents' referral_state and referral_due
 * are written again from the rebuilt table after each entry.
 */
import type { Tx } from '../db';
import type { LedgerEntry } from '../integrity/ledger';
import { refreshReferralState } from './referrals';

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

async function documentExists(tx: Tx, id: string | null): Promise<boolean> {
  if (id === null) return false;
  return ((await tx.query('SELECT 1 FROM documents WHERE id = $1', [id])).rowCount ?? 0) > 0;
}

export async function replayReferred(tx: Tx, e: LedgerEntry): Promise<boolean> {
  if (!(await documentExists(tx, e.documentId))) return false;
  const p = e.payload;
  await tx.query(
    `INSERT INTO referrals (id, document_id, to_department, to_user, instruction, due_date, created_at, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
    [
      str(p.referralId),
      e.documentId,
      str(p.toDepartment),
      str(p.toUser),
      str(p.instruction),
      str(p.dueDate),
      str(p.at) ?? e.at,
      str(p.by),
    ],
  );
  await refreshReferralState(tx, [e.documentId!]);
  return true;
}

export async function replayReferralClosed(tx: Tx, e: LedgerEntry): Promise<boolean> {
  const p = e.payload;
  const replyId = str(p.replyDocumentId);
  const res = await tx.query(
    `UPDATE referrals SET state = 'closed', closed_at = $2, closed_by = $3, close_kind = $4, reply_document_id = $5, close_note = $6
     WHERE id = $1`,
    [
      str(p.referralId),
      str(p.at) ?? e.at,
      str(p.by),
      str(p.kind),
      (await documentExists(tx, replyId)) ? replyId : null,
      str(p.note),
    ],
  );
  if (res.rowCount === 0) return false;
  await refreshReferralState(tx, [e.documentId!]);
  return true;
}

type Moved = { id: string; documentId: string; dueDate?: string };
const referralsOf = (e: LedgerEntry): Moved[] => (Array.isArray(e.payload.referrals) ? (e.payload.referrals as Moved[]) : []);

export async function replayDeadlineSuspended(tx: Tx, e: LedgerEntry): Promise<boolean> {
  const p = e.payload;
  const moved = referralsOf(e);
  await tx.query(
    `UPDATE referrals SET suspended_at = $2, suspended_by = $3, suspended_reason = $4 WHERE id = ANY($1::uuid[]) AND state = 'open'`,
    [moved.map((r) => r.id), str(p.at) ?? e.at, str(p.by), str(p.reason)],
  );
  await refreshReferralState(
    tx,
    moved.map((r) => r.documentId),
  );
  return true;
}

export async function replayDeadlineResumed(tx: Tx, e: LedgerEntry): Promise<boolean> {
  const moved = referralsOf(e);
  for (const r of moved) {
    await tx.query(
      `UPDATE referrals SET due_date = $2, suspended_at = NULL, suspended_by = NULL, suspended_reason = NULL WHERE id = $1`,
      [r.id, r.dueDate],
    );
  }
  await refreshReferralState(
    tx,
    moved.map((r) => r.documentId),
  );
  return true;
}

export async function replayDirective(tx: Tx, e: LedgerEntry): Promise<boolean> {
  if (!(await documentExists(tx, e.documentId))) return false;
  const p = e.payload;
  await tx.query(
    `INSERT INTO directives (id, document_id, text, by_user, by_name, at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
    [Number(p.directiveId), e.documentId, str(p.text), str(p.by), str(p.byName), str(p.at) ?? e.at],
  );
  // Ids were given by the sequence before the loss: the next one follows the highest put back.
  await tx.query(`SELECT setval('directives_id_seq', (SELECT max(id) FROM directives))`);
  return true;
}
