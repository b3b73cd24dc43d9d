/**
 * The pipeline: the order of stages, in one place, and the runner that takes a
 * document id through them. The original is registered and stored at upload
 * (ingest/accept.ts); everything after that happens here, in a worker.
 */
import { readAgain } from './reocr';
import { composeStage } from './stages/compose';
import { indexStage } from './stages/indexing';
import { ocrStage } from './stages/ocr';
import { pagesStage } from './stages/pages';
import { recordStage } from './stages/record';
import { replicateStage } from './stages/replicate';
import { RetryLater, type PipelineDeps, type Stage, type StageContext, type StageResult } from './stages/stage';
import type { DocumentRecord } from '../storage/repos/documents';
import { workspace } from './workspace';
import { withDocumentLock } from '../storage/locks';

/** Every stage, in the order a document goes through them. */
export const STAGES: readonly Stage[] = [pagesStage, ocrStage, composeStage, recordStage, indexStage, replicateStage];

export type RunOutcome = 'archived' | 'failed' | 'retry' | 'busy' | 'gone';

/**
 * Takes one document where it has to go, under its lock (two workers never
 * work on one document; a killed worker never holds the lock):
 * - a document in the pipeline, through every stage it has not completed;
 * - an archived document with a reading queued, through the re-reading (ingest/reocr.ts).
 */
export async function processDocument(documentId: string, deps: PipelineDeps): Promise<RunOutcome> {
  return withDocumentLock(deps.db, documentId, async () => {
    const doc = await deps.documents.get(documentId);
    if (!doc) return 'gone';
    if (doc.status === 'archived') {
      await readAgain(doc, deps);
      return 'archived';
    }
    if (doc.status === 'failed') return 'failed';
    return runStages(doc, deps);
  });
}

/**
 * The stages, in order; a stage's `failed` result (a permanent fault in the
 * file) ends the run and fails the document; `retry` or anything thrown asks
 * for another attempt, and never fails it (ingest/worker.ts).
 */
async function runStages(first: DocumentRecord, deps: PipelineDeps): Promise<RunOutcome> {
  let doc = first;
  const documentId = doc.id;
  if (doc.status !== 'processing') await deps.documents.setStatus(doc.id, 'processing');

  const { workDir, parts, page, dispose } = workspace(documentId, deps);
  try {
    for (const stage of STAGES) {
      if (doc.stages[stage.id]) continue;
      const ctx: StageContext = { doc, deps, workDir, parts, page };
      let result: StageResult;
      const started = performance.now();
      try {
        result = await stage.run(ctx);
      } catch (e) {
        result = { kind: 'retry', reason: `${stage.id}: ${(e as Error).message}` };
      }
      deps.log.debug('stage', { documentId, stage: stage.id, result: result.kind });
      deps.metrics?.stage(stage.id, result.kind, (performance.now() - started) / 1000, doc.pageCount ?? 0);
      switch (result.kind) {
        case 'done':
        case 'skipped':
        case 'duplicate':
          await deps.documents.markStage(doc.id, stage.id);
          break;
        case 'failed':
          await fail(deps, doc.id, result.code, `${stage.id}: ${result.message}`);
          return 'failed';
        case 'retry':
          throw new RetryLater(stage.id, result.reason);
      }
      doc = (await deps.documents.get(documentId))!;
    }
    await deps.documents.setStatus(doc.id, 'archived');
    return 'archived';
  } finally {
    dispose();
  }
}

/** Marks a document failed, with its reason (a permanent error code), and records it in the ledger. */
export async function fail(
  deps: Pick<PipelineDeps, 'ledger' | 'documents'>,
  documentId: string,
  code: string,
  message: string,
): Promise<void> {
  await deps.documents.setStatus(documentId, 'failed', { code, message });
  await deps.ledger.recordOnce('failed', documentId, { code, message });
}
