/**
 * Disposal requests (طلب إتلاف): a records manager asks to destroy a set of due documents; an
 * administrator who did not ask records the approving body's decision (number and date) or refuses; only
 * then are the approved items destroyed, one by one (src/records/dispose.ts), each skipped and marked
 * blocked while it is held, locked, or (a transfer rule) not yet transferred.
 *
 * Every change is one transaction with its ledger entry ('disposal-requested', 'disposal-decided'; the
 * destruction's 'destroyed' is per document, in destroyed.ts), whose payload carries the whole change so
 * restore rebuilds these tables from the ledger. The request and decision entries name no document in
 * document_id (one act on many documents); the ids are in the payload.
 */
import crypto from 'node:crypto';
import { inTransaction, type Db, type Queryable, type Tx } from '../db';
import { appendLedger, type LedgerEntry } from '../integrity/ledger';
import { DomainError } from '../../kernel/errors';
import { registryNo, type RegistryRef } from '../../kernel/registry';
import { AFTER_IN_REGISTRY_ORDER, afterParams } from '../registryOrder';

export type DisposalState = 'requested' | 'approved' | 'refused' | 'done';
export type ItemState = 'pending' | 'destroyed' | 'blocked';

export interface DisposalItem {
  documentId: string;
  registryNo: string;
  title: string | null;
  state: ItemState;
  blockedReason: string | null;
  retentionDue: string | null;
  ruleCode: string | null;
  ruleAction: string | null;
  lockUntil: string | null;
  destroyedAt: string | null;
  /** What decides who may read the document (its title is shown only to them). */
  access: { classification: string; department: string | null; uploadedBy: string | null };
}

export interface Disposal {
  id: string;
  title: string;
  state: DisposalState;
  requestedAt: string;
  requestedBy: string;
  approvingBody: string | null;
  decisionNo: string | null;
  decisionDate: string | null;
  decidedAt: string | null;
  decidedBy: string | null;
  doneAt: string | null;
  note: string | null;
  counts: { items: number; destroyed: number; blocked: number; pending: number };
}

interface Row {
  id: string;
  title: string;
  state: DisposalState;
  requested_at: Date;
  requested_by: string;
  requested_by_user: string | null;
  approving_body: string | null;
  decision_no: string | null;
  decision_date: string | null;
  decided_at: Date | null;
  decided_by: string | null;
  done_at: Date | null;
  note: string | null;
  /** Kept as the items are added and carried out (migration 48). */
  items: number;
  destroyed: number;
  blocked: number;
}

const SELECT = `SELECT p.id, p.title, p.state, p.requested_at, p.requested_by, p.requested_by_user, p.approving_body, p.decision_no,
  to_char(p.decision_date, 'YYYY-MM-DD') AS decision_date, p.decided_at, p.decided_by, p.done_at, p.note,
  p.item_count AS items, p.destroyed_count AS destroyed, p.blocked_count AS blocked
  FROM disposals p`;

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

function toDisposal(r: Row): Disposal {
  const items = Number(r.items);
  const destroyed = Number(r.destroyed);
  const blocked = Number(r.blocked);
  return {
    id: r.id,
    title: r.title,
    state: r.state,
    requestedAt: r.requested_at.toISOString(),
    requestedBy: r.requested_by,
    approvingBody: r.approving_body,
    decisionNo: r.decision_no,
    decisionDate: r.decision_date,
    decidedAt: iso(r.decided_at),
    decidedBy: r.decided_by,
    doneAt: iso(r.done_at),
    note: r.note,
    counts: { items, destroyed, blocked, pending: items - destroyed - blocked },
  };
}

interface ItemRow {
  document_id: string;
  register: string;
  registry_year: number;
  registry_seq: number;
  title: string | null;
  original_name: string | null;
  classification: string;
  department: string | null;
  uploaded_by: string | null;
  state: ItemState;
  blocked_reason: string | null;
  retention_due: Date | null;
  lock_until: Date | null;
  destroyed_at: Date | null;
  code: string | null;
  action: string | null;
  /** Whether the document's rule is its code's current version, not retired (NULL: no rule). */
  rule_current: boolean | null;
}

/** Each document's retention as the disposal sees it: due date, rule and its action, lock end. */
const DOC_RETENTION = `SELECT d.id AS document_id, d.register, d.registry_year, d.registry_seq, d.title, d.original_name,
  d.classification, d.department, d.uploaded_by, d.retention_due, d.lock_until, d.destroyed_at, r.code, r.action,
  (NOT r.retired AND NOT EXISTS (SELECT 1 FROM retention_rules n WHERE n.code = r.code AND n.version > r.version)) AS rule_current
  FROM documents d LEFT JOIN retention_rules r ON r.id = d.retention_rule_id`;

function toItem(r: ItemRow): DisposalItem {
  return {
    documentId: r.document_id,
    registryNo: registryNo({ register: r.register, year: r.registry_year, seq: r.registry_seq }),
    title: r.title ?? r.original_name,
    state: r.state,
    blockedReason: r.blocked_reason,
    retentionDue: iso(r.retention_due),
    ruleCode: r.code,
    ruleAction: r.action,
    lockUntil: iso(r.lock_until),
    destroyedAt: iso(r.destroyed_at),
    access: { classification: r.classification, department: r.department, uploadedBy: r.uploaded_by },
  };
}

/**
 * A document put up for disposal, or destroyed, must be due under its rule as it stands (the current version,
 * not retired), whose action is destroy or transfer, and not destroyed: the ids that are not.
 */
export async function notDue(db: Queryable, ids: readonly string[], now = new Date()): Promise<string[]> {
  const res = await db.query<ItemRow>(`${DOC_RETENTION} WHERE d.id = ANY($1::uuid[])`, [[...ids]]);
  const ok = new Set(
    res.rows
      .filter(
        (r) =>
          r.destroyed_at === null &&
          r.rule_current === true &&
          r.retention_due !== null &&
          r.retention_due.getTime() <= now.getTime() &&
          (r.action === 'destroy' || r.action === 'transfer'),
      )
      .map((r) => r.document_id),
  );
  return ids.filter((id) => !ok.has(id));
}

export interface Decision {
  approve: boolean;
  approvingBody?: string;
  decisionNo?: string;
  decisionDate?: string;
  note?: string;
  by: string;
  /** The deciding user's id (null: the installation's administrator token). */
  byUser: string | null;
}

/** The most items one page of a request's view shows. */
export const ITEMS_PAGE = 200;

const ITEMS = `SELECT x.*, i.state, i.blocked_reason FROM disposal_items i JOIN (${DOC_RETENTION}) x ON x.document_id = i.document_id`;

/**
 * One page of a request's items ($1) in registry order after ($2, $3, $4), at most $5: taken from the items' own
 * numbers in the order of their index (migration 48), then joined to their documents, whatever the request's size.
 */
export const ITEMS_PAGE_SQL = `SELECT x.*, i.state, i.blocked_reason FROM
    (SELECT * FROM disposal_items WHERE disposal_id = $1 AND ${AFTER_IN_REGISTRY_ORDER}) i
  JOIN (${DOC_RETENTION}) x ON x.document_id = i.document_id
  ORDER BY i.register, i.registry_year, i.registry_seq`;

export function createDisposalsRepo(db: Db) {
  return {
    async get(id: string): Promise<Disposal | undefined> {
      const res = await db.query<Row>(`${SELECT} WHERE p.id = $1`, [id]);
      return res.rows[0] ? toDisposal(res.rows[0]) : undefined;
    },

    /** One page of a request's items in registry order, after the item `after` (a registry number's parts). */
    async itemsPage(id: string, after: RegistryRef | undefined, limit = ITEMS_PAGE): Promise<DisposalItem[]> {
      const res = await db.query<ItemRow>(ITEMS_PAGE_SQL, [id, ...afterParams(after), limit]);
      return res.rows.map(toItem);
    },

    /** One item as it stands now (read again just before its document is destroyed). */
    async item(id: string, documentId: string): Promise<DisposalItem | undefined> {
      const res = await db.query<ItemRow>(`${ITEMS} WHERE i.disposal_id = $1 AND i.document_id = $2`, [id, documentId]);
      return res.rows[0] ? toItem(res.rows[0]) : undefined;
    },

    async list(limit = 200): Promise<Disposal[]> {
      const res = await db.query<Row>(`${SELECT} ORDER BY p.requested_at DESC, p.id LIMIT $1`, [limit]);
      return res.rows.map(toDisposal);
    },

    /** The disposals a document is in (for its page). */
    async forDocument(documentId: string): Promise<Array<Disposal & { itemState: ItemState; blockedReason: string | null }>> {
      const res = await db.query<Row & { item_state: ItemState; item_reason: string | null }>(
        `SELECT q.*, i.state AS item_state, i.blocked_reason AS item_reason FROM (${SELECT}) q
         JOIN disposal_items i ON i.disposal_id = q.id WHERE i.document_id = $1 ORDER BY q.requested_at DESC`,
        [documentId],
      );
      return res.rows.map((r) => ({ ...toDisposal(r), itemState: r.item_state, blockedReason: r.item_reason }));
    },

    /** A request for these documents (each due, not destroyed: else 409 naming them). */
    async request(input: { title: string; documentIds: string[]; by: string; byUser: string | null }): Promise<Disposal> {
      const ids = [...new Set(input.documentIds)];
      const id = crypto.randomUUID();
      const at = new Date().toISOString();
      await inTransaction(db, async (tx) => {
        const bad = await notDue(tx, ids);
        if (bad.length > 0) {
          throw new DomainError('not_due', {
            ar: `(${bad.join('، ')})`,
            en: `(${bad.join(', ')})`,
            details: { documentIds: bad },
          });
        }
        await tx.query(
          'INSERT INTO disposals (id, title, requested_at, requested_by, requested_by_user) VALUES ($1, $2, $3, $4, $5)',
          [id, input.title, at, input.by, input.byUser],
        );
        await tx.query('INSERT INTO disposal_items (disposal_id, document_id) SELECT $1, unnest($2::uuid[])', [id, ids]);
        await appendLedger(tx, 'disposal-requested', null, {
          disposalId: id,
          title: input.title,
          documentIds: ids,
          by: input.by,
          byUser: input.byUser,
          at,
        });
      });
      return (await this.get(id))!;
    },

    /** The approving body's decision, recorded by an administrator who is not the requester. */
    async decide(id: string, d: Decision): Promise<Disposal> {
      const at = new Date().toISOString();
      await inTransaction(db, async (tx) => {
        const res = await tx.query<Row>(`${SELECT} WHERE p.id = $1 FOR UPDATE OF p`, [id]);
        const row = res.rows[0];
        if (!row) throw new DomainError('not_found');
        if (row.state !== 'requested') throw new DomainError('disposal_decided');
        // The same person whichever token or session each used: by user id when both are users, else by name.
        const same =
          row.requested_by_user !== null && d.byUser !== null ? row.requested_by_user === d.byUser : row.requested_by === d.by;
        if (same) throw new DomainError('own_disposal');
        const state: DisposalState = d.approve ? 'approved' : 'refused';
        await tx.query(
          `UPDATE disposals SET state = $2, approving_body = $3, decision_no = $4, decision_date = $5, decided_at = $6,
             decided_by = $7, note = $8 WHERE id = $1`,
          [id, state, d.approvingBody ?? null, d.decisionNo ?? null, d.decisionDate ?? null, at, d.by, d.note ?? null],
        );
        await appendLedger(tx, 'disposal-decided', null, {
          disposalId: id,
          state,
          approvingBody: d.approvingBody ?? null,
          decisionNo: d.decisionNo ?? null,
          decisionDate: d.decisionDate ?? null,
          note: d.note ?? null,
          by: d.by,
          at,
        });
      });
      return (await this.get(id))!;
    },
  };
}

export type DisposalsRepo = ReturnType<typeof createDisposalsRepo>;

/** A request's documents not yet destroyed, in registry order after `after`, at most `limit` (from migration 48's index). */
export async function undestroyedItems(
  db: Queryable,
  disposalId: string,
  after: RegistryRef | null,
  limit: number,
): Promise<Array<{ documentId: string; at: RegistryRef }>> {
  const res = await db.query<{ document_id: string; register: string; registry_year: number; registry_seq: number }>(
    `SELECT document_id, register, registry_year, registry_seq FROM disposal_items
      WHERE disposal_id = $1 AND state <> 'destroyed' AND ${AFTER_IN_REGISTRY_ORDER}`,
    [disposalId, ...afterParams(after), limit],
  );
  return res.rows.map((r) => ({
    documentId: r.document_id,
    at: { register: r.register, year: r.registry_year, seq: r.registry_seq },
  }));
}

/** Marks an item blocked with its reason (held, locked, not-transferred); it may be executed again later. */
export async function blockItem(db: Queryable, disposalId: string, documentId: string, reason: string): Promise<void> {
  await db.query(`UPDATE disposal_items SET state = 'blocked', blocked_reason = $3 WHERE disposal_id = $1 AND document_id = $2`, [
    disposalId,
    documentId,
    reason,
  ]);
}

/** A disposal whose every item is destroyed is done. */
export async function finishIfDone(db: Queryable, disposalId: string): Promise<void> {
  await db.query(
    `UPDATE disposals SET state = 'done', done_at = now() WHERE id = $1 AND state = 'approved'
     AND NOT EXISTS (SELECT 1 FROM disposal_items WHERE disposal_id = $1 AND state <> 'destroyed')`,
    [disposalId],
  );
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** Restore: a request put back from its 'disposal-requested' entry (documents that came back). */
export async function replayDisposalRequested(tx: Tx, e: LedgerEntry): Promise<boolean> {
  const p = e.payload;
  const id = str(p.disposalId);
  if (!id) return false;
  await tx.query(
    `INSERT INTO disposals (id, title, requested_at, requested_by, requested_by_user) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (id) DO NOTHING`,
    [id, str(p.title) ?? '', str(p.at) ?? e.at, str(p.by) ?? '', str(p.byUser)],
  );
  const want = Array.isArray(p.documentIds) ? p.documentIds.filter((x): x is string => typeof x === 'string') : [];
  await tx.query(
    `INSERT INTO disposal_items (disposal_id, document_id) SELECT $1, id FROM documents WHERE id = ANY($2::uuid[])
     ON CONFLICT DO NOTHING`,
    [id, want],
  );
  return true;
}

/** Restore: the decision put back from its 'disposal-decided' entry. */
export async function replayDisposalDecided(tx: Tx, e: LedgerEntry): Promise<boolean> {
  const p = e.payload;
  const res = await tx.query(
    `UPDATE disposals SET state = $2, approving_body = $3, decision_no = $4, decision_date = $5, decided_at = $6, decided_by = $7, note = $8
     WHERE id = $1 AND state = 'requested'`,
    [
      str(p.disposalId),
      str(p.state),
      str(p.approvingBody),
      str(p.decisionNo),
      str(p.decisionDate),
      str(p.at) ?? e.at,
      str(p.by),
      str(p.note),
    ],
  );
  return (res.rowCount ?? 0) > 0;
}

/**
 * Documents a request "everything due before" picks: due, under a destroy or transfer rule, not destroyed, in
 * no open request; with what decides who may read each (the request takes only those its requester may read).
 */
export async function dueForDisposal(
  db: Queryable,
  before: Date,
  limit = 5000,
): Promise<Array<{ id: string; access: DisposalItem['access'] }>> {
  const res = await db.query<{ id: string; classification: string; department: string | null; uploaded_by: string | null }>(
    `SELECT d.id, d.classification, d.department, d.uploaded_by FROM documents d JOIN retention_rules r ON r.id = d.retention_rule_id
     WHERE d.destroyed_at IS NULL AND d.retention_due <= $1 AND d.retention_due <= now() AND r.action IN ('destroy', 'transfer')
       AND NOT EXISTS (SELECT 1 FROM disposal_items i JOIN disposals p ON p.id = i.disposal_id
                       WHERE i.document_id = d.id AND p.state IN ('requested', 'approved'))
     ORDER BY d.retention_due, d.id LIMIT $2`,
    [before, limit],
  );
  return res.rows.map((r) => ({
    id: r.id,
    access: { classification: r.classification, department: r.department, uploadedBy: r.uploaded_by },
  }));
}
