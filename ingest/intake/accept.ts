/**
 * Accepting files at the door: from a spooled upload to a registered document
 * whose originals are safe in object storage, with a job queued for the rest.
 *
 *   examine (type from the bytes; every page decoded under the limits)
 *   -> register (registry number; duplicates decided by a UNIQUE constraint)
 *   -> store the originals (write-once) -> enqueue
 *
 * A bad file is refused with a DomainError and touches nothing. In a batch
 * whose files are pages of one document, each file is examined and staged
 * (write-once, in object storage) and the document is registered when the
 * batch is sealed. From just before registration until storage the bytes
 * wait in spool/pending/<sha256> (or in staging), so `sweepUnfinished` can
 * finish the job after a crash.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DomainError } from '../../kernel/errors';
import type { Logger } from '../../kernel/log';
import { batchMeta, type BatchesRepo, type BatchRecord } from '../../storage/repos/batches';
import type { Db } from '../../storage/db';
import type { DocumentMeta, DocumentRecord, DocumentsRepo, PartRecord } from '../../storage/repos/documents';
import { keys } from '../../storage/layout';
import type { ObjectStore } from '../../storage/objectStore';
import { inspectImage, type ImageLimits } from '../adapters/images';
import type { JobQueue } from '../adapters/queue';
import { inspectPdf } from '../adapters/pdfread';
import { sniff } from './sniff';

/** A file received into the spool dir, hashed while it streamed in. */
export interface SpooledFile {
  path: string;
  size: number;
  sha256: string;
  head: Buffer;
  /** The name the client gave, UTF-8; metadata only, never a path. */
  originalName: string | null;
  /** The upload went past the size limit; the spooled bytes are incomplete. */
  tooLarge?: boolean;
}

export interface AcceptDeps {
  db: Db;
  documents: DocumentsRepo;
  batches: BatchesRepo;
  primary: ObjectStore;
  queue: JobQueue;
  limits: ImageLimits & { maxFileBytes: number };
  spoolDir: string;
  log: Logger;
}

export interface Examined {
  mime: string;
  ext: string;
  pageCount: number;
  /** A PDF with its own text layer. */
  textLayer: boolean;
}

export type AcceptResult = { kind: 'accepted'; doc: DocumentRecord } | { kind: 'duplicate'; doc: DocumentRecord };

const STORED = 'stored';

/** Decides whether a file can be archived: what it is (by its bytes) and whether every page decodes within the limits. */
export async function examine(file: SpooledFile, limits: AcceptDeps['limits']): Promise<Examined> {
  if (file.tooLarge) {
    throw new DomainError('file_too_large', {
      ar: `(الحد ${Math.round(limits.maxFileBytes / 1048576)} م.ب)`,
      en: `(limit ${Math.round(limits.maxFileBytes / 1048576)} MB)`,
    });
  }
  if (file.size === 0) throw new DomainError('empty_file');
  const type = sniff(file.head);
  if (!type) throw new DomainError('unsupported_type');
  if (type.mime === 'application/pdf') {
    const info = await inspectPdf(file.path, limits);
    return { ...type, pageCount: info.pages, textLayer: info.hasTextLayer };
  }
  const info = await inspectImage(file.path, limits);
  return { ...type, pageCount: info.pages, textLayer: false };
}

/** Queues the document; when the queue cannot be reached the sweep queues it later. */
async function enqueue(documentId: string, deps: AcceptDeps): Promise<void> {
  await deps.queue
    .enqueue(documentId)
    .catch((e: unknown) => deps.log.warn('enqueue failed; the sweep will queue it', { documentId, error: String(e) }));
}

/** Where an accepted upload waits until it is in object storage, by its fingerprint. */
function pendingPath(spoolDir: string, sha256: string): string {
  return path.join(spoolDir, 'pending', sha256);
}

/**
 * One file, one document. The bytes move to spool/pending/<sha256> before the
 * registration commits, so at every instant after it they are either there or
 * in object storage, and the sweep can finish what a crash interrupted.
 */
export async function acceptDocument(
  file: SpooledFile,
  examined: Examined,
  meta: DocumentMeta & { batchId: string | null },
  deps: AcceptDeps,
): Promise<AcceptResult> {
  const pending = pendingPath(deps.spoolDir, file.sha256);
  fs.mkdirSync(path.dirname(pending), { recursive: true });
  fs.renameSync(file.path, pending);
  try {
    const reg = await deps.documents.register({
      ...meta,
      textLayer: examined.textLayer,
      parts: [
        {
          sha256: file.sha256,
          size: file.size,
          mime: examined.mime,
          ext: examined.ext,
          originalName: file.originalName,
          pageCount: examined.pageCount,
        },
      ],
    });
    const doc = reg.doc;
    if (reg.kind === 'duplicate') {
      // A duplicate whose first upload never reached storage is finished with these identical bytes.
      if (doc.stages[STORED]) fs.rmSync(pending, { force: true });
      else if (await finishStoring(doc, deps)) await enqueue(doc.id, deps);
      return reg;
    }
    try {
      await storeParts(doc, reg.parts, fromFiles(doc, [pending], deps), deps);
    } catch (e) {
      // Registered and kept in the spool: the sweep stores it once storage answers again.
      deps.log.error('original kept in the spool until storage answers', { documentId: doc.id, error: String(e) });
      return { kind: 'accepted', doc };
    }
    fs.rmSync(pending, { force: true });
    await enqueue(doc.id, deps);
    return { kind: 'accepted', doc };
  } catch (e) {
    // Nothing registered (or the registration failed): the bytes are not ours to keep.
    if (!(await deps.documents.getBySha256(file.sha256).catch(() => undefined))) fs.rmSync(pending, { force: true });
    throw e;
  }
}

/** One page file of a batch whose files make one document: kept write-once in staging until the batch is sealed. */
export async function stagePage(file: SpooledFile, examined: Examined, batchId: string, deps: AcceptDeps): Promise<string> {
  const key = keys.staged(batchId, file.sha256, examined.ext);
  try {
    await deps.primary.putFile(key, file.path, examined.mime, file.sha256);
  } catch (e) {
    deps.log.error('staging failed', { batchId, error: String(e) });
    throw new DomainError('storage_unavailable');
  }
  return key;
}

/** Registers the one document made of a batch's staged pages, in the order they were received. */
export async function sealPagesBatch(batch: BatchRecord, deps: AcceptDeps): Promise<AcceptResult> {
  const staged = await deps.batches.seal(batch.id);
  if (!staged) throw new DomainError('bad_request', { ar: '(الدفعة مختومة من قبل)', en: '(the batch is already sealed)' });
  const pageCount = staged.reduce((n, s) => n + s.pageCount, 0);
  let reg;
  try {
    if (staged.length === 0) {
      throw new DomainError('bad_request', { ar: '(لا صفحات مقبولة في هذه الدفعة)', en: '(the batch has no accepted pages)' });
    }
    if (pageCount > deps.limits.maxPages) {
      throw new DomainError('too_many_pages', { en: `(${pageCount} > ${deps.limits.maxPages})`, details: { pages: pageCount } });
    }
    const seqs = staged.map((s) => s.seq);
    reg = await deps.documents.register(
      {
        ...batchMeta(batch, batch.title ?? batch.name),
        textLayer: false,
        parts: staged.map((s) => ({
          sha256: s.sha256,
          size: s.size,
          mime: s.mime,
          ext: s.stagedKey.slice(s.stagedKey.lastIndexOf('.') + 1),
          originalName: s.name,
          pageCount: s.pageCount,
        })),
      },
      { onRegistered: (tx, doc) => deps.batches.linkPages(tx, batch.id, seqs, doc.id, 'staged') },
    );
    if (reg.kind === 'duplicate') await deps.batches.linkPages(deps.db, batch.id, seqs, reg.doc.id, 'duplicate');
  } catch (e) {
    // Nothing registered: the clerk may add pages and seal again.
    await deps.batches.unseal(batch.id);
    throw e;
  }
  if (reg.kind === 'duplicate') return reg;
  try {
    await storeParts(
      reg.doc,
      reg.parts,
      fromStaging(
        staged.map((s) => s.stagedKey),
        deps,
      ),
      deps,
    );
  } catch (e) {
    // Registered, and the pages are safe in staging: the sweep finishes storing them.
    deps.log.error('sealed pages wait in staging until storage answers', { documentId: reg.doc.id, error: String(e) });
    return { kind: 'accepted', doc: reg.doc };
  }
  await enqueue(reg.doc.id, deps);
  return { kind: 'accepted', doc: reg.doc };
}

/** Puts each part with `put`, records it as an artefact, and marks the originals stored. */
async function storeParts(
  doc: DocumentRecord,
  parts: PartRecord[],
  put: (part: PartRecord, index: number) => Promise<void>,
  deps: AcceptDeps,
): Promise<void> {
  for (const [i, part] of parts.entries()) {
    await put(part, i);
    await deps.documents.saveArtefact(doc.id, {
      kind: 'original',
      key: part.key,
      sha256: part.sha256,
      size: part.size,
      contentType: part.mime,
    });
  }
  await deps.documents.markStage(doc.id, STORED);
}

/** From local files (the spool), write-once. */
function fromFiles(doc: DocumentRecord, files: string[], deps: AcceptDeps) {
  return async (part: PartRecord, i: number) => {
    try {
      await deps.primary.putFile(part.key, files[i]!, part.mime, part.sha256);
    } catch (e) {
      deps.log.error('storing original failed', { documentId: doc.id, error: String(e) });
      throw new DomainError('storage_unavailable', { details: { registryNo: doc.registryNo } });
    }
  };
}

/** From staging in the same bucket, read back and compared before it counts. */
function fromStaging(stagedKeys: string[], deps: AcceptDeps) {
  return async (part: PartRecord, i: number) => {
    const source = stagedKeys[i]!;
    await deps.primary.putStream(part.key, await deps.primary.get(source), part.size, part.mime, part.sha256);
    const check = await deps.primary.hash(part.key);
    if (check.sha256 !== part.sha256) throw new Error(`copy of ${source} to ${part.key} does not match its SHA-256`);
  };
}

/**
 * The sweep, run at start and then periodically by every process: finishes
 * storing originals that were registered but not stored (from this machine's
 * spool/pending, or from staging), and re-queues every unfinished document
 * whose originals are stored. The queue keeps at most one waiting job per
 * document, so re-queuing is cheap and safe.
 */
export async function sweepUnfinished(deps: AcceptDeps): Promise<{ requeued: number; waiting: number }> {
  let requeued = 0;
  let waiting = 0;
  for (const id of await deps.documents.unfinishedIds()) {
    const doc = await deps.documents.get(id);
    if (!doc) continue;
    if (!doc.stages[STORED] && !(await finishStoring(doc, deps))) {
      waiting++;
      continue;
    }
    await deps.queue.enqueue(id);
    requeued++;
  }
  return { requeued, waiting };
}

async function finishStoring(doc: DocumentRecord, deps: AcceptDeps): Promise<boolean> {
  const parts = await deps.documents.parts(doc.id);
  const pending = pendingPath(deps.spoolDir, parts[0]?.sha256 ?? doc.originalSha256);
  try {
    if (parts.length === 1 && fs.existsSync(pending)) {
      await storeParts(doc, parts, fromFiles(doc, [pending], deps), deps);
      fs.rmSync(pending, { force: true });
      return true;
    }
    const staged = await deps.batches.stagedForDocument(doc.id);
    if (staged.length === parts.length && staged.length > 0) {
      await storeParts(doc, parts, fromStaging(staged, deps), deps);
      return true;
    }
    // Stored by a process that stopped before saying so?
    const there = await Promise.all(parts.map((p) => deps.primary.stat(p.key)));
    if (there.every((t, i) => t?.sha256 === parts[i]!.sha256)) {
      await storeParts(doc, parts, async () => undefined, deps);
      return true;
    }
    // Its bytes wait in another machine's spool; that machine's sweep will store them.
    return false;
  } catch (e) {
    deps.log.warn('could not store an original yet; will try again', { documentId: doc.id, error: String(e) });
    return false;
  }
}
