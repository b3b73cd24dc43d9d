/**
 * The manifest format: each archived document's self-describing
 * `manifest.json` (format 'diwan-manifest/2'), from which its records can be
 * rebuilt with the bucket alone (`diwan restore`). Its type, how it is built
 * and written (canonical JSON, so its SHA-256 in the ledger is reproducible),
 * and how it is read back, including what older manifests lack.
 */
import { canonicalJson } from './hash';
import { documentPrefix, keys } from './layout';
import { INCOMING, parseRegistryNo, registryNo, type RegistryRef } from '../kernel/registry';
import type { RegisterRecord } from './repos/registers';
import type { CorrespondentRecord } from './repos/correspondents';
import type { LedgerEntry } from './integrity/ledger';
import type { BatchRecord } from './repos/batches';
import type { ArtefactRecord, DocumentRecord, PageRecord, PartRecord } from './repos/documents';

export const MANIFEST_FORMAT = 'diwan-manifest/2';

/** One stored file of the document, its path relative to the document's folder. */
export interface ManifestFile {
  path: string;
  kind: string;
  sha256: string;
  size: number;
  contentType: string;
}

/** The batch the document came in, as the batches repository returned it when the manifest was written. */
export type ManifestBatch = Omit<BatchRecord, 'createdBy' | 'uploadedBy'> & { createdBy?: string | null };

/**
 * What `manifest.json` holds. A new manifest has every field; those marked
 * optional are missing from manifests written before they existed, and a
 * reader does without them.
 */
export interface Manifest {
  format: string;
  id: string;
  registryNo: string;
  /** Its place: register (absent before registers: incoming), year and sequence. */
  registry?: RegistryRef;
  /** The register it is numbered in, whole, so a restore can bring back a register an administrator added. */
  register?: Omit<RegisterRecord, 'createdAt'>;
  /** The correspondent's record when the manifest was written (its later changes are ledger entries). */
  correspondent?: Pick<CorrespondentRecord, 'id' | 'nameAr' | 'nameEn' | 'kind'> | null;
  registeredAt: string;
  metadata: {
    title: string | null;
    docType: string | null;
    department: string | null;
    classification: string;
    docDate: string | null;
    correspondent?: string | null;
    /** The sender's own number and date. */
    externalRef?: string | null;
    externalDate?: string | null;
    originalName: string | null;
  };
  original?: { mime: string; ext: string; size: number; sha256: string };
  /** The originals, with keys relative to the document's folder. */
  parts?: PartRecord[];
  batch?: ManifestBatch | null;
  textLayer?: boolean;
  pageCount: number | null;
  /** Page sizes and confidence (the texts are in `ocr.json`). */
  pages?: Array<{ n: number; width: number; height: number; confidence: number | null }>;
  /** Where the first reading's text is kept. */
  text?: { version: number; path: string };
  /** The two fingerprints a reader checks: the upload as received, and the stamped archive copy. */
  sha256: { original: string; archivePdf: string | null };
  /** Every stored file but the manifest itself. */
  files: ManifestFile[];
  ledger: { registeredEntryHash: string; registeredSeq: number } | null;
  /** The ledger entries about the document when the manifest was written. */
  ledgerEntries?: LedgerEntry[];
}

/** What the manifest is built from, as the record stage has it. */
export interface ManifestSources {
  doc: DocumentRecord;
  pages: PageRecord[];
  artefacts: ArtefactRecord[];
  parts: PartRecord[];
  batch: BatchRecord | null;
  ledger: LedgerEntry[];
  /** The document's register and correspondent records (absent: the register's code alone, no correspondent). */
  register?: RegisterRecord;
  correspondent?: CorrespondentRecord | null;
}

/**
 * `manifest.json`: everything needed to rebuild the document's records from the
 * bucket alone (`diwan restore`): metadata, registry number, batch, originals,
 * every stored file with its SHA-256, page sizes (the texts are in `ocr.json`),
 * and the ledger entries about it so far.
 */
export function buildManifest(m: ManifestSources): Manifest {
  const { doc, artefacts } = m;
  const prefix = documentPrefix(doc);
  const registered = m.ledger.find((e) => e.event === 'registered');
  return {
    format: MANIFEST_FORMAT,
    id: doc.id,
    registryNo: doc.registryNo,
    registry: { register: doc.register, year: doc.year, seq: doc.seq },
    ...(m.register
      ? {
          register: {
            code: m.register.code,
            nameAr: m.register.nameAr,
            nameEn: m.register.nameEn,
            letterAr: m.register.letterAr,
            letterEn: m.register.letterEn,
            direction: m.register.direction,
          },
        }
      : {}),
    correspondent: m.correspondent
      ? { id: m.correspondent.id, nameAr: m.correspondent.nameAr, nameEn: m.correspondent.nameEn, kind: m.correspondent.kind }
      : null,
    registeredAt: doc.createdAt,
    metadata: {
      title: doc.title,
      docType: doc.docType,
      department: doc.department,
      classification: doc.classification,
      docDate: doc.docDate,
      correspondent: doc.correspondent,
      externalRef: doc.externalRef,
      externalDate: doc.externalDate,
      originalName: doc.originalName,
    },
    original: { mime: doc.originalMime, ext: doc.originalExt, size: doc.originalSize, sha256: doc.originalSha256 },
    parts: m.parts.map((p) => ({ ...p, key: p.key.slice(prefix.length) })),
    batch: m.batch,
    textLayer: doc.textLayer,
    pageCount: doc.pageCount,
    pages: m.pages.map((p) => ({ n: p.n, width: p.width, height: p.height, confidence: p.confidence })),
    text: { version: 1, path: keys.ocrJson(doc).slice(prefix.length) },
    sha256: {
      original: doc.originalSha256,
      archivePdf: artefacts.find((a) => a.kind === 'archive-pdf')?.sha256 ?? null,
    },
    files: artefacts
      .filter((a) => a.kind !== 'manifest')
      .map((a) => ({
        path: a.key.slice(prefix.length),
        kind: a.kind,
        sha256: a.sha256,
        size: a.size,
        contentType: a.contentType,
      })),
    ledger: registered ? { registeredEntryHash: registered.entryHash, registeredSeq: registered.seq } : null,
    ledgerEntries: m.ledger,
  };
}

/** The bytes stored: canonical JSON (keys sorted, no spaces), one manifest, one byte string. */
export function serialiseManifest(m: Manifest): Buffer {
  return Buffer.from(canonicalJson(m));
}

/** Reads stored bytes as a manifest; throws when they are not JSON. */
export function parseManifest(bytes: Buffer): Manifest {
  return JSON.parse(bytes.toString('utf8')) as Manifest;
}

/**
 * The document's registry number, when it agrees with the folder `prefix` the
 * manifest was found in; undefined when the two disagree. Manifests without
 * `registry` are read by their registry number ("year/seq"); those without its
 * `register` are the incoming book's.
 */
export function manifestPlace(m: Manifest, prefix: string): Required<RegistryRef> | undefined {
  const parsed = typeof m.registryNo === 'string' ? parseRegistryNo(m.registryNo) : undefined;
  const register = m.registry ? (m.registry.register ?? INCOMING) : parsed?.register;
  const year = m.registry?.year ?? parsed?.year;
  const seq = m.registry?.seq ?? parsed?.seq;
  if (register === undefined || year === undefined || seq === undefined) return undefined;
  const ref = { register, year, seq };
  return registryNo(ref) === m.registryNo && documentPrefix(ref) === prefix ? ref : undefined;
}

/** The original as received; manifests without `original` describe it by their file of kind 'original'. */
export function manifestOriginal(m: Manifest, files: ManifestFile[]): NonNullable<Manifest['original']> {
  const originalFile = files.find((f) => f.kind === 'original');
  return (
    m.original ?? {
      mime: originalFile?.contentType ?? 'application/octet-stream',
      ext: originalFile?.path.split('.').pop() ?? 'bin',
      size: originalFile?.size ?? 0,
      sha256: m.sha256.original,
    }
  );
}

/** The originals, keys relative to the document's folder; manifests without `parts` had the one original. */
export function manifestParts(m: Manifest, ref: RegistryRef, original: NonNullable<Manifest['original']>): PartRecord[] {
  return (
    m.parts ?? [
      {
        n: 1,
        key: keys.original(ref, original.ext).slice(documentPrefix(ref).length),
        sha256: original.sha256,
        size: original.size,
        mime: original.mime,
        ext: original.ext,
        originalName: m.metadata.originalName,
        pageCount: m.pageCount ?? 1,
      },
    ]
  );
}

/** The fingerprint the manifest lists for each of its files, by full object key (none when a damaged manifest lists none). */
export function listedFiles(m: Manifest, prefix: string): Map<string, string> {
  return new Map((m.files ?? []).map((f) => [`${prefix}${f.path}`, f.sha256]));
}
