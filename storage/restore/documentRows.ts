/**
 * Writing a restored document's rows, in one transaction, through the
 * repositories that own them: its batch, the document, its registry number,
 * its originals, every stored file and its verified offsite copy, its pages,
 * and, when it was read more than once, every reading.
 */
import { inTransaction, type Db, type Tx } from '../db';
import type { RegistryRef } from '../../kernel/registry';
import { manifestParts, type Manifest, type ManifestFile } from '../manifest';
import { restoreBatch } from '../repos/batches';
import { insertPart, restoreArtefact, restoreReplica } from '../repos/documentFiles';
import { restorePage } from '../repos/documentPages';
import { restoreDocumentRow } from '../repos/documentRecords';
import { advanceRegistrySequence } from '../repos/documentRegistration';
import { restorePageText, restoreTextVersion } from '../repos/textVersions';
import type { OcrFile } from '../ocrFile';

/** Every pipeline stage, marked done on a restored document (it is archived). */
const RESTORED_STAGES = ['stored', 'pages', 'ocr', 'compose', 'record', 'index', 'replicate'];

/** A document checked and made sure of, ready to be written. */
export interface CheckedDocument {
  m: Manifest;
  /** The document's folder in the bucket. */
  prefix: string;
  ref: RegistryRef;
  original: NonNullable<Manifest['original']>;
  /** Every stored file but the manifest, later readings included. */
  files: ManifestFile[];
  /** The manifest's own entry. */
  manifest: ManifestFile;
  /** Its readings, oldest first. */
  texts: OcrFile[];
  offsiteName: string;
}

export async function writeDocument(db: Db, d: CheckedDocument): Promise<void> {
  const { m, prefix, ref, original, files } = d;
  const current = d.texts.at(-1);
  const verifiedAt = new Date().toISOString();
  await inTransaction(db, async (tx) => {
    if (m.batch) await restoreBatch(tx, m.batch);
    await restoreDocumentRow(tx, {
      id: m.id,
      ...ref,
      title: m.metadata.title,
      docType: m.metadata.docType,
      department: m.metadata.department,
      classification: m.metadata.classification,
      docDate: m.metadata.docDate,
      originalName: m.metadata.originalName,
      originalMime: original.mime,
      originalExt: original.ext,
      originalSize: original.size,
      originalSha256: original.sha256,
      pageCount: m.pageCount,
      stages: Object.fromEntries(RESTORED_STAGES.map((s) => [s, verifiedAt])),
      createdAt: m.registeredAt,
      batchId: m.batch?.id ?? null,
      textLayer: m.textLayer ?? false,
      textVersion: current?.textVersion.version ?? 1,
      correspondent: m.metadata.correspondent ?? null,
    });
    await advanceRegistrySequence(tx, ref);
    for (const p of manifestParts(m, ref, original)) await insertPart(tx, m.id, { ...p, key: `${prefix}${p.key}` });
    for (const f of [...files, d.manifest]) {
      const key = `${prefix}${f.path}`;
      await restoreArtefact(tx, m.id, { kind: f.kind, key, sha256: f.sha256, size: f.size, contentType: f.contentType });
      // Both copies were just read back with this fingerprint.
      await restoreReplica(tx, m.id, { target: d.offsiteName, key, sha256: f.sha256, verifiedAt });
    }
    for (const p of current?.pages ?? []) await restorePage(tx, m.id, p);
    // Every reading is kept, as it was before the loss, when there was more than one.
    if (d.texts.length > 1) {
      for (const t of d.texts) await writeReading(tx, d, t);
    }
  });
}

async function writeReading(tx: Tx, d: CheckedDocument, t: OcrFile): Promise<void> {
  const version = t.textVersion.version;
  const f = d.files.find((x) => x.kind === 'ocr-json' && x.path === (version === 1 ? 'ocr.json' : `ocr-v${version}.json`));
  await restoreTextVersion(tx, d.m.id, {
    version,
    settings: t.textVersion.settings ?? { source: t.textVersion.source ?? 'ocr' },
    reason: t.textVersion.reason ?? null,
    at: d.m.registeredAt,
    ocrKey: version === 1 ? null : `${d.prefix}${f?.path}`,
    ocrSha256: version === 1 ? null : (f?.sha256 ?? null),
  });
  for (const p of t.pages) await restorePageText(tx, d.m.id, version, p);
}
