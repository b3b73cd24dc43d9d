/**
 * Accepting an upload: from a spooled file to a registered document whose
 * original is safe in object storage, with a job queued for the rest.
 *
 *   sniff (magic bytes) -> inspect (decode every page, limits) -> register
 *   (registry number; duplicate decided by the UNIQUE constraint) -> store the
 *   original (write-once) -> enqueue
 *
 * A bad file is refused with a DomainError and touches nothing. Between
 * registration and storage the spooled bytes wait under spool/pending/<id>, so
 * a crash there is finished by `resumePendingOriginals` at the next start.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DomainError } from '../src/errors';
import type { Logger } from '../src/log';
import type { DocumentMeta, DocumentRecord, DocumentsRepo } from '../storage/documents';
import { keys } from '../storage/layout';
import type { ObjectStore } from '../storage/objectStore';
import { inspectImage, type ImageLimits } from './images';
import type { JobQueue } from './jobs';
import { fail } from './pipeline';
import { sniff } from './sniff';
import type { Db } from '../storage/db';

/** A file received into the spool dir, hashed while it streamed in. */
export interface SpooledFile {
  path: string;
  size: number;
  sha256: string;
  head: Buffer;
  /** The name the client gave, UTF-8; metadata only, never a path. */
  originalName: string | null;
}

export interface AcceptDeps {
  db: Db;
  documents: DocumentsRepo;
  primary: ObjectStore;
  queue: JobQueue;
  limits: ImageLimits;
  spoolDir: string;
  log: Logger;
}

export type AcceptResult = { kind: 'accepted'; doc: DocumentRecord } | { kind: 'duplicate'; doc: DocumentRecord };

const STORED = 'stored';

function pendingPath(spoolDir: string, documentId: string): string {
  return path.join(spoolDir, 'pending', documentId);
}

export async function acceptUpload(file: SpooledFile, meta: DocumentMeta, deps: AcceptDeps): Promise<AcceptResult> {
  let keepFile = false;
  try {
    if (file.size === 0) throw new DomainError('empty_file');
    const type = sniff(file.head);
    if (!type || type.mime === 'application/pdf') {
      throw new DomainError('unsupported_type', { details: { detected: type?.mime ?? 'unknown' } });
    }
    const info = await inspectImage(file.path, deps.limits);
    const reg = await deps.documents.register({
      ...meta,
      originalName: file.originalName,
      originalMime: type.mime,
      originalExt: type.ext,
      originalSize: file.size,
      originalSha256: file.sha256,
      pageCount: info.pages,
    });
    if (reg.kind === 'duplicate') return reg;

    const doc = reg.doc;
    const pending = pendingPath(deps.spoolDir, doc.id);
    fs.mkdirSync(path.dirname(pending), { recursive: true });
    fs.renameSync(file.path, pending);
    keepFile = true;
    await storeOriginal(doc, pending, deps);
    keepFile = false;
    fs.rmSync(pending, { force: true });
    await deps.queue.enqueue(doc.id);
    return { kind: 'accepted', doc };
  } finally {
    if (!keepFile) fs.rmSync(file.path, { force: true });
  }
}

async function storeOriginal(doc: DocumentRecord, file: string, deps: AcceptDeps): Promise<void> {
  const key = keys.original(doc, doc.originalExt);
  let stored;
  try {
    stored = await deps.primary.putFile(key, file, doc.originalMime, doc.originalSha256);
  } catch (e) {
    deps.log.error('storing original failed', { documentId: doc.id, error: String(e) });
    throw new DomainError('storage_unavailable', { details: { registryNo: doc.registryNo } });
  }
  await deps.documents.saveArtefact(doc.id, { kind: 'original', ...stored, contentType: doc.originalMime });
  await deps.documents.markStage(doc.id, STORED);
}

/**
 * Start-up sweep: stores originals that were registered but not yet stored
 * (from spool/pending), and re-queues every unfinished document.
 */
export async function resumeUnfinished(deps: AcceptDeps): Promise<{ requeued: number; lost: number }> {
  let requeued = 0;
  let lost = 0;
  for (const id of await deps.documents.unfinishedIds()) {
    const doc = await deps.documents.get(id);
    if (!doc) continue;
    if (!doc.stages[STORED]) {
      const pending = pendingPath(deps.spoolDir, id);
      if (!fs.existsSync(pending)) {
        // Registered on a machine whose spool we cannot see, or lost before storage.
        const key = keys.original(doc, doc.originalExt);
        const there = await deps.primary.stat(key);
        if (there?.sha256 !== doc.originalSha256) {
          await fail(deps, id, 'storage_unavailable', 'the original was not stored before the upload was interrupted');
          lost++;
          continue;
        }
        await deps.documents.saveArtefact(doc.id, {
          kind: 'original',
          key,
          sha256: there.sha256,
          size: there.size,
          contentType: doc.originalMime,
        });
        await deps.documents.markStage(doc.id, STORED);
      } else {
        try {
          await storeOriginal(doc, pending, deps);
          fs.rmSync(pending, { force: true });
        } catch {
          continue; // storage still down: try again at the next start
        }
      }
    }
    await deps.queue.enqueue(id);
    requeued++;
  }
  return { requeued, lost };
}
