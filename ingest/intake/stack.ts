/**
 * Scanned stacks: every page of a scan is looked at for the registry's sheets (ingest/intake/sheetCodes.ts) and
 * for blank backs. A stack with separator sheets is split into one document per letter; a letter whose first
 * page bears a label takes the label's registry number. (Placeholder: the plan is one document as it came.)
 */
import { DomainError } from '../../kernel/errors';
import type { RegistryRef } from '../../kernel/registry';
import type { Duplex, IntakeNotes } from '../../storage/repos/batches';
import type { AcceptDeps, Examined, SpooledFile } from './accept';
import type { IntakeContext, IntakeOutcome } from './route';

/** One letter of a stack: its pages (1-based, in the stack's order), the label its first page bears. */
export interface StackDocumentPlan {
  pages: number[];
  label: Required<RegistryRef> | null;
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

export async function planStack(_file: SpooledFile, examined: Examined, _duplex: Duplex, _deps: AcceptDeps): Promise<StackPlan> {
  const pages = Array.from({ length: examined.pageCount }, (_, i) => i + 1);
  return {
    split: false,
    documents: [{ pages, label: null, notes: {} }],
    separators: 0,
    blankPages: 0,
    pageCount: examined.pageCount,
  };
}

export async function acceptStack(
  _file: SpooledFile,
  _examined: Examined,
  _plan: StackPlan,
  _ctx: IntakeContext,
  _deps: AcceptDeps,
): Promise<IntakeOutcome> {
  throw new DomainError('unsupported_type');
}
