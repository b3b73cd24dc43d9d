/**
 * `diwan ingest`: walks folders, creates a batch, streams the files in a few
 * large requests with a progress bar (files, pages, bytes, ETA), optionally
 * waits until every document is archived, and ends with a summary table.
 */
import fs from 'node:fs';
import type { Config } from '../config';
import { parseArgs, UsageError } from './args';
import { ApiError, createClient } from './client';
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

function fmtBytes(n: number): string {
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1048576).toFixed(1)} MB`;
  return `${(n / 1073741824).toFixed(2)} GB`;
}

function fmtTime(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '--:--';
  const m = Math.floor(s / 60);
  return `${String(m).padStart(2, '0')}:${String(Math.round(s % 60)).padStart(2, '0')}`;
}

/** One status line on stderr, redrawn in place on a terminal, printed now and then otherwise. */
function progressLine(enabled: boolean) {
  const tty = process.stderr.isTTY === true;
  let last = 0;
  return {
    draw(line: string, force = false) {
      if (!enabled) return;
      const now = Date.now();
      if (tty) process.stderr.write(`\r\x1b[2K${line}`);
      else if (force || now - last > 5000) {
        process.stderr.write(`${line}\n`);
        last = now;
      }
    },
    end() {
      if (enabled && tty) process.stderr.write('\n');
    },
  };
}

export async function ingest(config: Config, argv: string[]): Promise<number> {
  const args = parseArgs(argv, {
    flags: ['wait', 'json', 'pages-of-one', 'quiet'],
    options: [
      'batch',
      'title',
      'type',
      'department',
      'classification',
      'date',
      'correspondent',
      'register',
      'external-ref',
      'external-date',
      'in-reply-to',
    ],
  });
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
  const bar = progressLine(!json && !args.flags.has('quiet'));
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
  const drawUpload = (force = false) => {
    const elapsed = (Date.now() - started) / 1000;
    const rate = sent / Math.max(elapsed, 0.001);
    bar.draw(
      `↑ ${filesSent}/${files.length} ملفات/files · ${pagesSeen} ص/pages · ${fmtBytes(sent)}/${fmtBytes(totalBytes)} · ` +
        `${fmtBytes(rate)}/s · ETA ${fmtTime((totalBytes - sent) / Math.max(rate, 1))}`,
      force,
    );
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
    drawUpload(true);
  }

  if (args.flags.has('pages-of-one')) {
    try {
      await client.post(`/batches/${batch.id}/seal`, {});
    } catch (e) {
      uploadErrors.push({ file: '(seal)', error: String((e as Error).message) });
    }
  }

  let view = await client.get<BatchView>(`/batches/${batch.id}`);
  if (args.flags.has('wait')) {
    for (;;) {
      const c = view.counts;
      const finished = c.archived + c.failed;
      const accepted = c.total - c.rejected - c.duplicate;
      bar.draw(`⏳ ${finished}/${accepted} مؤرشف/archived · ${view.pages} ص/pages · ${fmtTime((Date.now() - started) / 1000)}`);
      if (view.done) break;
      await new Promise((r) => setTimeout(r, 1000));
      view = await client.get<BatchView>(`/batches/${batch.id}`);
    }
  }
  bar.end();

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
function metaOf(options: Map<string, string>): Record<string, string | undefined> {
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
