/**
 * What a received file becomes, decided in one place: an Office document (converted to PDF, ingest/intake/office.ts),
 * an e-mail message (its body and each attachment, ingest/intake/email.ts), a scanned stack split at separator
 * sheets, with labels read and blank backs dropped (ingest/intake/stack.ts), or one document as it came
 * (accept.ts). Every path registers through acceptParts, so a duplicate, a crash or storage away is handled
 * the same way whatever the file was; every document it made is counted by source and kind (intake_counts).
 */
import type { DomainError } from '../../kernel/errors';
import type { BatchRecord, Duplex, IntakeKind, IntakeNotes, IntakeSource } from '../../storage/repos/batches';
import { countIntake } from '../../storage/repos/intakeCounts';
import type { NewDocument } from '../../storage/repos/documents';
import { acceptDocument, examine, type AcceptDeps, type AcceptResult, type Examined, type SpooledFile } from './accept';
import { acceptEmail, isEmail } from './email';
import { acceptOffice, officeType } from './office';
import { sniff } from './sniff';
import { planStack } from './stack';
import { splitStack } from './stackSplit';

/** Where and how a file came in, and what its documents are registered with. */
export interface IntakeContext {
  /** The batch its documents join (null: a single upload). */
  batch: BatchRecord | null;
  /** Metadata and registry fields the documents are registered with (a title of their own is kept). */
  meta: Omit<NewDocument, 'textLayer' | 'parts'>;
  source: IntakeSource;
  duplex: Duplex;
}

/** One document a file became, or was found to duplicate. */
export interface IntakeDocument {
  result: AcceptResult;
  kind: IntakeKind;
  /** Its own name: the file's, an attachment's, or the stack's with its pages. */
  name: string | null;
  pageCount: number;
  /** The stack or message it is part of (that file's name). */
  partOf: string | null;
  notes: IntakeNotes;
}

/** A part refused while the rest went on (an attachment of an unsupported type, a stack's part over the page limit). */
export interface IntakeRejected {
  kind: IntakeKind;
  name: string | null;
  partOf: string | null;
  error: DomainError;
}

export interface IntakeOutcome {
  documents: IntakeDocument[];
  rejected: IntakeRejected[];
  /** Separator sheets found, and blank pages dropped (they stay in the stack's original). */
  separators: number;
  blankPages: number;
}

/** The outcome of a file that became one document. */
export function oneDocument(result: AcceptResult, kind: IntakeKind, name: string | null, notes: IntakeNotes = {}): IntakeOutcome {
  return {
    documents: [{ result, kind, name, pageCount: result.doc.pageCount ?? 0, partOf: null, notes }],
    rejected: [],
    separators: 0,
    blankPages: 0,
  };
}

/**
 * A scan's or a PDF's examination (every page decoded and looked at), begun before its turn to be registered:
 * a batch's next file is checked while the one before it is registered and stored (src/http/batches.ts).
 * Only reads the spooled file. Undefined for a file that is none of these (an Office file, a message, an
 * unknown type), which intakeFile takes as it comes; a refusal is thrown when intakeFile reaches it.
 */
export async function examineAhead(file: SpooledFile, limits: AcceptDeps['limits']): Promise<Examined | undefined> {
  if (file.tooLarge || file.size === 0 || !sniff(file.head)) return undefined;
  return examine(file, limits, { look: true });
}

/**
 * Receives one spooled file (removed by the caller afterwards) as whatever it is. A file refused whole throws
 * its DomainError; a part refused inside a stack or a message is in `rejected`. `ahead`: its examineAhead,
 * already begun.
 */
export async function intakeFile(
  file: SpooledFile,
  ctx: IntakeContext,
  deps: AcceptDeps,
  ahead?: Promise<Examined | undefined>,
): Promise<IntakeOutcome> {
  const outcome = await route(file, ctx, deps, ahead);
  await countIntake(deps.db, ctx.source, outcome, deps.archive?.timeZone).catch((e: unknown) =>
    deps.log.warn('could not count an intake', { error: String(e) }),
  );
  return outcome;
}

async function route(
  file: SpooledFile,
  ctx: IntakeContext,
  deps: AcceptDeps,
  ahead?: Promise<Examined | undefined>,
): Promise<IntakeOutcome> {
  if (!file.tooLarge && file.size > 0) {
    const office = await officeType(file);
    if (office) return acceptOffice(file, office, ctx, deps);
    if (isEmail(file)) return acceptEmail(file, ctx, deps, (part, partCtx) => route(part, partCtx, deps));
  }
  // A scan's pages are looked at in the decode that checks them.
  const examined = (await ahead) ?? (await examine(file, deps.limits, { look: true }));
  let notes: IntakeNotes = {};
  let label: NewDocument['label'] = null;
  if (!examined.textLayer) {
    // A scan: its pages are looked at for separator sheets, labels and blank backs.
    const plan = await planStack(file, examined, ctx.duplex, deps);
    if (plan.split) return splitStack(file, examined, plan, ctx, deps);
    label = plan.documents[0]?.label ?? null;
    notes = plan.documents[0]?.notes ?? {};
  }
  const result = await acceptDocument(file, examined, { ...ctx.meta, label }, deps);
  const refused = result.kind === 'accepted' && result.labelRefused ? { labelRefused: result.labelRefused } : {};
  return oneDocument(result, 'file', file.originalName, { ...notes, ...refused });
}
