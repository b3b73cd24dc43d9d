/**
 * The composition root: connects to (or starts) every service, applies
 * migrations, and wires the pieces for `serve`, `worker` and the tests.
 * Shutdown runs in order: HTTP, then workers, then connections, then the
 * embedded services.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmbeddedServices } from './services/embedded';
import { sweepUnfinished, type AcceptDeps } from '../../ingest/intake/accept';
import { createJobQueue, installJobQueue, QUEUE_SCHEMA, type JobQueue } from '../../ingest/adapters/queue';
import { createOcrEngine, type OcrEngine } from '../../ingest/ocr/engine';
import { DERIVED_STAGES, fail, processDocument, RetryLater, STAGES } from '../../ingest/pipeline';
import { ensureIndexFormat } from '../../search/reindex';
import { loadSigningKey, makeCheckpoint, type SigningKey } from '../../storage/integrity/checkpoints';
import { sweepFixity } from '../../storage/integrity/fixity';
import { giveUpReading } from '../../ingest/reocr';
import type { PipelineDeps } from '../../ingest/stages/stage';
import { createSearchIndex, type SearchIndex } from '../../search/searchIndex';
import { createDb, grantAppRole, migrate, type Db } from '../../storage/db';
import { createBatchesRepo, type BatchesRepo } from '../../storage/repos/batches';
import { createUsersRepo, generatePassword, type UsersRepo } from '../../storage/repos/users';
import { createDocumentsRepo, type DocumentsRepo } from '../../storage/repos/documents';
import { createTextVersionsRepo, type TextVersionsRepo } from '../../storage/repos/textVersions';
import { createObjectStore, type ObjectStore } from '../../storage/objectStore';
import { isKept } from '../../storage/layout';
import { createApp } from '../http/app';
import { resolveAdminToken } from '../auth';
import type { Config } from '../config';
import { createLogger, type Logger } from '../../kernel/log';
import { createMetrics, pipelineMetrics } from './metrics';

export interface Core {
  config: Config;
  log: Logger;
  db: Db;
  documents: DocumentsRepo;
  textVersions: TextVersionsRepo;
  batches: BatchesRepo;
  users: UsersRepo;
  primary: ObjectStore;
  offsite: ObjectStore;
  search: SearchIndex;
  queue: JobQueue;
  stop(): Promise<void>;
}

/** Connects to every service (starting embedded ones when unconfigured) and prepares schema, buckets and index. */
export async function startCore(configIn: Config, log: Logger = createLogger(configIn.log)): Promise<Core> {
  fs.mkdirSync(configIn.dataDir, { recursive: true });
  const services = await startEmbeddedServices(configIn, log);
  const config = services.config;
  const stops: Array<() => Promise<void>> = [services.stop];
  try {
    // Each running job holds one connection for its document lock, besides what its stages use.
    const db = createDb(config.databaseUrl!, 10 + 2 * Math.max(config.workerConcurrency, config.ocr.workers));
    stops.unshift(() => db.end());
    const separateOwner = await prepareDatabase(config, db, log);
    const retention = { ms: config.retentionMs, applies: isKept };
    const primary = createObjectStore('primary', config.s3!, retention);
    const offsite = createObjectStore('offsite', config.offsite!, retention);
    await primary.ensureBucket();
    // An offsite copy that is away does not keep the archive from starting: replication waits for it.
    await offsite
      .ensureBucket()
      .catch((e: unknown) =>
        log.warn('offsite storage unreachable at start: documents will wait for their offsite copy', { error: String(e) }),
      );
    const search = createSearchIndex({ url: config.meili!.url, key: config.meili!.key, index: config.meiliIndex });
    await search.ensureIndex();
    const queue = createJobQueue(config.databaseUrl!, log, { installed: separateOwner });
    await queue.start();
    stops.unshift(() => queue.stop());
    return {
      config,
      log,
      db,
      documents: createDocumentsRepo(db),
      textVersions: createTextVersionsRepo(db),
      batches: createBatchesRepo(db),
      users: createUsersRepo(db),
      primary,
      offsite,
      search,
      queue,
      async stop() {
        for (const s of stops) await s().catch((e: unknown) => log.warn('shutdown step failed', { error: String(e) }));
      },
    };
  } catch (e) {
    for (const s of stops) await s().catch(() => undefined);
    throw e;
  }
}

/**
 * Migrates the schema. With DATABASE_OWNER_URL the owner migrates, installs the
 * job queue and grants the application's role (DATABASE_URL) only what it
 * needs; returns whether it did. Otherwise the application's role migrates itself.
 */
async function prepareDatabase(config: Config, db: Db, log: Logger): Promise<boolean> {
  if (!config.databaseOwnerUrl) {
    await migrate(db);
    return false;
  }
  const owner = createDb(config.databaseOwnerUrl, 2);
  try {
    const app = (await db.query<{ role: string }>('SELECT current_user AS role')).rows[0]!.role;
    const own = (await owner.query<{ role: string }>('SELECT current_user AS role')).rows[0]!.role;
    await migrate(owner);
    if (app === own) return false;
    await installJobQueue(config.databaseOwnerUrl, log);
    await grantAppRole(owner, app, QUEUE_SCHEMA);
    return true;
  } finally {
    await owner.end();
  }
}

export function acceptDeps(core: Core): AcceptDeps {
  return {
    db: core.db,
    documents: core.documents,
    primary: core.primary,
    queue: core.queue,
    batches: core.batches,
    limits: core.config.limits,
    spoolDir: core.config.spoolDir,
    log: core.log,
  };
}

/** Starts pipeline workers in this process; returns a function that stops the OCR engine. */
export async function startWorkers(core: Core): Promise<{ ocr: OcrEngine; stop(): Promise<void> }> {
  const ocr = await createOcrEngine({
    cacheDir: core.config.cacheDir,
    langs: core.config.ocr.langs,
    numberLang: core.config.ocr.numberLang,
    workers: core.config.ocr.workers,
  });
  const deps: PipelineDeps = {
    config: core.config,
    db: core.db,
    documents: core.documents,
    textVersions: core.textVersions,
    primary: core.primary,
    offsite: core.offsite,
    search: core.search,
    ocr,
    log: core.log,
    metrics: pipelineMetrics,
  };
  await core.queue.work(Math.max(core.config.workerConcurrency, core.config.ocr.workers), async (documentId, attempt) => {
    try {
      const outcome = await processDocument(documentId, deps);
      // Another worker holds the document (finishing a run, say, while a re-reading was queued):
      // this job comes back shortly, with backoff, instead of waiting for the sweep.
      if (outcome === 'busy') throw new Error('document busy in another worker');
      core.log.info('document processed', { documentId, outcome });
    } catch (e) {
      const message = (e as Error).message;
      if (attempt.lastAttempt && e instanceof RetryLater && e.stage === 'reocr') {
        await giveUpReading(deps, documentId, message);
        core.log.error('re-reading failed', { documentId, error: message });
        return;
      }
      // Only a stage that makes the archive's content gives up for good; anything else waits for the sweep.
      if (attempt.lastAttempt && e instanceof RetryLater && !DERIVED_STAGES.has(e.stage)) {
        await fail(deps, documentId, 'internal', `gave up after ${attempt.retryCount + 1} attempts: ${message}`);
        core.log.error('document failed', { documentId, error: message });
        return;
      }
      core.log.warn('document will be retried', { documentId, error: message, retry: e instanceof RetryLater });
      throw e;
    }
  });
  return { ocr, stop: () => ocr.close() };
}

/**
 * Runs `job` every `hours` (the first time one interval after start), one run
 * at a time, its failures logged and never thrown; none when `hours` is 0.
 */
function every(core: Core, hours: number, name: string, job: () => Promise<void>): { stop(): Promise<void> } {
  if (hours <= 0) return { stop: async () => undefined };
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(
    () => {
      running = running.then(() => job().catch((e: unknown) => core.log.warn(`${name} failed`, { error: String(e) })));
    },
    hours * 3600 * 1000,
  );
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

/** A signed ledger checkpoint every DIWAN_CHECKPOINT_HOURS. */
export function startCheckpointSchedule(core: Core, signingKey: SigningKey): { stop(): Promise<void> } {
  return every(core, core.config.checkpoints.everyHours, 'ledger checkpoint', async () => {
    const c = await makeCheckpoint(core, signingKey);
    core.log.info('ledger checkpoint', { ledgerSeq: c.body.ledgerSeq, documents: c.body.documents });
  });
}

/** A paced fixity sweep every DIWAN_FIXITY_HOURS. */
export function startFixitySchedule(core: Core): { stop(): Promise<void> } {
  const { everyHours, bytesPerSecond } = core.config.fixity;
  return every(core, everyHours, 'fixity sweep', async () => {
    const r = await sweepFixity(core, { maxBytesPerSecond: bytesPerSecond });
    const fields = { documents: r.documents, objects: r.objects, findings: r.findings.length, unrepaired: r.unrepaired };
    if (r.findings.length > 0) core.log.warn('fixity sweep', fields);
    else core.log.info('fixity sweep', fields);
  });
}

/** Runs the sweep now and then every `sweepSeconds`, one run at a time. */
export function startSweeper(core: Core): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const tick = () => {
    running = sweepUnfinished(acceptDeps(core))
      .then((r) => {
        if (r.requeued || r.waiting) core.log.info('sweep', r);
      })
      .catch((e: unknown) => core.log.warn('sweep failed', { error: String(e) }))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, core.config.sweepSeconds * 1000);
      });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
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

export interface Server {
  core: Core;
  url: string;
  port: number;
  adminToken: string;
  stop(): Promise<void>;
}

/** `diwan serve`: the API (and, by default, in-process workers) on the configured port. */
export async function startServer(
  config: Config,
  opts: {
    log?: Logger;
    onAdminToken?: (token: string) => void;
    /** The first start makes an administrator for the viewer; its password is given here, once. */
    onFirstAdmin?: (username: string, password: string) => void;
  } = {},
): Promise<Server> {
  const core = await startCore(config, opts.log);
  const { token, generated } = resolveAdminToken(core.config.dataDir, core.config.adminToken);
  if (generated) opts.onAdminToken?.(token);
  if ((await core.users.count()) === 0) {
    const password = generatePassword();
    await core.users.add({
      username: 'admin',
      displayName: 'مدير النظام',
      role: 'admin',
      clearance: 'secret',
      departments: null,
      password,
    });
    opts.onFirstAdmin?.('admin', password);
  }
  const workers = core.config.inProcessWorkers ? await startWorkers(core) : undefined;
  const sweeper = startSweeper(core);
  const fixity = startFixitySchedule(core);
  // The signing key is the server's alone (workers on other machines never need it).
  const signingKey = loadSigningKey(core.config.checkpoints.keyFile);
  const checkpoints = startCheckpointSchedule(core, signingKey);
  // After an upgrade that changed the index's records, rebuild it once, in the background.
  const indexRefresh = ensureIndexFormat({ ...core, reviewBelow: core.config.ocr.reviewBelow })
    .then((r) => r && core.log.info('search index rebuilt in the current format', { ...r }))
    .catch((e: unknown) => core.log.warn('search index not rebuilt: run diwan reindex', { error: String(e) }));

  const app = createApp({
    ...acceptDeps(core),
    offsite: core.offsite,
    search: core.search,
    adminToken: token,
    users: core.users,
    maxRequestBytes: core.config.limits.maxRequestBytes,
    maxFilesPerRequest: core.config.limits.maxFilesPerRequest,
    reviewBelow: core.config.ocr.reviewBelow,
    verifyPerMinute: core.config.verifyPerMinute,
    textVersions: core.textVersions,
    signingKey,
    archive: core.config.archive,
    trustProxy: core.config.trustProxy,
    log: core.log,
  });
  // A client that trickles or stalls is cut off; the headers must come within a minute (or the whole timeout, when shorter).
  const server = http.createServer(
    {
      requestTimeout: core.config.requestTimeoutMs,
      headersTimeout: Math.min(60_000, core.config.requestTimeoutMs),
      connectionsCheckingInterval: Math.min(30_000, Math.max(500, core.config.requestTimeoutMs / 4)),
    },
    app,
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(core.config.port, core.config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = core.config.host === '0.0.0.0' ? '127.0.0.1' : core.config.host;
  return {
    core,
    port,
    url: `http://${shownHost}:${port}`,
    adminToken: token,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await sweeper.stop();
      await fixity.stop();
      await checkpoints.stop();
      await indexRefresh;
      await core.stop();
      await workers?.stop();
    },
  };
}
