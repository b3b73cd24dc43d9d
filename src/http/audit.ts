/**
 * The auditor's API: the ledger's chain and checkpoints, the audit report and
 * export, replication and Object Lock state, fixity sweeps on demand; and the
 * public key that verifies checkpoints, which anyone may fetch.
 */
import { Router } from 'express';
import { sweepUnfinished, type AcceptDeps } from '../../ingest/intake/accept';
import { auditReport } from '../../storage/integrity/auditReport';
import { listCheckpoints, makeCheckpoint, verifyCheckpoints, type SigningKey } from '../../storage/integrity/checkpoints';
import { sweepFixity } from '../../storage/integrity/fixity';
import { allLedgerEntries, verifyLedgerChain, type LedgerEntry } from '../../storage/integrity/ledger';
import { replicationStatus } from '../../storage/integrity/replication';
import type { ObjectStore } from '../../storage/objectStore';
import { callerOf, canSee, type Caller } from '../auth';

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

/** Payload fields a withheld ledger entry keeps: registry numbers and fingerprints, nothing of the content. */
const FINGERPRINT_FIELDS = ['registryNo', 'fingerprint', 'sha256', 'manifestSha256', 'archiveSha256', 'ocrSha256'];

/**
 * A ledger entry about a document the caller is not cleared for: its place in
 * the chain (seq, prevHash, entryHash), its event and the fingerprints it
 * names, without the rest of its payload (file names, reasons, who read it).
 * Its hash cannot be recomputed from what is left: it is marked `withheld`.
 */
function withheldEntry(e: LedgerEntry): LedgerEntry & { withheld: true } {
  const payload: Record<string, unknown> = {};
  for (const k of FINGERPRINT_FIELDS) if (k in e.payload) payload[k] = e.payload[k];
  if (Array.isArray(e.payload.files)) {
    payload.files = (e.payload.files as Array<Record<string, unknown>>).map((f) => ({
      path: f.path,
      sha256: f.sha256,
      size: f.size,
    }));
  }
  return { ...e, payload, withheld: true };
}

/**
 * In place of the manifest of a document the caller is not cleared for: its
 * registry number and fingerprints alone (format 'diwan-manifest-withheld/1'),
 * taken from the stored manifest, whose own SHA-256 the ledger recorded.
 */
function withheldManifest(
  key: string,
  sha256: string,
  stored: string,
): { key: string; sha256: string; withheld: true; text: string } {
  const m = JSON.parse(stored) as {
    id: string;
    registryNo: string;
    sha256: unknown;
    files?: Array<{ path: string; kind: string; sha256: string; size: number }>;
  };
  const stub = {
    format: 'diwan-manifest-withheld/1',
    id: m.id,
    registryNo: m.registryNo,
    manifestSha256: sha256,
    sha256: m.sha256,
    files: (m.files ?? []).map((f) => ({ path: f.path, kind: f.kind, sha256: f.sha256, size: f.size })),
  };
  return { key, sha256, withheld: true, text: JSON.stringify(stub) };
}

/** Whether the caller is cleared for each document (by id), asked once per document. */
function clearance(deps: AuditDeps, caller: Caller) {
  const known = new Map<string, boolean>();
  return async (documentId: string): Promise<boolean> => {
    let ok = known.get(documentId);
    if (ok === undefined) {
      const doc = await deps.documents.get(documentId);
      ok = doc !== undefined && canSee(caller, doc);
      known.set(documentId, ok);
    }
    return ok;
  };
}

/** Behind authentication and the permission table (mounted under /api/v1). */
export function auditRouter(deps: AuditDeps): Router {
  const router = Router();
  // Recompute the ledger's hash chain: the first entry that does not follow from the one before, if any.
  router.get('/audit/ledger', async (_req, res) => {
    res.json({ ...(await verifyLedgerChain(deps.db)), ...(await verifyCheckpoints(deps.db, deps.signingKey.publicKeyPem)) });
  });
  router.get('/audit/report', async (_req, res) => {
    res.json(await auditReport(deps.db, deps.signingKey.publicKeyPem));
  });
  // Sign the ledger's head now (besides the schedule), and list what was signed.
  router.post('/audit/checkpoint', async (_req, res) => {
    res.status(201).json(await makeCheckpoint(deps, deps.signingKey));
  });
  // Everything an auditor needs offline: the ledger, the checkpoints, the public key, every manifest as stored.
  // Read in this order, so that the ledger holds every entry a checkpoint signed, and every document the
  // ledger says was archived has its manifest here (the offline verifier requires both).
  // Of a document the caller is not cleared for, only its registry number and fingerprints (withheld entries).
  router.get('/audit/export', async (_req, res) => {
    const cleared = clearance(deps, callerOf(res.locals));
    const checkpoints = await listCheckpoints(deps.db);
    const ledger: LedgerEntry[] = [];
    for (const e of await allLedgerEntries(deps.db)) {
      ledger.push(e.documentId === null || (await cleared(e.documentId)) ? e : withheldEntry(e));
    }
    const archived = new Set(ledger.filter((e) => e.event === 'archived' && e.documentId).map((e) => e.documentId!));
    const manifests = [];
    for (const id of archived) {
      const m = (await deps.documents.artefacts(id)).find((a) => a.kind === 'manifest');
      if (!m) continue;
      const text = (await deps.primary.getBuffer(m.key)).toString('utf8');
      manifests.push((await cleared(id)) ? { key: m.key, sha256: m.sha256, text } : withheldManifest(m.key, m.sha256, text));
    }
    res.json({
      format: 'diwan-audit-bundle/1',
      exportedAt: new Date().toISOString(),
      keyId: deps.signingKey.keyId,
      publicKey: deps.signingKey.publicKeyPem,
      ledger,
      checkpoints,
      manifests: manifests.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
    });
  });
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
