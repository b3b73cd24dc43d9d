/**
 * The auditor's API: the ledger's chain and checkpoints, the audit report and
 * export, replication and Object Lock state, fixity sweeps on demand; and the
 * public key that verifies checkpoints, which anyone may fetch.
 */
import { Router } from 'express';
import { sweepUnfinished, type AcceptDeps } from '../../ingest/intake/accept';
import { auditReport } from '../../storage/integrity/auditReport';
import { listCheckpoints, makeCheckpoint, verifyCheckpoints, type SigningKey } from '../../storage/integrity/checkpoints';
import { exportHandler } from './auditExport';
import { sweepFixity } from '../../storage/integrity/fixity';
import { verifyLedger } from '../../storage/integrity/ledger';
import { replicationStatus } from '../../storage/integrity/replication';
import type { ObjectStore } from '../../storage/objectStore';

export interface AuditDeps extends AcceptDeps {
  offsite: ObjectStore;
  signingKey: SigningKey;
}

/** Public: the key that verifies ledger checkpoints, for anyone who must check them. */
export function publicKeyRouter(signingKey: SigningKey): Router {
  const router = Router();
  router.get('/api/v1/audit/public-key', (_req, res) => {
    res.set('X-Diwan-Key-Id', signingKey.keyId).type('application/x-pem-file').send(signingKey.publicKeyPem);
  });
  return router;
}

/** Behind authentication and the permission table (mounted under /api/v1). */
export function auditRouter(deps: AuditDeps): Router {
  const router = Router();
  // Recompute the ledger's hash chain: the first entry that does not follow from the one before, if any.
  // Only what is new since the last check that found it whole, unless ?full=true.
  router.get('/audit/ledger', async (req, res) => {
    const chain = await verifyLedger(deps.db, { full: req.query.full === 'true' });
    res.json({ ...chain, ...(await verifyCheckpoints(deps.db, deps.signingKey.publicKeyPem)) });
  });
  router.get('/audit/report', async (_req, res) => {
    res.json(await auditReport(deps.db, deps.signingKey.publicKeyPem));
  });
  // Sign the ledger's head now (besides the schedule), and list what was signed.
  router.post('/audit/checkpoint', async (_req, res) => {
    res.status(201).json(await makeCheckpoint(deps, deps.signingKey));
  });
  // Everything an auditor needs offline, streamed (auditExport.ts): as JSON, or as lines (?format=ndjson).
  router.get('/audit/export', exportHandler(deps));
  // How far the offsite copy is behind, and whether each bucket keeps objects under Object Lock.
  router.get('/replication', async (_req, res) => {
    const [status, primaryLock, offsiteLock] = await Promise.all([
      replicationStatus(deps.db, deps.offsite.name),
      deps.primary.objectLock().catch((e: unknown) => ({ enabled: false, detail: String(e) })),
      deps.offsite.objectLock().catch((e: unknown) => ({ enabled: false, detail: `unreachable: ${String(e)}` })),
    ]);
    res.json({ ...status, target: deps.offsite.name, objectLock: { primary: primaryLock, offsite: offsiteLock } });
  });
  // Queue every document whose offsite copy is not complete (besides the periodic sweep).
  router.post('/replication/catch-up', async (_req, res) => {
    res.json(await sweepUnfinished(deps));
  });
  router.get('/audit/checkpoints', async (_req, res) => {
    res.json({ keyId: deps.signingKey.keyId, checkpoints: await listCheckpoints(deps.db) });
  });
  // Run a fixity sweep now (all archived documents, or ?documentId=): the report names every damaged object.
  router.post('/fixity', async (req, res) => {
    const id = typeof req.query.documentId === 'string' ? req.query.documentId : undefined;
    res.json(await sweepFixity(deps, id ? { documentIds: [id] } : {}));
  });
  return router;
}
