/**
 * A batch of pages laid out as one stack: its files' pages one after another, in the order the files came (the
 * stack's numbering, from 1), planned by stack.ts. From the plan, what each letter is made of (runs of one
 * file's pages: the file as it came when a run is all of it, else pages taken from it) and what becomes of each
 * file's row in the batch: tied to the first letter that holds one of its pages, or taken out when every page
 * of it was a separator sheet or a dropped blank back. Pure: the same files and plan give the same layout, so
 * a seal the sweep finishes (pageStackSeal.ts) lays the batch out as the stopped process did.
 */
import { registryNo, type RegistryRef } from '../../kernel/registry';
import type { IntakeNotes } from '../../storage/repos/batches';
import type { StackPlan } from './stack';
import type { PageLook } from './stackPages';

/** Pages of one file (1-based in that file, following one another) in a letter; `whole`: all of it, as it came. */
export interface PageRun {
  file: number;
  pages: number[];
  whole: boolean;
}

export interface LetterLayout {
  /** Its parts, in its page order. */
  runs: PageRun[];
  /** The files whose rows it ties: those whose first kept page is in it. */
  rows: number[];
  /** The row that speaks for it (its pages, its label), or null: no row is its own, and a row is added for it. */
  lead: number | null;
  /** Its pages in the stack's numbering; the label on its first page; what its own row (when added) says. */
  pages: number[];
  label: Required<RegistryRef> | null;
  notes: IntakeNotes;
}

export interface RowLayout {
  /** The letter (its index) the file's row is tied to; null when every page of it was taken out. */
  letter: number | null;
  /** The pages the row counts: its file's in its letter, and for a letter's lead those from files tied to another. */
  pageCount: number;
  /** Its pages taken out (separators, blank backs), and for a letter's lead the letter's pages and label. */
  notes: IntakeNotes;
}

export interface PagesLayout {
  letters: LetterLayout[];
  rows: RowLayout[];
}

/** The layout of files of `pageCounts` pages (in order) whose pages look like `looks` and were planned as `plan`. */
export function layoutPages(pageCounts: number[], looks: PageLook[], plan: StackPlan): PagesLayout {
  const where = pageCounts.flatMap((n, file) => Array.from({ length: n }, (_, i) => ({ file, page: i + 1 })));
  if (where.length !== looks.length || where.length !== plan.pageCount) {
    throw new Error(`a layout of ${where.length} pages for ${looks.length} looks and a plan of ${plan.pageCount}`);
  }
  const at = (p: number) => where[p - 1]!;
  const rows: RowLayout[] = pageCounts.map(() => ({ letter: null, pageCount: 0, notes: {} }));
  plan.documents.forEach((d, i) => d.pages.forEach((p) => (rows[at(p).file]!.letter ??= i)));
  const kept = new Set(plan.documents.flatMap((d) => d.pages));
  for (let p = 1; p <= where.length; p++) {
    if (kept.has(p)) continue;
    const notes = rows[at(p).file]!.notes;
    if (looks[p - 1]!.separator) notes.separators = (notes.separators ?? 0) + 1;
    else notes.blankPages = (notes.blankPages ?? 0) + 1;
  }
  const letters = plan.documents.map((d, i): LetterLayout => {
    const runs: PageRun[] = [];
    for (const p of d.pages) {
      const { file, page } = at(p);
      const last = runs[runs.length - 1];
      if (last?.file === file && page === last.pages[last.pages.length - 1]! + 1) last.pages.push(page);
      else runs.push({ file, pages: [page], whole: false });
    }
    // A run of n pages following one another in a file of n pages is the whole file, in its own order.
    for (const r of runs) r.whole = r.pages.length === pageCounts[r.file];
    const own = [...new Set(runs.map((r) => r.file))].filter((f) => rows[f]!.letter === i);
    const first = at(d.pages[0]!).file;
    const lead = own.includes(first) ? first : (own[0] ?? null);
    for (const p of d.pages) {
      const f = at(p).file;
      if (rows[f]!.letter === i) rows[f]!.pageCount++;
      else if (lead !== null) rows[lead]!.pageCount++;
    }
    const notes: IntakeNotes = { pages: d.pages, ...(d.label ? { label: registryNo(d.label) } : {}) };
    if (lead !== null) Object.assign(rows[lead]!.notes, notes);
    return { runs, rows: own, lead, pages: d.pages, label: d.label, notes };
  });
  return { letters, rows };
}
