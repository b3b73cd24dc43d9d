/**
 * `diwan ingest`: walks folders, creates a batch (source 'cli', with how the
 * scanner fed the paper), streams the files in a few large requests with a
 * progress bar (files, pages, bytes, ETA), optionally waits until every
 * document is archived, and ends with a summary table: a line per document
 * (a stack or a message becomes several), per file that became several, and
 * the documents made, blank pages dropped, separators and labels refused.
 */
import fs from 'node:fs';
import type { Config } from '../config';
import { ApiError, createClient } from './client';
import { UsageError, type CommandInput } from './input';
import { bytes, progressBar, quietOf } from './progress';
import { chunkFiles, collectFiles, multipartBody } from './upload';
import { rowLine, summaryLines, totalsLine, totalsOf, type IngestRow } from './ingestSummary';

interface BatchFile extends IngestRow {
  id: string;
  seq: number;
  documentId: string | null;
  pageCount: number | null;
}

type Counts = Record<'total' | 'queued' | 'processing' | 'archived' | 'duplicate' | 'rejected' | 'failed', number>;

interface BatchView {
  id: string;
  name: string;
  mode: string;
  counts: Counts;
  pages: number;
  done: boolean;
  files: BatchFile[];
}

const MAX_FILES_PER_REQUEST = 50;
const MAX_BYTES_PER_REQUEST = 256 * 1024 * 1024;

export async function ingest(config: Config, args: CommandInput): Promise<number> {
  if (args.positionals.length === 0) throw new UsageError('ingest needs at least one FILE or FOLDER');
  let paths: string[];
  try {
    paths = collectFiles(args.positionals);
  } catch (e) {
    throw new UsageError(`cannot read ${String((e as NodeJS.ErrnoException).path ?? '')}: ${(e as Error).message}`);
  }
  if (paths.length === 0) throw new UsageError('no files found');
  const files = paths.map((p) => ({ path: p, size: fs.statSync(p).size }));
  const totalBytes = files.reduce((n, f) => n + f.size, 0);
  const client = createClient(config);
  const json = args.flags.has('json');
  const quiet = quietOf(args);
  const duplex = args.options.get('duplex');
  const letter = {
    externalRef: args.options.get('external-ref'),
    externalDate: args.options.get('external-date'),
    inReplyTo: args.options.get('in-reply-to'),
  };
  if (Object.values(letter).some((v) => v !== undefined)) {
    if (files.length !== 1 || args.flags.has('pages-of-one')) {
      throw new UsageError('--external-ref, --external-date and --in-reply-to describe one letter: give one FILE');
    }
    const fields = { ...metaOf(args.options), ...letter, duplex };
    return ingestLetter(client, files[0]!, fields, { wait: args.flags.has('wait'), json });
  }

  const batch = await client.post<{ id: string }>('/batches', {
    name: args.options.get('batch') ?? `ingest ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`,
    mode: args.flags.has('pages-of-one') ? 'pages' : 'documents',
    title: args.options.get('title'),
    docType: args.options.get('type'),
    department: args.options.get('department'),
    classification: args.options.get('classification'),
    docDate: args.options.get('date'),
    correspondent: args.options.get('correspondent'),
    register: args.options.get('register'),
    source: 'cli',
    duplex,
  });

  const started = Date.now();
  let sent = 0;
  let filesSent = 0;
  let pagesSeen = 0;
  // The bytes sent, with the files and pages and the speed beside them.
  const upload = progressBar('↑ الرفع / upload', { quiet, units: bytes });
  const drawUpload = () => {
    const rate = sent / Math.max((Date.now() - started) / 1000, 0.001);
    upload.update(sent, totalBytes, `${filesSent}/${files.length} ملفات/files · ${pagesSeen} ص/pages · ${bytes(rate)}/s`);
  };
  const uploadErrors: Array<{ file: string; error: string }> = [];
  for (const chunk of chunkFiles(files, MAX_FILES_PER_REQUEST, MAX_BYTES_PER_REQUEST)) {
    const body = multipartBody(chunk, 'files', (n) => {
      sent += n;
      drawUpload();
    });
    try {
      const res = await client.postMultipart<{ files: Array<{ pageCount: number | null }> }>(`/batches/${batch.id}/files`, body);
      pagesSeen += res.files.reduce((n, f) => n + (f.pageCount ?? 0), 0);
    } catch (e) {
      const msg = e instanceof ApiError ? `${e.body?.error ?? e.status}: ${e.message}` : String((e as Error).message);
      for (const f of chunk) uploadErrors.push({ file: f.path, error: msg });
    }
    filesSent += chunk.length;
    drawUpload();
  }
  upload.end();

  if (args.flags.has('pages-of-one')) {
    try {
      await client.post(`/batches/${batch.id}/seal`, {});
    } catch (e) {
      uploadErrors.push({ file: '(seal)', error: String((e as Error).message) });
    }
  }

  let view = await client.get<BatchView>(`/batches/${batch.id}`);
  if (args.flags.has('wait')) {
    // The documents read, stamped and stored, of those accepted (not duplicates, not rejected).
    const archiving = progressBar('⏳ الأرشفة / archiving', { quiet });
    for (;;) {
      const c = view.counts;
      archiving.update(c.archived + c.failed, c.total - c.rejected - c.duplicate, `${view.pages} ص/pages`);
      if (view.done) break;
      await new Promise((r) => setTimeout(r, 1000));
      view = await client.get<BatchView>(`/batches/${batch.id}`);
    }
    archiving.end();
  }

  const bad = view.files.filter((f) => f.status === 'rejected' || f.status === 'failed').length + uploadErrors.length;
  const totals = totalsOf(view.files);
  if (json) {
    const { id: batchId, counts, pages, files } = view;
    process.stdout.write(JSON.stringify({ batchId, counts, pages, totals, files, uploadErrors }, null, 2) + '\n');
  } else {
    process.stdout.write(summaryLines(view.files));
    for (const u of uploadErrors) process.stdout.write(`${u.file}\t-\tnot sent\t${u.error}\n`);
    const c = view.counts;
    process.stdout.write(
      `\nالدفعة/batch ${view.id}: ${c.total} ملف/files · ${c.archived} مؤرشف/archived · ${c.queued + c.processing} قيد المعالجة/in progress · ` +
        `${c.duplicate} مكرر/duplicates · ${c.rejected} مرفوض/rejected · ${c.failed} فشل/failed\n` +
        `${totalsLine(totals)}\n`,
    );
  }
  return bad > 0 ? 1 : 0;
}

/** The document's details as the options give them, by the API's field names. */
function metaOf(options: ReadonlyMap<string, string>): Record<string, string | undefined> {
  return {
    title: options.get('title'),
    docType: options.get('type'),
    department: options.get('department'),
    classification: options.get('classification'),
    docDate: options.get('date'),
    correspondent: options.get('correspondent'),
    register: options.get('register'),
  };
}

/**
 * One letter with its own registry details (the sender's reference, what it
 * answers): sent as one document (POST /documents), not as a batch.
 */
async function ingestLetter(
  client: ReturnType<typeof createClient>,
  file: { path: string; size: number },
  fields: Record<string, string | undefined>,
  opts: { wait: boolean; json: boolean },
): Promise<number> {
  let doc: LetterAnswer;
  try {
    doc = await client.postMultipart(
      '/documents',
      multipartBody([file], 'file', () => undefined, { ...fields, source: 'cli' }),
    );
  } catch (e) {
    const msg = e instanceof ApiError ? `${e.body?.error ?? e.status}: ${e.message}` : String((e as Error).message);
    if (opts.json) process.stdout.write(JSON.stringify({ file: file.path, error: msg }, null, 2) + '\n');
    else process.stdout.write(`${file.path}\t-\tnot sent\t${msg}\n`);
    return 1;
  }
  // A file that became several documents (a split stack, a message and its attachments) names them all.
  const { documents, separators = 0, blankPages = 0 } = doc;
  while (opts.wait && doc.id && doc.status !== 'archived' && doc.status !== 'failed') {
    await new Promise((r) => setTimeout(r, 1000));
    doc = await client.get(`/documents/${doc.id}`);
  }
  const several = documents ? { documents, separators, blankPages } : {};
  if (opts.json) process.stdout.write(JSON.stringify({ file: file.path, ...doc, ...several }, null, 2) + '\n');
  else if (!documents)
    process.stdout.write(`${file.path}\t${doc.registryNo ?? '-'}\t${doc.duplicate ? 'duplicate' : (doc.status ?? '-')}\n`);
  else {
    const rows = documents.map((d) => ({
      name: file.path,
      sha256: '',
      status: d.duplicate ? 'duplicate' : (d.status ?? '-'),
      registryNo: d.registryNo ?? null,
      error: null,
      kind: d.kind,
      notes: d.notes,
    }));
    const totals = { ...totalsOf(rows), separators, blankPages };
    process.stdout.write(`${rows.map(rowLine).join('')}${file.path}: ${totalsLine(totals)}\n`);
  }
  return doc.status === 'failed' ? 1 : 0;
}

/** POST /documents' answer (and, with --wait, the document's record). */
interface LetterAnswer {
  id?: string;
  registryNo?: string;
  status?: string;
  duplicate?: boolean;
  documents?: Array<Pick<IngestRow, 'kind' | 'notes'> & { registryNo?: string; status?: string; duplicate?: boolean }>;
  separators?: number;
  blankPages?: number;
}
