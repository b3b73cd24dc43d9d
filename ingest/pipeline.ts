/**
 * The pipeline: the order of stages, in one place, and the runner that takes a
 * document id through them. The original is registered and stored at upload
 * (ingest/accept.ts); everything after that happens here, in a worker.
 */
import { appendLedgerOnce } from '../storage/integrity/ledger';
import { DomainError } from '../kernel/errors';
import { readAgain } from './reocr';
import { RetryLater } from './retry';
import { composeStage } from './stages/compose';
import { indexStage } from './stages/indexing';
import { ocrStage } from './stages/ocr';
import { pagesStage } from './stages/pages';
import { recordStage } from './stages/record';
import { replicateStage } from './stages/replicate';
import type { PipelineDeps, Stage, StageContext, StageResult } from './stages/stage';
import { workspace } from './workspace';

/** Errors about the file itself: retrying cannot help. */
const PERMANENT: ReadonlySet<string> = new Set([
  'corrupt_file',
  'too_many_pixels',
  'too_many_pages',
  'encrypted_file',
  'unsupported_type',
]);

/** Every stage, in the order a document goes through them. */
export const STAGES: readonly Stage[] = [pagesStage, ocrStage, composeStage, recordStage, indexStage, replicateStage];

export type RunOutcome = 'archived' | 'failed' | 'retry' | 'busy' | 'gone';

export { RetryLater } from './retry';

/**
 * Stages whose products can always be made again from what is stored (the
 * index, the offsite copy): failing them for good would leave a document
 * unsearchable or without its offsite copy. They are retried by the sweep instead.
 */
export const DERIVED_STAGES: ReadonlySet<string> = new Set(['index', 'replicate']);

const LOCK_NAMESPACE = 0x646f63; // "doc"

/**
 * Takes one document through every stage it has not completed. A session
 * advisory lock keeps two workers off the same document; it is released when
 * the connection closes, so a killed worker never holds it.
 */
export async function processDocument(documentId: string, deps: PipelineDeps): Promise<RunOutcome> {
  const lockConn = await deps.db.connect();
  try {
    const got = await lockConn.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [
      LOCK_NAMESPACE,
      documentId,
    ]);
    if (!got.rows[0]?.ok) return 'busy';
    try {
      return await runStages(documentId, deps);
    } finally {
      await lockConn.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_NAMESPACE, documentId]);
    }
  } finally {
    lockConn.release();
  }
}

async function runStages(documentId: string, deps: PipelineDeps): Promise<RunOutcome> {
  let doc = await deps.documents.get(documentId);
  if (!doc) return 'gone';
  if (doc.status === 'archived') {
    // An archived document comes back to a worker only to be read again.
    await readAgain(doc, deps);
    return 'archived';
  }
  if (doc.status === 'failed') return 'failed';
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
        // A file whose own bytes cannot be read will not read better next time: it fails now, with its reason.
        result =
          e instanceof DomainError && PERMANENT.has(e.code)
            ? { kind: 'failed', code: e.code, message: e.messageEn }
            : { kind: 'retry', reason: `${stage.id}: ${(e as Error).message}` };
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

/** Marks a document failed for good, with its reason, and records it in the ledger. */
export async function fail(
  deps: Pick<PipelineDeps, 'db' | 'documents'>,
  documentId: string,
  code: string,
  message: string,
): Promise<void> {
  await deps.documents.setStatus(documentId, 'failed', { code, message });
  await appendLedgerOnce(deps.db, 'failed', documentId, { code, message });
}
