/**
 * Prometheus metrics at /metrics (prom-client; only this file imports it).
 * Gauges are read from the database when scraped, so every process reports the
 * archive's state, whichever of them did the work.
 */
import client from 'prom-client';
import type { Db } from '../storage/db';
import { openFixityProblems } from '../storage/fixity';
import { replicationStatus } from '../storage/replication';

export interface Metrics {
  contentType: string;
  render(): Promise<string>;
}

export function createMetrics(deps: { db: Db; offsiteName: string }): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'diwan_process_' });
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new client.Gauge({ name, help, labelNames, registers: [registry] });
  const pending = gauge('diwan_replication_pending_documents', 'Documents with a file not yet verified offsite');
  const oldest = gauge('diwan_replication_oldest_pending_seconds', 'Age of the oldest file not yet verified offsite');
  const bytes = gauge('diwan_replication_pending_bytes', 'Bytes not yet verified offsite');
  const damaged = gauge('diwan_fixity_unrepaired_objects', 'Stored objects found damaged or missing and not yet repaired');
  const documents = gauge('diwan_documents', 'Documents by status', ['status']);
  return {
    contentType: registry.contentType,
    async render() {
      const r = await replicationStatus(deps.db, deps.offsiteName);
      pending.set(r.pending);
      oldest.set(r.oldestPendingSeconds);
      bytes.set(r.bytesPending);
      damaged.set(await openFixityProblems(deps.db));
      const byStatus = await deps.db.query<{ status: string; n: number }>(
        'SELECT status, count(*)::int AS n FROM documents GROUP BY status',
      );
      documents.reset();
      for (const row of byStatus.rows) documents.set({ status: row.status }, row.n);
      return registry.metrics();
    },
  };
}
