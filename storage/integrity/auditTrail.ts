/**
 * The auditor's trail in the offsite bucket: with each checkpoint, files under `audit/` (kept in the clear)
 * that someone holding only read-only keys to that bucket and the public key checks with standard tools
 * (docs/audit.md):
 *   audit/checkpoints/<n>.json    the exact bytes signed (the checkpoint's body, canonical JSON)
 *   audit/checkpoints/<n>.sig     the raw Ed25519 signature of those bytes (openssl pkeyutl -verify -rawin)
 *   audit/inventory/<n>.sha256    "<sha256 as stored>  <key>" for every object added to the offsite bucket
 *                                 since checkpoint n-1 (sha256sum -c reads it as it is)
 *   audit/removed/<n>.txt         the keys lawfully removed from it since (disposals), one a line
 * The body names both files' SHA-256 and line counts and the SHA-256 of checkpoint n-1's body, so the
 * chain of checkpoints is followed with sha256sum alone. Each checkpoint lists only what is new: cursors
 * kept in diwan_state (replicas.seq, disposed_objects.seq, the last ledger segment and checkpoint object
 * listed), never the whole archive (the first one lists what was there before it).
 */
import { sha256 } from '../hash';
import type { Queryable } from '../db';
import type { ObjectStore } from '../objectStore';
import { readState, writeState } from '../state';

const STATE_KEY = 'audit-trail';
/** Advisory lock held (in the checkpoint's transaction) while a checkpoint's audit files are made. */
export const AUDIT_LOCK = 0x61756474; // "audt"
const AUDIT_PREFIX = 'audit/';

/** What the signed body says of the audit files (part of a checkpoint body from this version on). */
export interface AuditFields {
  /** The checkpoint's number in the audit trail (1, 2, ...; the files' names). */
  auditSeq: number;
  /** SHA-256 of checkpoint auditSeq-1's body as stored at audit/checkpoints/; '' for the first. */
  auditPrevious: string;
  inventorySha256: string;
  inventoryLines: number;
  removedSha256: string;
  removedLines: number;
}

interface Cursor {
  /** The last number used (signed, or written by an attempt that did not finish). */
  n: number;
  /** SHA-256 of that checkpoint's body bytes. */
  bodySha256: string;
  replicaSeq: number;
  disposedSeq: number;
  /** The greatest ledger segment and checkpoint object keys listed so far. */
  ledgerKey: string;
  checkpointKey: string;
}

/** At most this many replicas a checkpoint lists (the first after an upgrade spreads the archive over several). */
const REPLICAS_PER_CHECKPOINT = 10_000;
/**
 * At most this many objects a checkpoint reads back from the offsite bucket to hash (replicas recorded before
 * their stored hash was, ledger segments, checkpoint objects): the reads run inside the checkpoint's
 * transaction, so after an upgrade the backlog is spread over the next checkpoints, each cursor stopping
 * before what was not read.
 */
const BUCKET_READS_PER_CHECKPOINT = 300;

const START: Cursor = { n: 0, bodySha256: '', replicaSeq: 0, disposedSeq: 0, ledgerKey: '', checkpointKey: '' };

const NOT_FOUND = new Set(['NotFound', 'NoSuchKey']);

const pad = (n: number) => String(n).padStart(12, '0');
export const auditKeys = (n: number) => ({
  body: `${AUDIT_PREFIX}checkpoints/${pad(n)}.json`,
  signature: `${AUDIT_PREFIX}checkpoints/${pad(n)}.sig`,
  inventory: `${AUDIT_PREFIX}inventory/${pad(n)}.sha256`,
  removed: `${AUDIT_PREFIX}removed/${pad(n)}.txt`,
});

/** The files of one checkpoint, ready to sign and write. */
export interface AuditDraft {
  fields: AuditFields;
  inventory: Buffer;
  removed: Buffer;
  next: Cursor;
}

/** A key as a line of sha256sum's check list (a key with a newline or backslash would be escaped by it; none is made). */
function line(sha: string, key: string): string {
  if (/[\n\\]/.test(key)) throw new Error(`an object key sha256sum cannot list plainly: ${JSON.stringify(key)}`);
  return `${sha}  ${key}\n`;
}

/** At most `limit` keys under `prefix` in `store` after `after`, in order (the listing starts after it). */
async function keysAfter(store: ObjectStore, prefix: string, after: string, limit: number): Promise<string[]> {
  if (limit <= 0) return [];
  return (await store.list(prefix, after || undefined, limit)).filter((k) => k > after).sort();
}

/**
 * A checkpoint left signed but not recorded (a crash between writing its body and committing): it stays in
 * the chain (its body is signed and cannot be removed), and what it listed is listed again by the next.
 * Both buckets are made to hold its files.
 */
async function adoptUnfinished(stores: ObjectStore[], n: number): Promise<string | undefined> {
  const keys = auditKeys(n);
  const holder = await firstHolding(stores, keys.body);
  if (!holder) return undefined;
  for (const key of [keys.inventory, keys.removed, keys.signature, keys.body]) {
    const from = await firstHolding(stores, key);
    if (!from) continue;
    const bytes = await from.getBuffer(key);
    for (const s of stores) if (s !== from && !(await s.stat(key))) await s.putBufferOnce(key, bytes, contentType(key));
  }
  return sha256(await holder.getBuffer(keys.body));
}

async function firstHolding(stores: ObjectStore[], key: string): Promise<ObjectStore | undefined> {
  for (const s of stores) if (await s.stat(key)) return s;
  return undefined;
}

function contentType(key: string): string {
  if (key.endsWith('.json')) return 'application/json';
  if (key.endsWith('.sig')) return 'application/octet-stream';
  return 'text/plain; charset=utf-8';
}

/** The advisory lock replicas' seq numbers are taken under (migration 32), shared by writers. */
const REPLICA_SEQ_LOCK = 1919250540;

/**
 * How far replicas.seq is committed: taken under the writers' lock exclusively for a moment, so no
 * transaction still open holds a number at or below it. Needs one connection (the caller's transaction).
 */
async function committedReplicaSeq(db: Queryable): Promise<number> {
  await db.query('SELECT pg_advisory_lock($1)', [REPLICA_SEQ_LOCK]);
  try {
    const r = await db.query<{ m: string }>('SELECT coalesce(max(seq), 0) AS m FROM replicas');
    return Number(r.rows[0]!.m);
  } finally {
    await db.query('SELECT pg_advisory_unlock($1)', [REPLICA_SEQ_LOCK]);
  }
}

/**
 * The next checkpoint's audit files, from the cursor (call under AUDIT_LOCK). Replicas recorded with the
 * hash of their stored bytes are listed from the database; the rest (older rows, ledger segments,
 * checkpoint objects) are read once from the offsite bucket and hashed.
 */
export async function draftAudit(
  db: Queryable,
  stores: ObjectStore[],
  offsite: ObjectStore,
  reads = BUCKET_READS_PER_CHECKPOINT,
): Promise<AuditDraft> {
  const cur: Cursor = { ...START, ...((await readState<Cursor>(db, STATE_KEY)) ?? {}) };
  let n = cur.n + 1;
  let previous = cur.bodySha256;
  // Numbers whose body an unfinished attempt left: chained; numbers it left without a body: skipped.
  for (;;) {
    const adopted = await adoptUnfinished(stores, n);
    if (adopted) previous = adopted;
    else if (!(await firstHolding(stores, auditKeys(n).inventory)) && !(await firstHolding(stores, auditKeys(n).removed))) break;
    n++;
  }
  const stored = async (key: string) => (await offsite.hash(key)).stored.sha256;
  // A copy the database says is there but the bucket lacks is listed with its recorded hash: the check fails on it.
  const storedOr = (key: string, recorded: string) =>
    stored(key).catch((e: unknown) => {
      if (NOT_FOUND.has((e as { code?: string })?.code ?? '')) return recorded;
      throw e;
    });
  let inventory = '';
  let lines = 0;
  const bound = await committedReplicaSeq(db);
  const replicas = await db.query<{ seq: string; key: string; sha256: string; stored_sha256: string | null }>(
    'SELECT seq, key, sha256, stored_sha256 FROM replicas WHERE target = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4',
    [offsite.name, cur.replicaSeq, bound, REPLICAS_PER_CHECKPOINT],
  );
  let replicaSeq = cur.replicaSeq;
  let budget = reads;
  for (const r of replicas.rows) {
    if (r.stored_sha256 === null && budget <= 0) break;
    if (r.stored_sha256 === null) budget--;
    inventory += line(r.stored_sha256 ?? (await storedOr(r.key, r.sha256)), r.key);
    lines++;
    replicaSeq = Number(r.seq);
  }
  const segments = await keysAfter(offsite, 'ledger/', cur.ledgerKey, budget);
  budget -= segments.length;
  for (const key of segments) {
    inventory += line(await stored(key), key);
    lines++;
  }
  const checkpoints = await keysAfter(offsite, 'checkpoints/', cur.checkpointKey, budget);
  for (const key of checkpoints) {
    inventory += line(await stored(key), key);
    lines++;
  }
  const gone = await db.query<{ seq: string; key: string }>(
    'SELECT seq, key FROM disposed_objects WHERE target = $1 AND seq > $2 ORDER BY seq',
    [offsite.name, cur.disposedSeq],
  );
  const removed = gone.rows.map((r) => `${r.key}\n`).join('');
  const inventoryBytes = Buffer.from(inventory);
  const removedBytes = Buffer.from(removed);
  return {
    fields: {
      auditSeq: n,
      auditPrevious: previous,
      inventorySha256: sha256(inventoryBytes),
      inventoryLines: lines,
      removedSha256: sha256(removedBytes),
      removedLines: gone.rows.length,
    },
    inventory: inventoryBytes,
    removed: removedBytes,
    next: {
      n,
      bodySha256: '',
      replicaSeq,
      disposedSeq: gone.rows.length ? Number(gone.rows.at(-1)!.seq) : cur.disposedSeq,
      ledgerKey: segments.at(-1) ?? cur.ledgerKey,
      checkpointKey: checkpoints.at(-1) ?? cur.checkpointKey,
    },
  };
}

/**
 * Writes a drafted checkpoint's audit files to every store, the body last (a body found means its files
 * are there), and records the cursor (in the checkpoint's transaction, with its row).
 */
export async function writeAudit(
  db: Queryable,
  stores: ObjectStore[],
  draft: AuditDraft,
  body: Buffer,
  signature: Buffer,
): Promise<void> {
  const keys = auditKeys(draft.fields.auditSeq);
  const files: Array<[string, Buffer]> = [
    [keys.inventory, draft.inventory],
    [keys.removed, draft.removed],
    [keys.signature, signature],
    [keys.body, body],
  ];
  for (const [key, bytes] of files) for (const store of stores) await store.putBufferOnce(key, bytes, contentType(key));
  await writeState(db, STATE_KEY, { ...draft.next, bodySha256: sha256(body) });
}
