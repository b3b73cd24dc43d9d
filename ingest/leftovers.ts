/**
 * What a killed process leaves behind, and clearing it at the next start.
 *
 * A worker's working folders (in the system's temporary folder: plain copies
 * of originals, the pages drawn from them) and the files an upload waits in
 * (spool/pending/<sha256>/) are named after the process that made them: its
 * pid, a random tag of its own (a pid is reused, the tag is not) and its host.
 * What a process that is gone left behind is removed; what a live process, or
 * a document not yet stored, still needs is kept. A name this cannot judge (an
 * older layout, another host's) is left alone. Uploads still being received
 * (spool/upload-*) name no owner: each process that uses the spool marks
 * itself in spool/live/, and they are removed when a process starts with no
 * other live one beside it, or once they are a day old.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const HOST = crypto.createHash('sha256').update(os.hostname()).digest('hex').slice(0, 8);

/** This process, as the files it makes name it: `<pid>-<tag>-<host>`. */
export const OWNER = `${process.pid}-${crypto.randomBytes(4).toString('hex')}-${HOST}`;

const OWNER_NAME = /^(\d+)-([0-9a-f]{8})-([0-9a-f]{8})(?:-|$)/;

/** Whether the process a name starts with may still need what it made. */
export function ownerAlive(name: string): boolean {
  const m = OWNER_NAME.exec(name);
  if (!m) return true; // not named by an owner: not ours to judge
  const [pid, host] = [Number(m[1]), m[3]];
  if (`${m[1]}-${m[2]}-${m[3]}` === OWNER) return true;
  if (host !== HOST) return true; // another machine's process: it clears its own
  if (pid === process.pid) return false; // an earlier process that had this pid
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, under another user
  }
}

const WORK_PREFIX = 'diwan-work-';

/** A new private working folder for one document's run. */
export function makeWorkFolder(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${WORK_PREFIX}${OWNER}-`));
}

/** Removes the working folders of processes that are gone (a worker killed in the middle of a stage); returns their names. */
export function clearWorkFolders(): string[] {
  const removed: string[] = [];
  for (const name of fs.readdirSync(os.tmpdir())) {
    if (!name.startsWith(WORK_PREFIX) || ownerAlive(name.slice(WORK_PREFIX.length))) continue;
    try {
      fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
      removed.push(name);
    } catch {
      // another user's, or already gone
    }
  }
  return removed;
}

const pendingDir = (spoolDir: string, sha256: string) => path.join(spoolDir, 'pending', sha256);

/**
 * Moves one upload's bytes to spool/pending/<sha256>/<owner>-<random>: a file
 * of its own, so that two uploads of the same bytes never remove each other's.
 */
export function moveToPending(file: string, spoolDir: string, sha256: string): string {
  const target = path.join(pendingDir(spoolDir, sha256), `${OWNER}-${crypto.randomUUID()}`);
  for (let attempt = 0; ; attempt++) {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    try {
      fs.renameSync(file, target);
      return target;
    } catch (e) {
      // The empty folder was cleared between the two calls: make it again.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 2 || !fs.existsSync(file)) throw e;
    }
  }
}

/** Every copy of these bytes waiting in the spool (an older version kept one file, spool/pending/<sha256>). */
export function pendingFiles(spoolDir: string, sha256: string): string[] {
  const dir = pendingDir(spoolDir, sha256);
  try {
    if (fs.statSync(dir).isFile()) return [dir];
    return fs.readdirSync(dir).map((name) => path.join(dir, name));
  } catch {
    return [];
  }
}

/** What the spool's waiting bytes are for: a document stored already, one still waiting for them, or none. */
export type PendingState = 'stored' | 'waiting' | 'none';

/** Spools this process has claimed (one process serves several spools in tests). */
const claimed = new Set<string>();

/**
 * Marks this process as a user of the spool (spool/live/<owner>) the first
 * time it is called for it, and then, when no other live process uses the
 * spool, removes every upload left half-received (`upload-*`): none is
 * anyone's any more. Synchronous, so that a process calling it before it
 * listens never removes an upload of its own.
 */
export function claimSpool(spoolDir: string): number {
  if (claimed.has(spoolDir)) return 0;
  claimed.add(spoolDir);
  const live = path.join(spoolDir, 'live');
  fs.mkdirSync(live, { recursive: true });
  let alone = true;
  for (const name of fs.readdirSync(live)) {
    if (name === OWNER) continue;
    if (ownerAlive(name)) alone = false;
    else fs.rmSync(path.join(live, name), { force: true });
  }
  fs.writeFileSync(path.join(live, OWNER), '');
  if (!alone) return 0;
  const orphans = fs.readdirSync(spoolDir).filter((name) => name.startsWith('upload-'));
  for (const name of orphans) fs.rmSync(path.join(spoolDir, name), { force: true });
  return orphans.length;
}

/** No upload is still being received, or waits to be checked, a day after its last byte. */
const STALE_UPLOAD_MS = 24 * 3600_000;

/**
 * Clears what no one needs in the spool: uploads half-received a day ago or
 * more; pending bytes of a document already stored, and those of no document
 * whose upload is gone (a crash before registration). Pending bytes of a
 * document not yet stored are kept: the sweep stores them. `state` answers for
 * a fingerprint (and throws when it cannot: then all is kept).
 */
export async function clearSpool(spoolDir: string, state: (sha256: string) => Promise<PendingState>): Promise<number> {
  let removed = 0;
  for (const name of fs.existsSync(spoolDir) ? fs.readdirSync(spoolDir) : []) {
    if (!name.startsWith('upload-')) continue;
    const file = path.join(spoolDir, name);
    if (Date.now() - (fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) < STALE_UPLOAD_MS) continue;
    fs.rmSync(file, { force: true });
    removed++;
  }
  const pending = path.join(spoolDir, 'pending');
  for (const sha of fs.existsSync(pending) ? fs.readdirSync(pending) : []) {
    let s: PendingState;
    try {
      s = await state(sha);
    } catch {
      continue;
    }
    if (s === 'waiting') continue;
    for (const file of pendingFiles(spoolDir, sha)) {
      if (s === 'none' && ownerAlive(path.basename(file))) continue; // an upload in flight
      fs.rmSync(file, { force: true });
      removed++;
    }
    try {
      fs.rmdirSync(pendingDir(spoolDir, sha)); // only when empty
    } catch {
      // still holds an upload in flight (or is a file of the older layout)
    }
  }
  return removed;
}
