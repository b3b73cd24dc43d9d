/**
 * Scanned stacks: every page of a scan is looked at for the registry's sheets (sheetCodes.ts) and for blank
 * backs (stackPages.ts), and the stack is planned here: the pages in the order they were written on paper (two
 * one-sided passes collated), blank pages left out when the scanner fed both sides or separators split the
 * stack, one letter between separator sheets, and the label a letter's first page bears. A stack that needs
 * no change is registered as it came (route.ts); any other is split (stackSplit.ts): its file kept whole as
 * the batch's original, each letter registered as a document of its own. A batch of pages (one file a page, or
 * a few) is planned by the same rules when it is sealed, its files' pages one after another (pageStackSeal.ts).
 */
import fs from 'node:fs';
import { DomainError } from '../../kernel/errors';
import { registryNo, type RegistryRef } from '../../kernel/registry';
import type { Duplex, IntakeNotes } from '../../storage/repos/batches';
import { countIntake } from '../../storage/repos/intakeCounts';
import { withDocumentLock } from '../../storage/locks';
import {
  batchHasDocument,
  getIntakeOriginal,
  unfinishedOriginals,
  type IntakeOriginal,
} from '../../storage/repos/intakeOriginals';
import { examine, type AcceptDeps, type Examined, type SpooledFile } from './accept';
import type { IntakeOutcome } from './route';
import { lookAtPages, type PageLook } from './stackPages';
import { fetchOriginal, registerLetters, type StackContext } from './stackSplit';

/** One letter of a stack: its pages (1-based, in the stack's file), the label its first page bears. */
export interface StackDocumentPlan {
  pages: number[];
  label: Required<RegistryRef> | null;
  /** Its pages; the label read; the separators before it and the blank pages dropped in its part of the stack. */
  notes: IntakeNotes;
}

export interface StackPlan {
  /** Whether the file must be split or rearranged (separators, blank pages dropped, passes collated). */
  split: boolean;
  documents: StackDocumentPlan[];
  separators: number;
  blankPages: number;
  pageCount: number;
}

/**
 * The order the pages were written in: as they came, or, for two one-sided passes (the fronts, then the backs
 * in reverse, as a feeder gives them back), front 1, back 1 (the last page), front 2, back 2, …
 */
export function collate(pageCount: number, duplex: Duplex): number[] {
  const pages = Array.from({ length: pageCount }, (_, i) => i + 1);
  if (duplex !== 'passes') return pages;
  if (pageCount % 2 !== 0) {
    throw new DomainError('passes_uneven', { ar: `(${pageCount})`, en: `(${pageCount} pages)`, details: { pages: pageCount } });
  }
  return pages.slice(0, pageCount / 2).flatMap((front, i) => [front, pageCount - i]);
}

/** The plan of a stack whose pages (in the file's order) look like `looks`. Pure: the same looks, the same plan. */
export function planFromLooks(looks: PageLook[], duplex: Duplex): StackPlan {
  const order = collate(looks.length, duplex);
  const look = (page: number) => looks[page - 1]!;
  const separators = order.filter((p) => look(p).separator).length;
  // A blank back is dropped when the scanner fed both sides, or when separators split the stack (a separator
  // sheet's back); a simplex file as it came keeps every page.
  const dropBlank = duplex !== 'simplex' || separators > 0;
  const documents: StackDocumentPlan[] = [];
  let pages: number[] = [];
  let before = { separators: 0, blankPages: 0 };
  let blankPages = 0;
  const close = () => {
    if (pages.length === 0) return;
    const label = look(pages[0]!).label;
    const notes: IntakeNotes = { pages, ...(label ? { label: registryNo(label) } : {}) };
    if (before.separators > 0) notes.separators = before.separators;
    if (before.blankPages > 0) notes.blankPages = before.blankPages;
    documents.push({ pages, label, notes });
    pages = [];
    before = { separators: 0, blankPages: 0 };
  };
  for (const p of order) {
    if (look(p).separator) {
      close();
      before.separators++;
    } else if (dropBlank && look(p).blank) {
      before.blankPages++;
      blankPages++;
    } else pages.push(p);
  }
  const trailing = pages.length === 0 ? before : undefined;
  close();
  const last = documents[documents.length - 1];
  if (!last) throw new DomainError('stack_empty', { details: { pages: looks.length, separators, blankPages } });
  // Separators and blank pages after the last letter are counted with it, so a batch's rows add up to the stack.
  if (trailing?.separators) last.notes.separators = (last.notes.separators ?? 0) + trailing.separators;
  if (trailing?.blankPages) last.notes.blankPages = (last.notes.blankPages ?? 0) + trailing.blankPages;
  const asItCame = documents.length === 1 && last.pages.length === looks.length && last.pages.every((p, i) => p === i + 1);
  if (asItCame) last.notes = last.label ? { label: registryNo(last.label) } : {};
  return { split: !asItCame, documents, separators, blankPages, pageCount: looks.length };
}

/** A file whose pages are part of a stack, and what it is. */
export interface StackSource {
  file: SpooledFile;
  examined: Examined;
}

/**
 * Looks at every page of the files, one file after another (a scan; a batch's page files in the order they
 * came), and plans them as one stack: the same rules whatever file a page came from. Two passes of an odd
 * number of pages are refused before any page is drawn here ('passes_uneven'); a stack of nothing but separators
 * and blank pages is 'stack_empty'. The looks come back with the plan, in the stack's order.
 */
export async function planPages(
  sources: StackSource[],
  duplex: Duplex,
  deps: Pick<AcceptDeps, 'limits'>,
): Promise<{ plan: StackPlan; looks: PageLook[] }> {
  collate(
    sources.reduce((n, s) => n + s.examined.pageCount, 0),
    duplex,
  );
  const looks: PageLook[] = [];
  for (const s of sources) looks.push(...(await lookAtPages(s.file, s.examined, deps.limits)));
  return { plan: planFromLooks(looks, duplex), looks };
}

/** Looks at every page of a scan and plans it (planPages). */
export async function planStack(file: SpooledFile, examined: Examined, duplex: Duplex, deps: AcceptDeps): Promise<StackPlan> {
  return (await planPages([{ file, examined }], duplex, deps)).plan;
}

/**
 * The sweep's part for stacks: registers the letters of every stack a stopped process kept whole but did not
 * finish splitting (stackSplit.ts), adds their rows to the batch, and counts them. A stack another process is
 * splitting (its lock held) is left to it. Returns how many stacks were finished.
 */
export async function finishStacks(deps: AcceptDeps): Promise<number> {
  let finished = 0;
  for (const row of await unfinishedOriginals(deps.db, 'stack')) {
    try {
      const done = await withDocumentLock(deps.db, row.id, async () => {
        const original = await getIntakeOriginal(deps.db, row.id);
        if (original?.status !== 'splitting') return false;
        await finishStack(original, deps);
        return true;
      });
      if (done === true) finished++;
    } catch (e) {
      deps.log.warn('could not finish splitting a stack yet', { originalId: row.id, error: String(e) });
    }
  }
  return finished;
}

async function finishStack(original: IntakeOriginal, deps: AcceptDeps): Promise<void> {
  const context = original.context as StackContext;
  const file = await fetchOriginal(original, deps);
  let outcome: IntakeOutcome;
  try {
    const examined = await examine(file, deps.limits);
    const plan = await planStack(file, examined, context.duplex, deps);
    outcome = await registerLetters(original, file, examined, plan, context, deps);
  } finally {
    fs.rmSync(file.path, { force: true });
  }
  const batchId = original.batchId;
  if (batchId) {
    // The rows the stopped process would have added once the stack was received.
    for (const d of outcome.documents) {
      if (await batchHasDocument(deps.db, batchId, d.result.doc.id)) continue;
      await deps.batches.addFile(batchId, {
        name: d.name,
        size: original.size,
        sha256: original.sha256,
        outcome: d.result.kind === 'accepted' ? 'accepted' : 'duplicate',
        mime: d.result.doc.originalMime,
        documentId: d.result.doc.id,
        pageCount: d.pageCount,
        kind: d.kind,
        partOf: d.partOf,
        notes: d.notes,
      });
    }
  }
  await countIntake(deps.db, context.source, outcome);
}
