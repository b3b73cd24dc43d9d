/**
 * Receiving the files of a batch. Every file gets an outcome of its own —
 * accepted, duplicate, staged (a page of the batch's one document) or rejected
 * with a precise reason — and one file's fate never touches another's.
 */
import fs from 'node:fs';
import { DomainError, isDomainError } from '../../kernel/errors';
import { batchMeta, type BatchRecord, type NewBatchFile } from '../../storage/repos/batches';
import { acceptDocument, examine, stagePage, type AcceptDeps, type SpooledFile } from './accept';

export interface ReceivedFile {
  /** The file's row in the batch (the id its progress events carry). */
  id: string | null;
  name: string | null;
  status: 'queued' | 'duplicate' | 'rejected';
  documentId: string | null;
  registryNo: string | null;
  pageCount: number | null;
  error: { code: string; message: string; messageEn: string } | null;
}

export async function receiveFile(batch: BatchRecord, file: SpooledFile, deps: AcceptDeps): Promise<ReceivedFile> {
  const base = { name: file.originalName, size: file.size, sha256: file.sha256 };
  let row: NewBatchFile;
  let registryNo: string | null = null;
  try {
    if (batch.mode === 'pages' && batch.sealedAt) {
      throw new DomainError('bad_request', { ar: '(الدفعة مختومة)', en: '(the batch is sealed)' });
    }
    const examined = await examine(file, deps.limits);
    if (batch.mode === 'pages') {
      const stagedKey = await stagePage(file, examined, batch.id, deps);
      row = { ...base, outcome: 'staged', mime: examined.mime, stagedKey, pageCount: examined.pageCount };
    } else {
      const result = await acceptDocument(file, examined, batchMeta(batch, null), deps);
      registryNo = result.doc.registryNo;
      row = {
        ...base,
        outcome: result.kind === 'accepted' ? 'accepted' : 'duplicate',
        mime: examined.mime,
        documentId: result.doc.id,
        pageCount: result.doc.pageCount,
      };
    }
  } catch (e) {
    // One file's unexpected failure is that file's answer; the rest of the batch goes on.
    const err = isDomainError(e) ? e : new DomainError('internal', { en: `(${String((e as Error).message ?? e)})` });
    if (!isDomainError(e)) deps.log.error('receiving a file failed', { batchId: batch.id, error: String(e) });
    row = { ...base, outcome: 'rejected', error: { code: err.code, message: err.messageAr, messageEn: err.messageEn } };
  } finally {
    fs.rmSync(file.path, { force: true });
  }
  let id = await deps.batches.addFile(batch.id, row);
  if (!id) {
    // The batch was sealed while this page was on its way.
    const sealed = new DomainError('bad_request', { ar: '(الدفعة مختومة)', en: '(the batch is sealed)' });
    row = { ...base, outcome: 'rejected', error: { code: sealed.code, message: sealed.messageAr, messageEn: sealed.messageEn } };
    id = await deps.batches.addFile(batch.id, row);
  }
  return {
    id: id ?? null,
    name: row.name,
    status: row.outcome === 'duplicate' ? 'duplicate' : row.outcome === 'rejected' ? 'rejected' : 'queued',
    documentId: row.documentId ?? null,
    registryNo,
    pageCount: row.pageCount ?? null,
    error: row.error ?? null,
  };
}
