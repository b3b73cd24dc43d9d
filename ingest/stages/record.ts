/**
 * Writes `ocr.json` and the self-describing `manifest.json` (metadata and the
 * SHA-256 of every stored file), then records the `archived` ledger entry.
 */
import { createBatchesRepo } from '../../storage/repos/batches';
import type { DocumentRecord, PageRecord } from '../../storage/repos/documents';
import { keys } from '../../storage/layout';
import { buildManifest, serialiseManifest } from '../../storage/manifest';
import { appendLedgerOnce, ledgerForDocument } from '../../storage/integrity/ledger';
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
    const stored = await deps.primary.putBufferOnce(keys.manifest(doc), serialiseManifest(manifest), 'application/json');
    await deps.documents.saveArtefact(doc.id, { kind: 'manifest', ...stored, contentType: 'application/json' });
    await appendLedgerOnce(deps.db, 'archived', doc.id, {
      registryNo: doc.registryNo,
      manifestSha256: stored.sha256,
      archiveSha256: artefacts.find((a) => a.kind === 'archive-pdf')?.sha256 ?? null,
    });
    return { kind: 'done', detail: { manifestSha256: stored.sha256 } };
  },
};
