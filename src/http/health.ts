/**
 * Probes for operators and orchestrators: /healthz (the process answers),
 * /readyz (the services it needs answer; integrity and replication lag shown
 * beside), /metrics (Prometheus). What they read of the archive grows with the
 * pending work only (kept counts, the pending replication list, the damaged
 * fixity rows), never with the archive's size. They are open to anyone, so that
 * part is computed at most once a second, however many ask: callers meanwhile
 * share the answer.
 */
import { Router } from 'express';
import type { SearchIndex } from '../../search/searchIndex';
import type { Db } from '../../storage/db';
import { openFixityProblems } from '../../storage/integrity/fixity';
import { replicationLag } from '../../storage/integrity/replication';
import type { ObjectStore } from '../../storage/objectStore';
import { failedDocuments, pingDb } from '../../storage/stats';
import type { Metrics } from '../runtime/metrics';

export interface HealthDeps {
  db: Db;
  primary: ObjectStore;
  offsite: ObjectStore;
  search: SearchIndex;
  metrics: Metrics;
}

/** How long a computed answer of the database-read parts is served again (short: monitors see changes at once). */
const WHOLE_ARCHIVE_TTL_MS = 1000;

/**
 * `compute`, run at most once per `ttlMs`: callers meanwhile, and callers while
 * it runs, share its answer. A failure is not kept (the next caller runs it again).
 */
function sharedFor<T>(ttlMs: number, compute: () => Promise<T>): () => Promise<T> {
  let last: { promise: Promise<T>; until: number } | undefined;
  return () => {
    if (last && Date.now() < last.until) return last.promise;
    const entry = { promise: compute(), until: Number.POSITIVE_INFINITY };
    last = entry;
    entry.promise.then(
      () => (entry.until = Date.now() + ttlMs),
      () => last === entry && (last = undefined),
    );
    return entry.promise;
  };
}

async function check(fn: () => Promise<unknown>): Promise<'up' | 'down'> {
  try {
    await Promise.race([fn(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 3000))]);
    return 'up';
  } catch {
    return 'down';
  }
}

export function healthRouter(deps: HealthDeps): Router {
  const router = Router();
  // Damaged objects do not take this node out of service (it serves the healthy copy), but they are raised here.
  // Documents that failed for good wait for a person (`diwan rerun`): counted here, never a reason to be unready.
  // The three reads go at once (each on its own connection), not one after another; each one failing is unknown (null).
  const wholeArchive = sharedFor(WHOLE_ARCHIVE_TTL_MS, async () => {
    const [damaged, replication, failed] = await Promise.all([
      openFixityProblems(deps.db).catch(() => null),
      replicationLag(deps.db, deps.offsite.name).catch(() => null),
      failedDocuments(deps.db, 0).catch(() => null),
    ]);
    return { damaged, replication, failed };
  });
  const metricsText = sharedFor(WHOLE_ARCHIVE_TTL_MS, () => deps.metrics.render());
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    // The database's reads start with the pings: used only when PostgreSQL answered its ping.
    const archive = wholeArchive();
    const [postgres, minioPrimary, minioOffsite, meilisearch] = await Promise.all([
      check(() => pingDb(deps.db)),
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
    const { damaged, replication, failed } =
      postgres === 'up' ? await archive : { damaged: null, replication: null, failed: null };
    res.status(ready ? 200 : 503).json({
      status: ready ? (minioOffsite === 'up' ? 'ready' : 'degraded') : 'not_ready',
      checks,
      integrity: { state: damaged === null ? 'unknown' : damaged === 0 ? 'ok' : 'damaged', unrepairedObjects: damaged },
      documents: { failed: failed?.count ?? null },
      replication: replication && {
        pending: replication.pending,
        oldestPendingSeconds: replication.oldestPendingSeconds,
        bytesPending: replication.bytesPending,
      },
    });
  });

  router.get('/metrics', async (_req, res, next) => {
    try {
      res.type(deps.metrics.contentType).send(await metricsText());
    } catch (e) {
      next(e);
    }
  });
  return router;
}
