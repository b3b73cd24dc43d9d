/**
 * What came into a batch, summed from its files' rows: how many rows of each kind (a file as it came, a part of a
 * scanned stack, an Office file, a message, an attachment), and what was noticed at the door (IntakeNotes):
 * separator sheets, blank pages dropped, labels whose number a document took, labels refused.
 */
import type { BatchFileView, IntakeKind } from '../../storage/repos/batches';

export interface BatchIntakeSummary {
  kinds: Record<IntakeKind, number>;
  separators: number;
  blankPages: number;
  /** Documents numbered with the pre-allocated number of the label on their first page. */
  labelsUsed: number;
  /** Labels read but not taken (unknown, or already used by another document). */
  labelsRefused: number;
}

/** The batch's summary of its files (their rows as the repository reads them). */
export function batchIntakeSummary(files: ReadonlyArray<Pick<BatchFileView, 'kind' | 'notes' | 'status'>>): BatchIntakeSummary {
  const summary: BatchIntakeSummary = {
    kinds: { file: 0, stack: 0, office: 0, email: 0, attachment: 0 },
    separators: 0,
    blankPages: 0,
    labelsUsed: 0,
    labelsRefused: 0,
  };
  for (const f of files) {
    summary.kinds[f.kind]++;
    const n = f.notes;
    if (!n) continue;
    summary.separators += n.separators ?? 0;
    summary.blankPages += n.blankPages ?? 0;
    if (n.labelRefused) summary.labelsRefused++;
    // A duplicate took no number: the label's number went to no document.
    else if (n.label && f.status !== 'duplicate' && f.status !== 'rejected') summary.labelsUsed++;
  }
  return summary;
}
