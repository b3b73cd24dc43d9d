/**
 * Referrals (إحالة): a document sent to a department, and perhaps to one
 * person there, with an instruction and a due date. A referral is open until
 * it is closed, by the reply letter or by a closing note; nothing is removed.
 * An administrator may suspend the open deadlines in an emergency
 * (referralDeadlines.ts): a suspended referral is not overdue.
 *
 * Each change is one transaction that writes the referral, its ledger entry
 * (whose payload carries the whole change, so storage/repos/referralReplay.ts
 * can rebuild the table from the ledger alone) and the document's own
 * `referral_state` and `referral_due`, which search reads. The search index
 * is a projection and is updated by the caller after the commit.
 */
import crypto from 'node:crypto';
import { inTransaction, type Db, type Queryable, type Tx } from '../db';
import { appendLedger } from '../integrity/ledger';
import { registryLabel, registryNo } from '../../kernel/registry';
import { DomainError } from '../../kernel/errors';
import { isUuid } from '../../kernel/text';

export type ReferralStateName = 'open' | 'closed';
export type CloseKind = 'reply' | 'note';

export interface Referral {
  id: string;
  documentId: string;
  /** The referred document's registry number, title and classification (for lists). */
  registryNo: string;
  /** The number as people write it, the register's letter beside it (kernel/registry.ts). */
  registryLabel: { ar: string; en: string };
  title: string | null;
  classification: string;
  toDepartment: string;
  toUser: string | null;
  instruction: string;
  /** YYYY-MM-DD. */
  dueDate: string;
  state: ReferralStateName;
  createdAt: string;
  createdBy: string;
  closedAt: string | null;
  closedBy: string | null;
  closeKind: CloseKind | null;
  replyDocumentId: string | null;
  replyRegistryNo: string | null;
  closeNote: string | null;
  suspendedAt: string | null;
  suspendedBy: string | null;
  suspendedReason: string | null;
}

interface Row {
  id: string;
  document_id: string;
  register: string;
  registry_year: number;
  registry_seq: number;
  letter_ar: string;
  letter_en: string;
  title: string | null;
  original_name: string | null;
  classification: string;
  to_department: string;
  to_user: string | null;
  instruction: string;
  due_date: string;
  state: ReferralStateName;
  created_at: Date;
  created_by: string;
  closed_at: Date | null;
  closed_by: string | null;
  close_kind: CloseKind | null;
  reply_document_id: string | null;
  reply_register: string | null;
  reply_year: number | null;
  reply_seq: number | null;
  close_note: string | null;
  suspended_at: Date | null;
  suspended_by: string | null;
  suspended_reason: string | null;
}

const SELECT = `SELECT r.id, r.document_id, d.register, d.registry_year, d.registry_seq, g.letter_ar, g.letter_en,
  d.title, d.original_name, d.classification, r.to_department, r.to_user, r.instruction,
  to_char(r.due_date, 'YYYY-MM-DD') AS due_date, r.state, r.created_at, r.created_by, r.closed_at, r.closed_by, r.close_kind,
  r.reply_document_id, rd.register AS reply_register, rd.registry_year AS reply_year, rd.registry_seq AS reply_seq,
  r.close_note, r.suspended_at, r.suspended_by, r.suspended_reason
  FROM referrals r JOIN documents d ON d.id = r.document_id JOIN registers g ON g.code = d.register
  LEFT JOIN documents rd ON rd.id = r.reply_document_id`;

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

function toReferral(r: Row): Referral {
  return {
    id: r.id,
    documentId: r.document_id,
    registryNo: registryNo({ register: r.register, year: r.registry_year, seq: r.registry_seq }),
    registryLabel: registryLabel(
      { register: r.register, year: r.registry_year, seq: r.registry_seq },
      { letterAr: r.letter_ar, letterEn: r.letter_en },
    ),
    title: r.title ?? r.original_name,
    classification: r.classification,
    toDepartment: r.to_department,
    toUser: r.to_user,
    instruction: r.instruction,
    dueDate: r.due_date,
    state: r.state,
    createdAt: r.created_at.toISOString(),
    createdBy: r.created_by,
    closedAt: iso(r.closed_at),
    closedBy: r.closed_by,
    closeKind: r.close_kind,
    replyDocumentId: r.reply_document_id,
    replyRegistryNo:
      r.reply_register !== null && r.reply_year !== null && r.reply_seq !== null
        ? registryNo({ register: r.reply_register, year: r.reply_year, seq: r.reply_seq })
        : null,
    closeNote: r.close_note,
    suspendedAt: iso(r.suspended_at),
    suspendedBy: r.suspended_by,
    suspendedReason: r.suspended_reason,
  };
}

/** Whether an open referral's deadline has passed on `today` (YYYY-MM-DD); a suspended one never has. */
export function isOverdue(r: Pick<Referral, 'state' | 'dueDate' | 'suspendedAt'>, today: string): boolean {
  return r.state === 'open' && r.suspendedAt === null && r.dueDate < today;
}

/** Whole days from `due` to `today` (both YYYY-MM-DD); 0 when not late. */
export function daysLate(due: string, today: string): number {
  return Math.max(0, Math.round((Date.parse(`${today}T00:00:00Z`) - Date.parse(`${due}T00:00:00Z`)) / 86_400_000));
}

/**
 * Writes the documents' referral_state ('open' while any referral is open,
 * 'closed' when all are, 'none' without any) and referral_due (the earliest
 * due date among the open, not suspended ones), from the referrals table.
 */
export async function refreshReferralState(tx: Queryable, documentIds: readonly string[]): Promise<void> {
  if (documentIds.length === 0) return;
  await tx.query(
    `UPDATE documents d SET
       referral_state = CASE
         WHEN EXISTS (SELECT 1 FROM referrals r WHERE r.document_id = d.id AND r.state = 'open') THEN 'open'
         WHEN EXISTS (SELECT 1 FROM referrals r WHERE r.document_id = d.id) THEN 'closed'
         ELSE 'none' END,
       referral_due = (SELECT min(r.due_date) FROM referrals r
                       WHERE r.document_id = d.id AND r.state = 'open' AND r.suspended_at IS NULL)
     WHERE d.id = ANY($1::uuid[])`,
    [[...new Set(documentIds)]],
  );
}

export interface NewReferral {
  documentId: string;
  registryNo: string;
  toDepartment: string;
  toUser: string | null;
  instruction: string;
  dueDate: string;
  by: string;
}

/** A referral closed: by a reply (its document) or by a note. */
export type Closing =
  { kind: 'reply'; replyDocumentId: string; replyRegistryNo: string; note: string | null } | { kind: 'note'; note: string };

/** Closes the open referral in `tx` (the caller has locked it) and writes its ledger entry. */
async function closeOne(
  tx: Tx,
  ref: { id: string; documentId: string; registryNo: string },
  closing: Closing,
  by: string,
  at: string,
): Promise<void> {
  const replyId = closing.kind === 'reply' ? closing.replyDocumentId : null;
  await tx.query(
    `UPDATE referrals SET state = 'closed', closed_at = $2, closed_by = $3, close_kind = $4, reply_document_id = $5, close_note = $6
     WHERE id = $1`,
    [ref.id, at, by, closing.kind, replyId, closing.note],
  );
  await appendLedger(tx, 'referral-closed', ref.documentId, {
    referralId: ref.id,
    registryNo: ref.registryNo,
    kind: closing.kind,
    replyDocumentId: replyId,
    replyRegistryNo: closing.kind === 'reply' ? closing.replyRegistryNo : null,
    note: closing.note,
    by,
    at,
  });
}

/**
 * Closes the open referrals of `documentId` answered by the reply `replyId`,
 * inside the caller's transaction (the one that links the reply): one ledger
 * entry each. A hook of the reply link (REPLY_HOOKS in storage/repos/links.ts);
 * `by` is the person's id there (null: the administrator token).
 */
export async function closeReferralsByReply(
  tx: Tx,
  link: { documentId: string; replyId: string; by: string | null },
): Promise<void> {
  const open = await tx.query<{ id: string }>(
    `SELECT id FROM referrals WHERE document_id = $1 AND state = 'open' ORDER BY created_at, id FOR UPDATE`,
    [link.documentId],
  );
  if (open.rows.length === 0) return;
  const docs = await tx.query<{ id: string; register: string; registry_year: number; registry_seq: number }>(
    'SELECT id, register, registry_year, registry_seq FROM documents WHERE id = ANY($1::uuid[])',
    [[link.documentId, link.replyId]],
  );
  const noOf = (id: string) => {
    const d = docs.rows.find((r) => r.id === id)!;
    return registryNo({ register: d.register, year: d.registry_year, seq: d.registry_seq });
  };
  const who =
    link.by === null || !isUuid(link.by)
      ? undefined
      : (await tx.query<{ username: string }>('SELECT username FROM users WHERE id = $1', [link.by])).rows[0]?.username;
  const by = link.by === null ? 'administrator token' : (who ?? link.by);
  const at = new Date().toISOString();
  const closing: Closing = { kind: 'reply', replyDocumentId: link.replyId, replyRegistryNo: noOf(link.replyId), note: null };
  const ref = { documentId: link.documentId, registryNo: noOf(link.documentId) };
  for (const r of open.rows) await closeOne(tx, { ...ref, id: r.id }, closing, by, at);
  await refreshReferralState(tx, [link.documentId]);
}

/** Who may see which referrals in a list: departments (null: all), the person's own, and the clearance's classifications. */
export interface ListScope {
  /** Referrals to these departments; null for every department. */
  departments: string[] | null;
  /** Also referrals to this person (a username), whatever the department. */
  user: string | null;
  /** Documents of these classifications only; undefined for all. */
  classifications?: string[];
}

function scopeWhere(scope: ListScope, params: unknown[]): string {
  const parts: string[] = [];
  if (scope.departments !== null) {
    params.push(scope.departments);
    const dept = `r.to_department = ANY($${params.length}::text[])`;
    if (scope.user !== null) {
      params.push(scope.user);
      parts.push(`(${dept} OR r.to_user = $${params.length})`);
    } else parts.push(dept);
  }
  if (scope.classifications !== undefined) {
    params.push(scope.classifications);
    parts.push(`d.classification = ANY($${params.length}::text[])`);
  }
  return parts.length ? `AND ${parts.join(' AND ')}` : '';
}

export function createReferralsRepo(db: Db) {
  return {
    async get(id: string): Promise<Referral | undefined> {
      const res = await db.query<Row>(`${SELECT} WHERE r.id = $1`, [id]);
      return res.rows[0] ? toReferral(res.rows[0]) : undefined;
    },

    /** A document's referrals, oldest first. */
    async forDocument(documentId: string): Promise<Referral[]> {
      const res = await db.query<Row>(`${SELECT} WHERE r.document_id = $1 ORDER BY r.created_at, r.id`, [documentId]);
      return res.rows.map(toReferral);
    },

    async create(input: NewReferral): Promise<Referral> {
      const id = crypto.randomUUID();
      const at = new Date().toISOString();
      await inTransaction(db, async (tx) => {
        await tx.query(
          `INSERT INTO referrals (id, document_id, to_department, to_user, instruction, due_date, created_at, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [id, input.documentId, input.toDepartment, input.toUser, input.instruction, input.dueDate, at, input.by],
        );
        await appendLedger(tx, 'referred', input.documentId, {
          referralId: id,
          registryNo: input.registryNo,
          toDepartment: input.toDepartment,
          toUser: input.toUser,
          instruction: input.instruction,
          dueDate: input.dueDate,
          by: input.by,
          at,
        });
        await refreshReferralState(tx, [input.documentId]);
      });
      return (await this.get(id))!;
    },

    /**
     * Closes an open referral (409 when already closed). `inTx` runs in the
     * same transaction afterwards (linking the reply to the document).
     */
    async close(id: string, closing: Closing, by: string, inTx?: (tx: Tx) => Promise<void>): Promise<Referral> {
      await inTransaction(db, async (tx) => {
        // The document's open referrals locked first, in the order the reply's hook locks them: two closes of
        // two referrals of one letter (each by a reply, whose hook closes the others) wait, never deadlock.
        await tx.query(
          `SELECT id FROM referrals WHERE document_id = (SELECT document_id FROM referrals WHERE id = $1) AND state = 'open'
           ORDER BY created_at, id FOR UPDATE`,
          [id],
        );
        const res = await tx.query<Row>(`${SELECT} WHERE r.id = $1 FOR UPDATE OF r`, [id]);
        const row = res.rows[0];
        if (!row) throw new DomainError('not_found');
        if (row.state !== 'open') throw new DomainError('referral_closed');
        const ref = toReferral(row);
        await closeOne(tx, ref, closing, by, new Date().toISOString());
        await inTx?.(tx);
        await refreshReferralState(tx, [ref.documentId]);
      });
      return (await this.get(id))!;
    },

    /** Open referrals in scope: overdue first, then by due date. */
    async inbox(scope: ListScope, today: string, limit = 500): Promise<Referral[]> {
      const params: unknown[] = [today];
      const where = scopeWhere(scope, params);
      params.push(limit);
      const res = await db.query<Row>(
        `${SELECT} WHERE r.state = 'open' ${where}
         ORDER BY (r.suspended_at IS NULL AND r.due_date < $1::date) DESC, r.due_date, r.created_at, r.id
         LIMIT $${params.length}`,
        params,
      );
      return res.rows.map(toReferral);
    },

    /** Open referrals in scope whose deadline has passed (not suspended), most overdue first. */
    async overdue(scope: ListScope, today: string, limit = 5000): Promise<Referral[]> {
      const params: unknown[] = [today];
      const where = scopeWhere(scope, params);
      params.push(limit);
      const res = await db.query<Row>(
        `${SELECT} WHERE r.state = 'open' AND r.suspended_at IS NULL AND r.due_date < $1::date ${where}
         ORDER BY r.to_department, r.due_date, r.created_at, r.id LIMIT $${params.length}`,
        params,
      );
      return res.rows.map(toReferral);
    },

    /**
     * Departments people refer to: those of earlier referrals and of the people of the viewer. The referrals'
     * departments are found by a skip scan of their index (one lookup for each department, however many
     * referrals each has), not by reading every referral.
     */
    async knownDepartments(): Promise<string[]> {
      const res = await db.query<{ d: string }>(
        `WITH RECURSIVE dep(d) AS (
           (SELECT to_department FROM referrals WHERE to_department > '' ORDER BY to_department LIMIT 1)
           UNION ALL
           SELECT (SELECT r.to_department FROM referrals r WHERE r.to_department > dep.d ORDER BY r.to_department LIMIT 1)
           FROM dep WHERE dep.d IS NOT NULL
         )
         SELECT d FROM (SELECT d FROM dep UNION SELECT unnest(departments) FROM users) x
         WHERE d IS NOT NULL AND d <> '' ORDER BY d LIMIT 500`,
      );
      return res.rows.map((r) => r.d);
    },
  };
}

export type ReferralsRepo = ReturnType<typeof createReferralsRepo>;
