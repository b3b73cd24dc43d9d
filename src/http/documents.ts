/** Routes for documents: upload, record, original and archive PDF. */
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Router, type Request, type Response } from 'express';
import type { AcceptDeps } from '../../ingest/intake/accept';
import { intakeFile, type IntakeDocument } from '../../ingest/intake/route';
import { thumbnail } from '../../ingest/adapters/images';
import type { DocumentRecord, DocumentsRepo } from '../../storage/repos/documents';
import { keys } from '../../storage/layout';
import { toArabicIndic } from '../../kernel/text';
import type { ObjectStore } from '../../storage/objectStore';
import { PAGE_LAYOUTS, TextVersionBusy, type TextVersionsRepo } from '../../storage/repos/textVersions';
import { identifyFile, verifyDocument } from '../../storage/integrity/recheck';
import { destroyedEntry } from '../../storage/records/destroyed';
import { openVerified } from '../../storage/integrity/verifiedRead';
import { DomainError } from '../../kernel/errors';
import type { UsersRepo } from '../../storage/repos/users';
import { can, callerOf, canSee, checkMayFile, recordContentRead, type Caller } from '../auth';
import { tellableError } from './batches';
import { z } from 'zod';
import { parseOr400, registryAfter, uploadSchema } from './schemas';
import { spoolStorage, type SpooledUpload, uploadParser } from './uploads';
import { registryView, resolveRegistryFields } from './registryFields';
import { CLASSIFICATIONS, clearanceRank, isClassification } from '../../kernel/clearance';
import { isUuid } from '../../kernel/text';

export interface DocumentsRouteDeps extends AcceptDeps {
  /** Pages read with a mean confidence below this are flagged for review. */
  reviewBelow: number;
  textVersions: TextVersionsRepo;
  offsite: ObjectStore;
  users: UsersRepo;
}

const reocrSchema = z.object({
  layout: z.enum(PAGE_LAYOUTS).default('auto'),
  reason: z.string().trim().min(1).max(500).optional(),
});

const listSchema = z.object({
  status: z.enum(['queued', 'processing', 'archived', 'failed']).optional(),
  batchId: z.string().uuid().optional(),
  needsReview: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  /** The registry number of the last document of the page before (its `next`): the page after it, however deep. */
  after: registryAfter,
});

/** The record a client sees: stable field names, registry number in both digit forms. */
export async function documentView(doc: DocumentRecord, documents: DocumentsRepo, reviewBelow: number, caller?: Caller) {
  const [pages, artefacts, replicas, parts] = await Promise.all([
    documents.pages(doc.id),
    documents.artefacts(doc.id),
    documents.replicas(doc.id),
    documents.parts(doc.id),
  ]);
  const registry = await registryView(doc, documents, caller);
  const sha = (kind: string) => artefacts.find((a) => a.kind === kind)?.sha256 ?? null;
  return {
    id: doc.id,
    registryNo: doc.registryNo,
    registryNoAr: toArabicIndic(doc.registryNo),
    status: doc.status,
    title: doc.title,
    docType: doc.docType,
    department: doc.department,
    classification: doc.classification,
    docDate: doc.docDate,
    ...registry,
    correspondentName: doc.correspondent,
    originalName: doc.originalName,
    originalMime: doc.originalMime,
    originalSize: doc.originalSize,
    pageCount: doc.pageCount,
    batchId: doc.batchId,
    textLayer: doc.textLayer,
    originals: parts.map((p) => ({
      n: p.n,
      name: p.originalName,
      mime: p.mime,
      size: p.size,
      sha256: p.sha256,
      pages: p.pageCount,
      // The PDF made of an Office file or a message, not a file received.
      ...(p.rendition ? { rendition: true } : {}),
    })),
    sha256: {
      original: doc.originalSha256,
      archive: sha('archive-pdf'),
      // The current text's file: ocr.json, or ocr-vN.json after a re-reading.
      ocr:
        artefacts.find((a) => a.key === (doc.textVersion > 1 ? keys.ocrJsonVersion(doc, doc.textVersion) : keys.ocrJson(doc)))
          ?.sha256 ?? null,
      manifest: sha('manifest'),
    },
    textVersion: doc.textVersion,
    needsReview: pages.some((p) => p.confidence !== null && p.confidence < reviewBelow),
    pages: pages.map((p) => ({
      n: p.n,
      text: p.text,
      confidence: p.confidence,
      needsReview: p.confidence !== null && p.confidence < reviewBelow,
    })),
    replicas,
    error: doc.errorCode ? errorFor(caller, doc.errorCode, doc.errorMessage) : null,
    stages: doc.stages,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

/** A failure as the caller is told it: whoever only sends documents gets its code's words, never an internal error's text. */
function errorFor(caller: Caller | undefined, code: string, message: string | null): { code: string; message: string | null } {
  if (!caller || can(caller, 'read')) return { code, message };
  const told = tellableError({ code, message: message ?? '', messageEn: message ?? '' }, 'failed')!;
  return { code: told.code, message: `${told.message} ${told.messageEn}` };
}

/** An object to send; one not stored yet is "not ready", not an internal error. */
async function openObject(deps: DocumentsRouteDeps, key: string): Promise<Readable> {
  try {
    return await deps.primary.get(key);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'NoSuchKey' || code === 'NotFound')
      throw new DomainError('not_ready', { ar: '(لم يُحفظ الملف بعد)', en: '(not stored yet)' });
    throw e;
  }
}

/** Streams to the client; an abort on either side ends both (no socket is left hanging). */
async function send(stream: Readable, res: Response): Promise<void> {
  try {
    await pipeline(stream, res);
  } catch {
    res.destroy();
  }
}

function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export function documentsRouter(deps: DocumentsRouteDeps): Router {
  const router = Router();
  /** Every download is recorded (see recordContentRead): who, which file, from where. */
  const recordDownload = (req: Request, res: Response, doc: DocumentRecord, key: string, sha256: string) =>
    recordContentRead(deps.users, req, callerOf(res.locals), doc, { event: 'downloaded', what: key, detail: { key, sha256 } });
  /** Every view of the text or a page image is recorded the same way. */
  const recordView = (req: Request, res: Response, doc: DocumentRecord, what: string, detail?: Record<string, unknown>) =>
    recordContentRead(deps.users, req, callerOf(res.locals), doc, { event: 'viewed', what, detail: { what, ...detail } });
  const upload = uploadParser({
    storage: spoolStorage(deps.spoolDir, deps.limits.maxFileBytes),
    files: 1,
    fields: 20,
    fieldSize: 64 * 1024,
  });

  const load = async (req: Request): Promise<DocumentRecord> => {
    const doc = isUuid(String(req.params.id)) ? await deps.documents.get(String(req.params.id)) : undefined;
    if (!doc) throw new DomainError('not_found');
    return doc;
  };
  /** The document, when the caller may see its content (clearance, department, or a clerk's own upload). */
  const loadVisible = async (req: Request, res: Response): Promise<DocumentRecord> => {
    const doc = await load(req);
    if (!canSee(callerOf(res.locals), doc)) {
      throw new DomainError('forbidden', {
        ar: '(الوثيقة فوق درجة اطلاعك)',
        en: '(the document is above your clearance or outside your departments)',
      });
    }
    return doc;
  };

  router.post('/documents', upload.single('file'), async (req, res) => {
    const file = (req.file as SpooledUpload | undefined)?.spooled;
    if (!file) throw new DomainError('no_file');
    try {
      const { duplex, source, ...fields } = parseOr400(uploadSchema, req.body);
      const caller = callerOf(res.locals);
      checkMayFile(caller, fields);
      const registry = await resolveRegistryFields(deps, req.body, fields.correspondent, caller);
      const meta = { ...fields, ...registry, batchId: null, uploadedBy: callerOf(res.locals).userId };
      const outcome = await intakeFile(file, { batch: null, meta, source, duplex }, deps);
      const [first, ...more] = outcome.documents;
      if (!first) throw outcome.rejected[0]?.error ?? new DomainError('unsupported_type');
      // Which document a duplicate duplicates is told only to whoever may see that document.
      const told = (d: IntakeDocument) =>
        canSee(caller, d.result.doc)
          ? {
              id: d.result.doc.id,
              registryNo: d.result.doc.registryNo,
              status: d.result.doc.status,
              ...(d.result.kind === 'duplicate' ? { duplicate: true } : {}),
              kind: d.kind,
              pageCount: d.pageCount,
              notes: d.notes,
            }
          : { duplicate: d.result.kind === 'duplicate' };
      // A file that became several documents (a split stack, a message and its attachments) names them all.
      const others =
        more.length > 0 || outcome.rejected.length > 0
          ? {
              documents: outcome.documents.map(told),
              rejected: outcome.rejected.map((r) => ({ name: r.name, error: r.error.code, message: r.error.messageAr })),
              separators: outcome.separators,
              blankPages: outcome.blankPages,
            }
          : {};
      // The answer names the first document registered now (the caller's own upload); when every one was already
      // here, the first duplicate, and only to whoever may see it.
      const lead = outcome.documents.find((d) => d.result.kind === 'accepted');
      if (!lead) {
        const { doc } = first.result;
        const top = canSee(caller, doc)
          ? { id: doc.id, registryNo: doc.registryNo, status: doc.status, duplicate: true }
          : { duplicate: true };
        res.status(200).json({ ...top, ...others });
        return;
      }
      const { doc } = lead.result;
      res
        .status(202)
        .location(`/api/v1/documents/${doc.id}`)
        .json({ id: doc.id, registryNo: doc.registryNo, status: doc.status, ...others });
    } finally {
      fs.rmSync(file.path, { force: true });
    }
  });

  router.get('/documents', async (req, res) => {
    const q = parseOr400(listSchema, req.query);
    const caller = callerOf(res.locals);
    // An administrator cleared for secret also lists what is classified unknown (ranked above secret).
    const everything = caller.role === 'admin' && caller.clearance === 'secret';
    const page = await deps.documents.list({
      classifications: everything
        ? undefined
        : CLASSIFICATIONS.filter((c) => isClassification(c) && clearanceRank(c) <= clearanceRank(caller.clearance)),
      departments: caller.departments,
      status: q.status,
      batchId: q.batchId,
      reviewBelow: q.needsReview === 'true' ? deps.reviewBelow : undefined,
      limit: q.limit,
      offset: q.offset,
      after: q.after,
    });
    const last = page.items.length === q.limit ? page.items.at(-1) : undefined;
    res.json({
      // Counted up to 10,000 (or the page asked for): `totalExact: false` means at least that many.
      total: page.total,
      totalExact: page.totalExact,
      // The next page: ?after=<next> (null on the last page). Deep pages are read from the index, unlike a deep offset.
      next: last ? last.registryNo : null,
      items: page.items.map((d) => ({
        id: d.id,
        registryNo: d.registryNo,
        registryNoAr: toArabicIndic(d.registryNo),
        status: d.status,
        title: d.title ?? d.originalName,
        pageCount: d.pageCount,
        createdAt: d.createdAt,
      })),
    });
  });

  // The record with its text: reading the text (once there is some) is a read of content.
  router.get('/documents/:id', async (req, res) => {
    const doc = await loadVisible(req, res);
    const view = await documentView(doc, deps.documents, deps.reviewBelow, callerOf(res.locals));
    if (view.pages.some((p) => p.text !== '')) await recordView(req, res, doc, 'text');
    // A lawfully destroyed document answers its tombstone: number, when, the approval, the removed files' fingerprints.
    const gone = (doc.status as string) === 'destroyed' ? await destroyedEntry(deps.db, doc.id) : undefined;
    res.json(gone ? { ...view, tombstone: { ...gone.tombstone, sha256: gone.sha256, ledgerSeq: gone.seq } } : view);
  });

  // A failed document through the pipeline again, once what made it fail is mended (admin: the policy's default).
  router.post('/documents/:id/rerun', async (req, res) => {
    const doc = await load(req);
    if (!(await deps.documents.rerun(doc.id))) throw new DomainError('not_failed');
    await deps.queue.enqueue(doc.id);
    res.status(202).json({ id: doc.id, registryNo: doc.registryNo, status: 'queued' });
  });

  // Read the document again with other settings: a new text version; the original and registry number stay.
  router.post('/documents/:id/reocr', async (req, res) => {
    const doc = await loadVisible(req, res);
    const body = parseOr400(reocrSchema, req.body ?? {});
    if (doc.textLayer) throw new DomainError('has_text_layer');
    if (doc.status !== 'archived') throw new DomainError('not_archived');
    let version;
    try {
      version = await deps.textVersions.request(doc.id, { layout: body.layout }, body.reason ?? null);
    } catch (e) {
      if (e instanceof TextVersionBusy) throw new DomainError('reocr_pending');
      throw e;
    }
    await deps.queue.enqueue(doc.id);
    res.status(202).json({ documentId: doc.id, registryNo: doc.registryNo, ...version });
  });

  // Re-hash every stored file on both copies; compare with the database, the manifest and the ledger.
  router.get('/documents/:id/verify', async (req, res) => {
    const doc = await load(req);
    res.json(await verifyDocument(deps, doc));
  });

  // Which registered file is this? (an original, an archive PDF, another stored file, or none)
  router.post('/verify', upload.single('file'), async (req, res) => {
    const file = (req.file as SpooledUpload | undefined)?.spooled;
    if (!file) throw new DomainError('no_file');
    try {
      if (file.tooLarge) throw new DomainError('file_too_large');
      res.json(await identifyFile(deps.db, file.sha256));
    } finally {
      fs.rmSync(file.path, { force: true });
    }
  });

  router.get('/documents/:id/text-versions', async (req, res) => {
    const doc = await loadVisible(req, res);
    const versions = await deps.textVersions.list(doc.id);
    // A document never read again has only its first reading, which is not in the table until then.
    res.json({
      documentId: doc.id,
      current: doc.textVersion,
      versions:
        versions.length > 0
          ? versions
          : [{ version: 1, status: 'done', settings: { source: doc.textLayer ? 'text-layer' : 'ocr' }, current: true }],
    });
  });

  router.get('/documents/:id/original', async (req, res) => {
    const doc = notDestroyed(await loadVisible(req, res));
    const parts = await deps.documents.parts(doc.id);
    const n = req.query.part === undefined ? 1 : Number(req.query.part);
    const part = parts.find((p) => p.n === n);
    if (!part) throw new DomainError('not_found');
    // Only the recorded bytes go out: a damaged primary copy is recorded and the good copy sent.
    const { stream } = await openVerified(deps, { documentId: doc.id, key: part.key, sha256: part.sha256 });
    res.setHeader('Content-Type', part.mime);
    res.setHeader('Content-Length', String(part.size));
    res.setHeader(
      'Content-Disposition',
      contentDisposition(part.originalName ?? `${doc.registryNo.replace(/\//g, '-')}-${part.n}.${part.ext}`),
    );
    res.setHeader('X-Diwan-SHA256', part.sha256);
    await recordDownload(req, res, doc, part.key, part.sha256);
    await send(stream, res);
  });

  router.get('/documents/:id/archive.pdf', async (req, res) => {
    const doc = notDestroyed(await loadVisible(req, res));
    const art = (await deps.documents.artefacts(doc.id)).find((a) => a.kind === 'archive-pdf');
    if (!art) throw new DomainError('not_found', { ar: '(لم يكتمل الأرشفة بعد)', en: '(the archive PDF is not ready yet)' });
    const { stream } = await openVerified(deps, { documentId: doc.id, key: art.key, sha256: art.sha256 });
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Length', String(art.size));
    res.setHeader('Content-Disposition', contentDisposition(`diwan-${doc.registryNo.replace(/\//g, '-')}.pdf`));
    res.setHeader('X-Diwan-SHA256', art.sha256);
    await recordDownload(req, res, doc, art.key, art.sha256);
    await send(stream, res);
  });

  // A page as the viewer shows it (pages/NNNN.webp), and a small thumbnail of it for result lists: each one served is a view.
  const pageOf = async (req: Request, res: Response) => {
    const doc = notDestroyed(await loadVisible(req, res));
    const n = Number(req.params.n);
    if (!Number.isInteger(n) || n < 1 || n > (doc.pageCount ?? 0)) throw new DomainError('not_found');
    return { doc, n, key: keys.pageImage(doc, n) };
  };
  router.get('/documents/:id/pages/:n/image', async (req, res) => {
    const { doc, n, key } = await pageOf(req, res);
    const stream = await openObject(deps, key);
    await recordView(req, res, doc, 'page-image', { page: n });
    res.setHeader('Content-Type', 'image/webp');
    res.setHeader('Cache-Control', 'private, max-age=86400');
    await send(stream, res);
  });
  router.get('/documents/:id/pages/:n/thumb', async (req, res) => {
    const { doc, n, key } = await pageOf(req, res);
    let thumb = thumbs.get(key);
    if (!thumb) {
      const chunks: Buffer[] = [];
      for await (const c of await openObject(deps, key)) chunks.push(c as Buffer);
      thumb = await thumbnail(Buffer.concat(chunks));
      if (thumbs.size >= 2000) thumbs.delete(thumbs.keys().next().value!);
      thumbs.set(key, thumb);
    }
    await recordView(req, res, doc, 'thumbnail', { page: n });
    res.setHeader('Content-Type', 'image/webp');
    res.setHeader('Cache-Control', 'private, max-age=86400');
    res.end(thumb);
  });

  return router;
}

/** A lawfully destroyed document's files are gone for good: 410, not 404. */
function notDestroyed<T extends { status: string }>(doc: T): T {
  if (doc.status === 'destroyed') throw new DomainError('destroyed');
  return doc;
}

/** Thumbnails already made, by object key (stored pages never change). */
const thumbs = new Map<string, Buffer>();
