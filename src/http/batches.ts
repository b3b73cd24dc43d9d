/** Routes for batches: create, upload many files, seal a page batch, follow progress (also as Server-Sent Events). */
import { Router, type Request, type Response } from 'express';
import { sealPagesBatch, type AcceptDeps, type Examined } from '../../ingest/intake/accept';
import { receiveFile, type ReceivedFile } from '../../ingest/intake/batch';
import { examineAhead } from '../../ingest/intake/route';
import type { BatchRecord, BatchesRepo, BatchFileView, FileStatus } from '../../storage/repos/batches';
import type { UsersRepo } from '../../storage/repos/users';
import { DomainError, ERROR_MESSAGES, type ErrorCode } from '../../kernel/errors';
import { callerOf, canSee, checkMayFile, type Caller } from '../auth';
import { batchSchema, parseOr400 } from './schemas';
import { resolveRegistryFields } from './registryFields';
import { spoolStorage, type SpooledUpload, uploadParser, type StorageEngine } from './uploads';
import { isUuid } from '../../kernel/text';
import { batchIntakeSummary } from './batchIntake';
import type { Queryable } from '../../storage/db';
import { batchOriginals } from '../../storage/repos/intakeOriginals';

/** What one upload request into a batch has received so far. */
interface Receipt {
  batch: BatchRecord;
  chain: Promise<void>;
  /** The files' examinations begun ahead of their turn, one after another in upload order (never rejects). */
  looking: Promise<void>;
  results: ReceivedFile[];
  failure: unknown;
}

/** The receipt of each upload request under way (gone with the request). */
const receipts = new WeakMap<object, Receipt>();

/** Limits of a batch's progress event stream. */
export interface StreamLimits {
  /** A stream ends after this long (a browser's EventSource then opens a new one, checked again at the door). */
  lifetimeMs: number;
  /** Streams one person may have open at once, in this process. */
  perPerson: number;
  /** How often the person is checked again: a disabled person's streams end. */
  recheckMs: number;
  /** A client that has not taken what was sent within this long is cut off. */
  drainMs: number;
}

const STREAM_LIMITS: StreamLimits = { lifetimeMs: 30 * 60_000, perPerson: 4, recheckMs: 5000, drainMs: 30_000 };

/** Event streams open in this process, by person. */
const openStreams = new Map<string, number>();

export interface BatchesRouteDeps extends AcceptDeps {
  maxRequestBytes: number;
  maxFilesPerRequest: number;
  users: UsersRepo;
  /** The event streams' limits, when not the defaults. */
  eventStreams?: Partial<StreamLimits>;
}

const STATUSES: FileStatus[] = ['queued', 'processing', 'archived', 'duplicate', 'rejected', 'failed'];

type FileError = NonNullable<BatchFileView['error']>;
const isErrorCode = (code: string): code is ErrorCode => Object.hasOwn(ERROR_MESSAGES, code);

/**
 * A file's failure as a person is told it: never the text of an internal error
 * (addresses, SQL, paths), only its words. A refusal at the door keeps its own
 * precise reason; a document that failed later is told in its code's words.
 */
export function tellableError(e: FileError | null, status: FileStatus): FileError | null {
  if (!e) return null;
  if (e.code === 'internal' || !isErrorCode(e.code)) {
    return { code: 'internal', message: ERROR_MESSAGES.internal[0], messageEn: ERROR_MESSAGES.internal[1] };
  }
  if (status === 'rejected') return e;
  return { code: e.code, message: ERROR_MESSAGES[e.code][0], messageEn: ERROR_MESSAGES[e.code][1] };
}

/** The parts of a file's report that name its document or its failure. */
type FileReport = Pick<BatchFileView, 'documentId' | 'registryNo' | 'pageCount' | 'error' | 'status'>;

/**
 * What `caller` is told of each file: the document it became or duplicates
 * only when they may see that document (a duplicate of someone else's secret
 * is "duplicate" and nothing more), and a failure in words they may read.
 */
function fileTeller(deps: BatchesRouteDeps, caller: Caller) {
  const visible = new Map<string, boolean>();
  const mayKnow = async (documentId: string): Promise<boolean> => {
    let v = visible.get(documentId);
    if (v === undefined) {
      const doc = await deps.documents.get(documentId);
      v = doc !== undefined && canSee(caller, doc);
      visible.set(documentId, v);
    }
    return v;
  };
  return async <F extends FileReport>(f: F): Promise<F> => {
    const told = { ...f, error: tellableError(f.error, f.status) };
    if (f.documentId === null || (await mayKnow(f.documentId))) return told;
    return { ...told, documentId: null, registryNo: null, pageCount: null };
  };
}

/** Waits until the client has taken what was sent; false when it closed or did not within `ms`. */
function drained(res: Response, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    const timer = setTimeout(() => done(false), ms);
    res.once('drain', onDrain);
    res.once('close', onClose);
  });
}

export async function batchView(
  batch: BatchRecord,
  batches: BatchesRepo,
  tell: (f: BatchFileView) => Promise<BatchFileView> = async (f) => f,
  /** With it, the view lists the files kept whole beside their documents (scanned stacks: GET /intake-originals/:id). */
  db?: Queryable,
) {
  const files = await Promise.all((await batches.files(batch.id)).map(tell));
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<FileStatus, number>;
  for (const f of files) counts[f.status]++;
  const pending = counts.queued + counts.processing;
  return {
    ...batch,
    counts: { total: files.length, ...counts },
    pages: files.reduce((n, f) => n + (f.status === 'rejected' || f.status === 'duplicate' ? 0 : (f.pageCount ?? 0)), 0),
    done: pending === 0 && (batch.mode === 'documents' || batch.sealedAt !== null || files.length === 0),
    /** Rows by kind; separators, blank pages dropped, labels used and refused (from the rows' notes). */
    intake: batchIntakeSummary(files),
    files,
    ...(db ? { originals: await batchOriginals(db, batch.id) } : {}),
  };
}

export function batchesRouter(deps: BatchesRouteDeps): Router {
  const router = Router();
  /**
   * Each file is received as soon as it is spooled, while the next one is
   * still arriving: upload and checking overlap. In a batch of documents a
   * file's pages are also checked while the file before it is registered and
   * stored. Files are registered one at a time, in upload order.
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
      // A batch of documents: the file's pages are checked while the file before it is registered and stored.
      let ahead: Promise<Examined | undefined> | undefined;
      if (receipt.batch.mode === 'documents') {
        ahead = receipt.looking.then(async () => {
          const f = await spooled;
          return f ? examineAhead(f, deps.limits) : undefined;
        });
        // Its refusal is the file's answer when its turn comes (receiveFile awaits it); the next one goes on.
        receipt.looking = ahead.then(
          () => undefined,
          () => undefined,
        );
      }
      receipt.chain = receipt.chain.then(async () => {
        const f = await spooled;
        if (!f) return; // spooling failed: multer answers for the request
        try {
          receipt.results.push(...(await receiveFile(receipt.batch, f, deps, ahead)));
        } catch (e) {
          receipt.failure ??= e;
        }
      });
    },
    // Every spooled file is already in the chain, which deletes it once received (even if the request fails).
    _removeFile: (_req, _file, cb) => cb(null),
  };
  const receiveFiles = uploadParser({
    storage: receiving,
    files: deps.maxFilesPerRequest,
    fields: 20,
    fieldSize: 64 * 1024,
  }).array('files');

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
    // A batch's documents are filed with its details: only into the caller's departments, at most at their clearance.
    checkMayFile(callerOf(res.locals), b);
    // Its register (default incoming), and the sender's reference, correspondent and what it answers, checked now.
    const registry = await resolveRegistryFields(deps, req.body, b.correspondent, callerOf(res.locals));
    const batch = await deps.batches.create({
      name: b.name,
      mode: b.mode,
      title: b.title,
      docType: b.docType,
      department: b.department,
      classification: b.classification,
      docDate: b.docDate,
      correspondent: registry.correspondent,
      createdBy: callerOf(res.locals).userId,
      register: registry.register,
      externalRef: registry.externalRef,
      externalDate: registry.externalDate,
      correspondentId: registry.correspondentId,
      inReplyTo: registry.inReplyTo,
      source: b.source,
      duplex: b.duplex,
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
      receipts.set(req, { batch, chain: Promise.resolve(), looking: Promise.resolve(), results: [], failure: undefined });
      next();
    },
    // A refused request (too many files, a broken form) is answered only once the files it had already brought
    // are settled, each received into the batch or removed, so nothing of it is still in the spool after the answer.
    (req, res, next) =>
      receiveFiles(req, res, (err?: unknown) => {
        if (err) void receipts.get(req)!.chain.then(() => next(err));
        else next();
      }),
    async (req, res) => {
      const receipt = receipts.get(req)!;
      await receipt.chain;
      if (receipt.failure) throw receipt.failure;
      if (receipt.results.length === 0) throw new DomainError('no_file', { ar: '(الحقل files)', en: '(field "files")' });
      const tell = fileTeller(deps, callerOf(res.locals));
      res.status(202).json({ batchId: receipt.batch.id, files: await Promise.all(receipt.results.map(tell)) });
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
    if (result.kind === 'duplicate' && !canSee(callerOf(res.locals), result.doc)) {
      // Which document it duplicates is told only to whoever may see that document.
      res.status(200).json({ duplicate: true });
      return;
    }
    res.status(result.kind === 'accepted' ? 202 : 200).json({
      id: result.doc.id,
      registryNo: result.doc.registryNo,
      status: result.doc.status,
      pageCount: result.doc.pageCount,
      duplicate: result.kind === 'duplicate',
    });
  });

  router.get('/batches/:id', async (req, res) => {
    res.json(await batchView(await load(req, res), deps.batches, fileTeller(deps, callerOf(res.locals)), deps.db));
  });

  router.get('/batches/:id/files', async (req, res) => {
    await load(req, res);
    const tell = fileTeller(deps, callerOf(res.locals));
    res.json(await Promise.all((await deps.batches.files(String(req.params.id))).map(tell)));
  });

  /**
   * Progress as Server-Sent Events: `batch` with the counts whenever they
   * change, `file` for each file whose status changed, `done` when nothing is
   * left queued or processing. Read from the database, so it works whichever
   * process or machine does the work. A person has a few streams at most; each
   * ends after its lifetime, when its person is disabled, or when the client
   * stops taking what is sent.
   */
  router.get('/batches/:id/events', async (req, res) => {
    const batch = await load(req, res);
    const caller = callerOf(res.locals);
    const limits = { ...STREAM_LIMITS, ...deps.eventStreams };
    const who = caller.userId ?? caller.name;
    const open = openStreams.get(who) ?? 0;
    if (open >= limits.perPerson) {
      throw new DomainError('rate_limited', {
        ar: `(لك ${limits.perPerson} متابعات مفتوحة؛ أغلق إحداها أولًا)`,
        en: `(you have ${limits.perPerson} event streams open; close one first)`,
      });
    }
    openStreams.set(who, open + 1);
    try {
      await streamEvents(req, res, batch, caller, limits);
    } finally {
      const left = (openStreams.get(who) ?? 1) - 1;
      if (left > 0) openStreams.set(who, left);
      else openStreams.delete(who);
    }
  });

  async function streamEvents(req: Request, res: Response, first: BatchRecord, caller: Caller, limits: StreamLimits) {
    let batch = first;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });
    res.flushHeaders();
    const tell = fileTeller(deps, caller);
    // Back-pressure: after a write the client has not taken, wait for it (and cut it off when it never does).
    const write = async (chunk: string): Promise<boolean> => res.write(chunk) || drained(res, limits.drainMs);
    const send = (event: string, data: unknown) => write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    const seen = new Map<string, string>();
    let lastCounts = '';
    let closed = false;
    req.on('close', () => (closed = true));
    const started = Date.now();
    let checkedAt = started;
    let idle = 0;
    let taking = true;
    while (!closed && taking && Date.now() - started < limits.lifetimeMs) {
      if (caller.userId !== null && Date.now() - checkedAt >= limits.recheckMs) {
        checkedAt = Date.now();
        if (!(await deps.users.isActive(caller.userId))) break;
      }
      batch = (await deps.batches.get(batch.id)) ?? batch;
      const view = await batchView(batch, deps.batches, tell);
      for (const f of view.files) {
        const sig = `${f.status}|${f.error?.code ?? ''}`;
        if (taking && seen.get(f.id) !== sig) {
          seen.set(f.id, sig);
          taking = await send('file', f);
        }
      }
      const counts = JSON.stringify(view.counts);
      if (taking && counts !== lastCounts) {
        lastCounts = counts;
        const { id, pages, done, intake } = view;
        taking = await send('batch', { id, counts: view.counts, pages, done, intake });
      }
      if (taking && view.done && view.files.length > 0) {
        await send('done', { id: view.id, counts: view.counts });
        break;
      }
      if (taking && ++idle % 15 === 0) taking = await write(': keep-alive\n\n');
      await new Promise((r) => setTimeout(r, Math.min(1000, limits.recheckMs)));
    }
    // A client that stopped taking what was sent is cut off; the others get the end of the stream.
    if (taking) res.end();
    else res.destroy();
  }

  return router;
}
