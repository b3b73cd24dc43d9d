/**
 * `diwan watch DIR…`: watches drop folders on the scanner's own PC (or a share it mounts) and sends each
 * complete file to the archive over the HTTP API, as `diwan ingest` does (DIWAN_URL, DIWAN_TOKEN), into a
 * batch of source 'folder' per folder and day; then moves it to processed/ or rejected/ (ingest/watch.ts).
 * `--once`: one look (for cron). SIGINT or SIGTERM stops it after the file in hand.
 */
import path from 'node:path';
import { armCrashPoint } from '../../kernel/crashPoints';
import { ERROR_MESSAGES } from '../../kernel/errors';
import type { Logger } from '../../kernel/log';
import { startWatcher, watchOnce, type DropSink, type FileReport, type SinkAnswer, type WatchOptions } from '../../ingest/watch';
import type { Config } from '../config';
import { ApiError, createClient, type ApiClient } from './client';
import { UsageError, type CommandInput } from './input';
import { multipartBody } from './upload';

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

/** Sends a folder's files to the archive over the API. A request the server refuses whole (not the file's fault) is thrown: the file waits. */
export function apiSink(client: ApiClient, dir: string, filing: Filing): DropSink {
  let today: { day: string; id: string } | undefined;
  const batchOf = async (day: string): Promise<string> => {
    if (today?.day === day) return today.id;
    const name = `مجلد الإيداع / drop folder ${dir.slice(-140)} ${day}`;
    const batch = await client.post<{ id: string }>('/batches', { name, mode: 'documents', source: 'folder', ...filing });
    today = { day, id: batch.id };
    return batch.id;
  };
  return {
    async receive(file): Promise<SinkAnswer> {
      const id = await batchOf(localDay());
      let files: ReceivedJson[];
      try {
        const body = multipartBody([{ path: file.path, size: file.size }], 'files', () => undefined);
        files = (await client.postMultipart<{ files: ReceivedJson[] }>(`/batches/${id}/files`, body)).files;
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) today = undefined; // the batch is gone: a new one next time
        // Larger than the server takes in one request: the file's own fault.
        if (e instanceof ApiError && e.status === 413 && e.body?.error) {
          const error = { code: e.body.error, message: e.body.message ?? '', messageEn: e.body.messageEn ?? e.message };
          return { documents: [], rejected: [{ name: file.name, error }] };
        }
        throw e;
      }
      const internal = { code: 'internal', message: ERROR_MESSAGES.internal[0], messageEn: ERROR_MESSAGES.internal[1] };
      return {
        documents: files
          .filter((f) => f.status !== 'rejected')
          .map((f) => ({ registryNo: f.registryNo, duplicate: f.status === 'duplicate' })),
        rejected: files.filter((f) => f.status === 'rejected').map((f) => ({ name: f.name, error: f.error ?? internal })),
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
    folders: args.positionals.map((d) => path.resolve(d)).map((dir) => ({ dir, sink: apiSink(client, dir, filing) })),
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
