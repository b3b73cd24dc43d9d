/**
 * `diwan ingest`: walks folders, creates a batch, streams the files in a few
 * large requests with a progress bar (files, pages, bytes, ETA), optionally
 * waits until every document is archived, and ends with a summary table.
 */
import fs from 'node:fs';
import type { Config } from '../config';
import { ApiError, createClient } from './client';
import { UsageError, type CommandInput } from './input';
import { bytes, progressBar, quietOf } from './progress';
import { chunkFiles, collectFiles, multipartBody } from './upload';

interface BatchFile {
  id: string;
  seq: number;
  name: string | null;
  status: string;
  documentId: string | null;
  registryNo: string | null;
  pageCount: number | null;
  error: { code: string; message: string; messageEn: string } | null;
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
  const letter = {
    externalRef: args.options.get('external-ref'),
    externalDate: args.options.get('external-date'),
    inReplyTo: args.options.get('in-reply-to'),
  };
  if (Object.values(letter).some((v) => v !== undefined)) {
    if (files.length !== 1 || args.flags.has('pages-of-one')) {
      throw new UsageError('--external-ref, --external-date and --in-reply-to describe one letter: give one FILE');
    }
    return ingestLetter(client, files[0]!, { ...metaOf(args.options), ...letter }, { wait: args.flags.has('wait'), json });
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
  if (json) {
    process.stdout.write(
      JSON.stringify({ batchId: view.id, counts: view.counts, pages: view.pages, files: view.files, uploadErrors }, null, 2) +
        '\n',
    );
  } else {
    for (const f of view.files) {
      const err = f.error ? `\t${f.error.code}: ${f.error.message} / ${f.error.messageEn}` : '';
      process.stdout.write(`${f.name ?? '?'}\t${f.registryNo ?? '-'}\t${f.status}${err}\n`);
    }
    for (const u of uploadErrors) process.stdout.write(`${u.file}\t-\tnot sent\t${u.error}\n`);
    const c = view.counts;
    process.stdout.write(
      `\nالدفعة/batch ${view.id}: ${c.total} ملف/files · ${c.archived} مؤرشف/archived · ${c.queued + c.processing} قيد المعالجة/in progress · ` +
        `${c.duplicate} مكرر/duplicates · ${c.rejected} مرفوض/rejected · ${c.failed} فشل/failed\n`,
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
  let doc: { id?: string; registryNo?: string; status?: string; duplicate?: boolean };
  try {
    doc = await client.postMultipart(
      '/documents',
      multipartBody([file], 'file', () => undefined, fields),
    );
  } catch (e) {
    const msg = e instanceof ApiError ? `${e.body?.error ?? e.status}: ${e.message}` : String((e as Error).message);
    if (opts.json) process.stdout.write(JSON.stringify({ file: file.path, error: msg }, null, 2) + '\n');
    else process.stdout.write(`${file.path}\t-\tnot sent\t${msg}\n`);
    return 1;
  }
  while (opts.wait && doc.id && doc.status !== 'archived' && doc.status !== 'failed') {
    await new Promise((r) => setTimeout(r, 1000));
    doc = await client.get(`/documents/${doc.id}`);
  }
  if (opts.json) process.stdout.write(JSON.stringify({ file: file.path, ...doc }, null, 2) + '\n');
  else process.stdout.write(`${file.path}\t${doc.registryNo ?? '-'}\t${doc.duplicate ? 'duplicate' : (doc.status ?? '-')}\n`);
  return doc.status === 'failed' ? 1 : 0;
}
