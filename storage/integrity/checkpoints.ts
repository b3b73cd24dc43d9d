/**
 * Ledger checkpoints: now and then (and on demand) the head of the ledger is
 * signed with an Ed25519 key kept outside the database, together with the
 * root of a Merkle mountain range over every archived document's fingerprint
 * leaf, so that someone who holds only the public key can tell a rewritten
 * history from the real one, and be shown that one document is in it
 * (documentProof). Each checkpoint is kept in PostgreSQL and written,
 * write-once, to both buckets, so it outlives a lost database.
 *
 * Format /2 (now): the range (mmr.ts, kept by mmrStore.ts) grows by the
 * documents archived since the last checkpoint, in the order of their
 * 'archived' ledger entries; a checkpoint costs those, not the archive.
 * Format /1 (before migration 21): a Merkle tree rebuilt over every archived
 * document in registry order (merkleRoot). Both keep verifying: their
 * signatures and ledger entries here, their roots in the offline verifier.
 * From the auditor's trail on (auditTrail.ts), a /2 body also names that checkpoint's audit files in the
 * offsite bucket (AuditFields: its number, the previous body's SHA-256, the inventory's and the removal
 * list's SHA-256 and line counts); the signature covers them as it covers every field, so earlier bodies
 * and verifiers are unchanged.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DomainError } from '../../kernel/errors';
import { inTransaction, type Db, type Queryable } from '../db';
import { readState, writeState } from '../state';
import { exportStoredHead } from './ledgerExport';
import { canonicalJson, sha256 } from '../hash';
import type { ObjectStore } from '../objectStore';
import { appendArchived, documentLeaf, leafCount, rootAt } from './mmrStore';
import { AUDIT_LOCK, draftAudit, writeAudit, type AuditFields } from './auditTrail';

interface CheckpointBodyCommon {
  /** The ledger entry signed: its sequence number and hash. */
  ledgerSeq: number;
  entryHash: string;
  /** /1: the Merkle root over the archived documents' leaves in registry order; /2: the Merkle mountain range's root (mmr.ts). */
  merkleRoot: string;
  /** The documents archived by ledgerSeq that the root covers (in /2, mmrSize). */
  documents: number;
  at: string;
  keyId: string;
}

/** A checkpoint signed before migration 21: the whole tree rebuilt each time. */
export interface CheckpointBodyV1 extends CheckpointBodyCommon {
  format: 'diwan-checkpoint/1';
}

/** A checkpoint over the Merkle mountain range (with the audit trail's fields from that version on). */
export interface CheckpointBodyV2 extends CheckpointBodyCommon, Partial<AuditFields> {
  format: 'diwan-checkpoint/2';
  /** The range's size in leaves: the first mmrSize documents in the order of their 'archived' ledger entries. */
  mmrSize: number;
}

export type CheckpointBody = CheckpointBodyV1 | CheckpointBodyV2;

export interface Checkpoint {
  body: CheckpointBody;
  /** Ed25519 signature of canonicalJson(body), base64. */
  signature: string;
  objectKey: string;
}

export interface SigningKey {
  privateKey: crypto.KeyObject;
  publicKeyPem: string;
  /** First 16 hex characters of the SHA-256 of the public key (DER). */
  keyId: string;
}

/** The signing key from `file` (PKCS#8 PEM); see prepareSigningKey for when one is made. */
export function loadSigningKey(file: string): SigningKey {
  if (!fs.existsSync(file)) throw new Error(`the checkpoint signing key is missing: ${file}`);
  const privateKey = crypto.createPrivateKey(fs.readFileSync(file));
  const publicKey = crypto.createPublicKey(privateKey);
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return {
    privateKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: sha256(der).slice(0, 16),
  };
}

/**
 * Makes sure the signing key is there before anything starts: a new one (mode
 * 0600) only on a truly first start, when no checkpoint has ever been signed,
 * neither in the database nor in either bucket (a database restored or still to
 * be restored does not count as new). Returns 'present', 'made', or 'missing'
 * with the id of the key that signed the latest checkpoint, when known.
 */
export async function prepareSigningKey(
  deps: { db: Db; primary: ObjectStore; offsite: ObjectStore },
  file: string,
): Promise<{ state: 'present' | 'made' } | { state: 'missing'; keyId: string | null }> {
  if (fs.existsSync(file)) return { state: 'present' };
  const signed = await deps.db.query<{ key_id: string }>('SELECT key_id FROM checkpoints ORDER BY id DESC LIMIT 1');
  if (signed.rows[0]) return { state: 'missing', keyId: signed.rows[0].key_id };
  if ((await deps.primary.list('checkpoints/')).length > 0) return { state: 'missing', keyId: null };
  // An offsite copy that is away cannot say; the database and the primary bucket have spoken.
  if ((await deps.offsite.list('checkpoints/').catch(() => [])).length > 0) return { state: 'missing', keyId: null };
  const { privateKey } = crypto.generateKeyPairSync('ed25519');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    fs.writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  } catch (e) {
    // Another process made it first: theirs is the key.
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  return { state: 'made' };
}

/** A document's leaf: the hash of its registry number and its two fingerprints. */
export const leaf = documentLeaf;

/** The /1 Merkle root of hex leaves: pairs hashed as sha256(left + right), the last of an odd level carried up; no leaves: sha256(''). */
export function merkleRoot(leaves: string[]): string {
  if (leaves.length === 0) return sha256('');
  let level = leaves;
  while (level.length > 1) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? sha256(level[i]! + level[i + 1]!) : level[i]!);
    level = next;
  }
  return level[0]!;
}

export function verifyCheckpointSignature(c: Pick<Checkpoint, 'body' | 'signature'>, publicKeyPem: string): boolean {
  return crypto.verify(
    null,
    Buffer.from(canonicalJson(c.body)),
    crypto.createPublicKey(publicKeyPem),
    Buffer.from(c.signature, 'base64'),
  );
}

/**
 * Signs the ledger's head now, keeps the checkpoint, and writes it to both buckets.
 * The head signed is the last entry stored as a ledger segment in both buckets
 * (the segments are exported first); when that cannot be made so, nothing is signed.
 */
export async function makeCheckpoint(
  deps: { db: Db; primary: ObjectStore; offsite: ObjectStore },
  key: SigningKey,
): Promise<Checkpoint> {
  const stores = [deps.primary, deps.offsite];
  const head = await exportStoredHead(deps.db, stores).catch((e: unknown) => {
    throw new DomainError('storage_unavailable', {
      ar: '(تعذّر حفظ مقاطع السجل في الحاويتين، فلم تُوقَّع نقطة تحقق؛ يُعاد التصدير تلقائيًا)',
      en: `(the ledger's segments could not be stored in both buckets, so no checkpoint was signed; the export is retried by itself: ${String((e as Error)?.message ?? e)})`,
    });
  });
  // The documents archived since the last checkpoint join the range; the root is read from its peaks.
  const size = await appendArchived(deps.db, head.seq);
  const root = await rootAt(deps.db, size);
  // One checkpoint at a time from here: its audit files follow the previous one's and share its cursor.
  return inTransaction(deps.db, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK]);
    const audit = await draftAudit(tx, stores, deps.offsite);
    const body: CheckpointBodyV2 = {
      format: 'diwan-checkpoint/2',
      ledgerSeq: head.seq,
      entryHash: head.entryHash,
      merkleRoot: root,
      mmrSize: size,
      documents: size,
      at: new Date().toISOString(),
      keyId: key.keyId,
      ...audit.fields,
    };
    const signed = Buffer.from(canonicalJson(body));
    const raw = crypto.sign(null, signed, key.privateKey);
    const signature = raw.toString('base64');
    await writeAudit(tx, stores, audit, signed, raw);
    const objectKey = `checkpoints/${String(body.ledgerSeq).padStart(12, '0')}-${body.at.replace(/[:.]/g, '')}.json`;
    const bytes = Buffer.from(canonicalJson({ body, signature, publicKey: key.publicKeyPem }));
    for (const store of stores) await store.putBufferOnce(objectKey, bytes, 'application/json');
    await tx.query('INSERT INTO checkpoints (body, signature, key_id, ledger_seq, object_key) VALUES ($1, $2, $3, $4, $5)', [
      JSON.stringify(body),
      signature,
      key.keyId,
      body.ledgerSeq,
      objectKey,
    ]);
    return { body, signature, objectKey };
  });
}

type CheckpointRow = { id: string; body: CheckpointBody; signature: string; object_key: string };
const toCheckpoint = (r: CheckpointRow) => ({ id: Number(r.id), body: r.body, signature: r.signature, objectKey: r.object_key });

export async function listCheckpoints(db: Queryable): Promise<Array<Checkpoint & { id: number }>> {
  const res = await db.query<CheckpointRow>('SELECT id, body, signature, object_key FROM checkpoints ORDER BY id');
  return res.rows.map(toCheckpoint);
}

/** The newest checkpoint (null before the first). */
export async function latestCheckpoint(db: Queryable): Promise<(Checkpoint & { id: number }) | null> {
  const res = await db.query<CheckpointRow>('SELECT id, body, signature, object_key FROM checkpoints ORDER BY id DESC LIMIT 1');
  return res.rows[0] ? toCheckpoint(res.rows[0]) : null;
}

/** The newest checkpoint a check found whole with all those before it (diwan_state): the next quick check starts there. */
export const CHECKPOINTS_VERIFIED_KEY = 'checkpoints-verified';

/**
 * Checkpoints checked with the public key: each one's signature, the ledger entry it names still holding the
 * hash it signed, and (/2) the range's root at its size still the one it signed, once the range has grown that
 * far (after a restore it is rebuilt by the next checkpoint). Returns the id of the first that fails, or null.
 *
 * A quick check (an audit page, the report) takes the checkpoints made since the last check found them all
 * whole, and the last one it found whole again, so its cost is what is new, not the archive's history. `all`
 * (the scheduled deep check, `diwan audit verify-ledger --deep` or `--full`) takes every checkpoint: a row or a
 * range node rewritten since is found there, as the ledger's deep check finds a rewritten entry. A failure
 * forgets the mark, so the next quick check takes them all again.
 */
export async function verifyCheckpoints(
  db: Db,
  publicKeyPem: string,
  opts: { all?: boolean } = {},
): Promise<{ checkpoints: number; badCheckpoint: number | null; checkpointsChecked: number }> {
  const mark = opts.all ? undefined : await readState<{ id: number } | null>(db, CHECKPOINTS_VERIFIED_KEY);
  const from = mark?.id ?? 0;
  const total = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM checkpoints');
  const checkpoints = total.rows[0]!.n;
  const res = await db.query<CheckpointRow>(
    'SELECT id, body, signature, object_key FROM checkpoints WHERE id >= $1 ORDER BY id',
    [from],
  );
  const leaves = await leafCount(db);
  let last = from;
  for (const [i, c] of res.rows.map(toCheckpoint).entries()) {
    if (!(await checkpointHolds(db, c, publicKeyPem, leaves))) {
      await writeState(db, CHECKPOINTS_VERIFIED_KEY, null);
      return { checkpoints, badCheckpoint: c.id, checkpointsChecked: i + 1 };
    }
    last = c.id;
  }
  await writeState(db, CHECKPOINTS_VERIFIED_KEY, { id: last });
  return { checkpoints, badCheckpoint: null, checkpointsChecked: res.rows.length };
}

async function checkpointHolds(db: Queryable, c: Checkpoint, publicKeyPem: string, leaves: number): Promise<boolean> {
  if (!verifyCheckpointSignature(c, publicKeyPem)) return false;
  if (c.body.ledgerSeq > 0) {
    const e = await db.query<{ entry_hash: string }>('SELECT entry_hash FROM ledger WHERE seq = $1', [c.body.ledgerSeq]);
    if (e.rows[0]?.entry_hash !== c.body.entryHash) return false;
  }
  if (c.body.format === 'diwan-checkpoint/2' && c.body.mmrSize <= leaves) {
    if ((await rootAt(db, c.body.mmrSize)) !== c.body.merkleRoot) return false;
  }
  return true;
}
