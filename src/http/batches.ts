/** Routes for batches: create, upload many files, seal a page batch, follow progress (also as Server-Sent Events). */
import { Router, type Request, type Response } from 'express';
import { sealPagesBatch, type AcceptDeps } from '../../ingest/intake/accept';
import { receiveFile, type ReceivedFile } from '../../ingest/intake/batch';
import type { BatchRecord, BatchesRepo, BatchFileView, FileStatus } from '../../storage/repos/batches';
import { DomainError } from '../../kernel/errors';
import { callerOf } from '../auth';
import { batchSchema, parseOr400 } from './schemas';
import { spoolStorage, type SpooledUpload, uploadParser, type StorageEngine } from './uploads';
import { isUuid } from '../../kernel/text';

/** What one upload request into a batch has received so far. */
interface Receipt {
  batch: BatchRecord;
  chain: Promise<void>;
  results: ReceivedFile[];
  failure: unknown;
}

/** The receipt of each upload request under way (gone with the request). */
const receipts = new WeakMap<object, Receipt>();

export interface BatchesRouteDeps extends AcceptDeps {
  maxRequestBytes: number;
  maxFilesPerRequest: number;
}

const STATUSES: FileStatus[] = ['queued', 'processing', 'archived', 'duplicate', 'rejected', 'failed'];

export async function batchView(batch: BatchRecord, batches: BatchesRepo) {
  const files = await batches.files(batch.id);
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<FileStatus, number>;
  for (const f of files) counts[f.status]++;
  const pending = counts.queued + counts.processing;
  return {
    ...batch,
    counts: { total: files.length, ...counts },
    pages: files.reduce((n, f) => n + (f.status === 'rejected' || f.status === 'duplicate' ? 0 : (f.pageCount ?? 0)), 0),
    done: pending === 0 && (batch.mode === 'documents' || batch.sealedAt !== null || files.length === 0),
    files,
  };
}

export function batchesRouter(deps: BatchesRouteDeps): Router {
  const router = Router();
  /**
   * Each file is received as soon as it is spooled, while the next one is
   * still arriving: upload and checking overlap, one file at a time, in order.
   */
  const spool = spoolStorage(deps.spoolDir, deps.limits.maxFileBytes);
  const receiving: StorageEngine = {
    _handleFile(req, file, cb) {
      const receipt = receipts.get(req)!;
      // The file takes its place in the chain when it starts to arrive, so files are received in upload order.
      const spooled = new Promise<SpooledUpload['spooled'] | undefined>((resolve) => {
        spool._handleFile(req, file, (error?: unknown, info?: Partial<SpooledUpload>) => {
          resolve(error ? undefined : info?.spooled);
          cb(error, info);
        });
      });
      receipt.chain = receipt.chain.then(async () => {
        const f = await spooled;
        if (!f) return; // spooling failed: multer answers for the request
        try {
          receipt.results.push(await receiveFile(receipt.batch, f, deps));
        } catch (e) {
          receipt.failure ??= e;
        }
      });
    },
    // Every spooled file is already in the chain, which deletes it once received (even if the request fails).
    _removeFile: (_req, _file, cb) => cb(null),
  };
  const upload = uploadParser({
    storage: receiving,
    files: deps.maxFilesPerRequest,
    fields: 20,
    fieldSize: 64 * 1024,
  });

  /** The batch, when it is the caller's own (an administrator sees every batch). */
  const load = async (req: Request, res: Response): Promise<BatchRecord> => {
    const id = String(req.params.id);
    const batch = isUuid(id) ? await deps.batches.get(id) : undefined;
    const caller = callerOf(res.locals);
    if (!batch || (caller.role !== 'admin' && batch.createdBy !== caller.userId)) throw new DomainError('not_found');
    return batch;
  };

  router.post('/batches', async (req, res) => {
    const b = parseOr400(batchSchema, req.body);
    const batch = await deps.batches.create({
      name: b.name,
      mode: b.mode,
      title: b.title,
      docType: b.docType,
      department: b.department,
      classification: b.classification,
      docDate: b.docDate,
      correspondent: b.correspondent,
      createdBy: callerOf(res.locals).userId,
    });
    res.status(201).location(`/api/v1/batches/${batch.id}`).json(batch);
  });

  router.post(
    '/batches/:id/files',
    async (req, res, next) => {
      const batch = await load(req, res);
      const length = Number(req.get('content-length') ?? 0);
      if (length > deps.maxRequestBytes) {
        throw new DomainError('request_too_large', {
          en: `(${length} > ${deps.maxRequestBytes} bytes; send the files in several requests)`,
          ar: '(أرسل الملفات على عدة طلبات)',
        });
      }
      receipts.set(req, { batch, chain: Promise.resolve(), results: [], failure: undefined });
      next();
    },
    upload.array('files'),
    async (req, res) => {
      const receipt = receipts.get(req)!;
      await receipt.chain;
      if (receipt.failure) throw receipt.failure;
      if (receipt.results.length === 0) throw new DomainError('no_file', { ar: '(الحقل files)', en: '(field "files")' });
      res.status(202).json({ batchId: receipt.batch.id, files: receipt.results });
    },
  );

  router.post('/batches/:id/seal', async (req, res) => {
    const batch = await load(req, res);
    if (batch.mode !== 'pages') {
      throw new DomainError('bad_request', { ar: '(تُختم دفعات الصفحات فقط)', en: '(only a batch of pages is sealed)' });
    }
    if (batch.sealedAt)
      throw new DomainError('bad_request', { ar: '(الدفعة مختومة من قبل)', en: '(the batch is already sealed)' });
    const result = await sealPagesBatch(batch, deps);
    res.status(result.kind === 'accepted' ? 202 : 200).json({
      id: result.doc.id,
      registryNo: result.doc.registryNo,
      status: result.doc.status,
      pageCount: result.doc.pageCount,
      duplicate: result.kind === 'duplicate',
    });
  });

  router.get('/batches/:id', async (req, res) => {
    res.json(await batchView(await load(req, res), deps.batches));
  });

  router.get('/batches/:id/files', async (req, res) => {
    await load(req, res);
    res.json(await deps.batches.files(String(req.params.id)));
  });

  /**
   * Progress as Server-Sent Events: `batch` with the counts whenever they
   * change, `file` for each file whose status changed, `done` when nothing is
   * left queued or processing. Read from the database, so it works whichever
   * process or machine does the work.
   */
  router.get('/batches/:id/events', async (req, res) => {
    let batch = await load(req, res);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });
    res.flushHeaders();
    const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    const seen = new Map<string, string>();
    let lastCounts = '';
    let closed = false;
    req.on('close', () => (closed = true));
    let idle = 0;
    while (!closed) {
      batch = (await deps.batches.get(batch.id)) ?? batch;
      const view = await batchView(batch, deps.batches);
      for (const f of view.files as BatchFileView[]) {
        const sig = `${f.status}|${f.error?.code ?? ''}`;
        if (seen.get(f.id) !== sig) {
          seen.set(f.id, sig);
          send('file', f);
        }
      }
      const counts = JSON.stringify(view.counts);
      if (counts !== lastCounts) {
        lastCounts = counts;
        send('batch', { id: view.id, counts: view.counts, pages: view.pages, done: view.done });
      }
      if (view.done && view.files.length > 0) {
        send('done', { id: view.id, counts: view.counts });
        break;
      }
      if (++idle % 15 === 0) res.write(': keep-alive\n\n');
      await new Promise((r) => setTimeout(r, 1000));
    }
    res.end();
  });

  return router;
}
