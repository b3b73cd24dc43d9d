/**
 * Watched drop folders: every complete file that appears at the top of a folder is archived once, then
 * moved to processed/ (or rejected/, with why beside it). The folders are looked at every `everyMs` (no
 * change events: a mounted network share sends none); how a file is received is a sink's business, so the
 * same watcher serves `diwan worker` (straight into the archive) and `diwan watch` (over the HTTP API).
 *
 *   look: files this watcher holds (a passing fault) -> files left by a watcher that is gone -> new files,
 *         each once its size and time have stayed still (watchRules.observe)
 *   a file: claimed (renamed into .diwan/taking/<owner>/) -> opened as it is (a regular file, no link)
 *           -> sink.receive -> processed/ or rejected/ -> sink.settled
 *
 * Receiving is idempotent by content (the same bytes again are a duplicate of the same document), so a
 * file a killed watcher received but did not move is received again and goes to processed/ naming the same
 * document, and a file a part of which met a passing fault is received again (PASSING_TRIES times at most,
 * further apart each time). A file that cannot be moved out of the working place is not received again: its
 * move is tried a few times, then it is left where it is for a person, until the process starts again. A
 * folder that cannot be read (a share away) is logged and looked at again at the next look; one whose own
 * sub-folders are links is logged as an error and not used while they are.
 */
import path from 'node:path';
import type { Readable } from 'node:stream';
import { crashPoint } from '../kernel/crashPoints';
import { isDomainError } from '../kernel/errors';
import type { Logger } from '../kernel/log';
import { DropFolder, UnsafeFolder, type Opened } from './watchFolder';
import { observe, PROCESSED, reasonText, REJECTED, verdictOf, type Reason, type Seen, type SinkAnswer } from './watchRules';

export type { SinkAnswer } from './watchRules';

/** A file claimed from a watched folder, in the watcher's working place. */
export interface DroppedFile {
  /** Where it lies now (in .diwan/taking/…): it names the file; never open, move or remove it. */
  path: string;
  /** Its name as it was dropped. */
  name: string;
  size: number;
  mtimeMs: number;
  /** Its bytes from the start, read through the one descriptor the watcher opened it with. */
  read(): Readable;
}

/** Where a file went once received: the folder, its path there, and why when it was refused. */
export interface Settled {
  to: typeof PROCESSED | typeof REJECTED;
  path: string;
  reasons: Reason[];
}

/**
 * How a folder's files are received. `receive` answers with the documents a file became and the parts
 * refused; it throws a DomainError when the file is refused whole, and any other error when the archive
 * cannot be reached: the file then waits and is received again at the next look.
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
  /** The wait before a file met by a passing fault is received again, doubled at each try (a minute). */
  retryMs?: number;
  onFile?: (report: FileReport) => void;
}

const STALE_MS = 10 * 60_000;
const RETRY_MS = 60_000;
const RETRY_MAX_MS = 30 * 60_000;
/** How often the move of a received file out of the working place is tried before it is left there. */
export const MOVE_TRIES = 3;

/** A received file on its way out of the working place. */
interface Move {
  file: DroppedFile;
  to: Settled['to'];
  note: string | undefined;
  answer: SinkAnswer;
  refused: Reason[];
  tries: number;
}

/** One folder's watch: what its looks have seen, and the files it holds. */
export class FolderWatch {
  private seen = new Map<string, Seen>();
  /** Files waiting for a passing fault to pass: how often one befell them, and not before when to try again. */
  private waiting = new Map<string, { passing: number; next: number }>();
  /** Files received whose move failed, and files left alone for the rest of this process (why). */
  private moving = new Map<string, Move>();
  private stuck = new Map<string, string>();
  private trouble: 'away' | 'unsafe' | undefined;

  constructor(
    readonly dir: string,
    private readonly sink: DropSink,
    private readonly opts: WatchOptions,
    private readonly stopping: () => boolean,
    readonly folder = new DropFolder(dir, opts.staleMs ?? STALE_MS),
  ) {}

  /** One look: held files first, then those of gone watchers, then each new file once complete. */
  async look(): Promise<void> {
    try {
      await this.folder.check();
      await this.folder.touch(); // and before each file taken, and while one is received
      const held = new Set(await this.folder.held());
      for (const kept of [this.waiting, this.moving, this.stuck])
        for (const name of kept.keys()) if (!held.has(name)) kept.delete(name);
      for (const name of held) {
        if (this.stopping()) return;
        if ((this.waiting.get(name)?.next ?? 0) <= Date.now()) await this.take(path.join(this.folder.mine, name), name);
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
      if (this.trouble) this.opts.log.info('watched folder is back', { dir: this.dir });
      this.trouble = undefined;
    } catch (e) {
      const trouble = e instanceof UnsafeFolder ? 'unsafe' : 'away';
      if (trouble === 'unsafe' && this.trouble !== 'unsafe') {
        this.opts.log.error('watched folder not used: a folder of its own is a link; remove it', {
          dir: this.dir,
          error: (e as Error).message,
        });
      } else if (!this.trouble) {
        this.opts.log.warn('watched folder: the look failed (a share away?); tried again at the next look', {
          dir: this.dir,
          error: String((e as Error).message ?? e),
        });
      }
      this.trouble = trouble;
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

  /** Receives one claimed file and sends it on; a passing fault leaves it held for a later look. */
  private async take(at: string, name: string): Promise<void> {
    if (this.stuck.has(name)) return;
    const moving = this.moving.get(name);
    if (moving) return this.move(at, moving);
    // Other watchers see this one alive while it works, however long its backlog or its file.
    await this.folder.touch();
    const opened = await this.folder.open(at);
    if (!opened) {
      this.leaveAlone(name, 'not a regular file (a link?): left where it is, never read');
      return;
    }
    const file = droppedFile(at, name, opened);
    let answer: SinkAnswer;
    const beat = setInterval(() => void this.folder.touch(), this.beatMs());
    try {
      answer = await this.sink.receive(file);
    } catch (e) {
      if (!isDomainError(e)) {
        if (!this.waiting.has(name))
          this.opts.log.warn('a dropped file waits: the archive cannot take it now', {
            dir: this.dir,
            file: name,
            error: String(e),
          });
        this.waiting.set(name, { passing: this.waiting.get(name)?.passing ?? 0, next: 0 });
        return;
      }
      answer = { documents: [], rejected: [{ name, error: { code: e.code, message: e.messageAr, messageEn: e.messageEn } }] };
    } finally {
      clearInterval(beat);
      await opened.handle.close();
    }
    crashPoint('watch.after-receive');
    const passing = (this.waiting.get(name)?.passing ?? 0) + 1;
    const verdict = verdictOf(answer, passing);
    if (verdict.to === 'retry') {
      const waitMs = Math.min((this.opts.retryMs ?? RETRY_MS) * 2 ** (passing - 1), RETRY_MAX_MS);
      this.waiting.set(name, { passing, next: Date.now() + waitMs });
      this.opts.log.warn('a dropped file waits for a passing fault', {
        dir: this.dir,
        file: name,
        reason: verdict.reason,
        passing,
      });
      return;
    }
    this.waiting.delete(name);
    const refused = verdict.to === 'rejected' ? answer.rejected : verdict.answer.rejected;
    const whole = verdict.to === 'rejected';
    const note = refused.length > 0 ? reasonText(name, new Date(), refused, whole) : undefined;
    const reasons = whole ? verdict.reasons : refused.map((r) => r.error);
    await this.move(at, { file, to: whole ? REJECTED : PROCESSED, note, answer, refused: reasons, tries: 0 });
  }

  /** Moves a received file out of the working place and tells it; a move that keeps failing leaves the file alone. */
  private async move(at: string, m: Move): Promise<void> {
    const name = m.file.name;
    let kept: string;
    try {
      const settled = await this.folder.settle(at, name, m.to, m.note);
      kept = settled.path;
      if (settled.noteError)
        this.opts.log.warn('a dropped file was moved but why could not be written beside it', {
          dir: this.dir,
          file: name,
          error: String(settled.noteError),
        });
    } catch (e) {
      if (e instanceof UnsafeFolder) throw e;
      const tries = m.tries + 1;
      if (tries >= MOVE_TRIES) {
        this.moving.delete(name);
        this.leaveAlone(name, `it was received, but cannot be moved to ${m.to}/: ${String(e)}`);
      } else {
        this.moving.set(name, { ...m, tries });
        this.opts.log.warn('a received file could not be moved; tried again at the next look', {
          dir: this.dir,
          file: name,
          error: String(e),
        });
      }
      return;
    }
    this.moving.delete(name);
    // The file has gone where it goes; a record that cannot be finished now is told, and the watch goes on.
    await this.sink.settled?.(m.file, { to: m.to, path: kept, reasons: m.refused })?.catch((e: unknown) => {
      this.opts.log.warn('a dropped file was taken but its record could not be finished', {
        dir: this.dir,
        file: name,
        error: String(e),
      });
    });
    this.opts.log.info('dropped file taken', { dir: this.dir, file: name, to: m.to, documents: m.answer.documents.length });
    this.opts.onFile?.({ dir: this.dir, name, to: m.to, documents: m.answer.documents, reasons: m.refused });
  }

  /** A file in hand not taken again by this process: told once, as an error a person must see to. */
  private leaveAlone(name: string, why: string): void {
    this.stuck.set(name, why);
    this.opts.log.error('a dropped file is left in the working place for a person; not taken again until the watcher restarts', {
      dir: this.dir,
      file: path.join(this.folder.mine, name),
      why,
    });
  }

  /** How often the working folder is touched while a file is received: well within the time others wait. */
  private beatMs(): number {
    return Math.max(1000, Math.min((this.opts.staleMs ?? STALE_MS) / 4, 60_000));
  }

  async leave(): Promise<void> {
    await this.folder.leave();
  }

  /** What the last look left: files this watcher holds still (waiting, or left for a person), and whether the folder could be used. */
  state(): { held: number; away: boolean } {
    return { held: this.waiting.size + this.moving.size + this.stuck.size, away: this.trouble !== undefined };
  }
}

function droppedFile(at: string, name: string, opened: Opened): DroppedFile {
  return {
    path: at,
    name,
    size: opened.size,
    mtimeMs: opened.mtimeMs,
    read: () => opened.handle.createReadStream({ start: 0, autoClose: false }),
  };
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
