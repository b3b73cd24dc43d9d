/**
 * Writes `ocr.json` and the self-describing `manifest.json` (metadata and the
 * SHA-256 of every stored file), then records the `archived` ledger entry.
 */
import { keys } from '../../storage/layout';
import { buildManifest, serialiseManifest } from '../../storage/manifest';
import type { Stage } from './stage';
import { getRegister } from '../../storage/repos/registers';
import { getCorrespondent } from '../../storage/repos/correspondents';
import { serialiseOcrFile } from '../../storage/ocrFile';

export const recordStage: Stage = {
  id: 'record',
  description: 'store ocr.json and manifest.json, record the archived ledger entry',
  async run(ctx) {
    const { doc, deps } = ctx;
    const pages = await deps.documents.pages(doc.id);
    const ocrJson = serialiseOcrFile(doc, pages, { version: 1, source: doc.textLayer ? 'text-layer' : 'ocr' });
    const ocr = await deps.primary.putBufferOnce(keys.ocrJson(doc), ocrJson, 'application/json');
    await deps.documents.saveArtefact(doc.id, { kind: 'ocr-json', ...ocr, contentType: 'application/json' });

    const artefacts = await deps.documents.artefacts(doc.id);
    const manifest = buildManifest({
      doc,
      pages,
      artefacts,
      parts: await deps.documents.parts(doc.id),
      batch: doc.batchId ? ((await deps.batches.get(doc.batchId)) ?? null) : null,
      ledger: await deps.ledger.forDocument(doc.id),
      register: await getRegister(deps.db, doc.register),
      correspondent: doc.correspondentId ? ((await getCorrespondent(deps.db, doc.correspondentId)) ?? null) : null,
    });
    const stored = await deps.primary.putBufferOnce(keys.manifest(doc), serialiseManifest(manifest), 'application/json');
    await deps.documents.saveArtefact(doc.id, { kind: 'manifest', ...stored, contentType: 'application/json' });
    await deps.ledger.recordOnce('archived', doc.id, {
      registryNo: doc.registryNo,
      manifestSha256: stored.sha256,
      archiveSha256: artefacts.find((a) => a.kind === 'archive-pdf')?.sha256 ?? null,
    });
    return { kind: 'done', detail: { manifestSha256: stored.sha256 } };
  },
};
