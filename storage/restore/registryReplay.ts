/**
 * The registry's own work, restored: registers, correspondents, links,
 * referrals, directives and corrections live in tables, and every change to
 * them is a ledger entry that carries the whole change. After the ledger and
 * the documents are back, restore replays those entries in ledger order, a
 * page at a time, each page in one transaction. Handlers are idempotent (a
 * restore may be run again) and skip an entry whose document did not come
 * back, counting it, so one lost document never stops the rest.
 */
import { inTransaction, type Db, type Tx } from '../db';
import type { LedgerEntry } from '../integrity/ledger';
import { replayCorrection } from '../repos/corrections';
import { replayTextCorrection } from '../repos/textCorrectionReplay';
import type { RestoreReport } from './report';
import {
  replayDeadlineResumed,
  replayDeadlineSuspended,
  replayDirective,
  replayReferralClosed,
  replayReferred,
} from '../repos/referralReplay';
import { replayRegisterCreated } from '../repos/registers';
import { replayCorrespondent } from '../repos/correspondents';
import { replayLinked, replayUnlinked } from '../repos/links';
import { replayRuleVersion } from '../records/rules';
import { replayFileClosed } from '../records/retention';
import { replayHeld, replayHoldLifted } from '../records/holds';
import { replayDisposalDecided, replayDisposalRequested } from '../records/disposals';
import { replayDestroyed } from '../records/destroyed';
import { replayTransferCreated, replayTransferred } from '../records/transfers';
import { replayTransferReceived } from '../records/transferReceipts';
import { replayLabelsAllocated } from '../repos/labels';

/** Puts one entry's change back; answers false when it could not apply (its document is missing). */
export type ReplayHandler = (tx: Tx, entry: LedgerEntry) => Promise<boolean>;

/** The ledger events that rebuild the registry's tables, and how each is put back. */
export const REPLAY: Record<string, ReplayHandler> = {
  referred: replayReferred,
  'referral-closed': replayReferralClosed,
  'deadline-suspended': replayDeadlineSuspended,
  'deadline-resumed': replayDeadlineResumed,
  directive: replayDirective,
  corrected: replayCorrection,
  'text-corrected': replayTextCorrection,
  'register-created': replayRegisterCreated,
  'correspondent-created': replayCorrespondent,
  'correspondent-changed': replayCorrespondent,
  linked: replayLinked,
  unlinked: replayUnlinked,
  'transfer-created': replayTransferCreated,
  transferred: replayTransferred,
  held: replayHeld,
  'hold-lifted': replayHoldLifted,
  'disposal-requested': replayDisposalRequested,
  'disposal-decided': replayDisposalDecided,
  destroyed: replayDestroyed,
  'rule-created': replayRuleVersion,
  'rule-changed': replayRuleVersion,
  'file-closed': replayFileClosed,
  'transfer-received': replayTransferReceived,
  'labels-allocated': replayLabelsAllocated,
};

const PAGE = 1000;

interface Row {
  seq: string;
  at: Date | string;
  event: string;
  document_id: string | null;
  payload: Record<string, unknown>;
  prev_hash: string;
  entry_hash: string;
}

/** Replays every registry entry of the restored ledger, oldest first. */
export async function replayRegistry(db: Db, report: RestoreReport): Promise<void> {
  const events = Object.keys(REPLAY);
  if (events.length === 0) return;
  let after = 0;
  for (;;) {
    const page = await db.query<Row>(
      `SELECT seq, at, event, document_id, payload, prev_hash, entry_hash FROM ledger
       WHERE seq > $1 AND event = ANY($2) ORDER BY seq LIMIT ${PAGE}`,
      [after, events],
    );
    if (page.rows.length === 0) return;
    await inTransaction(db, async (tx) => {
      for (const r of page.rows) {
        const entry: LedgerEntry = {
          seq: Number(r.seq),
          at: r.at instanceof Date ? r.at.toISOString() : r.at,
          event: r.event,
          documentId: r.document_id,
          payload: r.payload,
          prevHash: r.prev_hash,
          entryHash: r.entry_hash,
        };
        if (await REPLAY[r.event]!(tx, entry)) report.registryWork.replayed++;
        else report.registryWork.skipped++;
      }
    });
    after = Number(page.rows.at(-1)!.seq);
  }
}
