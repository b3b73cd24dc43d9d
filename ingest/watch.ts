/**
 * Watched drop folders: every complete file that appears at the top of a folder is archived once, then
 * moved to processed/ (or rejected/, with why beside it). The folders are looked at every `everyMs` (no
 * change events: a mounted network share sends none); how a file is received is a sink's business, so the
 * same watcher serves `diwan worker` (straight into the archive) and `diwan watch` (over the HTTP API).
 *
 *   look: files this watcher holds (a passing fault) -> files left by a watcher that is gone -> new files,
 *         each once its size and time have stayed still (watchRules.observe)
 *   a file: claimed (renamed into .diwan/taking/<owner>/) -> sink.receive -> processed/ or rejected/ -> sink.settled
 *
 * Receiving is idempotent by content (the same bytes again are a duplicate of the same document), so a
 * file a killed watcher received but did not move is received again and goes to processed/ naming the same
 * document. A folder that cannot be read (a share away) is logged and looked at again at the next look.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { crashPoint } from '../kernel/crashPoints';
import { isDomainError } from '../kernel/errors';
import type { Logger } from '../kernel/log';
import { DropFolder } from './watchFolder';
import { observe, PROCESSED, reasonText, REJECTED, verdictOf, type Reason, type Seen, type SinkAnswer } from './watchRules';

export type { SinkAnswer } from './watchRules';

/** A file claimed from a watched folder, in the watcher's working place. */
export interface DroppedFile {
  /** Where its bytes are now (in .diwan/taking/…); read them, never move or remove them. */
  path: string;
  /** Its name as it was dropped. */
  name: string;
  size: number;
  mtimeMs: number;
}

/** Where a file went once received: the folder, its path there, and why when it was refused. */
export interface Settled {
  to: typeof PROCESSED | typeof REJECTED;
  path: string;
  reasons: Reason[];
}

/**
 * How a folder's files are received. `receive` answers with the documents a file became and the parts
 * refused; it throws a DomainError when the file is refused whole, and any other error for a passing
 * fault (the archive away): the file then waits and is received again at a later look.
 */
export interface DropSink {
  receive(file: DroppedFile): Promise<SinkAnswer>;
  /** Told once the file has left the working place (its record finished). */
  settled?(file: DroppedFile, settled: Settled): Promise<void>;
}

/** What became of one file, for whoever runs the watcher (the command line prints it). */
export interface FileReport {
  dir: string;
  name: string;
  to: Settled['to'];
  documents: SinkAnswer['documents'];
  reasons: Reason[];
}

export interface WatchOptions {
  folders: Array<{ dir: string; sink: DropSink }>;
  everyMs: number;
  stableMs: number;
  log: Logger;
  /** Another host's watcher whose working folder has not been touched for this long is taken as gone (10 minutes). */
  staleMs?: number;
  onFile?: (report: FileReport) => void;
}

const STALE_MS = 10 * 60_000;

/** One folder's watch: what its looks have seen, and how often each held file has failed. */
class FolderWatch {
  readonly folder: DropFolder;
  private seen = new Map<string, Seen>();
  private tries = new Map<string, number>();
  private away = false;

  constructor(
    readonly dir: string,
    private readonly sink: DropSink,
    private readonly opts: WatchOptions,
    private readonly stopping: () => boolean,
  ) {
    this.folder = new DropFolder(dir, opts.staleMs ?? STALE_MS);
  }

  /** One look: held files first, then those of gone watchers, then each new file once complete. */
  async look(): Promise<void> {
    try {
      await this.folder.touch();
      for (const name of await this.folder.held()) {
        if (this.stopping()) return;
        await this.take(path.join(this.folder.mine, name), name);
      }
      for (const left of await this.folder.leftovers()) {
        if (this.stopping()) return;
        const claimed = await this.folder.claim(left.path, left.name);
        if (claimed) {
          this.opts.log.info('finishing a file a stopped watcher had taken', { dir: this.dir, file: left.name });
          await this.take(claimed, left.name);
        }
        await this.folder.forget(left.ownerDir);
      }
      await this.takeComplete();
      if (this.away) this.opts.log.info('watched folder is back', { dir: this.dir });
      this.away = false;
    } catch (e) {
      if (!this.away) {
        this.opts.log.warn('watched folder: the look failed (a share away?); tried again at the next look', {
          dir: this.dir,
          error: String((e as Error).message ?? e),
        });
      }
      this.away = true;
    }
  }

  private async takeComplete(): Promise<void> {
    const now = Date.now();
    const listed = await this.folder.list();
    const complete: string[] = [];
    const seen = new Map<string, Seen>();
    for (const f of listed) {
      const o = observe(this.seen.get(f.name), f, now, this.opts.stableMs);
      seen.set(f.name, o.seen);
      if (o.complete) complete.push(f.name);
    }
    this.seen = seen;
    for (const name of complete) {
      if (this.stopping()) return;
      const claimed = await this.folder.claim(path.join(this.dir, name), name);
      this.seen.delete(name);
      if (claimed) await this.take(claimed, name);
    }
  }

  /** Receives one claimed file and sends it on; a passing fault leaves it held for the next look. */
  private async take(at: string, name: string): Promise<void> {
    const st = await fs.stat(at);
    const file: DroppedFile = { path: at, name, size: st.size, mtimeMs: st.mtimeMs };
    const tries = (this.tries.get(name) ?? 0) + 1;
    let answer: SinkAnswer;
    try {
      answer = await this.sink.receive(file);
    } catch (e) {
      if (!isDomainError(e)) {
        this.tries.set(name, tries);
        if (tries === 1)
          this.opts.log.warn('a dropped file waits: the archive cannot take it now', {
            dir: this.dir,
            file: name,
            error: String(e),
          });
        return;
      }
      answer = { documents: [], rejected: [{ name, error: { code: e.code, message: e.messageAr, messageEn: e.messageEn } }] };
    }
    crashPoint('watch.after-receive');
    const verdict = verdictOf(answer, tries);
    if (verdict.to === 'retry') {
      this.tries.set(name, tries);
      if (tries === 1)
        this.opts.log.warn('a dropped file waits for a passing fault', { dir: this.dir, file: name, reason: verdict.reason });
      return;
    }
    this.tries.delete(name);
    const refused = verdict.to === 'rejected' ? answer.rejected : verdict.answer.rejected;
    const note = refused.length > 0 ? reasonText(name, new Date(), refused, verdict.to === 'rejected') : undefined;
    const to = verdict.to === 'rejected' ? REJECTED : PROCESSED;
    const kept = await this.folder.settle(at, name, to, note);
    const reasons = refused.map((r) => r.error);
    // The file has gone where it goes; a record that cannot be finished now is told, and the watch goes on.
    await this.sink.settled?.(file, { to, path: kept, reasons })?.catch((e: unknown) => {
      this.opts.log.warn('a dropped file was taken but its record could not be finished', {
        dir: this.dir,
        file: name,
        error: String(e),
      });
    });
    this.opts.log.info('dropped file taken', { dir: this.dir, file: name, to, documents: answer.documents.length });
    this.opts.onFile?.({ dir: this.dir, name, to, documents: answer.documents, reasons });
  }

  async leave(): Promise<void> {
    await this.folder.leave();
  }

  /** What the last look left: files this watcher holds still (a passing fault), and whether the folder could be read. */
  state(): { held: number; away: boolean } {
    return { held: this.tries.size, away: this.away };
  }
}

export interface Watcher {
  /** Stops after the file in hand; resolves once the watcher has stopped. */
  stop(): Promise<void>;
}

function make(opts: WatchOptions, stopping: () => boolean): FolderWatch[] {
  return opts.folders.map((f) => new FolderWatch(f.dir, f.sink, opts, stopping));
}

/** Watches the folders every `everyMs` until stopped. */
export function startWatcher(opts: WatchOptions): Watcher {
  let stopped = false;
  let wake: () => void = () => undefined;
  const watches = make(opts, () => stopped);
  const loop = (async () => {
    while (!stopped) {
      for (const w of watches) if (!stopped) await w.look();
      if (stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, opts.everyMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    for (const w of watches) await w.leave();
  })();
  return {
    async stop() {
      stopped = true;
      wake();
      await loop;
    },
  };
}

/**
 * One look at each folder for a command run from cron: what other watchers left and what is complete now
 * (looked at twice, `stableMs` apart). `stop` ends it after the file in hand. Returns how many files it
 * still holds (a passing fault: taken again at the next run), and the folders it could not read.
 */
export async function watchOnce(
  opts: WatchOptions,
  stop: { stopped: boolean } = { stopped: false },
): Promise<{ held: number; away: string[] }> {
  const watches = make(opts, () => stop.stopped);
  for (const w of watches) if (!stop.stopped) await w.look();
  if (!stop.stopped) await new Promise((r) => setTimeout(r, opts.stableMs));
  for (const w of watches) if (!stop.stopped) await w.look();
  for (const w of watches) await w.leave();
  return {
    held: watches.reduce((n, w) => n + w.state().held, 0),
    away: watches.filter((w) => w.state().away).map((w) => w.dir),
  };
}
