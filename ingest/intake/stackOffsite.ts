/**
 * A scanned stack kept whole goes offsite as its letters do:
 *
 *   stored in the primary bucket, its row committed (stackSplit.ts) -> its letters registered
 *   -> copied write-once to the offsite bucket under the same key -> read back there and compared by SHA-256
 *   -> retained (Object Lock) -> offsite_at recorded
 *
 * An offsite bucket that is away (or a copy that does not read back right) fails nothing: the stack keeps
 * offsite_at empty, and every sweep (sweep.ts) copies the stacks still waiting, oldest first, until each goes
 * through. Encryption at rest is the stores' own: the primary's plaintext is sealed again on its way offsite.
 */
import { withDocumentLock } from '../../storage/locks';
import { awaitingOffsite, getIntakeOriginal, markOffsite, type IntakeOriginal } from '../../storage/repos/intakeOriginals';
import type { AcceptDeps } from './accept';

type OffsiteDeps = Pick<AcceptDeps, 'db' | 'primary' | 'offsite' | 'log'>;

/** Copies the kept file offsite unless it is there already, and records it once it reads back with its SHA-256. */
export async function copyStackOffsite(original: IntakeOriginal, deps: OffsiteDeps): Promise<void> {
  const { key, sha256 } = original;
  // The offsite bucket may not exist yet when it was away while the archive started.
  await deps.offsite.ensureBucket();
  if (!(await deps.offsite.stat(key))) {
    await deps.offsite.putStream(key, await deps.primary.get(key), original.size, original.mime, sha256);
  }
  const copy = await deps.offsite.hash(key);
  if (copy.sha256 !== sha256) throw new Error(`the offsite copy of ${key} has SHA-256 ${copy.sha256}, expected ${sha256}`);
  // A copy put before a crash may lack its retention (set by a second call): it counts only once locked.
  await deps.offsite.ensureRetention?.(key, copy.lock);
  await markOffsite(deps.db, original.id);
}

/** The copy made as the stack is received: one that cannot be made now is left to the sweep, never failing the upload. */
export async function keepStackOffsite(original: IntakeOriginal, deps: OffsiteDeps): Promise<boolean> {
  try {
    await copyStackOffsite(original, deps);
    return true;
  } catch (e) {
    deps.log.warn('a kept stack waits for its offsite copy', { originalId: original.id, error: String(e) });
    return false;
  }
}

/**
 * The sweep's part: copies offsite every kept stack still waiting (one another process holds, splitting or
 * copying it, is left to it). Nothing is tried while the offsite bucket does not answer. Never throws; returns
 * how many were copied.
 */
export async function copyStacksOffsite(deps: OffsiteDeps): Promise<number> {
  let waiting: IntakeOriginal[];
  try {
    waiting = await awaitingOffsite(deps.db);
    if (waiting.length === 0) return 0;
    await deps.offsite.ping();
  } catch (e) {
    deps.log.warn('kept stacks wait for their offsite copy', { error: String(e) });
    return 0;
  }
  let copied = 0;
  for (const row of waiting) {
    const done = await withDocumentLock(deps.db, row.id, async () => {
      const original = await getIntakeOriginal(deps.db, row.id);
      return original?.offsiteAt === null && (await keepStackOffsite(original, deps));
    }).catch((e: unknown) => {
      deps.log.warn('a kept stack waits for its offsite copy', { originalId: row.id, error: String(e) });
      return false;
    });
    if (done === true) copied++;
  }
  return copied;
}
