/**
 * The sweep, run at start and then periodically by every process: what a
 * stopped process or a passing fault left unfinished at the door is finished
 * here (accept.ts receives; this completes).
 */
import { isDomainError } from '../../kernel/errors';
import { withDocumentLock } from '../../storage/locks';
import { claimSpool, clearSpool, type PendingState } from '../leftovers';
import { unsealUntouched } from '../../storage/repos/batchPages';
import type { AcceptDeps } from './accept';
import { finishStoring, STORED } from './storeOriginals';
import { registerPages } from './pageStackSeal';
import { finishStacks } from './stack';
import { copyStacksOffsite } from './stackOffsite';

/**
 * The sweep, run at start and then periodically by every process: clears what
 * crashed processes left in the spool (ingest/leftovers.ts), registers the
 * documents of batches sealed by a process that stopped before registering
 * them and the letters of stacks it stopped splitting (stack.ts), copies
 * offsite the stacks kept whole that wait for it (stackOffsite.ts), finishes
 * storing originals that were registered but not stored (from
 * this machine's spool/pending, or from staging), and re-queues every
 * unfinished document whose originals are stored: a document a passing fault
 * kept from finishing is tried again until it goes through. The queue keeps at
 * most one waiting job per document, so re-queuing is cheap and safe.
 */
export async function sweepUnfinished(deps: AcceptDeps): Promise<{ requeued: number; waiting: number }> {
  try {
    // Synchronously, before a server that calls this at start takes any upload of its own.
    claimSpool(deps.spoolDir);
    await clearSpool(deps.spoolDir, (sha) => pendingState(sha, deps));
  } catch (e) {
    deps.log.warn('could not clear the spool', { error: String(e) });
  }
  await finishSealedBatches(deps);
  await finishStacks(deps);
  await copyStacksOffsite(deps);
  let requeued = 0;
  let waiting = 0;
  for (const id of await deps.documents.unfinishedIds()) {
    const doc = await deps.documents.get(id);
    if (!doc) continue;
    if (!doc.stages[STORED] && !(await finishStoring(doc, deps))) {
      waiting++;
      continue;
    }
    await deps.queue.enqueue(id);
    requeued++;
  }
  return { requeued, waiting };
}

/** Whether bytes waiting in the spool under this SHA-256 are still needed. */
async function pendingState(sha256: string, deps: AcceptDeps): Promise<PendingState> {
  // Kept while any document holding these bytes still waits for them, not only the first one found.
  const docs = await deps.documents.listByPartSha256(sha256);
  if (docs.length === 0) return 'none';
  return docs.every((d) => d.stages[STORED]) ? 'stored' : 'waiting';
}

/**
 * Registers the documents of batches sealed by a process that stopped before
 * registering them all: its rows say what is left (pageStackSeal.ts); the sweep
 * stores and queues them next. A batch the registration refuses whole (too many
 * pages, two passes of an odd count) with no row settled yet is opened again, as
 * at the door.
 */
async function finishSealedBatches(deps: AcceptDeps): Promise<number> {
  let registered = 0;
  for (const batch of await deps.batches.sealedUnregistered()) {
    try {
      // Nothing left when another process finished it meanwhile.
      const done = await withDocumentLock(deps.db, batch.id, async () => (await registerPages(batch, deps)) !== undefined);
      if (done === true) registered++;
    } catch (e) {
      if (isDomainError(e)) await unsealUntouched(deps.db, batch.id);
      deps.log.warn('could not finish a sealed batch yet', { batchId: batch.id, error: String(e) });
    }
  }
  return registered;
}
