/**
 * The HTTP application, built from an explicit dependency object. The server,
 * the workers and the tests all build it the same way.
 */
import express from 'express';
import helmet from 'helmet';
import { sweepUnfinished, type AcceptDeps } from '../../ingest/intake/accept';
import type { SearchIndex } from '../../search/searchIndex';
import type { Db } from '../../storage/db';
import type { TextVersionsRepo } from '../../storage/repos/textVersions';
import type { ObjectStore } from '../../storage/objectStore';
import { auditReport } from '../../storage/integrity/auditReport';
import { listCheckpoints, makeCheckpoint, verifyCheckpoints, type SigningKey } from '../../storage/integrity/checkpoints';
import { openFixityProblems, sweepFixity } from '../../storage/integrity/fixity';
import { allLedgerEntries, verifyLedgerChain } from '../../storage/integrity/ledger';
import { replicationStatus } from '../../storage/integrity/replication';
import { authenticate } from '../auth';
import { authorize } from './policy';
import { usersRouter } from './users';
import type { UsersRepo } from '../../storage/repos/users';
import type { Config } from '../config';
import { CSP_DIRECTIVES, viewerRouter } from '../web/router';
import { createMetrics, observeHttp } from '../runtime/metrics';
import crypto from 'node:crypto';
import { STAGES } from '../../ingest/pipeline';
import { DomainError } from '../../kernel/errors';
import type { Logger } from '../../kernel/log';
import { batchesRouter } from './batches';
import { documentsRouter } from './documents';
import { errorHandler } from './errors';
import { searchRouter } from './search';
import { verifyRouter } from './verify';

export interface AppDeps extends AcceptDeps {
  db: Db;
  offsite: ObjectStore;
  search: SearchIndex;
  adminToken: string;
  users: UsersRepo;
  maxRequestBytes: number;
  maxFilesPerRequest: number;
  reviewBelow: number;
  verifyPerMinute: number;
  textVersions: TextVersionsRepo;
  signingKey: SigningKey;
  /** What the stamp says and where its QR code points (the viewer shows it). */
  archive: Config['archive'];
  /** Express's `trust proxy`, so rate limits and logs see the client behind the TLS proxy. */
  trustProxy?: string | number;
  log: Logger;
}

async function check(fn: () => Promise<unknown>): Promise<'up' | 'down'> {
  try {
    await Promise.race([fn(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 3000))]);
    return 'up';
  } catch {
    return 'down';
  }
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  const metrics = createMetrics({ db: deps.db, offsiteName: deps.offsite.name, stages: STAGES.map((s) => s.id) });
  app.disable('x-powered-by');
  if (deps.trustProxy !== undefined) app.set('trust proxy', deps.trustProxy);
  // Every request gets an id (the caller's X-Request-Id when it is sane), one log line and a latency sample.
  app.use((req, res, next) => {
    const given = req.get('x-request-id');
    const id = given && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : crypto.randomUUID();
    res.set('X-Request-Id', id);
    res.locals.log = deps.log.child({ reqId: id });
    const t0 = performance.now();
    res.on('finish', () => {
      const seconds = (performance.now() - t0) / 1000;
      const route = req.route
        ? `${req.baseUrl}${String(req.route.path)}`
        : res.statusCode === 404
          ? 'unmatched'
          : req.baseUrl || 'other';
      observeHttp(req.method, route, res.statusCode, seconds);
      const caller = (res.locals.caller as { name?: string } | undefined)?.name;
      const quiet = req.path === '/healthz' || req.path === '/readyz' || req.path === '/metrics';
      (res.locals.log as Logger)[quiet ? 'debug' : 'info']('request', {
        method: req.method,
        path: req.path,
        route,
        status: res.statusCode,
        ms: Math.round(seconds * 1000),
        ...(caller ? { caller } : {}),
      });
    });
    next();
  });
  // Security headers everywhere, with the viewer's strict Content-Security-Policy (API answers are JSON).
  app.use(
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
      crossOriginEmbedderPolicy: false,
      strictTransportSecurity: false, // TLS is ended in front of Diwan; the proxy sets HSTS
    }),
  );
  app.set('query parser', 'simple');

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    const [postgres, minioPrimary, minioOffsite, meilisearch] = await Promise.all([
      check(() => deps.db.query('SELECT 1')),
      check(() => deps.primary.ping()),
      check(() => deps.offsite.ping()),
      check(async () => {
        if (!(await deps.search.ping())) throw new Error('unavailable');
      }),
    ]);
    const checks = { postgres, objectStorePrimary: minioPrimary, objectStoreOffsite: minioOffsite, meilisearch };
    // The offsite copy being away does not stop this node taking uploads and serving: its work waits in the
    // queue and catches up. The node says it is degraded, and the lag below grows until the copy returns.
    const ready = postgres === 'up' && minioPrimary === 'up' && meilisearch === 'up';
    // Damaged objects do not take this node out of service (it serves the healthy copy), but they are raised here.
    const damaged = postgres === 'up' ? await openFixityProblems(deps.db).catch(() => null) : null;
    const replication = postgres === 'up' ? await replicationStatus(deps.db, deps.offsite.name).catch(() => null) : null;
    res.status(ready ? 200 : 503).json({
      status: ready ? (minioOffsite === 'up' ? 'ready' : 'degraded') : 'not_ready',
      checks,
      integrity: { state: damaged === null ? 'unknown' : damaged === 0 ? 'ok' : 'damaged', unrepairedObjects: damaged },
      replication: replication && {
        pending: replication.pending,
        oldestPendingSeconds: replication.oldestPendingSeconds,
        bytesPending: replication.bytesPending,
      },
    });
  });

  app.get('/metrics', async (_req, res, next) => {
    try {
      res.type(metrics.contentType).send(await metrics.render());
    } catch (e) {
      next(e);
    }
  });

  // Public: the key that verifies ledger checkpoints, for anyone who must check them.
  app.get('/api/v1/audit/public-key', (_req, res) => {
    res.set('X-Diwan-Key-Id', deps.signingKey.keyId).type('application/x-pem-file').send(deps.signingKey.publicKeyPem);
  });

  // Public: where a stamp's QR code leads. No token.
  app.use(verifyRouter({ documents: deps.documents, perMinute: deps.verifyPerMinute }));

  const api = express.Router();
  api.use(authenticate(deps.adminToken, deps.users));
  api.use(express.json({ limit: '256kb' }));
  api.use(authorize(deps.users));
  api.use(usersRouter(deps.users));
  api.use(documentsRouter(deps));
  api.use(batchesRouter(deps));
  api.use(searchRouter(deps));
  // Recompute the ledger's hash chain: the first entry that does not follow from the one before, if any.
  api.get('/audit/ledger', async (_req, res) => {
    res.json({ ...(await verifyLedgerChain(deps.db)), ...(await verifyCheckpoints(deps.db, deps.signingKey.publicKeyPem)) });
  });
  api.get('/audit/report', async (_req, res) => {
    res.json(await auditReport(deps.db, deps.signingKey.publicKeyPem));
  });
  // Sign the ledger's head now (besides the schedule), and list what was signed.
  api.post('/audit/checkpoint', async (_req, res) => {
    res.status(201).json(await makeCheckpoint(deps, deps.signingKey));
  });
  // Everything an auditor needs offline: the ledger, the checkpoints, the public key, every manifest as stored.
  api.get('/audit/export', async (_req, res) => {
    const manifests = [];
    for (const id of await deps.documents.archivedIds()) {
      const m = (await deps.documents.artefacts(id)).find((a) => a.kind === 'manifest');
      if (m) manifests.push({ key: m.key, sha256: m.sha256, text: (await deps.primary.getBuffer(m.key)).toString('utf8') });
    }
    res.json({
      format: 'diwan-audit-bundle/1',
      exportedAt: new Date().toISOString(),
      keyId: deps.signingKey.keyId,
      publicKey: deps.signingKey.publicKeyPem,
      ledger: await allLedgerEntries(deps.db),
      checkpoints: await listCheckpoints(deps.db),
      manifests,
    });
  });
  // How far the offsite copy is behind, and whether each bucket keeps objects under Object Lock.
  api.get('/replication', async (_req, res) => {
    const [status, primaryLock, offsiteLock] = await Promise.all([
      replicationStatus(deps.db, deps.offsite.name),
      deps.primary.objectLock().catch((e: unknown) => ({ enabled: false, detail: String(e) })),
      deps.offsite.objectLock().catch((e: unknown) => ({ enabled: false, detail: `unreachable: ${String(e)}` })),
    ]);
    res.json({ ...status, target: deps.offsite.name, objectLock: { primary: primaryLock, offsite: offsiteLock } });
  });
  // Queue every document whose offsite copy is not complete (besides the periodic sweep).
  api.post('/replication/catch-up', async (_req, res) => {
    res.json(await sweepUnfinished(deps));
  });
  api.get('/audit/checkpoints', async (_req, res) => {
    res.json({ keyId: deps.signingKey.keyId, checkpoints: await listCheckpoints(deps.db) });
  });
  // Run a fixity sweep now (all archived documents, or ?documentId=): the report names every damaged object.
  api.post('/fixity', async (req, res) => {
    const id = typeof req.query.documentId === 'string' ? req.query.documentId : undefined;
    res.json(await sweepFixity(deps, id ? { documentIds: [id] } : {}));
  });
  api.use((_req, _res, next) => next(new DomainError('not_found')));
  app.use('/api/v1', api);

  // The viewer: search, documents, upload, audit (Arabic first, signed in with the access token).
  app.use(
    viewerRouter({
      adminToken: deps.adminToken,
      users: deps.users,
      db: deps.db,
      documents: deps.documents,
      batches: deps.batches,
      search: deps.search,
      primary: deps.primary,
      offsite: deps.offsite,
      archive: deps.archive,
      signingKeyPem: deps.signingKey.publicKeyPem,
      spoolDir: deps.spoolDir,
      maxFileBytes: deps.limits.maxFileBytes,
    }),
  );

  app.use((_req, _res, next) => next(new DomainError('not_found')));
  app.use(errorHandler(deps.log));
  return app;
}
