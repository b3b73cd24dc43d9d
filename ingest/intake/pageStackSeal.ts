/**
 * Sealing a batch of pages (a scanner that saves one image per page, or the fronts and the backs of two passes
 * in two files): its page files are a stack, looked at and planned as one (stack.ts planPages), whenever a
 * separator, a label or a blank back is found, with no flag to ask for it.
 *
 *   hold the batch's lock -> seal it (no page slips in after) [crash: batch.after-seal]
 *   -> fetch every page file from staging into the spool, look at its pages, plan (pageStack.ts lays it out)
 *   -> as it came: one document of the staged files, their rows tied in its registration (accept.ts registerSealed)
 *   -> otherwise letter by letter: its parts (a page file as it came, or pages taken from one: stackFiles.ts)
 *      registered through acceptParts, its rows tied, or a row added for it, in the same transaction
 *      [crash: pages.after-letter]; a letter refused on its own leaves its rows 'rejected', the others go on
 *   -> the rows whose every page was taken out (separator sheets, blank backs) marked 'sheet'
 *
 * A process killed anywhere after the seal leaves rows still 'staged' and untied, which the sweep finds
 * (sweep.ts finishSealedBatches): under the lock it fetches and plans the same pages again, so the same
 * letters, and registers only the letters whose rows are untied; a letter registered before cannot be
 * registered twice, its rows being tied in its own transaction (storage/repos/batchPages.ts).
 */
import fs from 'node:fs';
import { crashPoint } from '../../kernel/crashPoints';
import { DomainError, isDomainError } from '../../kernel/errors';
import type { Queryable } from '../../storage/db';
import {
  addLetterRow,
  hasLetterRow,
  notePage,
  pageRows,
  settlePages,
  unsettled,
  type PageRow,
} from '../../storage/repos/batchPages';
import { batchMeta, type BatchRecord } from '../../storage/repos/batches';
import type { DocumentRecord, RegisterResult } from '../../storage/repos/documents';
import { countIntake, type IntakeTally } from '../../storage/repos/intakeCounts';
import { acceptParts, examine, registerSealed, type AcceptDeps, type AcceptResult, type IncomingPart } from './accept';
import { layoutPages, type LetterLayout, type PageRun, type PagesLayout } from './pageStack';
import { planPages, type StackPlan, type StackSource } from './stack';
import { fetchToSpool, letterFiles, letterName, type LetterFiles } from './stackFiles';

/** What a seal registered: the one document of the files as they came, or each letter (and those refused). */
export type PagesSealed =
  | { kind: 'whole'; reg: RegisterResult; stagedKeys: string[] }
  | { kind: 'letters'; results: AcceptResult[]; refused: DomainError[] };

/** A page file fetched from staging, and its row. */
interface PageFile extends StackSource {
  row: PageRow;
}

const asError = (e: DomainError) => ({ code: e.code, message: e.messageAr, messageEn: e.messageEn });

/**
 * Registers what a sealed batch's page files make, doing only what its rows say is left; the caller holds the
 * batch's lock. Undefined when nothing was left. A plan refused whole ('passes_uneven', 'stack_empty', a page
 * that cannot be read) throws before any row is settled.
 */
export async function registerPages(batch: BatchRecord, deps: AcceptDeps): Promise<PagesSealed | undefined> {
  const rows = await pageRows(deps.db, batch.id);
  if (rows.length === 0) {
    throw new DomainError('bad_request', { ar: '(لا صفحات مقبولة في هذه الدفعة)', en: '(the batch has no accepted pages)' });
  }
  if (!rows.some(unsettled)) return undefined;
  const files: PageFile[] = [];
  try {
    for (const row of rows) {
      const file = await fetchToSpool(row.stagedKey, { sha256: row.sha256, name: row.name }, deps);
      const ext = row.stagedKey.slice(row.stagedKey.lastIndexOf('.') + 1);
      const page: PageFile = { row, file, examined: { mime: row.mime, ext, pageCount: row.pageCount, textLayer: false } };
      files.push(page);
      // A settled row counts the pages it gave its letter; the file itself says how many it holds.
      if (!unsettled(row)) page.examined.pageCount = (await examine(file, deps.limits)).pageCount;
    }
    const { plan, looks } = await planPages(files, batch.duplex, deps);
    if (!plan.split) return await registerWhole(batch, rows, plan, deps);
    const layout = layoutPages(
      files.map((f) => f.examined.pageCount),
      looks,
      plan,
    );
    return await registerLetters(batch, files, layout, deps);
  } finally {
    for (const f of files) fs.rmSync(f.file.path, { force: true });
  }
}

/** The answer to the clerk who sealed: the first letter's document; the first refusal when every letter was refused. */
export function firstLetter(sealed: Extract<PagesSealed, { kind: 'letters' }>): AcceptResult {
  const first = sealed.results[0];
  if (first) return first;
  throw sealed.refused[0] ?? new Error('a sealed batch of pages made no letter');
}

/** The page files as they came: one document (a label on its first page gives its number). */
async function registerWhole(batch: BatchRecord, rows: PageRow[], plan: StackPlan, deps: AcceptDeps): Promise<PagesSealed> {
  const reg = await registerSealed(batch, rows, deps, plan.documents[0]?.label ?? null);
  const result = { kind: reg.kind === 'duplicate' ? ('duplicate' as const) : ('accepted' as const) };
  await count(
    batch,
    { documents: [{ kind: 'file', pageCount: reg.doc.pageCount ?? 0, result }], separators: 0, blankPages: 0 },
    deps,
  );
  return { kind: 'whole', reg, stagedKeys: rows.map((r) => r.stagedKey) };
}

async function registerLetters(
  batch: BatchRecord,
  files: PageFile[],
  layout: PagesLayout,
  deps: AcceptDeps,
): Promise<PagesSealed> {
  const meta = { ...batchMeta(batch, null), textLayer: false };
  const results: AcceptResult[] = [];
  const refused: DomainError[] = [];
  const settledNow = new Set<number>();
  const tally: IntakeTally = { documents: [], separators: 0, blankPages: 0 };
  const derived = new Map<number, LetterFiles>();
  try {
    for (const letter of layout.letters) {
      if (await letterDone(batch, files, letter, deps.db)) continue;
      const settle = async (
        q: Queryable,
        outcome: 'accepted' | 'duplicate' | 'rejected',
        doc: DocumentRecord | null,
        e?: DomainError,
      ) => {
        const s = await settleLetter(q, batch, files, layout, letter, { outcome, doc, ...(e ? { error: asError(e) } : {}) });
        s.settled.forEach((seq) => settledNow.add(seq));
        return s.lead;
      };
      try {
        if (letter.pages.length > deps.limits.maxPages) {
          throw new DomainError('too_many_pages', {
            en: `(${letter.pages.length} > ${deps.limits.maxPages})`,
            details: { pages: letter.pages.length },
          });
        }
        const parts = await partsOf(letter, files, layout, derived, deps);
        let lead: number | null = null;
        const result = await acceptParts(parts, { ...meta, label: letter.label }, deps, {
          onRegistered: async (tx, doc) => {
            lead = await settle(tx, 'accepted', doc);
          },
        });
        crashPoint('pages.after-letter');
        if (result.kind === 'duplicate') await settle(deps.db, 'duplicate', result.doc);
        else if (result.labelRefused && lead !== null)
          await notePage(deps.db, batch.id, lead, { labelRefused: result.labelRefused });
        results.push(result);
        tally.documents.push({ kind: 'stack', pageCount: letter.pages.length, result });
      } catch (e) {
        if (!isDomainError(e)) throw e;
        await settle(deps.db, 'rejected', null, e);
        refused.push(e);
      }
    }
  } finally {
    for (const d of derived.values()) d.dispose();
  }
  const sheets = layout.rows.flatMap((r, f) =>
    r.letter === null
      ? [{ seq: files[f]!.row.seq, outcome: 'sheet' as const, documentId: null, pageCount: 0, notes: r.notes }]
      : [],
  );
  (await settlePages(deps.db, batch.id, sheets)).forEach((seq) => settledNow.add(seq));
  // What was taken out is counted by the run that settled its row, so a seal finished by the sweep counts it once.
  layout.rows.forEach((r, f) => {
    if (!settledNow.has(files[f]!.row.seq)) return;
    tally.separators += r.notes.separators ?? 0;
    tally.blankPages += r.notes.blankPages ?? 0;
  });
  await count(batch, tally, deps);
  return { kind: 'letters', results, refused };
}

/** Whether a stopped seal registered the letter already: its rows are settled (or its own row was added). */
async function letterDone(batch: BatchRecord, files: PageFile[], letter: LetterLayout, q: Queryable): Promise<boolean> {
  if (letter.rows.length > 0) return letter.rows.every((f) => !unsettled(files[f]!.row));
  return hasLetterRow(q, batch.id, letter.pages);
}

/**
 * Ties the rows of `letter` to its document (or marks them refused), adding its own row when no page file's row
 * speaks for it. Returns the rows settled now and the sequence number of the row that speaks for it.
 */
async function settleLetter(
  q: Queryable,
  batch: BatchRecord,
  files: PageFile[],
  layout: PagesLayout,
  letter: LetterLayout,
  fate: { outcome: 'accepted' | 'duplicate' | 'rejected'; doc: DocumentRecord | null; error?: ReturnType<typeof asError> },
): Promise<{ settled: number[]; lead: number | null }> {
  const { outcome, doc, error } = fate;
  const settled = await settlePages(
    q,
    batch.id,
    letter.rows.map((f) => ({
      seq: files[f]!.row.seq,
      outcome,
      documentId: doc?.id ?? null,
      pageCount: layout.rows[f]!.pageCount,
      notes: layout.rows[f]!.notes,
      ...(error ? { error } : {}),
    })),
  );
  if (letter.lead !== null) return { settled, lead: files[letter.lead]!.row.seq };
  const first = files[letter.runs[0]!.file]!.row;
  const lead = await addLetterRow(q, batch.id, {
    name: letterName(batch.name, letter.pages),
    size: first.size,
    sha256: first.sha256,
    outcome,
    mime: doc?.originalMime ?? null,
    documentId: doc?.id ?? null,
    pageCount: letter.pages.length,
    kind: 'stack',
    partOf: batch.name,
    notes: letter.notes,
    ...(error ? { error } : {}),
  });
  return { settled, lead };
}

/**
 * The files a letter is registered with: a page file as it came when a run is all of it (its bytes untouched),
 * else the run's pages taken from it (stackFiles.ts: a PDF of them, or a lossless PNG of each image page). A
 * file's runs are all made at once, the first time one of them is needed.
 */
async function partsOf(
  letter: LetterLayout,
  files: PageFile[],
  layout: PagesLayout,
  derived: Map<number, LetterFiles>,
  deps: AcceptDeps,
): Promise<IncomingPart[]> {
  const parts: IncomingPart[] = [];
  for (const run of letter.runs) {
    const { file, examined } = files[run.file]!;
    if (run.whole) {
      parts.push({ file, mime: examined.mime, ext: examined.ext, pageCount: examined.pageCount });
      continue;
    }
    const runs: PageRun[] = layout.letters.flatMap((l) => l.runs).filter((r) => r.file === run.file && !r.whole);
    let made = derived.get(run.file);
    if (!made) {
      made = await letterFiles(
        file,
        examined,
        runs.map((r) => r.pages),
        deps,
      );
      derived.set(run.file, made);
    }
    parts.push(...(await made.letter(runs.indexOf(run))));
  }
  return parts;
}

async function count(batch: BatchRecord, tally: IntakeTally, deps: AcceptDeps): Promise<void> {
  await countIntake(deps.db, batch.source, tally).catch((e: unknown) =>
    deps.log.warn('could not count an intake', { batchId: batch.id, error: String(e) }),
  );
}
