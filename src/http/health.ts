/**
 * Probes for operators and orchestrators: /healthz (the process answers),
 * /readyz (the services it needs answer; integrity and replication lag shown
 * beside), /metrics (Prometheus).
 */
import { Router } from 'express';
import type { SearchIndex } from '../../search/searchIndex';
import type { Db } from '../../storage/db';
import { openFixityProblems } from '../../storage/integrity/fixity';
import { replicationStatus } from '../../storage/integrity/replication';
import type { ObjectStore } from '../../storage/objectStore';
import { pingDb } from '../../storage/stats';
import type { Metrics } from '../runtime/metrics';

export interface HealthDeps {
  db: Db;
  primary: ObjectStore;
  offsite: ObjectStore;
  search: SearchIndex;
  metrics: Metrics;
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
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
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

  router.get('/metrics', async (_req, res, next) => {
    try {
      res.type(deps.metrics.contentType).send(await deps.metrics.render());
    } catch (e) {
      next(e);
    }
  });
  return router;
}
