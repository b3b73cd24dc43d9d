/**
 * Legal holds (حجز قانوني): a case keeps documents from disposal until the hold is lifted. A document is
 * held while any hold linked to it is not lifted. Every object of a held document carries S3 legal hold
 * ON in both buckets; lifting the last hold turns it OFF (syncLegalHolds).
 *
 * One ledger entry per hold ('held', 'hold-lifted'), with document_id NULL and the document ids in the
 * payload: a hold is one act of an administrator on one case, and its case reference and reason belong to
 * no single document. The payload names documents by id and registry number only (no title, no text), so
 * the entry tells a reader of the ledger nothing of a document they are not cleared for.
 *
 * What the buckets must still be told (a hold placed while the offsite was away, a file written after the
 * hold) waits in legal_hold_sync until a sync sets it on every object of the document in both buckets.
 */
import crypto from 'node:crypto';
import { inTransaction, type Db, type Queryable, type Tx } from '../db';
import { appendLedger, type LedgerEntry } from '../integrity/ledger';
import type { ObjectStore } from '../objectStore';
import { DomainError } from '../../kernel/errors';
import { pageOf } from '../../kernel/paging';
import { registryNo, type RegistryRef } from '../../kernel/registry';
import { AFTER_IN_REGISTRY_ORDER, afterParams } from '../registryOrder';

/** The documents one page of a hold's view shows, unless asked for fewer or more. */
export const HOLD_PAGE = 500;

/** What a hold was asked for. */
export type HoldScope =
  { documents: string[] } | { correspondent: string } | { query: string; filters?: Record<string, unknown> };

export interface HoldDocument {
  id: string;
  registryNo: string;
  title: string | null;
  status: string;
  /** What decides who may read the document (its title is shown only to them). */
  access: { classification: string; department: string | null; uploadedBy: string | null };
}

export interface LegalHold {
  id: string;
  caseRef: string;
  reason: string;
  scope: HoldScope;
  createdAt: string;
  createdBy: string;
  liftedAt: string | null;
  liftedBy: string | null;
  liftReason: string | null;
  documentCount: number;
}

interface HoldRow {
  id: string;
  case_ref: string;
  reason: string;
  scope: HoldScope;
  created_at: Date;
  created_by: string;
  lifted_at: Date | null;
  lifted_by: string | null;
  lift_reason: string | null;
  document_count: number;
}

/** A hold's row; its documents are counted as they are linked (migration 47). */
const SELECT = `SELECT h.* FROM legal_holds h`;

function toHold(r: HoldRow): LegalHold {
  return {
    id: r.id,
    caseRef: r.case_ref,
    reason: r.reason,
    scope: r.scope,
    createdAt: r.created_at.toISOString(),
    createdBy: r.created_by,
    liftedAt: r.lifted_at ? r.lifted_at.toISOString() : null,
    liftedBy: r.lifted_by,
    liftReason: r.lift_reason,
    documentCount: r.document_count,
  };
}

/**
 * The advisory lock between placing a hold and destroying a document: a hold's transaction takes it for
 * each of its documents (in id order, so two holds never wait on each other in a circle) and the executor
 * of a disposal holds it while one document is checked and destroyed. So a hold either commits first and
 * the executor, checking again under the lock, sees it; or waits until the document is gone and leaves it out.
 */
export const DISPOSAL_LOCK_NAMESPACE = 0x64697370; // "disp"

/** Runs `fn` holding the document's disposal lock (a session lock, waited for; released when fn ends). */
export async function withDisposalLock<T>(db: Db, documentId: string, fn: () => Promise<T>): Promise<T> {
  const conn = await db.connect();
  try {
    await conn.query('SELECT pg_advisory_lock($1, hashtext($2))', [DISPOSAL_LOCK_NAMESPACE, documentId]);
    try {
      return await fn();
    } finally {
      await conn.query('SELECT pg_advisory_unlock($1, hashtext($2))', [DISPOSAL_LOCK_NAMESPACE, documentId]);
    }
  } finally {
    conn.release();
  }
}

/** Takes the disposal lock of each document until the transaction ends, in id order. */
async function lockForHold(tx: Tx, ids: readonly string[]): Promise<void> {
  for (const id of [...ids].sort()) {
    await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [DISPOSAL_LOCK_NAMESPACE, id]);
  }
}

/** Whether the document is under any hold not lifted. */
export async function isHeld(db: Queryable, id: string): Promise<boolean> {
  return (await heldIds(db, [id])).has(id);
}

/** Which of these documents are under a hold not lifted (each a key of documents_held, kept by migration 47's triggers). */
export async function heldIds(db: Queryable, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const res = await db.query<{ document_id: string }>(
    'SELECT document_id FROM documents_held WHERE document_id = ANY($1::uuid[])',
    [[...new Set(ids)]],
  );
  return new Set(res.rows.map((r) => r.document_id));
}

async function documentsOf(db: Queryable, ids: readonly string[]): Promise<HoldDocument[]> {
  const res = await db.query<{
    id: string;
    register: string;
    registry_year: number;
    registry_seq: number;
    title: string | null;
    original_name: string | null;
    status: string;
    classification: string;
    department: string | null;
    uploaded_by: string | null;
  }>(
    `SELECT id, register, registry_year, registry_seq, title, original_name, status, classification, department, uploaded_by
     FROM documents
     WHERE id = ANY($1::uuid[]) ORDER BY register, registry_year, registry_seq`,
    [[...ids]],
  );
  return res.rows.map((r) => ({
    id: r.id,
    registryNo: registryNo({ register: r.register, year: r.registry_year, seq: r.registry_seq }),
    title: r.title ?? r.original_name,
    status: r.status,
    access: { classification: r.classification, department: r.department, uploadedBy: r.uploaded_by },
  }));
}

/** Queues documents whose objects' legal hold must be set or lifted. */
export async function queueHoldSync(db: Queryable, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.query(
    `INSERT INTO legal_hold_sync (document_id) SELECT unnest($1::uuid[])
     ON CONFLICT (document_id) DO UPDATE SET queued_at = now()`,
    [[...new Set(ids)]],
  );
}

export interface NewHold {
  caseRef: string;
  reason: string;
  scope: HoldScope;
  documentIds: string[];
  by: string;
}

export function createHoldsRepo(db: Db) {
  return {
    /**
     * A hold with a page of its documents in registry order (the first `limit`, or those after `after`), read from
     * the links' index (migration 47), and the next page's cursor: null on the last page.
     */
    async get(
      id: string,
      page: { after?: RegistryRef; limit?: number } = {},
    ): Promise<(LegalHold & { documents: HoldDocument[]; documentsNext: string | null }) | undefined> {
      const res = await db.query<HoldRow>(`${SELECT} WHERE h.id = $1`, [id]);
      if (!res.rows[0]) return undefined;
      const limit = page.limit ?? HOLD_PAGE;
      const ids = await db.query<{ document_id: string }>(
        `SELECT document_id FROM legal_hold_documents WHERE hold_id = $1 AND ${AFTER_IN_REGISTRY_ORDER}`,
        [id, ...afterParams(page.after), limit + 1],
      );
      const shown = pageOf(
        await documentsOf(
          db,
          ids.rows.map((r) => r.document_id),
        ),
        limit,
        (d) => d.registryNo,
      );
      return { ...toHold(res.rows[0]), documents: shown.items, documentsNext: shown.next };
    },

    /** Holds, the ones in force first, newest first. */
    async list(opts: { active?: boolean; limit?: number } = {}): Promise<LegalHold[]> {
      const where = opts.active ? 'WHERE h.lifted_at IS NULL' : '';
      const res = await db.query<HoldRow>(
        `${SELECT} ${where} ORDER BY (h.lifted_at IS NULL) DESC, h.created_at DESC, h.id LIMIT $1`,
        [opts.limit ?? 500],
      );
      return res.rows.map(toHold);
    },

    /** The holds of one document (for its page). */
    async forDocument(documentId: string): Promise<LegalHold[]> {
      const res = await db.query<HoldRow>(
        `${SELECT} WHERE h.id IN (SELECT hold_id FROM legal_hold_documents WHERE document_id = $1)
         ORDER BY (h.lifted_at IS NULL) DESC, h.created_at DESC`,
        [documentId],
      );
      return res.rows.map(toHold);
    },

    /**
     * Places a hold on the resolved documents: rows, the ledger entry and the buckets' work, in one transaction,
     * under each document's disposal lock; a document destroyed meanwhile is left out (nothing of it is left to hold).
     */
    async create(input: NewHold): Promise<LegalHold & { documents: HoldDocument[] }> {
      const id = crypto.randomUUID();
      const at = new Date().toISOString();
      const ids = [...new Set(input.documentIds)];
      await inTransaction(db, async (tx) => {
        await lockForHold(tx, ids);
        const docs = (await documentsOf(tx, ids)).filter((d) => d.status !== 'destroyed');
        if (docs.length === 0) {
          throw new DomainError('bad_request', { ar: '(لم يُعثر على وثائق يشملها الحجز)', en: '(the hold finds no documents)' });
        }
        await tx.query(
          `INSERT INTO legal_holds (id, case_ref, reason, scope, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)`,
          [id, input.caseRef, input.reason, JSON.stringify(input.scope), at, input.by],
        );
        await tx.query('INSERT INTO legal_hold_documents (hold_id, document_id) SELECT $1, unnest($2::uuid[])', [
          id,
          docs.map((d) => d.id),
        ]);
        await queueHoldSync(
          tx,
          docs.map((d) => d.id),
        );
        await appendLedger(tx, 'held', null, {
          holdId: id,
          caseRef: input.caseRef,
          reason: input.reason,
          scope: input.scope,
          documentIds: docs.map((d) => d.id),
          registryNos: docs.map((d) => d.registryNo),
          by: input.by,
          at,
        });
      });
      return (await this.get(id))!;
    },

    /** Lifts a hold (409 when already lifted); its documents' objects lose legal hold unless another hold keeps them. */
    async lift(id: string, reason: string, by: string): Promise<LegalHold & { documents: HoldDocument[] }> {
      const at = new Date().toISOString();
      await inTransaction(db, async (tx) => {
        const res = await tx.query<HoldRow>(`${SELECT} WHERE h.id = $1 FOR UPDATE OF h`, [id]);
        const row = res.rows[0];
        if (!row) throw new DomainError('not_found');
        if (row.lifted_at) throw new DomainError('hold_lifted');
        await tx.query('UPDATE legal_holds SET lifted_at = $2, lifted_by = $3, lift_reason = $4 WHERE id = $1', [
          id,
          at,
          by,
          reason,
        ]);
        const ids = (
          await tx.query<{ document_id: string }>('SELECT document_id FROM legal_hold_documents WHERE hold_id = $1', [id])
        ).rows.map((r) => r.document_id);
        await queueHoldSync(tx, ids);
        await appendLedger(tx, 'hold-lifted', null, { holdId: id, caseRef: row.case_ref, reason, documentIds: ids, by, at });
      });
      return (await this.get(id))!;
    },
  };
}

export type HoldsRepo = ReturnType<typeof createHoldsRepo>;

/** The keys of a document's objects in each bucket: what primary holds (artefacts) and the offsite's copies (replicas). */
async function objectKeys(
  db: Queryable,
  documentId: string,
  offsiteName: string,
): Promise<{ primary: string[]; offsite: string[] }> {
  const a = await db.query<{ key: string }>('SELECT key FROM artefacts WHERE document_id = $1 ORDER BY key', [documentId]);
  const r = await db.query<{ key: string }>('SELECT key FROM replicas WHERE document_id = $1 AND target = $2 ORDER BY key', [
    documentId,
    offsiteName,
  ]);
  return { primary: a.rows.map((x) => x.key), offsite: r.rows.map((x) => x.key) };
}

/**
 * Sets (or lifts) S3 legal hold on every object of each queued document in both buckets, as its holds say
 * now; a document leaves the queue once both buckets are done, and stays with the error when one was away.
 * With `recheck`, documents under hold are queued again first: all of them (true), or those with a file
 * or an offsite copy written within the last `recheck` milliseconds, so a file written since the hold (a
 * new reading, a copy made later) gets it too.
 */
export async function syncLegalHolds(
  db: Db,
  stores: { primary: ObjectStore; offsite: ObjectStore },
  opts: { recheck?: boolean | number; limit?: number } = {},
): Promise<{ done: number; failed: number }> {
  if (opts.recheck !== undefined && opts.recheck !== false) {
    const since = opts.recheck === true ? new Date(0) : new Date(Date.now() - opts.recheck);
    await db.query(
      `INSERT INTO legal_hold_sync (document_id)
       SELECT DISTINCT l.document_id FROM legal_hold_documents l JOIN legal_holds h ON h.id = l.hold_id
       JOIN documents d ON d.id = l.document_id WHERE h.lifted_at IS NULL AND d.destroyed_at IS NULL
         AND (EXISTS (SELECT 1 FROM artefacts a WHERE a.document_id = d.id AND a.created_at >= $1)
              OR EXISTS (SELECT 1 FROM replicas r WHERE r.document_id = d.id AND r.verified_at >= $1))
       ON CONFLICT (document_id) DO NOTHING`,
      [since],
    );
  }
  const queued = await db.query<{ document_id: string }>('SELECT document_id FROM legal_hold_sync ORDER BY queued_at LIMIT $1', [
    opts.limit ?? 500,
  ]);
  let done = 0;
  let failed = 0;
  for (const { document_id: id } of queued.rows) {
    // The time as the database keeps it (microseconds): a JavaScript Date keeps milliseconds, and never matched it again.
    const seen = await db.query<{ queued_at: string }>(
      'SELECT queued_at::text AS queued_at FROM legal_hold_sync WHERE document_id = $1',
      [id],
    );
    try {
      const on = await isHeld(db, id);
      const keys = await objectKeys(db, id, stores.offsite.name);
      for (const key of keys.primary) await stores.primary.setLegalHold?.(key, on);
      for (const key of keys.offsite) await stores.offsite.setLegalHold?.(key, on);
      // Queued again meanwhile (another hold, a lift): left for the next pass.
      await db.query('DELETE FROM legal_hold_sync WHERE document_id = $1 AND queued_at = $2::timestamptz', [
        id,
        seen.rows[0]?.queued_at,
      ]);
      done++;
    } catch (e) {
      await db.query('UPDATE legal_hold_sync SET last_error = $2 WHERE document_id = $1', [id, String(e).slice(0, 500)]);
      failed++;
    }
  }
  return { done, failed };
}

/** How many documents still wait for their objects' legal hold to be set or lifted. */
export async function holdSyncPending(db: Queryable): Promise<number> {
  const res = await db.query<{ n: string }>('SELECT count(*) AS n FROM legal_hold_sync');
  return Number(res.rows[0]?.n ?? 0);
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const ids = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** Restore: a hold put back from its 'held' entry (documents that did not come back are left out). */
export async function replayHeld(tx: Tx, e: LedgerEntry): Promise<boolean> {
  const p = e.payload;
  const id = str(p.holdId);
  if (!id) return false;
  await tx.query(
    `INSERT INTO legal_holds (id, case_ref, reason, scope, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO NOTHING`,
    [id, str(p.caseRef), str(p.reason), JSON.stringify(p.scope ?? {}), str(p.at) ?? e.at, str(p.by)],
  );
  const back = await tx.query<{ id: string }>('SELECT id FROM documents WHERE id = ANY($1::uuid[])', [ids(p.documentIds)]);
  await tx.query('INSERT INTO legal_hold_documents (hold_id, document_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING', [
    id,
    back.rows.map((r) => r.id),
  ]);
  await queueHoldSync(
    tx,
    back.rows.map((r) => r.id),
  );
  return true;
}

/** Restore: a hold lifted again from its 'hold-lifted' entry. */
export async function replayHoldLifted(tx: Tx, e: LedgerEntry): Promise<boolean> {
  const p = e.payload;
  const res = await tx.query(
    'UPDATE legal_holds SET lifted_at = $2, lifted_by = $3, lift_reason = $4 WHERE id = $1 AND lifted_at IS NULL',
    [str(p.holdId), str(p.at) ?? e.at, str(p.by), str(p.reason)],
  );
  const docs = await tx.query<{ document_id: string }>('SELECT document_id FROM legal_hold_documents WHERE hold_id = $1', [
    str(p.holdId),
  ]);
  await queueHoldSync(
    tx,
    docs.rows.map((r) => r.document_id),
  );
  return (res.rowCount ?? 0) > 0 || docs.rows.length > 0;
}

/** The documents of a correspondent (a hold on a correspondent's letters), not destroyed. */
export async function correspondentDocuments(db: Queryable, correspondentId: string): Promise<string[]> {
  const res = await db.query<{ id: string }>(
    'SELECT id FROM documents WHERE correspondent_id = $1 AND destroyed_at IS NULL ORDER BY created_at, id',
    [correspondentId],
  );
  return res.rows.map((r) => r.id);
}

/** Which of these ids are documents not destroyed (the rest are unknown to a hold). */
export async function holdableDocuments(db: Queryable, ids: readonly string[]): Promise<Set<string>> {
  const res = await db.query<{ id: string }>('SELECT id FROM documents WHERE id = ANY($1::uuid[]) AND destroyed_at IS NULL', [
    [...ids],
  ]);
  return new Set(res.rows.map((r) => r.id));
}
