/**
 * What a worker does with one job, and the one policy for the last attempt.
 *
 * A job names a document. The worker takes it through the pipeline
 * (ingest/pipeline.ts), or, for an archived document with a reading queued,
 * through the re-reading (ingest/reocr.ts). A passing fault throws, and the
 * queue tries again with backoff, RETRIES.limit times. A passing fault never
 * fails a document, however long it lasts (object storage or the database
 * away for minutes): after the last attempt the document waits, unfinished,
 * and the sweep queues it again until it goes through. Only a permanent fault
 * in the file itself, which a stage reports as its result, fails a document
 * (and a failed document can be run again: `diwan rerun`). On the last attempt:
 * - a re-reading that still cannot finish is marked failed; the document stays archived;
 * - anything else waits for the sweep.
 */
import type { Logger } from '../kernel/log';
import { processDocument } from './pipeline';
import { giveUpReading } from './reocr';
import { RetryLater, type PipelineDeps } from './stages/stage';

/** How often, and how patiently, the queue tries a job again. */
export const RETRIES = { limit: 5, delaySeconds: 2, backoff: true } as const;

export interface Attempt {
  retryCount: number;
  lastAttempt: boolean;
}

/** Runs one job; throws to have it tried again. */
export async function runJob(documentId: string, attempt: Attempt, deps: PipelineDeps, log: Logger): Promise<void> {
  try {
    const outcome = await processDocument(documentId, deps);
    // Another worker holds the document (finishing a run, say, while a re-reading was queued):
    // this job comes back shortly, with backoff, instead of waiting for the sweep.
    if (outcome === 'busy') throw new Error('document busy in another worker');
    log.info('document processed', { documentId, outcome });
  } catch (e) {
    const message = (e as Error).message;
    if (attempt.lastAttempt && e instanceof RetryLater && e.stage === 'reocr') {
      await giveUpReading(deps, documentId, message);
      log.error('re-reading failed', { documentId, error: message });
      return;
    }
    if (attempt.lastAttempt) {
      log.error('document waits for the sweep', { documentId, error: message, attempts: attempt.retryCount + 1 });
    } else {
      log.warn('document will be retried', { documentId, error: message, retry: e instanceof RetryLater });
    }
    throw e;
  }
}
