/**
 * Pipeline workers in this process (`diwan serve` by default, `diwan worker`),
 * and a worker's own /metrics. What a worker does with a job, and its
 * last-attempt policy, is ingest/worker.ts.
 */
import http from 'node:http';
import { createOcrEngine, type OcrEngine } from '../../ingest/ocr/engine';
import { prepareLanguageData } from '../../ingest/ocr/languages';
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
  const { langs, numberLang, workers, recycleAfterPages } = core.config.ocr;
  const cacheDir = core.config.cacheDir;
  // A model that is missing stops the start here, not the first page.
  prepareLanguageData(cacheDir, [...langs, ...(numberLang ? [numberLang] : [])]);
  const ocr = startedOnFirstPage(() => createOcrEngine({ cacheDir, langs, numberLang, workers, recycleAfterPages }), workers);
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

/**
 * The OCR engine, started when the first page needs it. Loading the models costs each reader seconds of CPU,
 * which a process that reads no page (an API whose pages are read by workers elsewhere, a start to check
 * settings, a short-lived test archive) should not spend. A start that fails is tried again by the next page.
 */
function startedOnFirstPage(start: () => Promise<OcrEngine>, workers: number): OcrEngine {
  let starting: Promise<OcrEngine> | undefined;
  let started: OcrEngine | undefined;
  const engine = () =>
    (starting ??= start().then(
      (e) => (started = e),
      (e: unknown) => {
        starting = undefined;
        throw e;
      },
    ));
  return {
    recognize: async (image, opts) => (await engine()).recognize(image, opts),
    stats: () => started?.stats() ?? { pages: 0, recycled: 0, timeouts: 0, workers },
    async close() {
      const e = await starting?.catch(() => undefined);
      await e?.close();
    },
  };
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
