/**
 * Prometheus metrics (prom-client; only this file imports it), one registry
 * per process. Counters and timings are this process's own: HTTP latencies,
 * pipeline stages run and their durations, pages, OCR confidence. Gauges of
 * the archive's state are read from the database when scraped, so any process
 * reports them: queue depth by stage, replication lag, fixity, documents by
 * status. What came in, by source and kind, is a set of counters read from the
 * kept intake counts (intake_counts) at scrape, so they are the archive's own
 * totals whichever process took the files. `diwan serve` answers at /metrics;
 * `diwan worker` on DIWAN_METRICS_PORT.
 */
import client from 'prom-client';
import type { PipelineMetrics } from '../../ingest/stages/stage';
import type { Db } from '../../storage/db';
import type { TokenCacheState } from '../../storage/repos/tokenCache';
import { openFixityProblems } from '../../storage/integrity/fixity';
import { replicationLag } from '../../storage/integrity/replication';
import { documentStatusCounts, fixityStateCounts, heldCount, unfinishedStages } from '../../storage/stats';
import { dueCounts } from '../../storage/records/retention';
import { transferCounts } from '../../storage/records/transfers';
import { holdSyncPending } from '../../storage/records/holds';
import { INTAKE_SOURCES, type IntakeKind } from '../../storage/repos/batches';
import { intakeTotals } from '../../storage/repos/intakeCounts';

const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry, prefix: 'diwan_process_' });

const httpDuration = new client.Histogram({
  name: 'diwan_http_request_duration_seconds',
  help: 'HTTP requests by method, route and status',
  labelNames: ['method', 'route', 'status'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});
const stagesRun = new client.Counter({
  name: 'diwan_pipeline_stages_total',
  help: 'Pipeline stages run, by stage and result (done, skipped, duplicate, retry, failed)',
  labelNames: ['stage', 'result'],
  registers: [registry],
});
const stageSeconds = new client.Histogram({
  name: 'diwan_pipeline_stage_duration_seconds',
  help: 'Time a stage took on one document',
  labelNames: ['stage'],
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900],
  registers: [registry],
});
const pagesDone = new client.Counter({
  name: 'diwan_pipeline_pages_total',
  help: 'Pages that went through a stage',
  labelNames: ['stage'],
  registers: [registry],
});
const ocrConfidence = new client.Histogram({
  name: 'diwan_ocr_page_confidence',
  help: 'Mean word confidence of each page read by OCR (0-100)',
  buckets: [10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 100],
  registers: [registry],
});

/** What the pipeline reports into this process's registry. */
export const pipelineMetrics: PipelineMetrics = {
  stage(stage, result, seconds, pages) {
    stagesRun.inc({ stage, result });
    stageSeconds.observe({ stage }, seconds);
    if (result === 'done' || result === 'skipped') pagesDone.inc({ stage }, pages);
  },
  ocrConfidence(c) {
    ocrConfidence.observe(c);
  },
};

export function observeHttp(method: string, route: string, status: number, seconds: number): void {
  httpDuration.observe({ method, route, status: String(status) }, seconds);
}

/** Every kind a received file can become, so each series is there (at 0) before its first file. */
const INTAKE_KINDS: readonly IntakeKind[] = ['file', 'stack', 'office', 'email', 'attachment'];

/**
 * The intake counters, set from the archive's totals: a counter per (source, kind) for documents and pages, per
 * source for blank pages dropped and separator sheets. They only grow (intake_counts is only added to).
 */
function intakeCounters() {
  const counter = (name: string, help: string, labelNames: string[]) =>
    (registry.getSingleMetric(name) as client.Counter | undefined) ??
    new client.Counter({ name, help, labelNames, registers: [registry] });
  const documents = counter('diwan_intake_documents_total', 'Documents made of what came in, by source and kind', [
    'source',
    'kind',
  ]);
  const pages = counter('diwan_intake_pages_total', 'Pages of the documents made of what came in, by source and kind', [
    'source',
    'kind',
  ]);
  const blank = counter('diwan_intake_blank_pages_dropped_total', 'Blank pages dropped from scanned stacks, by source', [
    'source',
  ]);
  const separators = counter('diwan_intake_separators_total', 'Separator sheets found in scanned stacks, by source', ['source']);
  return async (db: Db) => {
    const totals = await intakeTotals(db);
    for (const c of [documents, pages, blank, separators]) c.reset();
    for (const source of INTAKE_SOURCES) {
      blank.inc({ source }, 0);
      separators.inc({ source }, 0);
      for (const kind of INTAKE_KINDS) {
        documents.inc({ source, kind }, 0);
        pages.inc({ source, kind }, 0);
      }
    }
    for (const t of totals) {
      documents.inc({ source: t.source, kind: t.kind }, t.documents);
      pages.inc({ source: t.source, kind: t.kind }, t.pages);
      blank.inc({ source: t.source }, t.blankPages);
      separators.inc({ source: t.source }, t.separators);
    }
  };
}

type GaugeOf = (name: string, help: string, labelNames?: string[]) => client.Gauge;

/**
 * This process's token cache: whether it is in use (its listening connection up; while it is not, every request
 * asks the database), how often that connection was lost, and how lookups were answered since the start.
 */
function tokenCacheGauges(gauge: GaugeOf): (s: TokenCacheState) => void {
  const listening = gauge('diwan_token_cache_listening', "1 while this process's token cache hears changes and is used, else 0");
  const losses = gauge(
    'diwan_token_cache_losses',
    "Times this process's token cache lost its listening connection since the start",
  );
  const entries = gauge('diwan_token_cache_entries', "Tokens this process's cache holds now");
  const lookups = gauge(
    'diwan_token_cache_lookups',
    'Token lookups since the start: from the cache (hit) or the database (miss)',
    ['result'],
  );
  return (s) => {
    listening.set(s.listening ? 1 : 0);
    losses.set(s.losses);
    entries.set(s.entries);
    lookups.set({ result: 'hit' }, s.hits);
    lookups.set({ result: 'miss' }, s.misses);
  };
}

export interface Metrics {
  contentType: string;
  render(): Promise<string>;
}

/** The registry, with the database-read gauges refreshed on each scrape. */
export function createMetrics(deps: {
  db: Db;
  offsiteName: string;
  stages: readonly string[];
  /** This process's cache of verified tokens (storage/repos/tokenCache.ts), when it serves the API. */
  tokenCache?: () => TokenCacheState;
}): Metrics {
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    (registry.getSingleMetric(name) as client.Gauge | undefined) ??
    new client.Gauge({ name, help, labelNames, registers: [registry] });
  const pending = gauge('diwan_replication_pending_documents', 'Documents with a file not yet verified offsite');
  const oldest = gauge('diwan_replication_oldest_pending_seconds', 'Age of the oldest file not yet verified offsite');
  const bytes = gauge('diwan_replication_pending_bytes', 'Bytes not yet verified offsite');
  const damaged = gauge('diwan_fixity_unrepaired_objects', 'Stored objects found damaged or missing and not yet repaired');
  const fixity = gauge('diwan_fixity_objects', "Stored objects by their latest fixity check's result", ['state']);
  const documents = gauge('diwan_documents', 'Documents by status', ['status']);
  const queue = gauge('diwan_queue_depth', 'Unfinished documents by the stage they wait for', ['stage']);
  const due = gauge('diwan_documents_due', 'Documents due (not destroyed), by the action at the end', ['action']);
  const transfers = gauge('diwan_transfers_total', 'Transfers to another archive, by state (open: no bag yet)', ['state']);
  const held = gauge('diwan_documents_held', 'Documents under a legal hold not lifted');
  const destroyed = gauge('diwan_documents_destroyed', 'Documents lawfully destroyed (their tombstones kept)');
  const holdSync = gauge('diwan_legal_hold_sync_pending', "Documents whose objects' S3 legal hold is still to be set or lifted");
  const intake = intakeCounters();
  const tokens = tokenCacheGauges(gauge);
  return {
    contentType: registry.contentType,
    async render() {
      const r = await replicationLag(deps.db, deps.offsiteName);
      pending.set(r.pending);
      oldest.set(r.oldestPendingSeconds);
      bytes.set(r.bytesPending);
      damaged.set(await openFixityProblems(deps.db));
      const checked = await fixityStateCounts(deps.db);
      fixity.reset();
      for (const state of ['ok', 'mismatch', 'missing', 'repaired']) fixity.set({ state }, 0);
      for (const [state, n] of checked) fixity.set({ state }, n);
      const byStatus = await documentStatusCounts(deps.db);
      documents.reset();
      // Every status is reported, 0 included, so that an alert on failed documents has a series to watch.
      for (const status of ['queued', 'processing', 'archived', 'failed']) documents.set({ status }, 0);
      for (const [status, n] of byStatus) documents.set({ status }, n);
      const unfinished = await unfinishedStages(deps.db);
      queue.reset();
      for (const s of deps.stages) queue.set({ stage: s }, 0);
      for (const stages of unfinished) {
        const next = deps.stages.find((s) => !stages[s]);
        if (next) queue.inc({ stage: next });
      }
      // From the due-date index: only the documents already due are read.
      const dueByAction = await dueCounts(deps.db);
      due.reset();
      for (const action of ['review', 'destroy', 'transfer'] as const) due.set({ action }, dueByAction.get(action) ?? 0);
      const transferStates = await transferCounts(deps.db);
      for (const state of ['open', 'complete'] as const) transfers.set({ state }, transferStates[state]);
      // Held: from the holds' document index; destroyed: the status counts already kept in stat_totals.
      held.set(await heldCount(deps.db));
      destroyed.set(byStatus.get('destroyed') ?? 0);
      holdSync.set(await holdSyncPending(deps.db));
      // What came in: one GROUP BY over the kept daily counts (a few rows a day).
      await intake(deps.db);
      if (deps.tokenCache) tokens(deps.tokenCache());
      return registry.metrics();
    },
  };
}
