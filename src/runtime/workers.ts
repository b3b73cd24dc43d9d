/**
 * Pipeline workers in this process (`diwan serve` by default, `diwan worker`),
 * and a worker's own /metrics. What a worker does with a job, and its
 * last-attempt policy, is ingest/worker.ts.
 */
import http from 'node:http';
import { createOcrEngine, type OcrEngine } from '../../ingest/ocr/engine';
import { STAGES } from '../../ingest/pipeline';
import type { PipelineDeps } from '../../ingest/stages/stage';
import { clearWorkFolders } from '../../ingest/leftovers';
import { runJob } from '../../ingest/worker';
import { createDocumentLedger } from '../../storage/integrity/documentLedger';
import type { Core } from './core';
import { createMetrics, pipelineMetrics } from './metrics';

/** Starts pipeline workers in this process; returns a function that stops the OCR engine. */
export async function startWorkers(core: Core): Promise<{ ocr: OcrEngine; stop(): Promise<void> }> {
  // Working folders of workers killed in the middle of a stage hold plain copies of originals: gone before anything starts.
  const cleared = clearWorkFolders();
  if (cleared.length > 0) core.log.info('working folders of stopped workers removed', { folders: cleared.length });
  const ocr = await createOcrEngine({
    cacheDir: core.config.cacheDir,
    langs: core.config.ocr.langs,
    numberLang: core.config.ocr.numberLang,
    workers: core.config.ocr.workers,
    recycleAfterPages: core.config.ocr.recycleAfterPages,
  });
  const deps: PipelineDeps = {
    config: core.config,
    db: core.db,
    ledger: createDocumentLedger(core.db),
    documents: core.documents,
    batches: core.batches,
    textVersions: core.textVersions,
    primary: core.primary,
    offsite: core.offsite,
    search: core.search,
    ocr,
    log: core.log,
    metrics: pipelineMetrics,
  };
  await core.queue.work(Math.max(core.config.workerConcurrency, core.config.ocr.workers), (documentId, attempt) =>
    runJob(documentId, attempt, deps, core.log),
  );
  return { ocr, stop: () => ocr.close() };
}

/** A worker's own /metrics (and /healthz) on `port`, bound like the API. */
export async function serveMetrics(core: Core, port: number): Promise<{ stop(): Promise<void> }> {
  const metrics = createMetrics({ db: core.db, offsiteName: core.offsite.name, stages: STAGES.map((s) => s.id) });
  const server = http.createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    metrics
      .render()
      .then((body) => res.writeHead(200, { 'content-type': metrics.contentType }).end(body))
      .catch(() => res.writeHead(503).end());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, core.config.host, () => resolve());
  });
  return { stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
