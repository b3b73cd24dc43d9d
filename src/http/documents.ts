/** Routes for documents: upload, record, original and archive PDF. */
import fs from 'node:fs';
import { Router, type Request } from 'express';
import multer from 'multer';
import { z } from 'zod';
import { acceptUpload, type AcceptDeps } from '../../ingest/accept';
import type { DocumentRecord, DocumentsRepo } from '../../storage/documents';
import { keys, toArabicIndic } from '../../storage/layout';
import type { ObjectStore } from '../../storage/objectStore';
import { DomainError } from '../errors';
import { spoolStorage, type SpooledUpload } from './spool';

const metaSchema = z.object({
  title: z.string().trim().max(500).optional(),
  docType: z.string().trim().max(100).optional(),
  department: z.string().trim().max(200).optional(),
  classification: z.enum(['public', 'internal', 'confidential', 'secret']).default('public'),
  docDate: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD')
    .optional(),
});

export interface DocumentsRouteDeps extends AcceptDeps {
  documents: DocumentsRepo;
  primary: ObjectStore;
  maxFileBytes: number;
}

/** The record a client sees: stable field names, registry number in both digit forms. */
export async function documentView(doc: DocumentRecord, documents: DocumentsRepo) {
  const [pages, artefacts, replicas] = await Promise.all([
    documents.pages(doc.id),
    documents.artefacts(doc.id),
    documents.replicas(doc.id),
  ]);
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
    originalName: doc.originalName,
    originalMime: doc.originalMime,
    originalSize: doc.originalSize,
    pageCount: doc.pageCount,
    sha256: { original: doc.originalSha256, archive: sha('archive-pdf'), ocr: sha('ocr-json'), manifest: sha('manifest') },
    pages: pages.map((p) => ({ n: p.n, text: p.text, confidence: p.confidence })),
    replicas,
    error: doc.errorCode ? { code: doc.errorCode, message: doc.errorMessage } : null,
    stages: doc.stages,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export function documentsRouter(deps: DocumentsRouteDeps): Router {
  const router = Router();
  const upload = multer({
    storage: spoolStorage(deps.spoolDir),
    limits: { fileSize: deps.maxFileBytes, files: 1, fields: 20, fieldSize: 64 * 1024 },
    defParamCharset: 'utf8',
  });

  const load = async (req: Request): Promise<DocumentRecord> => {
    const doc = await deps.documents.get(String(req.params.id));
    if (!doc) throw new DomainError('not_found');
    return doc;
  };

  router.post('/documents', upload.single('file'), async (req, res) => {
    const file = req.file as SpooledUpload | undefined;
    if (!file) throw new DomainError('no_file');
    const parsed = metaSchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      fs.rmSync(file.spooled.path, { force: true });
      throw new DomainError('bad_request', {
        en: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      });
    }
    const m = parsed.data;
    const result = await acceptUpload(
      file.spooled,
      {
        title: m.title ?? null,
        docType: m.docType ?? null,
        department: m.department ?? null,
        classification: m.classification,
        docDate: m.docDate ?? null,
      },
      deps,
    );
    const { doc } = result;
    if (result.kind === 'duplicate') {
      res.status(200).json({ id: doc.id, registryNo: doc.registryNo, status: doc.status, duplicate: true });
      return;
    }
    res.status(202).location(`/api/v1/documents/${doc.id}`).json({ id: doc.id, registryNo: doc.registryNo, status: doc.status });
  });

  router.get('/documents/:id', async (req, res) => {
    res.json(await documentView(await load(req), deps.documents));
  });

  router.get('/documents/:id/original', async (req, res) => {
    const doc = await load(req);
    const stream = await deps.primary.get(keys.original(doc, doc.originalExt));
    res.setHeader('Content-Type', doc.originalMime);
    res.setHeader('Content-Length', String(doc.originalSize));
    res.setHeader(
      'Content-Disposition',
      contentDisposition(doc.originalName ?? `${doc.registryNo.replace('/', '-')}.${doc.originalExt}`),
    );
    res.setHeader('X-Diwan-SHA256', doc.originalSha256);
    stream.pipe(res);
  });

  router.get('/documents/:id/archive.pdf', async (req, res) => {
    const doc = await load(req);
    const art = (await deps.documents.artefacts(doc.id)).find((a) => a.kind === 'archive-pdf');
    if (!art) throw new DomainError('not_found', { ar: '(لم يكتمل الأرشفة بعد)', en: '(the archive PDF is not ready yet)' });
    const stream = await deps.primary.get(art.key);
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Length', String(art.size));
    res.setHeader('Content-Disposition', contentDisposition(`diwan-${doc.registryNo.replace('/', '-')}.pdf`));
    res.setHeader('X-Diwan-SHA256', art.sha256);
    stream.pipe(res);
  });

  return router;
}
