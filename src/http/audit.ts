/**
 * The auditor's API: the ledger's chain and checkpoints, the audit report and
 * export, replication and Object Lock state, fixity sweeps on demand; and the
 * public key that verifies checkpoints, which anyone may fetch.
 */
import { Router } from 'express';
import type { AcceptDeps } from '../../ingest/intake/accept';
import { sweepUnfinished } from '../../ingest/intake/sweep';
import { auditReport } from '../../storage/integrity/auditReport';
import { listCheckpoints, makeCheckpoint, verifyCheckpoints, type SigningKey } from '../../storage/integrity/checkpoints';
import { checkpointConsistency, documentProof } from '../../storage/integrity/checkpointProofs';
import { DomainError } from '../../kernel/errors';
import type { DocumentRecord } from '../../storage/repos/documents';
import { exportHandler } from './auditExport';
import { startJob } from './jobs';
import { rangeJobNeeded } from '../../storage/integrity/mmrStore';
import { callerOf } from '../auth';
import { isUuid } from '../../kernel/text';
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

/**
 * A document by its id or its registry number, of any register ("2026/000123", "outgoing/2026/000001", URL-encoded;
 * or "2026-000123" where a slash cannot go).
 */
async function documentByIdOrNumber(deps: AuditDeps, ref: string): Promise<DocumentRecord> {
  const dashed = /^(\d{4})-(\d{1,9})$/.exec(ref);
  const doc = dashed
    ? await deps.documents.getByRegistry(Number(dashed[1]), Number(dashed[2]))
    : ((await deps.documents.getByRegistryNo(ref)) ?? (await deps.documents.get(ref)));
  if (!doc) throw new DomainError('not_found');
  return doc;
}

/** Behind authentication and the permission table (mounted under /api/v1). */
export function auditRouter(deps: AuditDeps): Router {
  const router = Router();
  // Recompute the ledger's hash chain: the first entry that does not follow from the one before, if any.
  // Only what is new since the last check that found it whole, unless ?deep=true (old rows rewritten since) or ?full=true;
  // the checkpoints likewise (the new ones), or all of them with either.
  router.get('/audit/ledger', async (req, res) => {
    const full = req.query.full === 'true';
    const deep = req.query.deep === 'true';
    const chain = await verifyLedger(deps.db, { full, deep });
    res.json({ ...chain, ...(await verifyCheckpoints(deps.db, deps.signingKey.publicKeyPem, { all: full || deep })) });
  });
  router.get('/audit/report', async (_req, res) => {
    res.json(await auditReport(deps.db, deps.signingKey.publicKeyPem));
  });
  // Sign the ledger's head now (besides the schedule), and list what was signed.
  // Signs now; when much archived is not yet in the range, a job builds it first and this answers 409 naming it.
  router.post('/audit/checkpoint', async (_req, res) => {
    const job = await rangeJobNeeded(deps.db, callerOf(res.locals).name);
    if (job) {
      throw new DomainError('range_building', { ar: `(المهمة ${job.id})`, en: `(job ${job.id}: diwan jobs ${job.id})` });
    }
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
  // That a document is under the latest checkpoint: its leaf, the path to its peak, the peaks, the checkpoint as signed.
  // The proof names the document's registry number and fingerprints only, as an export that withholds it does.
  router.get('/documents/:id/proof', async (req, res) => {
    const doc = await documentByIdOrNumber(deps, String(req.params.id));
    res.json(await documentProof(deps.db, doc.id, deps.signingKey.publicKeyPem));
  });
  // That an older checkpoint's range is a prefix of this one's (?from=ID of the older).
  router.get('/audit/checkpoints/:id/consistency', async (req, res) => {
    const newer = Number(req.params.id);
    const older = Number(req.query.from);
    if (!Number.isSafeInteger(newer) || !Number.isSafeInteger(older))
      throw new DomainError('bad_request', {
        ar: '(يلزم رقما نقطتي تحقق)',
        en: '(two checkpoint ids are needed: /audit/checkpoints/NEWER/consistency?from=OLDER)',
      });
    res.json(await checkpointConsistency(deps.db, older, newer, deps.signingKey.publicKeyPem));
  });
  // A fixity sweep now (all archived documents, or ?documentId=), as a job: its result names every damaged object.
  router.post('/fixity', async (req, res) => {
    const id = typeof req.query.documentId === 'string' ? req.query.documentId : undefined;
    if (id !== undefined && !isUuid(id))
      throw new DomainError('bad_request', { en: '(documentId is not an id)', ar: '(documentId ليس معرّفًا)' });
    await startJob(deps.db, res, 'fixity', id ? { documentId: id } : {});
  });
  return router;
}
