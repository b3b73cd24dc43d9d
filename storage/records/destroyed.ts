/**
 * A lawfully destroyed document's tombstone (شاهد الإتلاف): what stays when its objects are gone. The
 * tombstone is a JSON object written to both buckets at `<documentPrefix>tombstone.json` and carried whole,
 * with its SHA-256, by the document's 'destroyed' ledger entry; the documents row stays with status
 * 'destroyed', so every registry number ever issued is still accounted for.
 *
 * recordDestroyed writes the database side in one transaction once the objects are removed and the
 * tombstone is stored (each removed object is in disposed_objects already): the bookkeeping that expected them gone
 * (artefacts, replicas, fixity; fixity_cycle and replication_pending follow by trigger), the texts erased,
 * the tombstone as the document's one remaining artefact, the status, and the ledger entry.
 */
import { inTransaction, type Db, type Queryable, type Tx } from '../db';
import { sha256 as sha256Hex } from '../hash';
import { appendLedger, type LedgerEntry } from '../integrity/ledger';
import { appendArchived } from '../integrity/mmrStore';
import { documentPrefix } from '../layout';
import { finishIfDone } from './disposals';
import { registryNo, type RegistryRef } from '../../kernel/registry';

export const TOMBSTONE_FORMAT = 'diwan-tombstone/1';

/** One removed object: which bucket, its key, the plaintext fingerprint and the stored bytes' fingerprint. */
export interface RemovedFile {
  target: string;
  key: string;
  sha256: string;
  storedSha256: string | null;
  size: number | null;
}

export interface Tombstone {
  format: typeof TOMBSTONE_FORMAT;
  /** The document's id (as a manifest names it, so an audit bundle places the tombstone where its manifest was). */
  id: string;
  documentId: string;
  registryNo: string;
  register: string;
  year: number;
  seq: number;
  classification: string;
  /** The fingerprints its manifest gave (the checkpoints' ranges are over these). */
  sha256: { original: string; archivePdf: string | null };
  registeredAt: string;
  /**
   * The original file by its fingerprint, size and type only: its uploaded name (often a person's or a
   * case's) is content, and the tombstone is given to every auditor whatever their clearance.
   */
  original: { mime: string; ext: string; size: number; sha256: string };
  rule: { code: string | null; version: number | null; action: string | null };
  retentionDue: string | null;
  /** The disposal by its id and the approving body's decision (its title, free text, is not carried). */
  disposal: {
    id: string;
    requestedBy: string;
    approvingBody: string | null;
    decisionNo: string | null;
    decisionDate: string | null;
    decidedBy: string | null;
  };
  files: RemovedFile[];
  destroyedBy: string;
  destroyedAt: string;
}

export function tombstoneKey(ref: RegistryRef): string {
  return `${documentPrefix(ref)}tombstone.json`;
}

/** The tombstone's bytes as stored (stable JSON of the object) and their SHA-256. */
export function tombstoneBytes(t: Tombstone): { bytes: Buffer; sha256: string } {
  const bytes = Buffer.from(`${JSON.stringify(t, null, 2)}\n`, 'utf8');
  return { bytes, sha256: sha256Hex(bytes) };
}

interface DocRow {
  id: string;
  register: string;
  registry_year: number;
  registry_seq: number;
  classification: string;
  created_at: Date;
  original_mime: string;
  original_ext: string;
  original_size: string;
  original_sha256: string;
  retention_due: Date | null;
  code: string | null;
  version: number | null;
  action: string | null;
}

/** What a tombstone says of the document and its disposal, before the files are added. */
export async function tombstoneFor(
  db: Queryable,
  documentId: string,
  disposalId: string,
  by: string,
): Promise<Omit<Tombstone, 'files' | 'destroyedAt'>> {
  const d = (
    await db.query<DocRow>(
      `SELECT d.id, d.register, d.registry_year, d.registry_seq, d.classification, d.created_at,
         d.original_mime, d.original_ext, d.original_size, d.original_sha256, d.retention_due,
         r.code, r.version, r.action
       FROM documents d LEFT JOIN retention_rules r ON r.id = d.retention_rule_id WHERE d.id = $1`,
      [documentId],
    )
  ).rows[0]!;
  const p = (
    await db.query<{
      requested_by: string;
      approving_body: string | null;
      decision_no: string | null;
      decision_date: string | null;
      decided_by: string | null;
    }>(
      `SELECT requested_by, approving_body, decision_no, to_char(decision_date, 'YYYY-MM-DD') AS decision_date, decided_by
       FROM disposals WHERE id = $1`,
      [disposalId],
    )
  ).rows[0]!;
  const ref = { register: d.register, year: d.registry_year, seq: d.registry_seq };
  const pdf = await db.query<{ sha256: string }>(`SELECT sha256 FROM artefacts WHERE document_id = $1 AND kind = 'archive-pdf'`, [
    documentId,
  ]);
  return {
    format: TOMBSTONE_FORMAT,
    id: d.id,
    documentId: d.id,
    registryNo: registryNo(ref),
    register: d.register,
    year: d.registry_year,
    seq: d.registry_seq,
    classification: d.classification,
    sha256: { original: d.original_sha256, archivePdf: pdf.rows[0]?.sha256 ?? null },
    registeredAt: d.created_at.toISOString(),
    original: {
      mime: d.original_mime,
      ext: d.original_ext,
      size: Number(d.original_size),
      sha256: d.original_sha256,
    },
    rule: { code: d.code, version: d.version, action: d.action },
    retentionDue: d.retention_due ? d.retention_due.toISOString() : null,
    disposal: {
      id: disposalId,
      requestedBy: p.requested_by,
      approvingBody: p.approving_body,
      decisionNo: p.decision_no,
      decisionDate: p.decision_date,
      decidedBy: p.decided_by,
    },
    destroyedBy: by,
  };
}

/** The fingerprints of a document's objects as recorded, by `target\u0000key` (artefacts on primary, replicas offsite). */
export async function fingerprints(
  db: Queryable,
  documentId: string,
  targets: { primary: string; offsite: string },
): Promise<Map<string, RemovedFile>> {
  const out = new Map<string, RemovedFile>();
  const a = await db.query<{ key: string; sha256: string; stored_sha256: string | null; size: string }>(
    'SELECT key, sha256, stored_sha256, size FROM artefacts WHERE document_id = $1',
    [documentId],
  );
  for (const r of a.rows) {
    out.set(`${targets.primary}\u0000${r.key}`, {
      target: targets.primary,
      key: r.key,
      sha256: r.sha256,
      storedSha256: r.stored_sha256,
      size: Number(r.size),
    });
  }
  const sizes = new Map(a.rows.map((r) => [r.key, Number(r.size)]));
  const rep = await db.query<{ key: string; sha256: string; stored_sha256: string | null }>(
    'SELECT key, sha256, stored_sha256 FROM replicas WHERE document_id = $1 AND target = $2',
    [documentId, targets.offsite],
  );
  for (const r of rep.rows) {
    out.set(`${targets.offsite}\u0000${r.key}`, {
      target: targets.offsite,
      key: r.key,
      sha256: r.sha256,
      storedSha256: r.stored_sha256,
      size: sizes.get(r.key) ?? null,
    });
  }
  return out;
}

/** One object removed by a disposal, recorded as soon as it is gone (once per disposal, bucket and key). */
export async function recordRemoved(db: Queryable, disposalId: string, documentId: string, f: RemovedFile): Promise<void> {
  await db.query(
    `INSERT INTO disposed_objects (disposal_id, document_id, target, key, sha256, stored_sha256)
     SELECT $1, $2, $3, $4, $5, $6 WHERE NOT EXISTS
       (SELECT 1 FROM disposed_objects WHERE disposal_id = $1 AND document_id = $2 AND target = $3 AND key = $4)`,
    [disposalId, documentId, f.target, f.key, f.sha256, f.storedSha256],
  );
}

/**
 * Before a document's files go: its leaf in the checkpoints' range is made now, from its archive PDF's
 * fingerprint while the database still has it (the range is built lazily, at the next checkpoint).
 */
export async function ensureRangeLeaf(db: Db, documentId: string): Promise<void> {
  const has = await db.query('SELECT 1 FROM mmr_leaves WHERE document_id = $1', [documentId]);
  if (has.rows.length > 0) return;
  const archived = await db.query<{ seq: string }>(
    "SELECT min(seq) AS seq FROM ledger WHERE document_id = $1 AND event = 'archived'",
    [documentId],
  );
  if (archived.rows[0]?.seq) await appendArchived(db, Number(archived.rows[0].seq));
}

/** The database side of a destruction, in one transaction (see the file's comment). */
export async function recordDestroyed(
  db: Db,
  input: {
    tombstone: Tombstone;
    sha256: string;
    size: number;
    /** The tombstone's stored bytes' fingerprint in each bucket. */
    stored: { primary: string | null; offsite: string | null };
    offsiteName: string;
  },
): Promise<void> {
  const t = input.tombstone;
  const key = tombstoneKey(t);
  await inTransaction(db, async (tx) => {
    const row = await tx.query<{ destroyed_at: Date | null }>('SELECT destroyed_at FROM documents WHERE id = $1 FOR UPDATE', [
      t.documentId,
    ]);
    // Two runs of one request at once: the first to commit destroyed it; the other only marks its item.
    if (row.rows[0]?.destroyed_at) {
      await tx.query(
        `UPDATE disposal_items SET state = 'destroyed', blocked_reason = NULL WHERE disposal_id = $1 AND document_id = $2`,
        [t.disposal.id, t.documentId],
      );
      await finishIfDone(tx, t.disposal.id);
      return;
    }
    await tx.query('DELETE FROM fixity WHERE document_id = $1', [t.documentId]);
    await tx.query('DELETE FROM replicas WHERE document_id = $1', [t.documentId]);
    await tx.query('DELETE FROM artefacts WHERE document_id = $1', [t.documentId]);
    await tx.query('DELETE FROM fixity_cycle WHERE document_id = $1', [t.documentId]);
    await tx.query('DELETE FROM replication_pending WHERE document_id = $1', [t.documentId]);
    await tx.query(`UPDATE pages SET text = '', words = '[]'::jsonb WHERE document_id = $1`, [t.documentId]);
    await tx.query(`UPDATE documents SET status = 'destroyed', destroyed_at = $2, updated_at = now() WHERE id = $1`, [
      t.documentId,
      t.destroyedAt,
    ]);
    await tx.query('SELECT erase_destroyed_texts($1)', [t.documentId]);
    // The tombstone is what the document keeps in both buckets: fixity and the auditor's inventory see it.
    await tx.query(
      `INSERT INTO artefacts (document_id, kind, key, sha256, size, content_type, stored_sha256)
       VALUES ($1, 'tombstone', $2, $3, $4, 'application/json', $5)`,
      [t.documentId, key, input.sha256, input.size, input.stored.primary],
    );
    if (input.stored.offsite !== null) {
      await tx.query(
        `INSERT INTO replicas (document_id, target, key, sha256, verified_at, stored_sha256) VALUES ($1, $2, $3, $4, now(), $5)`,
        [t.documentId, input.offsiteName, key, input.sha256, input.stored.offsite],
      );
    }
    await tx.query(
      `UPDATE disposal_items SET state = 'destroyed', blocked_reason = NULL WHERE disposal_id = $1 AND document_id = $2`,
      [t.disposal.id, t.documentId],
    );
    await finishIfDone(tx, t.disposal.id);
    await appendLedger(tx, 'destroyed', t.documentId, { tombstone: t, sha256: input.sha256, size: input.size });
  });
}

/** The 'destroyed' entry of a document, when it was destroyed: its tombstone and the tombstone's SHA-256. */
export async function destroyedEntry(
  db: Queryable,
  documentId: string,
): Promise<{ tombstone: Tombstone; sha256: string; seq: number; at: string } | undefined> {
  const res = await db.query<{ seq: string; at: Date; payload: { tombstone: Tombstone; sha256: string } }>(
    `SELECT seq, at, payload FROM ledger WHERE document_id = $1 AND event = 'destroyed' ORDER BY seq DESC LIMIT 1`,
    [documentId],
  );
  const r = res.rows[0];
  if (!r) return undefined;
  return { tombstone: r.payload.tombstone, sha256: r.payload.sha256, seq: Number(r.seq), at: r.at.toISOString() };
}

/**
 * Restore puts a destroyed document ($1, its id; $2, the same as text) back into the holds and the requests
 * whose entries name it. Each is one probe of a partial index on the entries' documentIds (migration 33),
 * so the replay does not read the whole ledger once per destroyed document.
 */
export const LINK_HOLDS_SQL = `INSERT INTO legal_hold_documents (hold_id, document_id)
  SELECT h.id, $1::uuid FROM ledger l JOIN legal_holds h ON h.id = (l.payload->>'holdId')::uuid
  WHERE l.event = 'held' AND l.payload->'documentIds' ? $2::text ON CONFLICT DO NOTHING`;
export const LINK_DISPOSALS_SQL = `INSERT INTO disposal_items (disposal_id, document_id)
  SELECT p.id, $1::uuid FROM ledger l JOIN disposals p ON p.id = (l.payload->>'disposalId')::uuid
  WHERE l.event = 'disposal-requested' AND l.payload->'documentIds' ? $2::text ON CONFLICT DO NOTHING`;

/**
 * Restore: a destroyed document comes back as its tombstone, from its 'destroyed' entry (whose chain restore
 * has verified): the documents row with its number (so the registry never gives it again), status
 * 'destroyed', and the tombstone as its artefact; its disposal item is marked destroyed.
 */
export async function replayDestroyed(tx: Tx, e: LedgerEntry): Promise<boolean> {
  const t = (e.payload as { tombstone?: Tombstone }).tombstone;
  const sha256 = (e.payload as { sha256?: string }).sha256;
  if (!t || !e.documentId || typeof sha256 !== 'string') return false;
  // The entry's own bytes are not the tombstone's (the database orders a JSON object's keys its own way): its
  // recorded SHA-256 and size are what name the tombstone object.
  const size = typeof e.payload.size === 'number' ? e.payload.size : tombstoneBytes(t).bytes.length;
  const known = await tx.query<{ status: string }>('SELECT status FROM documents WHERE id = $1', [e.documentId]);
  if (known.rows.length === 0) {
    await tx.query(
      `INSERT INTO documents (id, registry_year, registry_seq, register, classification, original_name,
         original_mime, original_ext, original_size, original_sha256, status, created_at, destroyed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'destroyed', $11, $12)`,
      [
        t.documentId,
        t.year,
        t.seq,
        t.register,
        t.classification,
        null,
        t.original.mime,
        t.original.ext,
        t.original.size,
        t.original.sha256,
        t.registeredAt,
        t.destroyedAt,
      ],
    );
  } else if (known.rows[0]!.status !== 'destroyed') {
    await tx.query(`UPDATE documents SET status = 'destroyed', destroyed_at = $2 WHERE id = $1`, [t.documentId, t.destroyedAt]);
  }
  await tx.query(
    `INSERT INTO registry_sequences (register, year, last_seq) VALUES ($1, $2, $3)
     ON CONFLICT (register, year) DO UPDATE SET last_seq = GREATEST(registry_sequences.last_seq, EXCLUDED.last_seq)`,
    [t.register, t.year, t.seq],
  );
  await tx.query(
    `INSERT INTO artefacts (document_id, kind, key, sha256, size, content_type) VALUES ($1, 'tombstone', $2, $3, $4, 'application/json')
     ON CONFLICT DO NOTHING`,
    [t.documentId, tombstoneKey(t), sha256, size],
  );
  // Holds and requests replayed before its row came back name it in their entries: their links are put back now.
  await tx.query(LINK_HOLDS_SQL, [t.documentId, t.documentId]);
  await tx.query(LINK_DISPOSALS_SQL, [t.documentId, t.documentId]);
  await tx.query(
    `INSERT INTO disposal_items (disposal_id, document_id, state) SELECT $1, $2, 'destroyed' WHERE EXISTS (SELECT 1 FROM disposals WHERE id = $1)
     ON CONFLICT (disposal_id, document_id) DO UPDATE SET state = 'destroyed', blocked_reason = NULL`,
    [t.disposal.id, t.documentId],
  );
  await finishIfDone(tx, t.disposal.id);
  return true;
}
