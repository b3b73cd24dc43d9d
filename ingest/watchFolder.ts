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
 */
import fs from 'node:fs/promises';
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

const code = (e: unknown) => (e as NodeJS.ErrnoException).code;

export class DropFolder {
  readonly taking: string;
  readonly mine: string;

  constructor(
    readonly dir: string,
    private readonly staleMs: number,
    owner: string = OWNER,
  ) {
    this.taking = path.join(dir, WORKING, 'taking');
    this.mine = path.join(this.taking, owner);
  }

  /** The files at the top of the folder that may be dropped files; throws when the folder cannot be read (a share away). */
  async list(): Promise<Listed[]> {
    const out: Listed[] = [];
    for (const name of await fs.readdir(this.dir)) {
      if (!isDropName(name)) continue;
      const st = await fs.lstat(path.join(this.dir, name)).catch(() => undefined); // gone meanwhile
      if (st?.isFile()) out.push({ name, size: st.size, mtimeMs: st.mtimeMs });
    }
    return out;
  }

  /** Moves a file from `from` into this watcher's place; undefined when another watcher took it first, or one of its name waits here. */
  async claim(from: string, name: string): Promise<string | undefined> {
    const to = path.join(this.mine, name);
    await fs.mkdir(this.mine, { recursive: true });
    if (await exists(to)) return undefined;
    try {
      await fs.rename(from, to);
      return to;
    } catch (e) {
      if (code(e) === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** Files this watcher claimed and still holds (waiting for a passing fault to pass). */
  async held(): Promise<string[]> {
    return (await readdirOr(this.mine)).filter((n) => !n.startsWith('.'));
  }

  /** Files left in the working place by watchers that are gone. */
  async leftovers(now = Date.now()): Promise<Leftover[]> {
    const out: Leftover[] = [];
    for (const entry of await readdirOr(this.taking)) {
      const p = path.join(this.taking, entry);
      if (p === this.mine) continue;
      const st = await fs.lstat(p).catch(() => undefined);
      if (st?.isFile()) out.push({ path: p, name: entry, ownerDir: undefined });
      if (!st?.isDirectory()) continue;
      if (ownerAlive(entry) && now - st.mtimeMs < this.staleMs) continue;
      const names = await readdirOr(p);
      for (const name of names) out.push({ path: path.join(p, name), name, ownerDir: p });
      if (names.length === 0) await fs.rmdir(p).catch(() => undefined);
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
   * written beside it as «<name>.txt» when given; returns where it went.
   */
  async settle(from: string, name: string, to: typeof PROCESSED | typeof REJECTED, note?: string): Promise<string> {
    const folder = path.join(this.dir, to);
    await fs.mkdir(folder, { recursive: true });
    const present = new Set(await readdirOr(folder));
    const kept = freeName(name, (n) => present.has(n) || present.has(`${n}.txt`));
    const target = path.join(folder, kept);
    await fs.rename(from, target);
    if (note !== undefined) await fs.writeFile(`${target}.txt`, note, 'utf8');
    return target;
  }

  /** Removes this watcher's folder when it holds nothing (it stops). */
  async leave(): Promise<void> {
    await fs.rmdir(this.mine).catch(() => undefined);
  }
}

async function exists(p: string): Promise<boolean> {
  return fs.lstat(p).then(
    () => true,
    () => false,
  );
}

async function readdirOr(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (e) {
    if (code(e) === 'ENOENT') return [];
    throw e;
  }
}
