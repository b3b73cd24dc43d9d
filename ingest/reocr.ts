/**
 * Reading a document again (re-OCR) with other settings, when the first
 * reading was poor. The original, its registry number, the archive PDF and
 * the manifest stay exactly as they are: the new reading is a new text
 * version, kept beside the old ones, stored as `ocr-vN.json` (write-once,
 * copied offsite and verified), recorded in the ledger, and made current for
 * search and the viewer.
 *
 * A request (POST /documents/:id/reocr) queues the version and the document's
 * job; the worker that picks the job up finds the archived document with a
 * queued version and comes here. Every step can be repeated after a crash:
 * pages already read are kept, puts are write-once, the ledger entry is
 * written once per version, and before the version is made current, so that
 * no current text is ever without the entry that vouches for it (a crash
 * between the two leaves the version queued, and the next run makes it current).
 */
import { crashPoint } from '../kernel/crashPoints';
import type { DocumentRecord } from '../storage/repos/documents';
import { keys } from '../storage/layout';
import { RetryLater } from './stages/stage';
import { pageRecords } from '../search/records';
import { readScan } from './stages/ocr';
import { serialiseOcrFile } from '../storage/ocrFile';
import { replicateStage } from './stages/replicate';
import type { PipelineDeps } from './stages/stage';
import type { TextSettings } from '../storage/repos/textVersions';
import { workspace } from './workspace';

export async function readAgain(doc: DocumentRecord, deps: PipelineDeps): Promise<void> {
  const version = await deps.textVersions.queued(doc.id);
  if (!version) return;
  const settings = version.settings as TextSettings;
  if (doc.textLayer) {
    await deps.textVersions.fail(doc.id, version.version, 'a born-digital PDF keeps its own text layer');
    return;
  }
  const ws = workspace(doc.id, deps);
  try {
    const count = doc.pageCount ?? 1;
    const done = new Set((await deps.textVersions.pageTexts(doc.id, version.version)).map((p) => p.n));
    for (let n = 1; n <= count; n++) {
      if (done.has(n)) continue;
      const read = await readScan(await ws.page(n), deps.ocr, { layout: settings.layout });
      await deps.textVersions.savePageText(doc.id, version.version, { n, ...read });
    }
    const pages = await deps.textVersions.pageTexts(doc.id, version.version);
    const file = serialiseOcrFile(doc, pages, { version: version.version, settings, reason: version.reason });
    const stored = await deps.primary.putBufferOnce(keys.ocrJsonVersion(doc, version.version), file, 'application/json');
    await deps.documents.saveArtefact(doc.id, { kind: 'ocr-json', ...stored, contentType: 'application/json' });
    // Offsite before it counts: the new text is archived like the first.
    const copied = await replicateStage.run({ doc, deps, ...ws });
    if (copied.kind === 'retry') throw new RetryLater('replicate', copied.reason);

    // Searchable before it counts: a reader who sees the new version done finds its words.
    await deps.search.indexDocument(doc.id, pageRecords(doc, pages, deps.config.ocr.reviewBelow));

    const previous = doc.textVersion;
    const confidences = pages.map((p) => p.confidence ?? 0);
    await deps.ledger.recordOnce(
      'reocr',
      doc.id,
      {
        registryNo: doc.registryNo,
        version: version.version,
        previousVersion: previous,
        settings,
        reason: version.reason,
        ocrKey: stored.key,
        ocrSha256: stored.sha256,
        pages: pages.length,
        meanConfidence: Math.round(confidences.reduce((a, b) => a + b, 0) / Math.max(1, confidences.length)),
      },
      { version: version.version },
    );
    crashPoint('reocr.after-ledger');
    await deps.textVersions.finish(doc.id, version.version, stored);
    crashPoint('reocr.after-finish');
  } catch (e) {
    if (e instanceof RetryLater) throw e;
    throw new RetryLater('reocr', (e as Error).message);
  } finally {
    ws.dispose();
  }
}

/**
 * After the last retry: the queued reading is marked failed; the document
 * itself stays archived and untouched. A reading the ledger already vouches
 * for is not given up: only making it current is left, and the sweep finishes that.
 */
export async function giveUpReading(
  deps: Pick<PipelineDeps, 'textVersions' | 'ledger'>,
  documentId: string,
  error: string,
): Promise<void> {
  const version = await deps.textVersions.queued(documentId);
  if (!version) return;
  const entries = await deps.ledger.forDocument(documentId);
  if (entries.some((e) => e.event === 'reocr' && Number(e.payload.version) === version.version)) return;
  await deps.textVersions.fail(documentId, version.version, error);
}
