/**
 * `diwan watch DIR…`: watches drop folders on the scanner's own PC (or a share it mounts) and sends each
 * complete file to the archive over the HTTP API, as `diwan ingest` does (DIWAN_URL, DIWAN_TOKEN), into a
 * batch of source 'folder' per folder and day (kept in the folder's .diwan, so that runs from cron share it);
 * then moves it to processed/ or rejected/ (ingest/watch.ts).
 * `--once`: one look (for cron). SIGINT or SIGTERM stops it after the file in hand.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import { armCrashPoint } from '../../kernel/crashPoints';
import type { Logger } from '../../kernel/log';
import {
  startWatcher,
  watchOnce,
  type DropSink,
  type DroppedFile,
  type FileReport,
  type SinkAnswer,
  type WatchOptions,
} from '../../ingest/watch';
import { readWorking, writeWorking } from '../../ingest/watchFolder';
import { INTERNAL } from '../../ingest/watchRules';
import type { Config } from '../config';
import { ApiError, createClient, type ApiClient } from './client';
import { UsageError, type CommandInput } from './input';

/** What a folder's batches are filed with. */
interface Filing {
  register: string;
  department: string | undefined;
  classification: string | undefined;
  duplex: string | undefined;
}

interface ReceivedJson {
  name: string | null;
  status: string;
  registryNo: string | null;
  error: { code: string; message: string; messageEn: string } | null;
}

/** Today on this machine, YYYY-MM-DD: a folder's files of one day go into one batch. */
function localDay(at = new Date()): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())}`;
}

/** One file as a multipart body (the field «files»), streamed from what the watcher opened. */
function onePart(file: DroppedFile) {
  const boundary = `----diwan${crypto.randomBytes(12).toString('hex')}`;
  const safe = file.name.replace(/[\r\n"]/g, '_');
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${safe}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  async function* body() {
    yield head;
    yield* file.read();
    yield tail;
  }
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length: head.length + file.size + tail.length,
    stream: Readable.from(body()),
  };
}

/**
 * The batch a folder's files of a day go into: the one kept in the folder's working place (.diwan) for this
 * server and filing, made when there is none for today (so each `--once` run from cron adds to the same batch).
 */
function folderBatch(client: ApiClient, dir: string, filing: Filing, server: string) {
  const hash = crypto
    .createHash('sha256')
    .update(JSON.stringify([server, filing]))
    .digest('hex');
  const key = `batch-${hash.slice(0, 16)}.json`;
  let today: { day: string; id: string } | undefined;
  return {
    async get(day: string): Promise<string> {
      if (today?.day === day) return today.id;
      const kept = keptBatch(await readWorking(dir, key).catch(() => undefined));
      if (kept?.day === day) {
        today = kept;
        return kept.id;
      }
      const name = `مجلد الإيداع / drop folder ${dir.slice(-140)} ${day}`;
      const batch = await client.post<{ id: string }>('/batches', { name, mode: 'documents', source: 'folder', ...filing });
      today = { day, id: batch.id };
      await writeWorking(dir, key, JSON.stringify(today)).catch(() => undefined); // a folder read-only to us: one batch per run
      return batch.id;
    },
    /** The batch is gone (or not this user's): a new one is made at the next file. */
    async forget(day: string): Promise<void> {
      today = undefined;
      await writeWorking(dir, key, JSON.stringify({ day, id: null })).catch(() => undefined);
    },
  };
}

/** The batch kept in the working place, when it reads as one. */
function keptBatch(text: string | undefined): { day: string; id: string } | undefined {
  try {
    const kept = JSON.parse(text ?? 'null') as { day?: unknown; id?: unknown } | null;
    return typeof kept?.day === 'string' && typeof kept.id === 'string' ? { day: kept.day, id: kept.id } : undefined;
  } catch {
    return undefined;
  }
}

/** Sends a folder's files to the archive over the API. A request the server refuses whole (not the file's fault) is thrown: the file waits. */
export function apiSink(client: ApiClient, dir: string, filing: Filing, server: string): DropSink {
  const batches = folderBatch(client, dir, filing, server);
  const send = async (file: DroppedFile, day: string) =>
    (await client.postMultipart<{ files: ReceivedJson[] }>(`/batches/${await batches.get(day)}/files`, onePart(file))).files;
  return {
    async receive(file): Promise<SinkAnswer> {
      const day = localDay();
      let files: ReceivedJson[];
      try {
        files = await send(file, day).catch(async (e: unknown) => {
          if (!(e instanceof ApiError && e.status === 404)) throw e;
          await batches.forget(day); // the batch kept is gone, or another's: into a new one
          return send(file, day);
        });
      } catch (e) {
        // Larger than the server takes in one request: the file's own fault.
        if (e instanceof ApiError && e.status === 413 && e.body?.error) {
          const error = { code: e.body.error, message: e.body.message ?? '', messageEn: e.body.messageEn ?? e.message };
          return { documents: [], rejected: [{ name: file.name, error }] };
        }
        throw e;
      }
      return {
        documents: files
          .filter((f) => f.status !== 'rejected')
          .map((f) => ({ registryNo: f.registryNo, duplicate: f.status === 'duplicate' })),
        rejected: files.filter((f) => f.status === 'rejected').map((f) => ({ name: f.name, error: f.error ?? INTERNAL })),
      };
    },
  };
}

/** The watcher's log on standard error, as lines a person reads (`quiet`: warnings only). */
function stderrLog(quiet: boolean): Logger {
  const line = (level: string) => (msg: string, fields?: Record<string, unknown>) => {
    if (quiet && level === 'info') return;
    const rest = fields && Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : '';
    process.stderr.write(`${new Date().toISOString()} ${level} ${msg}${rest}\n`);
  };
  const log: Logger = { info: line('info'), warn: line('warn'), error: line('error'), debug: () => undefined, child: () => log };
  return log;
}

/** One line (or one JSON line) per file taken. */
function printer(json: boolean): (r: FileReport) => void {
  return (r) => {
    if (json) {
      process.stdout.write(JSON.stringify(r) + '\n');
      return;
    }
    const numbers = r.documents.map((d) => d.registryNo ?? '?').join(',') || '-';
    const state = r.to === 'processed' && r.documents.every((d) => d.duplicate) ? 'duplicate' : r.to;
    const why = r.reasons.map((e) => `\t${e.code}: ${e.message} / ${e.messageEn}`).join('');
    process.stdout.write(`${path.join(r.dir, r.name)}\t${numbers}\t${state}${why}\n`);
  };
}

export async function watch(config: Config, args: CommandInput): Promise<number> {
  if (args.positionals.length === 0) throw new UsageError('watch needs at least one FOLDER');
  armCrashPoint(config.crashAt);
  const client = createClient(config);
  const filing: Filing = {
    register: args.options.get('register') ?? 'incoming',
    department: args.options.get('department'),
    classification: args.options.get('classification'),
    duplex: args.options.get('duplex'),
  };
  // The server and the token answer, and the register is one it keeps, before any file is taken.
  const { items } = await client.get<{ items: Array<{ code: string }> }>('/registers');
  if (!items.some((r) => r.code === filing.register)) throw new UsageError(`unknown register: ${filing.register}`);

  // --once: exit 1 when a file was refused or waits still (the archive away), or a folder could not be read.
  let refused = 0;
  const print = printer(args.flags.has('json'));
  const opts: WatchOptions = {
    folders: args.positionals
      .map((d) => path.resolve(d))
      .map((dir) => ({ dir, sink: apiSink(client, dir, filing, config.client.url) })),
    everyMs: config.intake.watch.everyMs,
    stableMs: config.intake.watch.stableMs,
    log: stderrLog(args.flags.has('quiet')),
    onFile: (r) => {
      if (r.to === 'rejected') refused++;
      print(r);
    },
  };
  const stop = { stopped: false };
  let onSignal: () => void = () => undefined;
  const signalled = new Promise<void>((resolve) => (onSignal = resolve));
  const handler = () => {
    stop.stopped = true;
    onSignal();
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  try {
    if (args.flags.has('once')) {
      const { held, away } = await watchOnce(opts, stop);
      return refused > 0 || held > 0 || away.length > 0 ? 1 : 0;
    }
    // Watches until stopped; a stop asked for is a normal end (the files refused are in rejected/).
    const watcher = startWatcher(opts);
    await signalled;
    await watcher.stop();
    return 0;
  } finally {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  }
}
