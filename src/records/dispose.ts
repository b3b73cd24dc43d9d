/**
 * Carrying out an approved disposal, document by document. An item is skipped and marked blocked, with
 * nothing of it removed, while its document is held ('held'), is no longer due under its current rule (the
 * rule was made longer, permanent, 'review', or retired since the request: 'not-due'), its lock_until or
 * any of its objects' retention or legal hold has not ended ('locked'), or its rule transfers it and no
 * complete transfer holds it ('not-transferred'); a bucket that cannot be reached blocks it too
 * ('unreachable'). Blocked items are tried again by the next execution.
 *
 * Each document is checked and destroyed under its disposal lock (storage/records/holds.ts), which placing
 * a hold takes too: the checks are read under the lock, so a hold placed while a long execution runs
 * stops every document it names that is not already gone.
 *
 * Otherwise every version of every object under the document's prefix is removed from both buckets,
 * its search records and texts are removed, the tombstone is written to both buckets, and the database
 * side (storage/records/destroyed.ts) is one transaction with the 'destroyed' ledger entry. A run cut
 * short is finished by running it again: removed objects stay removed (and are named in disposed_objects
 * as they go), a tombstone already stored is read back rather than written anew.
 */
import type { SearchIndex } from '../../search/searchIndex';
import type { Db } from '../../storage/db';
import { ObjectLockedError, type ObjectStore } from '../../storage/objectStore';
import { documentPrefix } from '../../storage/layout';
import {
  blockItem,
  createDisposalsRepo,
  notDue,
  undestroyedItems,
  type Disposal,
  type DisposalItem,
} from '../../storage/records/disposals';
import { isHeld, withDisposalLock } from '../../storage/records/holds';
import { transferredIds } from '../../storage/records/transfers';
import {
  ensureRangeLeaf,
  fingerprints,
  recordDestroyed,
  recordRemoved,
  tombstoneBytes,
  tombstoneFor,
  tombstoneKey,
  type RemovedFile,
  type Tombstone,
} from '../../storage/records/destroyed';
import { crashPoint } from '../../kernel/crashPoints';
import { DomainError } from '../../kernel/errors';
import { parseRegistryNo, type RegistryRef } from '../../kernel/registry';
import { isUuid } from '../../kernel/text';

export interface DisposeDeps {
  db: Db;
  primary: ObjectStore;
  offsite: ObjectStore;
  search: SearchIndex;
}

export type BlockReason = 'held' | 'not-due' | 'locked' | 'not-transferred' | 'unreachable' | 'destroyed-by-another';

/** What one execution did: documents destroyed, and those blocked by each reason (tried again by the next one). */
export interface ExecutionOutcome {
  disposalId: string;
  destroyed: number;
  blocked: number;
  reasons: Partial<Record<BlockReason, number>>;
}

/** How many items one read of a request takes while it is carried out. */
const PAGE = 200;

/** A disposal that may be carried out now: 404 when there is none, 409 unless it is approved (or done). */
export async function executable(db: Db, disposalId: string): Promise<Disposal> {
  const disposal = isUuid(disposalId) ? await createDisposalsRepo(db).get(disposalId) : undefined;
  if (!disposal) throw new DomainError('not_found');
  if (disposal.state !== 'approved' && disposal.state !== 'done') {
    throw new DomainError('disposal_not_approved', { ar: `(${stateAr[disposal.state]})`, en: `(${disposal.state})` });
  }
  return disposal;
}

/**
 * Carries out an approved disposal: the job 'disposal-execute' (src/runtime/jobs.ts), so no request waits for a
 * request of thousands of documents. Its items are read a page at a time, in registry order; `progress`
 * counts the documents tried out of those not destroyed when it began. Run again, it finishes what it left.
 */
export async function executeDisposal(
  deps: DisposeDeps,
  disposalId: string,
  by: string,
  progress: (done: number, total: number) => void = () => undefined,
): Promise<ExecutionOutcome> {
  const disposal = await executable(deps.db, disposalId);
  const repo = createDisposalsRepo(deps.db);
  const total = disposal.counts.items - disposal.counts.destroyed;
  const outcome: ExecutionOutcome = { disposalId, destroyed: 0, blocked: 0, reasons: {} };
  const blocked = async (documentId: string, reason: BlockReason) => {
    await blockItem(deps.db, disposalId, documentId, reason);
    outcome.blocked++;
    outcome.reasons[reason] = (outcome.reasons[reason] ?? 0) + 1;
  };
  let tried = 0;
  progress(tried, total);
  for (let after: RegistryRef | null = null; ;) {
    const page = await undestroyedItems(deps.db, disposalId, after, PAGE);
    if (page.length === 0) break;
    for (const { documentId } of page) {
      await withDisposalLock(deps.db, documentId, async () => {
        // Read again under the lock: a hold placed, a rule changed or another run finished since the page was read.
        const item = await repo.item(disposalId, documentId);
        if (!item || item.state === 'destroyed') return;
        const reason = await blocker(deps, item);
        if (reason) return blocked(documentId, reason);
        const result = await destroyOne(deps, disposalId, item, by);
        if (result === 'destroyed') outcome.destroyed++;
        else await blocked(documentId, result);
      });
      progress(++tried, Math.max(total, tried));
    }
    after = page[page.length - 1]!.at;
  }
  return outcome;
}

const stateAr: Record<string, string> = { requested: 'لم يُقرَّر بعد', refused: 'رُفض', approved: 'موافق عليه', done: 'نُفّذ' };

/** Why an item cannot be destroyed now, from the database alone (read under the document's lock), or undefined. */
async function blocker(deps: DisposeDeps, item: DisposalItem): Promise<BlockReason | undefined> {
  const id = item.documentId;
  if (item.destroyedAt !== null) return 'destroyed-by-another';
  if (await isHeld(deps.db, id)) return 'held';
  // Due under its rule as it stands now (current version, due date passed, action destroy or transfer).
  if ((await notDue(deps.db, [id])).length > 0) return 'not-due';
  if (item.lockUntil !== null && Date.parse(item.lockUntil) > Date.now()) return 'locked';
  if (item.ruleAction === 'transfer' && !(await transferredIds(deps.db, [id])).has(id)) return 'not-transferred';
  return undefined;
}

interface Found {
  store: ObjectStore;
  key: string;
}

/** Every object under the document's prefix in both buckets, but its tombstone. */
async function objectsOf(deps: DisposeDeps, prefix: string, tombstone: string): Promise<Found[]> {
  const out: Found[] = [];
  for (const store of [deps.primary, deps.offsite]) {
    for (const key of await store.list(prefix)) if (key !== tombstone) out.push({ store, key });
  }
  return out;
}

async function destroyOne(
  deps: DisposeDeps,
  disposalId: string,
  item: DisposalItem,
  by: string,
): Promise<'destroyed' | BlockReason> {
  const ref = parseRegistryNo(item.registryNo)!;
  const prefix = documentPrefix(ref);
  const tKey = tombstoneKey(ref);
  let objects: Found[];
  try {
    objects = await objectsOf(deps, prefix, tKey);
    // Checked before anything is removed: an object still retained or held keeps the whole document.
    for (const o of objects) {
      const state = await o.store.lockState?.(o.key);
      if (state && (state.legalHold || (state.retainUntil !== null && state.retainUntil.getTime() > Date.now()))) return 'locked';
    }
  } catch {
    return 'unreachable';
  }
  await ensureRangeLeaf(deps.db, item.documentId);
  const known = await fingerprints(deps.db, item.documentId, { primary: deps.primary.name, offsite: deps.offsite.name });
  const files: Array<Found & { file: RemovedFile }> = [];
  try {
    for (const o of objects) {
      const f = known.get(`${o.store.name}\u0000${o.key}`);
      const file: RemovedFile = f ?? {
        target: o.store.name,
        key: o.key,
        sha256: (await o.store.stat(o.key))?.sha256 ?? '',
        storedSha256: null,
        size: null,
      };
      files.push({ ...o, file });
    }
  } catch {
    return 'unreachable';
  }

  // The tombstone is stored in both buckets before anything is removed, so a document is never gone without
  // the record of its lawful destruction; a run cut short reads back the one it stored.
  let tombstone: Tombstone;
  let storedHashes: { primary: string | null; offsite: string | null };
  try {
    const stored = await deps.primary.stat(tKey);
    if (stored) tombstone = JSON.parse((await deps.primary.getBuffer(tKey)).toString('utf8')) as Tombstone;
    else {
      const base = await tombstoneFor(deps.db, item.documentId, disposalId, by);
      tombstone = { ...base, files: files.map((f) => f.file), destroyedAt: new Date().toISOString() };
    }
    const body = tombstoneBytes(tombstone);
    await deps.primary.putBufferOnce(tKey, body.bytes, 'application/json');
    await deps.offsite.putBufferOnce(tKey, body.bytes, 'application/json');
    storedHashes = {
      primary: (await deps.primary.hash(tKey)).stored.sha256,
      offsite: (await deps.offsite.hash(tKey)).stored.sha256,
    };
  } catch {
    return 'unreachable';
  }

  for (const o of files) {
    try {
      await o.store.removeAllVersions!(o.key);
    } catch (e) {
      if (e instanceof ObjectLockedError) return 'locked';
      return 'unreachable';
    }
    await recordRemoved(deps.db, disposalId, item.documentId, o.file);
  }
  // Its objects gone, its destruction not yet recorded: the next run reads the tombstone back and records it.
  crashPoint('disposal.after-remove');
  await deps.search.indexDocument(item.documentId, []);
  const body = tombstoneBytes(tombstone);
  await recordDestroyed(deps.db, {
    tombstone,
    sha256: body.sha256,
    size: body.bytes.length,
    stored: storedHashes,
    offsiteName: deps.offsite.name,
  });
  return 'destroyed';
}
