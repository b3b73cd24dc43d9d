/**
 * The checkpoints' Merkle mountain range (mmr.ts) kept in PostgreSQL
 * (migration 21): `mmr_leaves`, one per archived document, and `mmr_nodes`,
 * every node by position, each written once.
 *
 * The leaves are the documents in the order of their first 'archived' ledger
 * entry. That order is fixed once given (the ledger only grows), needs nothing
 * on the path that archives a document, and is the one an auditor reads from an
 * exported ledger and a restore rebuilds from a restored one, so old
 * checkpoints keep their roots. A document's leaf is documentLeaf() of its registry
 * number and fingerprints. An 'archived' entry whose document is not in the
 * database (a restore that lacked its manifest) gives no leaf.
 *
 * appendArchived() adds the leaves of the 'archived' entries up to a ledger
 * entry, a batch per transaction under one lock (the nodes, the leaves and
 * how far the ledger was read commit together, so a crash between batches
 * loses nothing and repeats nothing): O(new leaves x log n), never O(archive),
 * except the first time over an archive that predates the range.
 */
import { registryNo } from '../../kernel/registry';
import { requestJob, type Job } from '../jobs';
import { inTransaction, type Db, type Queryable } from '../db';
import { readState, writeState } from '../state';
import { canonicalJson, sha256 } from '../hash';
import { appendLeaves, bagPeaks, consistencyPositions, mountains, pathPositions, type ConsistencyProof } from './mmr';

const MMR_LOCK = 0x6d6d7261; // "mmra"
/** The ledger entry up to which 'archived' entries have been made leaves. */
const STATE_KEY = 'mmr-appended-seq';
const BATCH = 1000;

/** A document's leaf: the hash of its registry number and its two fingerprints (as in /1 checkpoints). */
export function documentLeaf(d: { registryNo: string; original: string; archivePdf: string | null }): string {
  return sha256(canonicalJson(d));
}

/** How many leaves the range holds. */
export async function leafCount(q: Queryable): Promise<number> {
  const { rows } = await q.query<{ n: string }>('SELECT coalesce(max(leaf_index) + 1, 0) AS n FROM mmr_leaves');
  return Number(rows[0]!.n);
}

/** The hashes of the nodes at `positions`, in that order; throws when one is missing. */
export async function nodeHashes(q: Queryable, positions: number[]): Promise<string[]> {
  if (positions.length === 0) return [];
  const { rows } = await q.query<{ pos: string; hash: string }>('SELECT pos, hash FROM mmr_nodes WHERE pos = ANY($1::bigint[])', [
    positions,
  ]);
  const byPos = new Map(rows.map((r) => [Number(r.pos), r.hash]));
  return positions.map((p) => {
    const h = byPos.get(p);
    if (h === undefined) throw new Error(`the checkpoints' Merkle range has no node ${p}`);
    return h;
  });
}

/** The peaks of the range as it was at `leaves` leaves (every earlier size's peaks are kept nodes). */
export function peaksAt(q: Queryable, leaves: number): Promise<string[]> {
  return nodeHashes(
    q,
    mountains(leaves).map((m) => m.pos),
  );
}

/** The root of the range as it was at `leaves` leaves. */
export async function rootAt(q: Queryable, leaves: number): Promise<string> {
  return bagPeaks(await peaksAt(q, leaves));
}

/** How many leaves the range had once every 'archived' entry up to ledger entry `seq` was added. */
export async function leavesUpTo(q: Queryable, seq: number): Promise<number> {
  const { rows } = await q.query<{ leaf_index: string }>(
    'SELECT leaf_index FROM mmr_leaves WHERE ledger_seq <= $1 ORDER BY ledger_seq DESC LIMIT 1',
    [seq],
  );
  return rows[0] ? Number(rows[0].leaf_index) + 1 : 0;
}

interface ArchivedRow {
  seq: string;
  document_id: string;
  register: string;
  registry_year: number;
  registry_seq: number;
  original_sha256: string;
  archive: string | null;
}

/** One batch: the next 'archived' entries after the cursor, made leaves. Returns false when there was nothing to read. */
async function appendBatch(db: Db, upToSeq: number): Promise<boolean> {
  return inTransaction(db, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MMR_LOCK]);
    const after = Number((await readState<number>(tx, STATE_KEY)) ?? 0);
    if (after >= upToSeq) return false;
    const { rows } = await tx.query<ArchivedRow>(
      `SELECT l.seq, l.document_id, d.register, d.registry_year, d.registry_seq, d.original_sha256,
              (SELECT a.sha256 FROM artefacts a WHERE a.document_id = d.id AND a.kind = 'archive-pdf' LIMIT 1) AS archive
         FROM ledger l JOIN documents d ON d.id = l.document_id
        WHERE l.event = 'archived' AND l.seq > $1 AND l.seq <= $2
          AND NOT EXISTS (SELECT 1 FROM mmr_leaves m WHERE m.document_id = l.document_id)
        ORDER BY l.seq
        LIMIT $3`,
      [after, upToSeq, BATCH],
    );
    // A document archived twice over (never, but the ledger would allow it) keeps its first place.
    const seen = new Set<string>();
    const fresh: ArchivedRow[] = [];
    for (const r of rows) {
      if (seen.has(r.document_id)) continue;
      seen.add(r.document_id);
      fresh.push(r);
    }
    if (fresh.length > 0) {
      const n = await leafCount(tx);
      const hashes = fresh.map((r) =>
        documentLeaf({
          registryNo: registryNo({ register: r.register, year: r.registry_year, seq: r.registry_seq }),
          original: r.original_sha256,
          archivePdf: r.archive,
        }),
      );
      const added = appendLeaves(n, await peaksAt(tx, n), hashes);
      await tx.query('INSERT INTO mmr_nodes (pos, hash) SELECT * FROM unnest($1::bigint[], $2::text[])', [
        added.nodes.map((x) => x.pos),
        added.nodes.map((x) => x.hash),
      ]);
      await tx.query(
        `INSERT INTO mmr_leaves (leaf_index, document_id, ledger_seq, leaf)
         SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::bigint[], $4::text[])`,
        [fresh.map((_, i) => n + i), fresh.map((r) => r.document_id), fresh.map((r) => r.seq), hashes],
      );
    }
    // A short batch read everything up to upToSeq; a full one, up to its last entry.
    await writeState(tx, STATE_KEY, rows.length < BATCH ? upToSeq : Number(rows.at(-1)!.seq));
    return true;
  });
}

/**
 * Makes leaves of every 'archived' entry up to ledger entry `upToSeq` not yet
 * made one, and returns how many leaves the range had at `upToSeq`.
 */
export async function appendArchived(
  db: Db,
  upToSeq: number,
  onProgress?: (done: number, total: number) => void,
): Promise<number> {
  const total = onProgress ? await pendingArchived(db) : 0;
  let done = 0;
  while (await appendBatch(db, upToSeq)) onProgress?.((done = Math.min(total, done + BATCH)), total);
  return leavesUpTo(db, upToSeq);
}

/**
 * Leaves a request may add on its own before signing (about a second of work); past this many (an archive
 * upgraded to the range, a restore), the range is built by a job first.
 */
export const RANGE_BUILT_IN_REQUEST = 10_000;

/**
 * When more archived documents are missing from the range than a request may add, the job that builds it
 * (asked for, or the one already open); undefined when a request may build what is missing itself.
 */
export async function rangeJobNeeded(db: Db, requestedBy: string): Promise<Job | undefined> {
  if ((await pendingArchived(db)) <= RANGE_BUILT_IN_REQUEST) return undefined;
  return (await requestJob(db, 'checkpoint-range', {}, requestedBy)).job;
}

/** 'archived' ledger entries not yet made leaves (read through the partial index on them: what is pending only). */
export async function pendingArchived(q: Queryable): Promise<number> {
  const after = Number((await readState<number>(q, STATE_KEY)) ?? 0);
  const { rows } = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger WHERE event = 'archived' AND seq > $1`, [
    after,
  ]);
  return rows[0]?.n ?? 0;
}

/** A document's place in the range: its leaf, and the ledger entry that archived it. */
export async function leafOf(
  q: Queryable,
  documentId: string,
): Promise<{ leafIndex: number; leaf: string; ledgerSeq: number } | undefined> {
  const { rows } = await q.query<{ leaf_index: string; leaf: string; ledger_seq: string }>(
    'SELECT leaf_index, leaf, ledger_seq FROM mmr_leaves WHERE document_id = $1',
    [documentId],
  );
  const r = rows[0];
  return r ? { leafIndex: Number(r.leaf_index), leaf: r.leaf, ledgerSeq: Number(r.ledger_seq) } : undefined;
}

/** The sibling hashes from leaf `leafIndex` up to its peak, and every peak, in the range at `leaves` leaves. */
export async function inclusionPath(
  q: Queryable,
  leafIndex: number,
  leaves: number,
): Promise<{ path: string[]; peaks: string[] }> {
  const { siblings } = pathPositions(leafIndex, 0, leaves);
  return { path: await nodeHashes(q, siblings), peaks: await peaksAt(q, leaves) };
}

/** That the range at `older` leaves is a prefix of the range at `newer` leaves (mmr.ts verifyConsistency). */
export async function consistencyProof(q: Queryable, older: number, newer: number): Promise<ConsistencyProof> {
  const pos = consistencyPositions(older, newer);
  const flat = await nodeHashes(q, [...pos.olderPeaks, ...pos.paths.flat()]);
  let at = pos.olderPeaks.length;
  return {
    older,
    newer,
    olderPeaks: flat.slice(0, pos.olderPeaks.length),
    paths: pos.paths.map((p) => flat.slice(at, (at += p.length))),
    newerPeaks: await peaksAt(q, newer),
  };
}
