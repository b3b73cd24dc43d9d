/**
 * Verifying a document on demand: every stored file re-hashed on the primary
 * and on the offsite copy, and compared with the fingerprint recorded in the
 * database, the one in the document's manifest.json, and, for the originals,
 * the one in the ledger's registration entry. Each verification is itself a
 * ledger entry. And the other way round: which registered file, if any, a
 * given file is.
 */
import { registryNo } from '../../kernel/registry';
import type { Db } from '../db';
import type { DocumentRecord, DocumentsRepo } from '../repos/documents';
import { documentPrefix, keys } from '../layout';
import { listedFiles, parseManifest } from '../manifest';
import { appendLedger, LATER_READINGS, ledgerForDocument } from './ledger';
import type { ObjectStore } from '../objectStore';

export type CopyState = 'ok' | 'mismatch' | 'missing';

export interface FileVerdict {
  key: string;
  kind: string;
  recorded: string;
  primary: { state: CopyState; sha256: string | null };
  offsite: { state: CopyState; sha256: string | null };
  /** Whether manifest.json lists the file with the same fingerprint ('absent': not listed, as for the manifest itself). */
  manifest: 'ok' | 'mismatch' | 'absent';
  /** For originals: whether the ledger's registration entry names the same fingerprint. */
  ledger: 'ok' | 'mismatch' | 'n/a';
}

export interface DocumentVerdict {
  documentId: string;
  registryNo: string;
  verifiedAt: string;
  ok: boolean;
  files: FileVerdict[];
  /** When the document was lawfully destroyed: its files are gone and its tombstone is what is verified. */
  destroyedAt?: string;
}

async function copy(store: ObjectStore, key: string, recorded: string): Promise<{ state: CopyState; sha256: string | null }> {
  try {
    const h = await store.hash(key);
    return { state: h.sha256 === recorded ? 'ok' : 'mismatch', sha256: h.sha256 };
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'NoSuchKey' || code === 'NotFound') return { state: 'missing', sha256: null };
    throw e;
  }
}

export async function verifyDocument(
  deps: { db: Db; documents: DocumentsRepo; primary: ObjectStore; offsite: ObjectStore },
  doc: DocumentRecord,
): Promise<DocumentVerdict> {
  const artefacts = await deps.documents.artefacts(doc.id);
  const prefix = documentPrefix(doc);
  const manifestFile = artefacts.find((a) => a.kind === 'manifest');
  let listed = new Map<string, string>();
  if (manifestFile) {
    try {
      listed = listedFiles(parseManifest(await deps.primary.getBuffer(manifestFile.key)), prefix);
    } catch {
      // An unreadable manifest shows as its own mismatch below.
    }
  }
  const entries = await ledgerForDocument(deps.db, doc.id);
  const registered = entries.find((e) => e.event === 'registered');
  const ledgerFiles = new Map(
    ((registered?.payload.files ?? []) as Array<{ path: string; sha256: string }>).map((f) => [`${prefix}${f.path}`, f.sha256]),
  );
  // Later readings are written after the manifest: their 'reocr' (or a person's 'text-corrected') entries vouch for them.
  for (const e of entries.filter((x) => LATER_READINGS.includes(x.event))) {
    ledgerFiles.set(keys.ocrJsonVersion(doc, Number(e.payload.version)), String(e.payload.ocrSha256));
  }
  // A lawfully destroyed document keeps only its tombstone, which its 'destroyed' entry vouches for.
  const destroyed = entries.find((x) => x.event === 'destroyed');
  if (destroyed) ledgerFiles.set(`${prefix}tombstone.json`, String(destroyed.payload.sha256));
  const files: FileVerdict[] = [];
  for (const a of artefacts) {
    const inManifest = listed.get(a.key);
    const inLedger = ledgerFiles.get(a.key);
    files.push({
      key: a.key,
      kind: a.kind,
      recorded: a.sha256,
      primary: await copy(deps.primary, a.key, a.sha256),
      offsite: await copy(deps.offsite, a.key, a.sha256),
      manifest: inManifest === undefined ? 'absent' : inManifest === a.sha256 ? 'ok' : 'mismatch',
      ledger: inLedger === undefined && a.kind !== 'original' ? 'n/a' : inLedger === a.sha256 ? 'ok' : 'mismatch',
    });
  }
  const ok = files.every(
    (f) =>
      f.primary.state === 'ok' &&
      f.offsite.state === 'ok' &&
      f.manifest !== 'mismatch' &&
      f.ledger !== 'mismatch' &&
      (f.kind === 'manifest' || f.manifest === 'ok' || f.ledger === 'ok'),
  );
  const verdict = {
    documentId: doc.id,
    registryNo: doc.registryNo,
    verifiedAt: new Date().toISOString(),
    ok,
    files,
    ...(destroyed
      ? {
          destroyedAt: String((destroyed.payload.tombstone as { destroyedAt?: string } | undefined)?.destroyedAt ?? destroyed.at),
        }
      : {}),
  };
  await appendLedger(deps.db, 'verified', doc.id, {
    registryNo: doc.registryNo,
    ok,
    files: files.length,
    problems: files.filter((f) => f.primary.state !== 'ok' || f.offsite.state !== 'ok').map((f) => f.key),
  });
  return verdict;
}

export interface FileIdentity {
  sha256: string;
  matches: Array<{ documentId: string; registryNo: string; kind: string; key: string }>;
}

/** Which registered files have this fingerprint (an original, an archive PDF, another stored file), if any. */
export async function identifyFile(db: Db, sha256: string): Promise<FileIdentity> {
  const res = await db.query<{
    document_id: string;
    register: string;
    registry_year: number;
    registry_seq: number;
    kind: string;
    key: string;
  }>(
    `SELECT a.document_id, d.register, d.registry_year, d.registry_seq, a.kind, a.key
     FROM artefacts a JOIN documents d ON d.id = a.document_id WHERE a.sha256 = $1
     UNION
     SELECT p.document_id, d.register, d.registry_year, d.registry_seq, 'original', p.key
     FROM document_parts p JOIN documents d ON d.id = p.document_id WHERE p.sha256 = $1
     ORDER BY 3, 4, 2, 5`,
    [sha256],
  );
  const seen = new Set<string>();
  const matches = [];
  for (const r of res.rows) {
    if (seen.has(r.key)) continue;
    seen.add(r.key);
    matches.push({
      documentId: r.document_id,
      registryNo: registryNo({ register: r.register, year: r.registry_year, seq: r.registry_seq }),
      kind: r.kind,
      key: r.key,
    });
  }
  return { sha256, matches };
}
