/**
 * Links between documents (`document_links`): a reply answers a letter, an
 * attachment belongs to one, a letter follows or cancels another. `from_id` is
 * the later document. A link is never deleted: removing it records who, when
 * and why on its row. Every change is a ledger entry carrying the whole change
 * ('linked', 'unlinked'), written in the caller's transaction, and replayed by
 * `diwan restore` (replayLinked, replayUnlinked).
 *
 * A reply link runs REPLY_HOOKS in the same transaction (the referrals it
 * answers are closed there), whether made at registration or later.
 */
import type { Queryable, Tx } from '../db';
import { appendLedger, type LedgerEntry } from '../integrity/ledger';
import { registryNo } from '../../kernel/registry';
import { DomainError } from '../../kernel/errors';
import { closeReferralsByReply } from './referrals';

export const LINK_KINDS = ['reply', 'attachment', 'follows', 'cancels'] as const;
export type LinkKind = (typeof LINK_KINDS)[number];
export const isLinkKind = (k: unknown): k is LinkKind => (LINK_KINDS as readonly unknown[]).includes(k);

export interface LinkRecord {
  id: number;
  fromId: string;
  toId: string;
  kind: LinkKind;
  createdAt: string;
  createdBy: string | null;
  removedAt: string | null;
  removedBy: string | null;
  removedReason: string | null;
}

/** A link as seen from one of its documents: the other document and its number. */
export interface LinkView extends LinkRecord {
  other: {
    id: string;
    registryNo: string;
    title: string | null;
    classification: string;
    department: string | null;
    uploadedBy: string | null;
  };
}

/** What a reply hook is told: `replyId` (the later document) answers `documentId`. */
export interface ReplyLinked {
  documentId: string;
  replyId: string;
  by: string | null;
}

/** Run, in order, in the transaction that links a reply to the letter it answers. */
export const REPLY_HOOKS: Array<(tx: Tx, e: ReplyLinked) => Promise<void>> = [closeReferralsByReply];

/** Runs every reply hook. */
export async function afterReplyLinked(tx: Tx, e: ReplyLinked): Promise<void> {
  for (const hook of REPLY_HOOKS) await hook(tx, e);
}

interface LinkRow {
  id: string;
  from_id: string;
  to_id: string;
  kind: LinkKind;
  created_at: Date;
  created_by: string | null;
  removed_at: Date | null;
  removed_by: string | null;
  removed_reason: string | null;
}

const COLUMNS = 'l.id, l.from_id, l.to_id, l.kind, l.created_at, l.created_by, l.removed_at, l.removed_by, l.removed_reason';

function toLink(r: LinkRow): LinkRecord {
  return {
    id: Number(r.id),
    fromId: r.from_id,
    toId: r.to_id,
    kind: r.kind,
    createdAt: r.created_at.toISOString(),
    createdBy: r.created_by,
    removedAt: r.removed_at ? r.removed_at.toISOString() : null,
    removedBy: r.removed_by,
    removedReason: r.removed_reason,
  };
}

/**
 * Links `fromId` (the later document) to `toId`, in the caller's transaction,
 * with its ledger entry; a live link of the same kind between them is answered
 * as it is, not made twice.
 */
export async function addLink(
  tx: Tx,
  input: { fromId: string; toId: string; kind: LinkKind; by: string | null },
): Promise<{ link: LinkRecord; created: boolean }> {
  if (input.fromId === input.toId || !isLinkKind(input.kind)) throw new DomainError('bad_link');
  const ins = await tx.query<LinkRow>(
    `INSERT INTO document_links AS l (from_id, to_id, kind, created_by) VALUES ($1, $2, $3, $4)
     ON CONFLICT (from_id, to_id, kind) WHERE removed_at IS NULL DO NOTHING
     RETURNING ${COLUMNS}`,
    [input.fromId, input.toId, input.kind, input.by],
  );
  if (!ins.rows[0]) {
    const live = await tx.query<LinkRow>(
      `SELECT ${COLUMNS} FROM document_links l WHERE from_id = $1 AND to_id = $2 AND kind = $3 AND removed_at IS NULL`,
      [input.fromId, input.toId, input.kind],
    );
    return { link: toLink(live.rows[0]!), created: false };
  }
  const link = toLink(ins.rows[0]);
  await appendLedger(tx, 'linked', link.fromId, {
    linkId: link.id,
    fromId: link.fromId,
    toId: link.toId,
    kind: link.kind,
    by: link.createdBy,
    at: link.createdAt,
  });
  if (link.kind === 'reply') await afterReplyLinked(tx, { documentId: link.toId, replyId: link.fromId, by: input.by });
  return { link, created: true };
}

/** Marks a live link removed, with who and why, and its ledger entry; undefined when there is no such live link of this document. */
export async function removeLink(
  tx: Tx,
  input: { documentId: string; linkId: number; by: string | null; reason: string },
): Promise<LinkRecord | undefined> {
  const res = await tx.query<LinkRow>(
    `UPDATE document_links l SET removed_at = now(), removed_by = $3, removed_reason = $4
     WHERE id = $1 AND (from_id = $2 OR to_id = $2) AND removed_at IS NULL
     RETURNING ${COLUMNS}`,
    [input.linkId, input.documentId, input.by, input.reason],
  );
  if (!res.rows[0]) return undefined;
  const link = toLink(res.rows[0]);
  await appendLedger(tx, 'unlinked', link.fromId, {
    linkId: link.id,
    fromId: link.fromId,
    toId: link.toId,
    kind: link.kind,
    by: link.removedBy,
    at: link.removedAt,
    reason: link.removedReason,
  });
  return link;
}

/**
 * A document's links both ways: `from` (this document is the later one: it
 * answers, follows, cancels or is attached to the other) and `to` (the other is
 * the later one). Live links only unless `removed` is asked for.
 */
export async function linksOf(
  q: Queryable,
  documentId: string,
  opts: { removed?: boolean } = {},
): Promise<{ from: LinkView[]; to: LinkView[] }> {
  const res = await q.query<
    LinkRow & {
      other_id: string;
      other_register: string;
      other_year: number;
      other_seq: number;
      other_title: string | null;
      other_classification: string;
      other_department: string | null;
      other_uploaded_by: string | null;
    }
  >(
    `SELECT ${COLUMNS}, d.id AS other_id, d.register AS other_register, d.registry_year AS other_year,
            d.registry_seq AS other_seq, d.title AS other_title, d.classification AS other_classification,
            d.department AS other_department, d.uploaded_by AS other_uploaded_by
     FROM document_links l JOIN documents d ON d.id = CASE WHEN l.from_id = $1 THEN l.to_id ELSE l.from_id END
     WHERE (l.from_id = $1 OR l.to_id = $1) AND ($2 OR l.removed_at IS NULL)
     ORDER BY l.id`,
    [documentId, opts.removed ?? false],
  );
  const out: { from: LinkView[]; to: LinkView[] } = { from: [], to: [] };
  for (const r of res.rows) {
    const view: LinkView = {
      ...toLink(r),
      other: {
        id: r.other_id,
        registryNo: registryNo({ register: r.other_register, year: r.other_year, seq: r.other_seq }),
        title: r.other_title,
        classification: r.other_classification,
        department: r.other_department,
        uploadedBy: r.other_uploaded_by,
      },
    };
    (r.from_id === documentId ? out.from : out.to).push(view);
  }
  return out;
}

async function bothDocuments(tx: Tx, fromId: unknown, toId: unknown): Promise<boolean> {
  const res = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM documents WHERE id = ANY($1::uuid[])', [
    [String(fromId), String(toId)],
  ]);
  return res.rows[0]!.n === 2;
}

/** Puts a 'linked' entry's link back (restore); false when either document did not come back. */
export async function replayLinked(tx: Tx, e: LedgerEntry): Promise<boolean> {
  const p = e.payload;
  if (!(await bothDocuments(tx, p.fromId, p.toId))) return false;
  // Already there (a restore run again), or a live link of the same kind made since: keep what is there.
  await tx.query(
    `INSERT INTO document_links (id, from_id, to_id, kind, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT DO NOTHING`,
    [p.linkId, p.fromId, p.toId, p.kind, p.at ?? e.at, p.by ?? null],
  );
  await tx.query(
    `SELECT setval(pg_get_serial_sequence('document_links', 'id'), GREATEST((SELECT max(id) FROM document_links), 1))`,
  );
  return true;
}

/** Puts an 'unlinked' entry's removal back (restore). */
export async function replayUnlinked(tx: Tx, e: LedgerEntry): Promise<boolean> {
  const p = e.payload;
  const res = await tx.query(
    `UPDATE document_links SET removed_at = coalesce(removed_at, $2), removed_by = coalesce(removed_by, $3),
            removed_reason = coalesce(removed_reason, $4)
     WHERE id = $1`,
    [p.linkId, p.at ?? e.at, p.by ?? null, p.reason ?? null],
  );
  return (res.rowCount ?? 0) > 0;
}
