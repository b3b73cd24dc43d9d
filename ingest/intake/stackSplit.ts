/**
 * Accepting a split stack, crash-safely:
 *
 *   hold the stack's lock -> store its file whole, write-once (intake/originals/<sha256>.<ext>)
 *   -> commit its intake_originals row, 'splitting', with what its letters are registered with
 *   -> [crash: stack.after-original] -> make each letter's file (stackFiles.ts) and register it
 *      (acceptParts) [crash: stack.after-letter], tied to the row with the pages it holds
 *   -> 'done', with the summary and its 'stack-kept' ledger entry (one transaction)
 *   -> copied to the offsite bucket and read back (stackOffsite.ts; the sweep copies it when this cannot)
 *
 * A process killed once the row is committed loses nothing: the sweep (finishStacks in stack.ts) takes the
 * lock, fetches the stored file, plans it again and registers every letter through `registerLetters`; the
 * letters registered before come back as duplicates (their files are the same bytes) and are tied to the row
 * all the same. A process killed before the row commits has answered no one: it leaves at most the object,
 * which the same file sent again finds already there.
 */
import crypto from 'node:crypto';
import { crashPoint } from '../../kernel/crashPoints';
import { DomainError, isDomainError } from '../../kernel/errors';
import type { Duplex, IntakeSource } from '../../storage/repos/batches';
import { keys } from '../../storage/layout';
import { withDocumentLock } from '../../storage/locks';
import {
  createIntakeOriginal,
  finishIntakeOriginal,
  linkOriginalDocument,
  type IntakeOriginal,
} from '../../storage/repos/intakeOriginals';
import { acceptParts, type AcceptDeps, type Examined, type SpooledFile } from './accept';
import type { IntakeContext, IntakeOutcome } from './route';
import type { StackPlan } from './stack';
import { fetchToSpool, letterFiles, letterName } from './stackFiles';
import { keepStackOffsite } from './stackOffsite';

/** What a stack's letters are registered with, kept on its row for the sweep. */
export interface StackContext {
  meta: IntakeContext['meta'];
  duplex: Duplex;
  source: IntakeSource;
}

/** Keeps the stack's file whole, then registers each letter of the plan (see the top of this file). */
export async function splitStack(
  file: SpooledFile,
  examined: Examined,
  plan: StackPlan,
  ctx: IntakeContext,
  deps: AcceptDeps,
): Promise<IntakeOutcome> {
  // The row's id is chosen before it exists, and its lock taken, so the sweep never splits it at the same time.
  const id = crypto.randomUUID();
  const outcome = await withDocumentLock(deps.db, id, async () => {
    const key = keys.intakeOriginal(file.sha256, examined.ext);
    try {
      await deps.primary.putFile(key, file.path, examined.mime, file.sha256);
    } catch (e) {
      deps.log.error('storing a stack whole failed', { error: String(e) });
      throw new DomainError('storage_unavailable');
    }
    // Each letter's label is its own (the plan's), never the stack's.
    const meta: IntakeContext['meta'] = { ...ctx.meta };
    delete meta.label;
    const context: StackContext = { meta, duplex: ctx.duplex, source: ctx.source };
    const original = await createIntakeOriginal(deps.db, {
      id,
      batchId: ctx.batch?.id ?? null,
      kind: 'stack',
      name: file.originalName,
      sha256: file.sha256,
      size: file.size,
      mime: examined.mime,
      key,
      pages: plan.pageCount,
      context,
      createdBy: ctx.meta.uploadedBy ?? null,
    });
    crashPoint('stack.after-original');
    const registered = await registerLetters(original, file, examined, plan, context, deps);
    // Offsite as soon as its letters are safe; a copy that cannot be made now is the sweep's (stackOffsite.ts).
    await keepStackOffsite(original, deps);
    return registered;
  });
  if (outcome === 'busy') throw new Error(`the new stack ${id} is locked by another process`);
  return outcome;
}

/**
 * Registers each letter of the plan (a letter refused on its own, say the same bytes as a destroyed record,
 * is in `rejected`, and the others go on), ties each to the stack's row, and marks the row done.
 */
export async function registerLetters(
  original: IntakeOriginal,
  file: SpooledFile,
  examined: Examined,
  plan: StackPlan,
  context: StackContext,
  deps: AcceptDeps,
): Promise<IntakeOutcome> {
  const outcome: IntakeOutcome = { documents: [], rejected: [], separators: plan.separators, blankPages: plan.blankPages };
  const summary = { documents: 0, separators: plan.separators, blankPages: plan.blankPages };
  const letters = await letterFiles(
    file,
    examined,
    plan.documents.map((d) => d.pages),
    deps,
  ).catch(async (e: unknown) => {
    // Its pages cannot be copied (a PDF past the copy's limits): no letter can be made, now or at the next sweep.
    if (isDomainError(e)) await finishIntakeOriginal(deps.db, original.id, summary);
    throw e;
  });
  try {
    for (const [i, d] of plan.documents.entries()) {
      const name = letterName(original.name, d.pages);
      try {
        const result = await acceptParts(await letters.letter(i), { ...context.meta, label: d.label, textLayer: false }, deps);
        crashPoint('stack.after-letter');
        await linkOriginalDocument(deps.db, original.id, { seq: i + 1, documentId: result.doc.id, pages: d.pages });
        const refused = result.kind === 'accepted' && result.labelRefused ? { labelRefused: result.labelRefused } : {};
        outcome.documents.push({
          result,
          kind: 'stack',
          name,
          pageCount: d.pages.length,
          partOf: original.name,
          notes: { ...d.notes, ...refused },
        });
      } catch (e) {
        if (!isDomainError(e)) throw e;
        outcome.rejected.push({ kind: 'stack', name, partOf: original.name, error: e });
      }
    }
  } finally {
    letters.dispose();
  }
  await finishIntakeOriginal(deps.db, original.id, { ...summary, documents: outcome.documents.length });
  return outcome;
}

/** The kept file fetched back into the spool (as an upload in flight), checked against its SHA-256. */
export async function fetchOriginal(original: IntakeOriginal, deps: AcceptDeps): Promise<SpooledFile> {
  return fetchToSpool(original.key, { sha256: original.sha256, name: original.name }, deps);
}
