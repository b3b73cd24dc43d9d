/**
 * Deadlines suspended in an emergency, by an administrator: the open
 * referrals (of one department, or all) stop counting, and are not overdue
 * while suspended; on resume each due date moves on by the days the
 * suspension lasted, a part of a day counting as a whole one. Each is one
 * transaction with its ledger entry ('deadline-suspended', 'deadline-resumed'),
 * whose payload names every referral and, on resume, its new due date, so
 * that a restore replays it (storage/repos/referralReplay.ts).
 */
import { inTransaction, type Db } from '../db';
import { appendLedger } from '../integrity/ledger';
import { refreshReferralState } from './referrals';

export function createReferralDeadlines(db: Db) {
  return {
    /** Stops the deadlines of the open referrals (of one department, or all) from counting; answers how many. */
    async suspend(
      department: string | null,
      reason: string,
      by: string,
    ): Promise<{ suspended: number; referrals: Array<{ id: string; documentId: string }> }> {
      const at = new Date().toISOString();
      return inTransaction(db, async (tx) => {
        const res = await tx.query<{ id: string; document_id: string }>(
          `UPDATE referrals SET suspended_at = $1, suspended_by = $2, suspended_reason = $3
           WHERE state = 'open' AND suspended_at IS NULL AND ($4::text IS NULL OR to_department = $4)
           RETURNING id, document_id`,
          [at, by, reason, department],
        );
        const referrals = res.rows.map((r) => ({ id: r.id, documentId: r.document_id }));
        await appendLedger(tx, 'deadline-suspended', null, { department, reason, by, at, referrals });
        await refreshReferralState(
          tx,
          referrals.map((r) => r.documentId),
        );
        return { suspended: referrals.length, referrals };
      });
    },

    /**
     * Lets the suspended deadlines count again: each due date moves on by the
     * days the suspension lasted, a part of a day counting as a whole one.
     */
    async resume(
      department: string | null,
      by: string,
    ): Promise<{ resumed: number; referrals: Array<{ id: string; documentId: string; dueDate: string; days: number }> }> {
      const at = new Date().toISOString();
      return inTransaction(db, async (tx) => {
        const res = await tx.query<{ id: string; document_id: string; due_date: string; days: number }>(
          `WITH moved AS (
             SELECT id, GREATEST(1, ceil(extract(epoch FROM ($1::timestamptz - suspended_at)) / 86400))::int AS days
             FROM referrals
             WHERE state = 'open' AND suspended_at IS NOT NULL AND ($2::text IS NULL OR to_department = $2)
             FOR UPDATE)
           UPDATE referrals r SET due_date = r.due_date + m.days, suspended_at = NULL, suspended_by = NULL, suspended_reason = NULL
           FROM moved m WHERE r.id = m.id
           RETURNING r.id, r.document_id, to_char(r.due_date, 'YYYY-MM-DD') AS due_date, m.days`,
          [at, department],
        );
        const referrals = res.rows.map((r) => ({ id: r.id, documentId: r.document_id, dueDate: r.due_date, days: r.days }));
        await appendLedger(tx, 'deadline-resumed', null, { department, by, at, referrals });
        await refreshReferralState(
          tx,
          referrals.map((r) => r.documentId),
        );
        return { resumed: referrals.length, referrals };
      });
    },
  };
}
