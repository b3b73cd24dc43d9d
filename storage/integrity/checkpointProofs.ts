/**
 * Proofs an auditor checks offline with the public key alone (offlineVerifier.mjs `proof`):
 * - inclusion: one document's leaf, its place in the range, the path to its
 *   peak, and every peak, under the latest signed checkpoint;
 * - consistency: that an older /2 checkpoint's range is a prefix of a newer
 *   one's (its peaks are nodes of the newer range), so nothing was taken out
 *   or reordered between them.
 * Each costs O(log n) reads of the range's nodes.
 */
import { registryNo } from '../../kernel/registry';
import { DomainError } from '../../kernel/errors';
import type { Db, Queryable } from '../db';
import type { Checkpoint, CheckpointBodyV2 } from './checkpoints';
import type { ConsistencyProof } from './mmr';
import { appendArchived, consistencyProof, inclusionPath, leafCount, leafOf } from './mmrStore';

type SignedV2 = Omit<Checkpoint, 'body'> & { id: number; body: CheckpointBodyV2 };

/** An inclusion proof as the API gives it and `diwan audit proof` saves it. */
export interface DocumentProof {
  format: 'diwan-proof/1';
  /** What the leaf is the hash of (canonical JSON of registryNo, original, archivePdf), as the database holds it now. */
  document: { id: string; registryNo: string; original: string; archivePdf: string | null };
  leaf: string;
  /** The document's place in the range (0 = the first document archived). */
  leafIndex: number;
  /** Sibling hashes from the leaf up to its mountain's peak. */
  path: string[];
  /** Every peak of the range at the checkpoint's size, left to right; bagged they give its merkleRoot. */
  peaks: string[];
  checkpoint: SignedV2;
  /** The key that signed it (check its id with the archive by another channel). */
  publicKey: string;
}

const notCheckpointed = (en: string, ar: string) => new DomainError('not_checkpointed', { ar: `(${ar})`, en: `(${en})` });

async function checkpointRow(q: Queryable, where: string, args: unknown[]): Promise<(Checkpoint & { id: number }) | undefined> {
  const { rows } = await q.query<{ id: string; body: Checkpoint['body']; signature: string; object_key: string }>(
    `SELECT id, body, signature, object_key FROM checkpoints ${where}`,
    args,
  );
  const r = rows[0];
  return r ? { id: Number(r.id), body: r.body, signature: r.signature, objectKey: r.object_key } : undefined;
}

const isV2 = (c: Checkpoint & { id: number }): c is SignedV2 => c.body.format === 'diwan-checkpoint/2';

/** The range grown to a checkpoint's size (it already is, but after a restore until the next checkpoint). */
async function rangeFor(db: Db, c: SignedV2): Promise<void> {
  if ((await leafCount(db)) < c.body.mmrSize) await appendArchived(db, c.body.ledgerSeq);
}

/** The proof that document `documentId` is under the latest signed checkpoint over the range. */
export async function documentProof(db: Db, documentId: string, publicKey: string): Promise<DocumentProof> {
  const latest = await checkpointRow(db, "WHERE body->>'format' = 'diwan-checkpoint/2' ORDER BY id DESC LIMIT 1", []);
  if (!latest || !isV2(latest))
    throw notCheckpointed('no checkpoint over the Merkle range is signed yet', 'لم تُوقَّع بعد نقطة تحقق على شجرة ميركل الجبلية');
  await rangeFor(db, latest);
  const place = await leafOf(db, documentId);
  if (!place || place.leafIndex >= latest.body.mmrSize)
    throw notCheckpointed(
      `the document was archived after checkpoint ${latest.id}; the next checkpoint covers it`,
      `أُرشفت الوثيقة بعد نقطة التحقق ${latest.id}؛ تشملها النقطة التالية`,
    );
  const { rows } = await db.query<{
    register: string;
    registry_year: number;
    registry_seq: number;
    original_sha256: string;
    archive: string | null;
  }>(
    `SELECT d.register, d.registry_year, d.registry_seq, d.original_sha256,
            (SELECT a.sha256 FROM artefacts a WHERE a.document_id = d.id AND a.kind = 'archive-pdf' LIMIT 1) AS archive
       FROM documents d WHERE d.id = $1`,
    [documentId],
  );
  const d = rows[0]!;
  const { path, peaks } = await inclusionPath(db, place.leafIndex, latest.body.mmrSize);
  return {
    format: 'diwan-proof/1',
    document: {
      id: documentId,
      registryNo: registryNo({ register: d.register, year: d.registry_year, seq: d.registry_seq }),
      original: d.original_sha256,
      archivePdf: d.archive,
    },
    leaf: place.leaf,
    leafIndex: place.leafIndex,
    path,
    peaks,
    checkpoint: latest,
    publicKey,
  };
}

/** That checkpoint `olderId`'s range is a prefix of checkpoint `newerId`'s, with both checkpoints as signed. */
export interface CheckpointConsistency {
  format: 'diwan-consistency/1';
  older: SignedV2;
  newer: SignedV2;
  proof: ConsistencyProof;
  publicKey: string;
}

export async function checkpointConsistency(
  db: Db,
  olderId: number,
  newerId: number,
  publicKey: string,
): Promise<CheckpointConsistency> {
  const older = await checkpointRow(db, 'WHERE id = $1', [olderId]);
  const newer = await checkpointRow(db, 'WHERE id = $1', [newerId]);
  if (!older || !newer) throw new DomainError('not_found');
  if (!isV2(older) || !isV2(newer))
    throw notCheckpointed(
      'both checkpoints must be over the Merkle range (format /2)',
      'يلزم أن تكون النقطتان على الشجرة الجبلية (الصيغة ٢)',
    );
  if (older.body.mmrSize > newer.body.mmrSize)
    throw new DomainError('bad_request', {
      ar: '(النقطة الأقدم أكبر من الأحدث)',
      en: '(the older checkpoint covers more documents than the newer)',
    });
  await rangeFor(db, newer);
  return {
    format: 'diwan-consistency/1',
    older,
    newer,
    proof: await consistencyProof(db, older.body.mmrSize, newer.body.mmrSize),
    publicKey,
  };
}
