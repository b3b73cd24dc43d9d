/**
 * The job queue in PostgreSQL, through pg-boss (the only file that imports it).
 * A job carries a document id and nothing else. A job that throws is tried
 * again with backoff, as often as the worker's policy says (ingest/worker.ts).
 */
import PgBoss from 'pg-boss';
import type { Logger } from '../../kernel/log';

export const PROCESS_QUEUE = 'document-process';

export interface JobQueue {
  start(): Promise<void>;
  enqueue(documentId: string): Promise<void>;
  /** Runs `handler` for each job, `concurrency` at a time in this process. */
  work(
    concurrency: number,
    handler: (documentId: string, attempt: { retryCount: number; lastAttempt: boolean }) => Promise<void>,
  ): Promise<void>;
  stop(): Promise<void>;
}

export const QUEUE_SCHEMA = 'pgboss';

/** How often, and how patiently, a job that threw is tried again. */
export interface RetryPolicy {
  limit: number;
  delaySeconds: number;
  backoff: boolean;
}

function queueOptions(retries: RetryPolicy) {
  return {
    name: PROCESS_QUEUE,
    // At most one waiting job per document (running ones do not count, so a job held by a killed
    // worker never blocks the next): sweeps may re-queue freely.
    policy: 'short',
    retryLimit: retries.limit,
    retryDelay: retries.delaySeconds,
    retryBackoff: retries.backoff,
    expireInSeconds: 2 * 60 * 60,
  } as const;
}

/**
 * Creates (or upgrades) the queue's tables and the queue itself, as the schema's
 * owner: making a queue attaches a table partition, which only the owner may do.
 */
export async function installJobQueue(ownerUrl: string, log: Logger, retries: RetryPolicy): Promise<void> {
  const boss = new PgBoss({ connectionString: ownerUrl, schema: QUEUE_SCHEMA, max: 2, supervise: false, schedule: false });
  boss.on('error', (e) => log.error('job queue error', { error: String(e) }));
  await boss.start();
  try {
    await boss.createQueue(PROCESS_QUEUE, queueOptions(retries));
  } finally {
    await boss.stop({ graceful: false, wait: true });
  }
}

/** `installed`: the owner already made the tables and queue (installJobQueue), so this role only uses them. */
export function createJobQueue(databaseUrl: string, log: Logger, opts: { installed: boolean; retries: RetryPolicy }): JobQueue {
  const boss = new PgBoss({ connectionString: databaseUrl, schema: QUEUE_SCHEMA, max: 4, migrate: !opts.installed });
  boss.on('error', (e) => log.error('job queue error', { error: String(e) }));
  return {
    async start() {
      await boss.start();
      await boss.createQueue(PROCESS_QUEUE, queueOptions(opts.retries));
    },
    async enqueue(documentId) {
      // null when a job for this document is already waiting: nothing to do.
      await boss.send(PROCESS_QUEUE, { documentId }, { singletonKey: documentId });
    },
    async work(concurrency, handler) {
      for (let i = 0; i < concurrency; i++) {
        await boss.work<{ documentId: string }>(
          PROCESS_QUEUE,
          { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: 0.5 },
          async ([job]) => {
            if (!job) return;
            await handler(job.data.documentId, { retryCount: job.retryCount, lastAttempt: job.retryCount >= job.retryLimit });
          },
        );
      }
    },
    async stop() {
      await boss.stop({ graceful: true, wait: true, timeout: 20_000 });
    },
  };
}
