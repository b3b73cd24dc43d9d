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
 * wait in spool/pending/<sha256>/ (a file for each upload), or in staging, so
 * the sweep (sweep.ts) can finish the job after a crash.
 */
import fs from 'node:fs';
import { crashPoint } from '../../kernel/crashPoints';
import { DomainError } from '../../kernel/errors';
import { registryNo, type LabelRefusal } from '../../kernel/registry';
import type { Logger } from '../../kernel/log';
import { batchMeta, type BatchesRepo, type BatchRecord, type StagedFile } from '../../storage/repos/batches';
import { notePage, unsealUntouched } from '../../storage/repos/batchPages';
import type { Db } from '../../storage/db';
import { normalizeArabic } from '../../search/normalize';
import type { DocumentRecord, NewDocument, DocumentsRepo, RegisterOptions, RegisterResult } from '../../storage/repos/documents';
import { keys } from '../../storage/layout';
import { withDocumentLock } from '../../storage/locks';
import type { ObjectStore } from '../../storage/objectStore';
import { imageHeader, inspectImage, type ImageLimits } from '../adapters/images';
import type { JobQueue } from '../adapters/queue';
import { inspectPdf } from '../adapters/pdfread';
import { moveToPending } from '../leftovers';
import { finishStoring, fromFiles, fromStaging, storeParts, STORED } from './storeOriginals';
import type { ArchiveSettings } from '../stages/stage';
import { firstLetter, registerPages } from './pageStackSeal';
import { sniff } from './sniff';
import { checkAndLookAtImagePages, type PageLook } from './stackPages';

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
  /** Where a scanned stack kept whole is copied (ingest/intake/stackOffsite.ts); the documents go by their replicate stage. */
  offsite: ObjectStore;
  queue: JobQueue;
  limits: ImageLimits & { maxFileBytes: number };
  spoolDir: string;
  log: Logger;
  /**
   * Where the registry is (DIWAN_TIMEZONE): the registry number takes the year
   * there, as the stamp shows it. UTC when absent.
   */
  archive?: Pick<ArchiveSettings, 'timeZone'>;
  /** LibreOffice's program and the limits of one conversion (ingest/intake/office.ts); defaults when absent. */
  office?: { soffice: string; timeoutMs: number; memoryMb: number };
}

export interface Examined {
  mime: string;
  ext: string;
  pageCount: number;
  /** A PDF with its own text layer. */
  textLayer: boolean;
  /** Its pages looked at (an image, when examine was asked to look: the one decode of each page served both). */
  looks?: PageLook[];
}

export type AcceptResult =
  /** `labelRefused`: its first page bore a label whose number could not be given (unknown, or used by another document). */
  { kind: 'accepted'; doc: DocumentRecord; labelRefused?: LabelRefusal } | { kind: 'duplicate'; doc: DocumentRecord };

/**
 * What a file is (by its bytes) and whether every page decodes within the limits; with `look`, an image's
 * pages are looked at for a stack's plan (stackPages.ts) in that same decode.
 */
export async function examine(file: SpooledFile, limits: AcceptDeps['limits'], opts: { look?: boolean } = {}): Promise<Examined> {
  crashPoint('intake.examine');
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
  if (opts.look) {
    const header = await imageHeader(file.path, limits);
    const looks = await checkAndLookAtImagePages(file.path, header.pages, limits);
    return { ...type, pageCount: header.pages, textLayer: false, looks };
  }
  const info = await inspectImage(file.path, limits);
  return { ...type, pageCount: info.pages, textLayer: false };
}

/** Queues the document; when the queue cannot be reached the sweep queues it later. */
export async function enqueue(documentId: string, deps: AcceptDeps): Promise<void> {
  await deps.queue
    .enqueue(documentId)
    .catch((e: unknown) => deps.log.warn('enqueue failed; the sweep will queue it', { documentId, error: String(e) }));
}

/** How a registration is told where the registry is. */
function registerOptions(deps: AcceptDeps) {
  return { timeZone: deps.archive?.timeZone ?? 'UTC' };
}

/** A received file and what it is, to be one file of a document (a rendition: the PDF made of an Office file or a message). */
export interface IncomingPart {
  file: SpooledFile;
  mime: string;
  ext: string;
  pageCount: number;
  rendition?: boolean;
}

/** One file, one document (see acceptParts). */
export async function acceptDocument(
  file: SpooledFile,
  examined: Examined,
  /** Its metadata and registry fields (register, sender's reference, correspondent, what it answers, its label). */
  meta: Omit<NewDocument, 'textLayer' | 'parts'>,
  deps: AcceptDeps,
): Promise<AcceptResult> {
  const part = { file, mime: examined.mime, ext: examined.ext, pageCount: examined.pageCount };
  return acceptParts([part], { ...meta, textLayer: examined.textLayer }, deps);
}

/**
 * The files of one document (one for an ordinary upload; an Office file and its PDF). The bytes move to files
 * of this upload's own in spool/pending/<sha256>/ before the registration commits, so at every instant after
 * it they are either there or in object storage, and the sweep can finish what a crash interrupted. Another
 * upload of the same bytes has its own file: whatever becomes of this one, the other's stays.
 */
export async function acceptParts(
  files: IncomingPart[],
  meta: Omit<NewDocument, 'parts'>,
  deps: AcceptDeps,
  /** Run in the registration's transaction (a batch's rows tied to the new document: pageStackSeal.ts). */
  opts: Pick<RegisterOptions, 'onRegistered'> = {},
): Promise<AcceptResult> {
  const pending = files.map((f) => moveToPending(f.file.path, deps.spoolDir, f.file.sha256));
  const removePending = () => pending.forEach((p) => fs.rmSync(p, { force: true }));
  crashPoint('intake.before-register');
  try {
    const reg = await deps.documents.register(
      {
        ...withCorrespondent(meta),
        parts: files.map((f) => ({
          sha256: f.file.sha256,
          size: f.file.size,
          mime: f.mime,
          ext: f.ext,
          originalName: f.file.originalName,
          pageCount: f.pageCount,
          ...(f.rendition ? { rendition: true } : {}),
        })),
      },
      { ...registerOptions(deps), ...opts },
    );
    const doc = reg.doc;
    if (reg.kind === 'duplicate' && doc.status === 'destroyed') {
      removePending();
      throw destroyedDuplicate(doc);
    }
    if (reg.kind === 'duplicate') {
      // A duplicate whose first upload never reached storage is finished with these identical bytes.
      if (doc.stages[STORED]) removePending();
      else if (await finishStoring(doc, deps, pending)) await enqueue(doc.id, deps);
      return reg;
    }
    const accepted: AcceptResult = { kind: 'accepted', doc, ...(reg.labelRefused ? { labelRefused: reg.labelRefused } : {}) };
    try {
      await storeParts(doc, reg.parts, fromFiles(doc, pending, deps), deps);
    } catch (e) {
      // Registered and kept in the spool: the sweep stores it once storage answers again.
      deps.log.error('original kept in the spool until storage answers', { documentId: doc.id, error: String(e) });
      return accepted;
    }
    removePending();
    await enqueue(doc.id, deps);
    return accepted;
  } catch (e) {
    // Nothing registered (or the registration failed): this upload's copies are not ours to keep.
    for (const [i, p] of pending.entries()) {
      const holders = await deps.documents.listByPartSha256(files[i]!.file.sha256).catch(() => undefined);
      if (holders?.length === 0) fs.rmSync(p, { force: true });
    }
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

/**
 * Registers what a batch's staged pages make: one document of them in the order
 * they were received, or, when separator sheets, a label or blank backs are found
 * among them, each letter (pageStackSeal.ts; the answer names the first).
 * Sealing and registering hold the batch's lock, so the sweep, which finishes a
 * batch sealed by a process that stopped before registering it, never registers
 * the same batch at the same time.
 */
export async function sealPagesBatch(batch: BatchRecord, deps: AcceptDeps): Promise<AcceptResult> {
  const sealed = await withDocumentLock(deps.db, batch.id, async () => {
    const staged = await deps.batches.seal(batch.id);
    if (!staged) return undefined;
    crashPoint('batch.after-seal');
    try {
      return await registerPages(batch, deps);
    } catch (e) {
      // Nothing registered: the clerk may add pages and seal again (once a letter is, the sweep finishes the rest).
      await unsealUntouched(deps.db, batch.id);
      throw e;
    }
  });
  if (sealed === undefined || sealed === 'busy') {
    throw new DomainError('bad_request', { ar: '(الدفعة مختومة من قبل)', en: '(the batch is already sealed)' });
  }
  if (sealed.kind === 'letters') return firstLetter(sealed);
  const { reg, stagedKeys } = sealed;
  if (reg.kind === 'duplicate' && reg.doc.status === 'destroyed') throw destroyedDuplicate(reg.doc);
  if (reg.kind === 'duplicate') return reg;
  try {
    await storeParts(reg.doc, reg.parts, fromStaging(stagedKeys, deps), deps);
  } catch (e) {
    // Registered, and the pages are safe in staging: the sweep finishes storing them.
    deps.log.error('sealed pages wait in staging until storage answers', { documentId: reg.doc.id, error: String(e) });
    return { kind: 'accepted', doc: reg.doc };
  }
  await enqueue(reg.doc.id, deps);
  return { kind: 'accepted', doc: reg.doc };
}

/** The same bytes as a lawfully destroyed document's original: refused by name, never counted as archived. */
function destroyedDuplicate(doc: DocumentRecord): DomainError {
  return new DomainError('destroyed_duplicate', {
    ar: `(${doc.registryNo})`,
    en: `(${doc.registryNo})`,
    details: { registryNo: doc.registryNo },
  });
}

/**
 * A correspondent given only by name (a batch's, a form's free text) is found by
 * its Arabic name normalised as search normalises it, or made, in the
 * registration's transaction.
 */
function withCorrespondent<T extends Pick<NewDocument, 'correspondent' | 'correspondentId' | 'correspondentByName'>>(meta: T): T {
  const name = meta.correspondent?.trim();
  if (!name || meta.correspondentId || meta.correspondentByName) return meta;
  return { ...meta, correspondentByName: { nameAr: name, nameKey: normalizeArabic(name) } };
}

/** Registers the document a sealed batch's staged pages make (numbered by the label on its first page), and ties the pages to it. */
export async function registerSealed(
  batch: BatchRecord,
  staged: StagedFile[],
  deps: AcceptDeps,
  label: NewDocument['label'] = null,
): Promise<RegisterResult> {
  if (staged.length === 0) {
    throw new DomainError('bad_request', { ar: '(لا صفحات مقبولة في هذه الدفعة)', en: '(the batch has no accepted pages)' });
  }
  const pageCount = staged.reduce((n, s) => n + s.pageCount, 0);
  if (pageCount > deps.limits.maxPages) {
    throw new DomainError('too_many_pages', { en: `(${pageCount} > ${deps.limits.maxPages})`, details: { pages: pageCount } });
  }
  const seqs = staged.map((s) => s.seq);
  const reg = await deps.documents.register(
    {
      ...withCorrespondent(batchMeta(batch, batch.title ?? batch.name)),
      textLayer: false,
      label,
      parts: staged.map((s) => ({
        sha256: s.sha256,
        size: s.size,
        mime: s.mime,
        ext: s.stagedKey.slice(s.stagedKey.lastIndexOf('.') + 1),
        originalName: s.name,
        pageCount: s.pageCount,
      })),
    },
    {
      ...registerOptions(deps),
      onRegistered: async (tx, doc) => {
        await deps.batches.linkPages(tx, batch.id, seqs, doc.id, 'staged');
        if (label) await notePage(tx, batch.id, seqs[0]!, { label: registryNo(label) });
      },
    },
  );
  if (reg.kind === 'duplicate') await deps.batches.linkPages(deps.db, batch.id, seqs, reg.doc.id, 'duplicate');
  else if (reg.labelRefused) await notePage(deps.db, batch.id, seqs[0]!, { labelRefused: reg.labelRefused });
  return reg;
}
