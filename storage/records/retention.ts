/**
 * Each document's retention: the rule it is given (the most specific current rule that matches its type,
 * register and classification, then the lower priority, then the code), its due date (the trigger's time
 * plus the rule's period; NULL when permanent or the trigger has not come), and until when its objects are
 * under COMPLIANCE retention (lock_until, never lowered). `lockUntilForKey` is the object stores'
 * RetentionPolicy.until: the lock a key must have, read from its document's row.
 */
import { inTransaction, type Db, type Queryable, type Tx } from '../db';
import { appendLedger, type LedgerEntry } from '../integrity/ledger';
import { parseDocumentKey } from '../layout';
import { readState } from '../state';
import { DomainError } from '../../kernel/errors';
import { registryNo, type RegistryRef } from '../../kernel/registry';
import { ruleById, type RuleAction } from './rules';

/** Documents recomputed per transaction. */
export const RECOMPUTE_BATCH = 1000;

/** The diwan_state key of the lock end given to the archive's own files (ledger, checkpoints, audit, tombstones). */
export const OWN_FILES_LOCK = 'own-files-lock-until';

/**
 * The rule and due date of the documents `where` selects (a SQL condition on `t`, the documents table),
 * recomputed in one statement; lock_until rises to the due date where that is later, never falls.
 */
function recomputeSql(where: string): string {
  return `
    WITH pick AS (
      SELECT t.id, r.id AS rule_id,
        CASE WHEN r.id IS NULL OR r.period IS NULL THEN NULL
             WHEN r.trigger = 'registered' THEN t.created_at + r.period
             WHEN r.trigger = 'closed' THEN t.closed_at + r.period
             ELSE r.trigger_date::timestamptz + r.period END AS due
      FROM documents t
      LEFT JOIN LATERAL (
        SELECT c.id, c.period, c.trigger, c.trigger_date FROM retention_rules_current c
        WHERE NOT c.retired
          AND (c.doc_type IS NULL OR c.doc_type = t.doc_type)
          AND (c.register IS NULL OR c.register = t.register)
          AND (c.classification IS NULL OR c.classification = t.classification)
        ORDER BY (c.doc_type IS NOT NULL)::int + (c.register IS NOT NULL)::int + (c.classification IS NOT NULL)::int DESC,
          c.priority, c.code
        LIMIT 1
      ) r ON true
      WHERE t.destroyed_at IS NULL AND (${where})
    )
    UPDATE documents d SET retention_rule_id = p.rule_id, retention_due = p.due, lock_until = GREATEST(d.lock_until, p.due)
    FROM pick p WHERE d.id = p.id`;
}

/** Recomputes the rule and due date of these documents (one transaction's worth); the count changed. */
export async function recomputeDocuments(q: Queryable, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const res = await q.query(recomputeSql('t.id = ANY($1::uuid[])'), [ids]);
  return res.rowCount ?? 0;
}

/**
 * Gives a document just registered its rule and due date, inside the registration's transaction, so its
 * files are locked to its due date from their first write (its objects need no later re-lock).
 */
export async function assignRetention(tx: Tx, documentId: string): Promise<void> {
  await recomputeDocuments(tx, [documentId]);
  await tx.query('UPDATE documents SET locks_applied = lock_until WHERE id = $1', [documentId]);
}

/**
 * Recomputes, in keyset batches of RECOMPUTE_BATCH (a transaction each), every document that `where` selects
 * (a condition on `t` using $1.. `params`); `progress` after each batch. Returns how many were recomputed.
 */
async function recomputeBatches(db: Db, where: string, params: unknown[], progress?: (done: number) => void): Promise<number> {
  let after = '00000000-0000-0000-0000-000000000000';
  let done = 0;
  for (;;) {
    const n = params.length;
    const ids = await db.query<{ id: string }>(
      `SELECT t.id FROM documents t WHERE t.destroyed_at IS NULL AND t.id > $${n + 1} AND (${where}) ORDER BY t.id LIMIT ${RECOMPUTE_BATCH}`,
      [...params, after],
    );
    if (ids.rows.length === 0) return done;
    await inTransaction(db, (tx) =>
      recomputeDocuments(
        tx,
        ids.rows.map((r) => r.id),
      ),
    );
    done += ids.rows.length;
    progress?.(done);
    after = ids.rows.at(-1)!.id;
  }
}

/**
 * The documents a rule touches: those given any of its versions, and those its current version (unless retired)
 * matches, as a condition on `t` with its parameters. The rule's versions and fields are read first and go in as
 * values, so the condition is answered from the indexes on a document's rule and type, not by matching every
 * document against the rules (a second a call at 200k documents).
 */
export async function ruleTouches(q: Queryable, code: string): Promise<{ where: string; params: unknown[] }> {
  const versions = await q.query<{ id: string }>('SELECT id FROM retention_rules WHERE code = $1', [code]);
  const params: unknown[] = [versions.rows.map((r) => r.id)];
  const parts = ['t.retention_rule_id = ANY($1::bigint[])'];
  const current = await q.query<{
    doc_type: string | null;
    register: string | null;
    classification: string | null;
    retired: boolean;
  }>('SELECT doc_type, register, classification, retired FROM retention_rules_current WHERE code = $1', [code]);
  const c = current.rows[0];
  if (c && !c.retired) {
    const fields = [
      ['doc_type', c.doc_type],
      ['register', c.register],
      ['classification', c.classification],
    ] as const;
    const match = fields.flatMap(([column, value]) => (value === null ? [] : [`t.${column} = $${params.push(value)}`]));
    parts.push(match.length > 0 ? `(${match.join(' AND ')})` : 'true');
  }
  return { where: parts.join(' OR '), params };
}

/** How many documents a rule touches, counted up to `upTo` (enough to choose between now and a job). */
export async function countTouched(q: Queryable, code: string, upTo: number): Promise<number> {
  const { where, params } = await ruleTouches(q, code);
  const res = await q.query<{ n: string }>(
    `SELECT count(*) AS n FROM (SELECT 1 FROM documents t WHERE t.destroyed_at IS NULL AND (${where}) LIMIT $${params.length + 1}) x`,
    [...params, upTo],
  );
  return Number(res.rows[0]!.n);
}

/** Recomputes every document a rule touches (after it was made, changed or retired). */
export async function recomputeForRule(db: Db, code: string, progress?: (done: number) => void): Promise<number> {
  const { where, params } = await ruleTouches(db, code);
  return recomputeBatches(db, where, params, progress);
}

/** Recomputes every document (after a restore brought the rules back). */
export function recomputeAll(db: Db, progress?: (done: number) => void): Promise<number> {
  return recomputeBatches(db, 'true', [], progress);
}

/** A document's retention as its page and the API show it. */
export interface DocumentRetention {
  documentId: string;
  registryNo: string;
  rule: {
    id: string;
    code: string;
    version: number;
    nameAr: string;
    nameEn: string | null;
    action: RuleAction;
    period: string | null;
  } | null;
  due: string | null;
  lockUntil: string | null;
  closedAt: string | null;
  destroyedAt: string | null;
  /** The lock ends after the due date (a rule made shorter leaves the lock as it was): the document waits for it. */
  waitsForLock: boolean;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** A document's retention, or undefined when there is no such document. */
export async function documentRetention(q: Queryable, documentId: string): Promise<DocumentRetention | undefined> {
  const res = await q.query<{
    id: string;
    register: string;
    registry_year: number;
    registry_seq: number;
    retention_due: Date | null;
    lock_until: Date | null;
    closed_at: Date | null;
    destroyed_at: Date | null;
    rule_id: string | null;
  }>(
    `SELECT id, register, registry_year, registry_seq, retention_due, lock_until, closed_at, destroyed_at,
       retention_rule_id AS rule_id FROM documents WHERE id = $1`,
    [documentId],
  );
  const d = res.rows[0];
  if (!d) return undefined;
  const rule = d.rule_id ? await ruleById(q, String(d.rule_id)) : undefined;
  return {
    documentId: d.id,
    registryNo: registryNo({ register: d.register, year: d.registry_year, seq: d.registry_seq }),
    rule: rule
      ? {
          id: rule.id,
          code: rule.code,
          version: rule.version,
          nameAr: rule.nameAr,
          nameEn: rule.nameEn,
          action: rule.action,
          period: rule.period,
        }
      : null,
    due: iso(d.retention_due),
    lockUntil: iso(d.lock_until),
    closedAt: iso(d.closed_at),
    destroyedAt: iso(d.destroyed_at),
    waitsForLock: d.retention_due !== null && d.lock_until !== null && d.lock_until > d.retention_due,
  };
}

/** Closes a document's file (closed_at, ledger 'file-closed') and recomputes its due date. */
export async function closeFile(db: Db, documentId: string, by: string): Promise<DocumentRetention> {
  await inTransaction(db, async (tx) => {
    const res = await tx.query<{ closed_at: Date | null; register: string; registry_year: number; registry_seq: number }>(
      'SELECT closed_at, register, registry_year, registry_seq FROM documents WHERE id = $1 FOR UPDATE',
      [documentId],
    );
    const d = res.rows[0];
    if (!d) throw new DomainError('not_found');
    if (d.closed_at) throw new DomainError('file_closed');
    const at = (await tx.query<{ now: Date }>('SELECT now() AS now')).rows[0]!.now;
    await tx.query('UPDATE documents SET closed_at = $2 WHERE id = $1', [documentId, at]);
    await appendLedger(tx, 'file-closed', documentId, {
      documentId,
      registryNo: registryNo({ register: d.register, year: d.registry_year, seq: d.registry_seq }),
      closedAt: at.toISOString(),
      by,
    });
    await recomputeDocuments(tx, [documentId]);
  });
  return (await documentRetention(db, documentId))!;
}

/** Restore: the file's closing back on its document (the due dates are recomputed once replay ends). */
export async function replayFileClosed(tx: Tx, e: LedgerEntry): Promise<boolean> {
  const p = e.payload as { documentId?: string; closedAt?: string };
  const id = e.documentId ?? p.documentId;
  if (!id || !p.closedAt) return false;
  const res = await tx.query('UPDATE documents SET closed_at = COALESCE(closed_at, $2) WHERE id = $1', [id, p.closedAt]);
  return (res.rowCount ?? 0) > 0;
}

/**
 * Until when a kept key must be locked (`retentionMs`: DIWAN_RETENTION).
 * A document's key -> its lock_until while that is ahead; once it has passed, null (no lock needed) only
 * for a document that is due and in an approved disposal (the disposal waits for nothing else), and
 * undefined otherwise (the default from the write: a record kept after its due date, or one the extension
 * job has not reached yet, is never left unlocked).
 * The archive's own files (ledger/, checkpoints/, audit/) and tombstones -> the later of the lock the
 * extension job gave them and their writing + `retentionMs` (a tombstone's writing: its document's
 * destruction), so a file written after the job stopped still gets the whole period.
 */
export async function lockUntilForKey(db: Queryable, key: string, retentionMs?: number): Promise<Date | null | undefined> {
  const parsed = parseDocumentKey(key);
  if (!parsed || parsed.file === 'tombstone.json') {
    const own = await readState<string>(db, OWN_FILES_LOCK);
    const ownMs = own ? Date.parse(own) : Number.NaN;
    if (retentionMs === undefined) return ownMs > Date.now() ? new Date(ownMs) : undefined;
    let written = Date.now();
    if (parsed) {
      const ref = parsed.ref;
      const t = await db.query<{ destroyed_at: Date | null }>(
        'SELECT destroyed_at FROM documents WHERE register = $1 AND registry_year = $2 AND registry_seq = $3',
        [ref.register ?? 'incoming', ref.year, ref.seq],
      );
      written = t.rows[0]?.destroyed_at?.getTime() ?? written;
    }
    return new Date(Math.max(Number.isNaN(ownMs) ? 0 : ownMs, written + retentionMs));
  }
  const ref: RegistryRef = parsed.ref;
  const res = await db.query<{ lock_until: Date | null; retention_due: Date | null; disposing: boolean }>(
    `SELECT d.lock_until, d.retention_due, EXISTS (
       SELECT 1 FROM disposal_items i JOIN disposals p ON p.id = i.disposal_id
       WHERE i.document_id = d.id AND p.state IN ('approved', 'done')) AS disposing
     FROM documents d WHERE d.register = $1 AND d.registry_year = $2 AND d.registry_seq = $3`,
    [ref.register ?? 'incoming', ref.year, ref.seq],
  );
  const d = res.rows[0];
  if (!d?.lock_until) return undefined;
  const now = Date.now();
  if (d.lock_until.getTime() > now) return d.lock_until;
  return d.disposing && d.retention_due !== null && d.retention_due.getTime() <= now ? null : undefined;
}

/** A document whose retention is due, with its rule. */
export interface DueDocument {
  id: string;
  registryNo: string;
  title: string | null;
  due: string;
  lockUntil: string | null;
  rule: { code: string; version: number; nameAr: string; nameEn: string | null; action: RuleAction };
  /** What decides who may read its title (auth's canSee): the caller's layer withholds it from others. */
  access: { classification: string; department: string | null; uploadedBy: string | null };
}

/**
 * Documents (not destroyed) whose due date is at or before `before`, oldest due first, with their rule;
 * keyset paged (`after`: the cursor the previous page gave).
 */
export async function dueDocuments(
  db: Queryable,
  opts: { before: Date; action?: RuleAction; after?: string; limit?: number },
): Promise<{ items: DueDocument[]; next: string | null }> {
  const limit = Math.min(Math.max(opts.limit ?? 100, 1), 1000);
  const [afterDue, afterId] = opts.after ? opts.after.split('|') : [null, null];
  if (opts.after && (Number.isNaN(Date.parse(afterDue ?? '')) || !/^[0-9a-f-]{36}$/.test(afterId ?? ''))) {
    throw new DomainError('bad_request', { ar: '(مؤشر الصفحة غير صالح)', en: '(the page cursor is not valid)' });
  }
  const res = await db.query<{
    id: string;
    register: string;
    registry_year: number;
    registry_seq: number;
    title: string | null;
    classification: string;
    department: string | null;
    uploaded_by: string | null;
    retention_due: Date;
    lock_until: Date | null;
    code: string;
    version: number;
    name_ar: string;
    name_en: string | null;
    action: RuleAction;
  }>(
    `SELECT d.id, d.register, d.registry_year, d.registry_seq, d.title, d.classification, d.department,
       d.uploaded_by::text AS uploaded_by, d.retention_due, d.lock_until,
       r.code, r.version, r.name_ar, r.name_en, r.action
     FROM documents d JOIN retention_rules r ON r.id = d.retention_rule_id
     WHERE d.retention_due IS NOT NULL AND d.destroyed_at IS NULL AND d.retention_due <= $1
       AND ($2::text IS NULL OR r.action = $2)
       AND ($3::timestamptz IS NULL OR (d.retention_due, d.id) > ($3::timestamptz, $4::uuid))
     ORDER BY d.retention_due, d.id LIMIT ${limit + 1}`,
    [opts.before, opts.action ?? null, afterDue || null, afterId || null],
  );
  const rows = res.rows.slice(0, limit);
  const items = rows.map((r) => ({
    id: r.id,
    registryNo: registryNo({ register: r.register, year: r.registry_year, seq: r.registry_seq }),
    title: r.title,
    due: r.retention_due.toISOString(),
    lockUntil: iso(r.lock_until),
    rule: { code: r.code, version: r.version, nameAr: r.name_ar, nameEn: r.name_en, action: r.action },
    access: { classification: r.classification, department: r.department, uploadedBy: r.uploaded_by },
  }));
  const last = items.at(-1);
  return { items, next: res.rows.length > limit && last ? `${last.due}|${last.id}` : null };
}

/** Documents whose due date has passed (not destroyed), by their rule's action (the metric). */
export async function dueCounts(q: Queryable): Promise<Map<RuleAction, number>> {
  const res = await q.query<{ action: RuleAction; n: string }>(
    `SELECT r.action, count(*) AS n FROM documents d JOIN retention_rules r ON r.id = d.retention_rule_id
     WHERE d.retention_due IS NOT NULL AND d.destroyed_at IS NULL AND d.retention_due <= now() GROUP BY r.action`,
  );
  return new Map(res.rows.map((r) => [r.action, Number(r.n)]));
}
