/**
 * Restore: rebuilds the archive's records in an empty database from one bucket
 * alone (the offsite copy after a disaster, or the primary). The ledger comes
 * back from its exported segments and the manifests, chain and all; each
 * document from its `manifest.json` and `ocr.json` (and later readings,
 * `ocr-vN.json`); the checkpoints from their objects. Every object is hashed
 * as it is read and compared with its recorded SHA-256; the other bucket is
 * filled with whatever it lacks (an empty primary gets everything back), and a
 * copy damaged in the source is taken from the other bucket when that one is
 * good.
 *
 * Memory stays flat in the archive's size: the ledger goes in one segment at a
 * time; the documents in batches of `batchSize` manifests, `concurrency` of
 * them (and so of their objects) in flight, each batch's rows in one
 * transaction; a document's ledger entries are read back from the restored
 * ledger; what is left over at the end (numbers registered but not archived,
 * holes in the chain) is found by queries, a page at a time.
 *
 *   claim -> segments into the ledger -> batches of manifests (rows per batch) -> checkpoints
 *         -> registry work replayed -> kept stacks (keptStacks.ts) -> numbers kept -> chain verified -> finish
 *
 * Restartable: the ledger goes in by sequence number, each batch in its own
 * transaction, and documents already present are passed over (by the registry
 * number their key names, without reading them again), so running it again
 * after an interruption (restore.before-rows, restore.after-batch) finishes
 * the work, each document exactly once.
 */
import type { Db } from '../db';
import { crashPoint } from '../../kernel/crashPoints';
import { verifyLedgerChain } from '../integrity/ledger';
import type { ObjectStore } from '../objectStore';
import { registrySequences } from '../repos/documentRegistration';
import { restoreBatch, type BatchRestore } from './batch';
import { manifestKeyPages } from './bucket';
import { claim, finish } from './claim';
import { restoreKeptStacks } from './keptStacks';
import { replayRegistry } from './registryReplay';
import { recomputeAll } from '../records/retention';
import { keepRegisteredNumbers, ledgerProblems, restoreCheckpoints, restoreSegments } from './ledgerRestore';
import { emptyReport, type RestoreReport } from './report';
import { securer } from './secure';

export { RestoreRefused } from './claim';
export type { RestoreReport } from './report';

/** Manifests per batch (and per transaction) unless told otherwise. */
export const RESTORE_BATCH = 200;
/** Objects in flight at once unless told otherwise. */
export const RESTORE_CONCURRENCY = 8;

export interface RestoreDeps {
  db: Db;
  /** The bucket restored from. */
  source: ObjectStore;
  /** The other bucket: filled with what it lacks. */
  other: ObjectStore;
  /** Which of the two is the offsite copy (replicas are recorded against it). */
  offsiteName: string;
  /**
   * Called after each batch: documents dealt with so far, and how many the
   * bucket holds (null while the listing is still being read).
   */
  onProgress?: (done: number, total: number | null) => void;
  /** Manifests per batch (default RESTORE_BATCH). */
  batchSize?: number;
  /** Objects in flight at once (default RESTORE_CONCURRENCY); twice as many documents are read and checked. */
  concurrency?: number;
}

export async function restoreArchive(deps: RestoreDeps): Promise<RestoreReport> {
  const t0 = Date.now();
  const { db, source, other } = deps;
  await claim(db, source.name);
  const report = emptyReport(source.name);
  const concurrency = Math.max(1, deps.concurrency ?? RESTORE_CONCURRENCY);
  const secure = securer(source, other, report.objects, concurrency);

  // 1. The ledger, from its segments (what the manifests carry fills any gap, batch by batch, below).
  await restoreSegments(db, source, secure, report);

  // 2. The documents, a batch of manifests at a time, each batch's rows in one transaction.
  const ctx: BatchRestore = {
    db,
    source,
    offsiteName: deps.offsiteName,
    secure,
    other,
    report,
    // Twice as many documents as objects in flight, so objects are always waiting to go while documents are read.
    concurrency: 2 * concurrency,
    notRestored: [],
  };
  const pages = manifestKeyPages(source, Math.max(1, deps.batchSize ?? RESTORE_BATCH));
  let page = await pages.next();
  while (!page.done) {
    const keys = page.value;
    report.documents.found += keys.length;
    await restoreBatch(ctx, keys);
    crashPoint('restore.after-batch');
    // The next page is asked for before progress is told, so the total is known with the last batch.
    page = await pages.next();
    const d = report.documents;
    deps.onProgress?.(d.restored + d.alreadyPresent + d.failed, page.done ? d.found : null);
  }

  // 3. The signed checkpoints.
  report.checkpoints = await restoreCheckpoints(db, source, secure, report);

  // 3b. The registry's own work (registers, correspondents, links, referrals, directives, corrections), from the ledger.
  await replayRegistry(db, report);
  // 3c. With the retention rules and files' closings back, every document's rule and due date again.
  await recomputeAll(db);
  // 3d. Scanned stacks kept whole beside their letters, each file made sure of in both buckets.
  await restoreKeptStacks(db, secure, report);

  // 4. Numbers the ledger gave to documents not in the bucket stay used; then the registry and the chain as restored.
  await keepRegisteredNumbers(db, ctx.notRestored, report);
  report.registry = await registrySequences(db);
  const chain = await verifyLedgerChain(db);
  report.problems.push(...(await ledgerProblems(db, chain.brokenAt)));
  report.ledger.entries = chain.entries;
  report.ledger.fromManifests = chain.entries - report.ledger.fromSegments;
  report.ledger.brokenAt = chain.brokenAt;
  report.ms = Date.now() - t0;
  await finish(db, report);
  return report;
}
