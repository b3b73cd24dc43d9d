/**
 * Receiving the files of a batch. Every file gets an outcome of its own —
 * accepted, duplicate, staged (a page of the batch's one document) or rejected
 * with a precise reason — and one file's fate never touches another's. A file
 * that becomes several documents (a stack split at separator sheets, a message
 * and its attachments) has a row, and an answer, for each.
 */
import fs from 'node:fs';
import { DomainError, isDomainError } from '../../kernel/errors';
import { batchMeta, type BatchRecord, type IntakeKind, type IntakeNotes, type NewBatchFile } from '../../storage/repos/batches';
import { examine, stagePage, type AcceptDeps, type Examined, type SpooledFile } from './accept';
import { intakeFile } from './route';

export interface ReceivedFile {
  /** The file's row in the batch (the id its progress events carry). */
  id: string | null;
  name: string | null;
  status: 'queued' | 'duplicate' | 'rejected';
  documentId: string | null;
  registryNo: string | null;
  pageCount: number | null;
  error: { code: string; message: string; messageEn: string } | null;
  /** What it was (a file as it came, a part of a stack, an Office file, a message, an attachment) and what it was part of. */
  kind: IntakeKind;
  partOf: string | null;
  notes: IntakeNotes | null;
}

type Row = NewBatchFile & { registryNo: string | null };

const asError = (e: DomainError) => ({ code: e.code, message: e.messageAr, messageEn: e.messageEn });

/**
 * The rows a received file leaves in its batch: one per document it became or part refused, or its refusal.
 * `ahead`: its examination already begun (route.ts examineAhead), for a batch of documents.
 */
async function rowsFor(
  batch: BatchRecord,
  file: SpooledFile,
  deps: AcceptDeps,
  ahead?: Promise<Examined | undefined>,
): Promise<Row[]> {
  const base = { name: file.originalName, size: file.size, sha256: file.sha256, registryNo: null };
  try {
    if (batch.mode === 'pages' && batch.sealedAt) {
      throw new DomainError('bad_request', { ar: '(الدفعة مختومة)', en: '(the batch is sealed)' });
    }
    if (batch.mode === 'pages') {
      const examined = await examine(file, deps.limits);
      const stagedKey = await stagePage(file, examined, batch.id, deps);
      return [{ ...base, outcome: 'staged', mime: examined.mime, stagedKey, pageCount: examined.pageCount }];
    }
    const ctx = { batch, meta: batchMeta(batch, null), source: batch.source, duplex: batch.duplex };
    const outcome = await intakeFile(file, ctx, deps, ahead);
    const made: Row[] = outcome.documents.map((d) => ({
      ...base,
      name: d.name,
      outcome: d.result.kind === 'accepted' ? 'accepted' : 'duplicate',
      mime: d.result.doc.originalMime,
      documentId: d.result.doc.id,
      pageCount: d.pageCount,
      registryNo: d.result.doc.registryNo,
      kind: d.kind,
      partOf: d.partOf,
      notes: d.notes,
    }));
    const refused: Row[] = outcome.rejected.map((r) => ({
      ...base,
      name: r.name,
      outcome: 'rejected',
      error: asError(r.error),
      kind: r.kind,
      partOf: r.partOf,
    }));
    return [...made, ...refused];
  } catch (e) {
    // One file's unexpected failure is that file's answer; the rest of the batch goes on.
    const err = isDomainError(e) ? e : new DomainError('internal', { en: `(${String((e as Error).message ?? e)})` });
    if (!isDomainError(e)) deps.log.error('receiving a file failed', { batchId: batch.id, error: String(e) });
    return [{ ...base, outcome: 'rejected', error: asError(err) }];
  } finally {
    fs.rmSync(file.path, { force: true });
  }
}

export async function receiveFile(
  batch: BatchRecord,
  file: SpooledFile,
  deps: AcceptDeps,
  ahead?: Promise<Examined | undefined>,
): Promise<ReceivedFile[]> {
  const received: ReceivedFile[] = [];
  for (let row of await rowsFor(batch, file, deps, ahead)) {
    let id = await deps.batches.addFile(batch.id, row);
    if (!id) {
      // The batch was sealed while this page was on its way.
      const sealed = new DomainError('bad_request', { ar: '(الدفعة مختومة)', en: '(the batch is sealed)' });
      row = { ...row, outcome: 'rejected', stagedKey: null, error: asError(sealed) };
      id = await deps.batches.addFile(batch.id, row);
    }
    received.push({
      id: id ?? null,
      name: row.name,
      status: row.outcome === 'duplicate' ? 'duplicate' : row.outcome === 'rejected' ? 'rejected' : 'queued',
      documentId: row.documentId ?? null,
      registryNo: row.registryNo,
      pageCount: row.pageCount ?? null,
      error: row.error ?? null,
      kind: row.kind ?? 'file',
      partOf: row.partOf ?? null,
      notes: row.notes ?? null,
    });
  }
  return received;
}
