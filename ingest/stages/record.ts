/**
 * Writes `ocr.json` and the self-describing `manifest.json` (metadata and the
 * SHA-256 of every stored file), then records the `archived` ledger entry.
 */
import { createBatchesRepo, type BatchRecord } from '../../storage/repos/batches';
import type { ArtefactRecord, DocumentRecord, PageRecord, PartRecord } from '../../storage/repos/documents';
import { canonicalJson } from '../../storage/hash';
import { documentPrefix, keys } from '../../storage/layout';
import { appendLedgerOnce, ledgerForDocument, type LedgerEntry } from '../../storage/integrity/ledger';
import type { Stage } from './stage';

/** `ocr.json` (and `ocr-vN.json` for later readings): each page's text, words with boxes and confidence. */
export function ocrFile(doc: DocumentRecord, pages: PageRecord[], version: Record<string, unknown>): Buffer {
  return Buffer.from(
    JSON.stringify({
      registryNo: doc.registryNo,
      engine: 'tesseract.js (LSTM, ara+eng)',
      textVersion: version,
      pages: pages.map((p) => ({
        n: p.n,
        width: p.width,
        height: p.height,
        confidence: p.confidence,
        text: p.text,
        words: p.words,
      })),
    }),
  );
}

export const MANIFEST_FORMAT = 'diwan-manifest/2';

/**
 * `manifest.json`: everything needed to rebuild the document's records from the
 * bucket alone (`diwan restore`): metadata, registry number, batch, originals,
 * every stored file with its SHA-256, page sizes (the texts are in `ocr.json`),
 * and the ledger entries about it so far.
 */
export function buildManifest(m: {
  doc: DocumentRecord;
  pages: PageRecord[];
  artefacts: ArtefactRecord[];
  parts: PartRecord[];
  batch: BatchRecord | null;
  ledger: LedgerEntry[];
}): Record<string, unknown> {
  const { doc, artefacts } = m;
  const prefix = documentPrefix(doc);
  const registered = m.ledger.find((e) => e.event === 'registered');
  return {
    format: MANIFEST_FORMAT,
    id: doc.id,
    registryNo: doc.registryNo,
    registry: { year: doc.year, seq: doc.seq },
    registeredAt: doc.createdAt,
    metadata: {
      title: doc.title,
      docType: doc.docType,
      department: doc.department,
      classification: doc.classification,
      docDate: doc.docDate,
      correspondent: doc.correspondent,
      originalName: doc.originalName,
    },
    original: { mime: doc.originalMime, ext: doc.originalExt, size: doc.originalSize, sha256: doc.originalSha256 },
    parts: m.parts.map((p) => ({ ...p, key: p.key.slice(prefix.length) })),
    batch: m.batch,
    textLayer: doc.textLayer,
    pageCount: doc.pageCount,
    pages: m.pages.map((p) => ({ n: p.n, width: p.width, height: p.height, confidence: p.confidence })),
    text: { version: 1, path: keys.ocrJson(doc).slice(prefix.length) },
    // The two fingerprints a reader checks: the upload as received, and the stamped archive copy.
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

export const recordStage: Stage = {
  id: 'record',
  description: 'store ocr.json and manifest.json, record the archived ledger entry',
  async run(ctx) {
    const { doc, deps } = ctx;
    const pages = await deps.documents.pages(doc.id);
    const ocrJson = ocrFile(doc, pages, { version: 1, source: doc.textLayer ? 'text-layer' : 'ocr' });
    const ocr = await deps.primary.putBufferOnce(keys.ocrJson(doc), ocrJson, 'application/json');
    await deps.documents.saveArtefact(doc.id, { kind: 'ocr-json', ...ocr, contentType: 'application/json' });

    const artefacts = await deps.documents.artefacts(doc.id);
    const manifest = buildManifest({
      doc,
      pages,
      artefacts,
      parts: await deps.documents.parts(doc.id),
      batch: doc.batchId ? ((await createBatchesRepo(deps.db).get(doc.batchId)) ?? null) : null,
      ledger: await ledgerForDocument(deps.db, doc.id),
    });
    const stored = await deps.primary.putBufferOnce(keys.manifest(doc), Buffer.from(canonicalJson(manifest)), 'application/json');
    await deps.documents.saveArtefact(doc.id, { kind: 'manifest', ...stored, contentType: 'application/json' });
    await appendLedgerOnce(deps.db, 'archived', doc.id, {
      registryNo: doc.registryNo,
      manifestSha256: stored.sha256,
      archiveSha256: artefacts.find((a) => a.kind === 'archive-pdf')?.sha256 ?? null,
    });
    return { kind: 'done', detail: { manifestSha256: stored.sha256 } };
  },
};
