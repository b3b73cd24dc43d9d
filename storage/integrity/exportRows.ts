/**
 * What an audit export reads, a page at a time, so that exporting the whole
 * archive takes memory for one page of rows whatever the archive's size.
 */
import type { Queryable } from '../db';

/** The ledger's newest entry's sequence number (0 when empty). */
export async function ledgerHead(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ head: string | null }>('SELECT max(seq) AS head FROM ledger');
  return Number(rows[0]?.head ?? 0);
}

export interface ArchivedManifest {
  documentId: string;
  register: string;
  year: number;
  seq: number;
  key: string;
  sha256: string;
}

/**
 * The next `limit` documents in registry order after `after` whose 'archived' ledger entry is at or
 * before `upToSeq`, each with its stored manifest's key and fingerprint (a lawfully destroyed document's
 * tombstone in its place, so every number ever archived is accounted for).
 */
export async function archivedManifestsPage(
  db: Queryable,
  upToSeq: number,
  after: { year: number; seq: number; register?: string } | undefined,
  limit: number,
): Promise<ArchivedManifest[]> {
  // In the registry key's order (register, year, number); a cursor without a register is the incoming book's.
  const { rows } = await db.query<{
    id: string;
    register: string;
    registry_year: number;
    registry_seq: number;
    key: string;
    sha256: string;
  }>(
    `SELECT d.id, d.register, d.registry_year, d.registry_seq, a.key, a.sha256
       FROM documents d JOIN artefacts a ON a.document_id = d.id AND a.kind IN ('manifest', 'tombstone')
      WHERE (d.register, d.registry_year, d.registry_seq) > ($5, $2, $3)
        AND EXISTS (SELECT 1 FROM ledger l WHERE l.document_id = d.id AND l.event = 'archived' AND l.seq <= $1)
      ORDER BY d.register, d.registry_year, d.registry_seq
      LIMIT $4`,
    [upToSeq, after?.year ?? 0, after?.seq ?? 0, limit, after ? (after.register ?? 'incoming') : ''],
  );
  return rows.map((r) => ({
    documentId: r.id,
    register: r.register,
    year: r.registry_year,
    seq: r.registry_seq,
    key: r.key,
    sha256: r.sha256,
  }));
}
