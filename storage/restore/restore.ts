/**
 * Restore: rebuilds the archive's records in an empty database from one bucket
 * alone (the offsite copy after a disaster, or the primary). The ledger comes
 * back from its exported segments and the manifests, chain and all; each
 * document from its `manifest.json` and `ocr.json` (and later readings,
 * `ocr-vN.json`); the checkpoints from their objects. Every object is re-hashed
 * on the way and compared with its recorded SHA-256; the other bucket is filled
 * with whatever it lacks (an empty primary gets everything back), and a copy
 * damaged in the source is taken from the other bucket when that one is good.
 *
 * Restartable: the ledger goes in by sequence number, each document in its
 * own transaction, and documents already present are skipped, so running it
 * again after an interruption finishes the work.
 */
import type { Db } from '../db';
import { verifyLedgerChain } from '../integrity/ledger';
import type { ObjectStore } from '../objectStore';
import { documentExists } from '../repos/documentRecords';
import { registrySequences } from '../repos/documentRegistration';
import { manifestKeys, readManifests, readSegments } from './bucket';
import { claim, finish } from './claim';
import { restoreDocument, type DocumentRestore } from './document';
import { keepRegisteredNumbers, restoreCheckpoints, restoreLedger } from './ledgerRestore';
import { emptyReport, type RestoreReport } from './report';
import { securer } from './secure';

export { RestoreRefused } from './claim';
export type { RestoreReport } from './report';

export interface RestoreDeps {
  db: Db;
  /** The bucket restored from. */
  source: ObjectStore;
  /** The other bucket: filled with what it lacks. */
  other: ObjectStore;
  /** Which of the two is the offsite copy (replicas are recorded against it). */
  offsiteName: string;
  onProgress?: (done: number, total: number) => void;
}

export async function restoreArchive(deps: RestoreDeps): Promise<RestoreReport> {
  const t0 = Date.now();
  const { db, source, other } = deps;
  await claim(db, source.name);
  const report = emptyReport(source.name);
  const secure = securer(source, other, report);

  // 1. The manifests, listed (and read below, kept as bytes, to check against the ledger).
  const keys = await manifestKeys(source);
  report.documents.found = keys.length;

  // 2. The ledger, from its segments, with what the manifests carry filling any gap.
  const segments = await readSegments(source, secure);
  const manifests = await readManifests(source, keys, report);
  const ledger = await restoreLedger(db, segments, manifests, report);

  // 3. Each document, in its own transaction.
  const ctx: DocumentRestore = { db, source, offsiteName: deps.offsiteName, secure, report };
  let done = 0;
  for (const [key, { bytes, m }] of manifests) {
    try {
      if (await documentExists(db, m.id)) report.documents.alreadyPresent++;
      else if (await restoreDocument(ctx, key, bytes, m, ledger.byDocument.get(m.id) ?? [])) report.documents.restored++;
      else report.documents.failed++;
    } catch (e) {
      report.documents.failed++;
      report.problems.push(`${m.registryNo}: ${(e as Error).message}`);
    }
    deps.onProgress?.(++done, manifests.size);
  }

  // 4. The signed checkpoints.
  report.checkpoints = await restoreCheckpoints(db, source, secure);

  // 5. Numbers the ledger gave to documents not in the bucket stay used; then the registry and the chain as restored.
  await keepRegisteredNumbers(db, ledger.entries, new Set([...manifests.values()].map(({ m }) => m.id)), report);
  report.registry = await registrySequences(db);
  const chain = await verifyLedgerChain(db);
  report.ledger.entries = chain.entries;
  report.ledger.brokenAt = chain.brokenAt;
  report.ms = Date.now() - t0;
  await finish(db, report);
  return report;
}
