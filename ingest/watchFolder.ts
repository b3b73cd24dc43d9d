/**
 * A watched folder on disk (a local folder or a mounted network share, SMB or NFS: only renames within the
 * folder, never change events or locks). Its layout:
 *
 *   DIR/letter.pdf                       a dropped file
 *   DIR/.diwan/taking/<owner>/letter.pdf a file one watcher has claimed (a rename: only one watcher wins it)
 *   DIR/processed/letter.pdf             archived (the same name, or «letter (2).pdf» beside an older one)
 *   DIR/rejected/letter.pdf(.txt)        refused, with why in Arabic and English beside it
 *
 * <owner> names the watcher's process (pid, a tag of its own, its host: ingest/leftovers.ts); the folder's
 * time is touched while it lives. Files in the folder of a watcher that is gone (its process dead on this
 * host, or, for another host's, untouched for `staleMs`) are left to be finished by another.
 *
 * Whoever may write the share may plant links in it: only regular files are ever taken, each opened without
 * following a link and read through that one descriptor, and the folder's own sub-folders are used only while
 * they are folders (a link in their place stops the watch of the folder: UnsafeFolder).
 */
import crypto from 'node:crypto';
import { constants } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { OWNER, ownerAlive } from './leftovers';
import { freeName, isDropName, PROCESSED, REJECTED, WORKING, type Look } from './watchRules';

/** A file at the top of the folder, as one look saw it. */
export interface Listed extends Look {
  name: string;
}

/** A file left in the working place by a watcher that is gone. */
export interface Leftover {
  path: string;
  name: string;
  /** The gone watcher's folder, removed once emptied (undefined: the file lay in taking/ itself). */
  ownerDir: string | undefined;
}

/** A regular file opened for reading (close its handle once read). */
export interface Opened extends Look {
  handle: FileHandle;
}

/** One of the folder's own sub-folders is a link (or no folder): the folder is not used while it is so. */
export class UnsafeFolder extends Error {}

const code = (e: unknown) => (e as NodeJS.ErrnoException).code;
/** Read-only, never through a link, never waiting on a pipe (the flags a platform lacks are left out). */
const AS_IT_IS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
/** What opening something other than a regular file (or nothing any more) answers. */
const NOT_A_FILE = new Set(['ELOOP', 'EMLINK', 'ENXIO', 'ENOENT', 'EISDIR', 'EOPNOTSUPP']);
const OWNER_NAME = /^\d+-[0-9a-f]{8}-([0-9a-f]{8})(?:-|$)/;
const HOST = OWNER_NAME.exec(OWNER)![1];

export class DropFolder {
  readonly working: string;
  readonly taking: string;
  readonly mine: string;

  constructor(
    readonly dir: string,
    private readonly staleMs: number,
    owner: string = OWNER,
  ) {
    this.working = path.join(dir, WORKING);
    this.taking = path.join(this.working, 'taking');
    this.mine = path.join(this.taking, owner);
  }

  /** Throws UnsafeFolder when .diwan, its working folders, processed/ or rejected/ is there as anything but a folder. */
  async check(): Promise<void> {
    const own = [this.working, this.taking, this.mine, path.join(this.dir, PROCESSED), path.join(this.dir, REJECTED)];
    for (const p of own) {
      const st = await lstatOr(p);
      if (st && !st.isDirectory()) throw new UnsafeFolder(`${p} is ${st.isSymbolicLink() ? 'a link' : 'not a folder'}`);
    }
  }

  /** The files at the top of the folder that may be dropped files; throws when the folder cannot be read (a share away). */
  async list(): Promise<Listed[]> {
    const out: Listed[] = [];
    for (const name of await fs.readdir(this.dir)) {
      if (!isDropName(name)) continue;
      const st = await lstatOr(path.join(this.dir, name)); // gone meanwhile
      if (st?.isFile()) out.push({ name, size: st.size, mtimeMs: st.mtimeMs });
    }
    return out;
  }

  /** Moves a file from `from` into this watcher's place; undefined when another watcher took it first, or one of its name waits here. */
  async claim(from: string, name: string): Promise<string | undefined> {
    const to = path.join(this.mine, name);
    for (const p of [this.working, this.taking, this.mine]) await fs.mkdir(p).catch(exists);
    await this.check();
    if (await lstatOr(to)) return undefined;
    try {
      await fs.rename(from, to);
      return to;
    } catch (e) {
      if (code(e) === 'ENOENT') return undefined;
      throw e;
    }
  }

  /**
   * Opens a file in this watcher's hand as it is: undefined when it is no regular file (a link, a pipe, a
   * folder), is gone, or was swapped between the look at it and its opening.
   */
  async open(at: string): Promise<Opened | undefined> {
    await this.check();
    const seen = await lstatOr(at);
    if (!seen?.isFile()) return undefined;
    let handle: FileHandle;
    try {
      handle = await fs.open(at, AS_IT_IS);
    } catch (e) {
      if (NOT_A_FILE.has(code(e) ?? '')) return undefined;
      throw e;
    }
    const st = await handle.stat();
    if (!st.isFile() || st.ino !== seen.ino || st.dev !== seen.dev) {
      await handle.close();
      return undefined;
    }
    return { handle, size: st.size, mtimeMs: st.mtimeMs };
  }

  /** Files this watcher claimed and still holds (waiting for a passing fault to pass). */
  async held(): Promise<string[]> {
    return this.regularFiles(this.mine);
  }

  /** Files left in the working place by watchers that are gone. */
  async leftovers(now = Date.now()): Promise<Leftover[]> {
    const out: Leftover[] = [];
    for (const entry of await readdirOr(this.taking)) {
      const p = path.join(this.taking, entry);
      if (p === this.mine) continue;
      const st = await lstatOr(p);
      if (st?.isFile()) out.push({ path: p, name: entry, ownerDir: undefined });
      if (!st?.isDirectory() || !this.gone(entry, st.mtimeMs, now)) continue;
      const names = await this.regularFiles(p);
      for (const name of names) out.push({ path: path.join(p, name), name, ownerDir: p });
      if (names.length === 0) await fs.rmdir(p).catch(() => undefined);
    }
    return out;
  }

  /** Whether the watcher of an owner folder is gone: on this host its process is not alive; another host's, its folder untouched for staleMs. */
  private gone(owner: string, touchedMs: number, now: number): boolean {
    if (OWNER_NAME.exec(owner)?.[1] === HOST) return !ownerAlive(owner);
    return now - touchedMs >= this.staleMs;
  }

  /** The names in `dir` of regular files that are not dot-files. */
  private async regularFiles(dir: string): Promise<string[]> {
    const out: string[] = [];
    for (const name of await readdirOr(dir)) {
      if (!name.startsWith('.') && (await lstatOr(path.join(dir, name)))?.isFile()) out.push(name);
    }
    return out;
  }

  /** Removes a gone watcher's folder once nothing is left in it. */
  async forget(ownerDir: string | undefined): Promise<void> {
    if (ownerDir) await fs.rmdir(ownerDir).catch(() => undefined);
  }

  /** Tells other watchers this one lives (its folder's time), when it holds a folder here. */
  async touch(at = new Date()): Promise<void> {
    await fs.utimes(this.mine, at, at).catch(() => undefined);
  }

  /**
   * Moves a claimed file to processed/ or rejected/ under its name (or a free one beside it), with `note`
   * written beside it as «<name>.txt» (or another free name) when given; returns where it went, and whether
   * the note could not be written.
   */
  async settle(
    from: string,
    name: string,
    to: typeof PROCESSED | typeof REJECTED,
    note?: string,
  ): Promise<{ path: string; noteError?: unknown }> {
    const folder = path.join(this.dir, to);
    await fs.mkdir(folder).catch(exists);
    await this.check();
    const present = new Set(await readdirOr(folder));
    const kept = freeName(name, (n) => present.has(n) || present.has(`${n}.txt`));
    const target = path.join(folder, kept);
    await fs.rename(from, target);
    if (note === undefined) return { path: target };
    return writeNew(folder, `${kept}.txt`, note).then(
      () => ({ path: target }),
      (noteError: unknown) => ({ path: target, noteError }),
    );
  }

  /** Removes this watcher's folder when it holds nothing (it stops). */
  async leave(): Promise<void> {
    await fs.rmdir(this.mine).catch(() => undefined);
  }
}

/** A small file the watchers of `dir` keep in its working place (.diwan/<name>); undefined when there is none. */
export async function readWorking(dir: string, name: string): Promise<string | undefined> {
  const folder = new DropFolder(dir, 0);
  await folder.check();
  const opened = await folder.open(path.join(folder.working, name));
  if (!opened) return undefined;
  try {
    return await opened.handle.readFile('utf8');
  } finally {
    await opened.handle.close();
  }
}

/** Writes a small file in the working place of `dir`: whole under a new name, then put in place by a rename. */
export async function writeWorking(dir: string, name: string, text: string): Promise<void> {
  const folder = new DropFolder(dir, 0);
  await fs.mkdir(folder.working).catch(exists);
  await folder.check();
  const fresh = path.join(folder.working, `.${name}.${crypto.randomUUID()}`);
  await fs.writeFile(fresh, text, { flag: 'wx', encoding: 'utf8' });
  await fs.rename(fresh, path.join(folder.working, name));
}

/** Writes `text` as a new file named `name` in `folder` (or a free name beside it), never through what is there. */
async function writeNew(folder: string, name: string, text: string): Promise<void> {
  const tried = new Set<string>();
  for (;;) {
    const candidate = freeName(name, (n) => tried.has(n));
    try {
      await fs.writeFile(path.join(folder, candidate), text, { flag: 'wx', encoding: 'utf8' });
      return;
    } catch (e) {
      if (code(e) !== 'EEXIST') throw e;
      tried.add(candidate);
    }
  }
}

function exists(e: unknown): void {
  if (code(e) !== 'EEXIST') throw e;
}

async function lstatOr(p: string) {
  try {
    return await fs.lstat(p);
  } catch (e) {
    if (code(e) === 'ENOENT') return undefined;
    throw e;
  }
}

async function readdirOr(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (e) {
    if (code(e) === 'ENOENT') return [];
    throw e;
  }
}
