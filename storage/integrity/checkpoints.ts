/**
 * Ledger checkpoints: now and then (and on demand) the head of the ledger is
 * signed with an Ed25519 key kept outside the database, together with the
 * Merkle root of every archived document's fingerprints, so that someone who
 * holds only the public key can tell a rewritten history from the real one.
 * Each checkpoint is kept in PostgreSQL and written, write-once, to both
 * buckets, so it outlives a lost database.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../db';
import { exportLedgerSegments } from './ledgerExport';
import { canonicalJson, sha256 } from '../hash';
import type { ObjectStore } from '../objectStore';

export interface CheckpointBody {
  format: 'diwan-checkpoint/1';
  /** The ledger entry signed: its sequence number and hash. */
  ledgerSeq: number;
  entryHash: string;
  /** Merkle root over the archived documents' fingerprint leaves, in registry order (see leaf()). */
  merkleRoot: string;
  documents: number;
  at: string;
  keyId: string;
}

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

/** The signing key from `file` (PKCS#8 PEM), made on first use with mode 0600. */
export function loadSigningKey(file: string): SigningKey {
  if (!fs.existsSync(file)) {
    const { privateKey } = crypto.generateKeyPairSync('ed25519');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    try {
      fs.writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    } catch (e) {
      // Another process made it first: theirs is the key.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  const privateKey = crypto.createPrivateKey(fs.readFileSync(file));
  const publicKey = crypto.createPublicKey(privateKey);
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return {
    privateKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: sha256(der).slice(0, 16),
  };
}

/** A document's leaf: the hash of its registry number and its two fingerprints. */
export function leaf(d: { registryNo: string; original: string; archivePdf: string | null }): string {
  return sha256(canonicalJson(d));
}

/** Merkle root of hex leaves: pairs hashed as sha256(left + right), the last of an odd level carried up; no leaves: sha256(''). */
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

export async function documentLeaves(db: Db): Promise<string[]> {
  const res = await db.query<{ registry_year: number; registry_seq: number; original_sha256: string; archive: string | null }>(
    `SELECT d.registry_year, d.registry_seq, d.original_sha256,
            (SELECT a.sha256 FROM artefacts a WHERE a.document_id = d.id AND a.kind = 'archive-pdf' LIMIT 1) AS archive
     FROM documents d WHERE d.status = 'archived' ORDER BY d.registry_year, d.registry_seq`,
  );
  return res.rows.map((r) =>
    leaf({
      registryNo: `${r.registry_year}/${String(r.registry_seq).padStart(6, '0')}`,
      original: r.original_sha256,
      archivePdf: r.archive,
    }),
  );
}

export function verifyCheckpointSignature(c: Pick<Checkpoint, 'body' | 'signature'>, publicKeyPem: string): boolean {
  return crypto.verify(
    null,
    Buffer.from(canonicalJson(c.body)),
    crypto.createPublicKey(publicKeyPem),
    Buffer.from(c.signature, 'base64'),
  );
}

/** Signs the ledger's head now, keeps the checkpoint, and writes it to both buckets. */
export async function makeCheckpoint(
  deps: { db: Db; primary: ObjectStore; offsite: ObjectStore },
  key: SigningKey,
): Promise<Checkpoint> {
  // The signed head is in storage as a ledger segment too.
  await exportLedgerSegments(deps.db, [deps.primary, deps.offsite]);
  const head = await deps.db.query<{ seq: string; entry_hash: string }>(
    'SELECT seq, entry_hash FROM ledger ORDER BY seq DESC LIMIT 1',
  );
  const leaves = await documentLeaves(deps.db);
  const body: CheckpointBody = {
    format: 'diwan-checkpoint/1',
    ledgerSeq: Number(head.rows[0]?.seq ?? 0),
    entryHash: head.rows[0]?.entry_hash ?? '0'.repeat(64),
    merkleRoot: merkleRoot(leaves),
    documents: leaves.length,
    at: new Date().toISOString(),
    keyId: key.keyId,
  };
  const signature = crypto.sign(null, Buffer.from(canonicalJson(body)), key.privateKey).toString('base64');
  const objectKey = `checkpoints/${String(body.ledgerSeq).padStart(12, '0')}-${body.at.replace(/[:.]/g, '')}.json`;
  const bytes = Buffer.from(canonicalJson({ body, signature, publicKey: key.publicKeyPem }));
  for (const store of [deps.primary, deps.offsite]) await store.putBufferOnce(objectKey, bytes, 'application/json');
  await deps.db.query('INSERT INTO checkpoints (body, signature, key_id, ledger_seq, object_key) VALUES ($1, $2, $3, $4, $5)', [
    JSON.stringify(body),
    signature,
    key.keyId,
    body.ledgerSeq,
    objectKey,
  ]);
  return { body, signature, objectKey };
}

export async function listCheckpoints(db: Db): Promise<Array<Checkpoint & { id: number }>> {
  const res = await db.query<{ id: string; body: CheckpointBody; signature: string; object_key: string }>(
    'SELECT id, body, signature, object_key FROM checkpoints ORDER BY id',
  );
  return res.rows.map((r) => ({ id: Number(r.id), body: r.body, signature: r.signature, objectKey: r.object_key }));
}

/**
 * Every checkpoint's signature checked with the public key, and the ledger
 * entry it names still holding the hash it signed. Returns the id of the
 * first checkpoint that fails, or null.
 */
export async function verifyCheckpoints(
  db: Db,
  publicKeyPem: string,
): Promise<{ checkpoints: number; badCheckpoint: number | null }> {
  const all = await listCheckpoints(db);
  for (const c of all) {
    if (!verifyCheckpointSignature(c, publicKeyPem)) return { checkpoints: all.length, badCheckpoint: c.id };
    if (c.body.ledgerSeq > 0) {
      const e = await db.query<{ entry_hash: string }>('SELECT entry_hash FROM ledger WHERE seq = $1', [c.body.ledgerSeq]);
      if (e.rows[0]?.entry_hash !== c.body.entryHash) return { checkpoints: all.length, badCheckpoint: c.id };
    }
  }
  return { checkpoints: all.length, badCheckpoint: null };
}
