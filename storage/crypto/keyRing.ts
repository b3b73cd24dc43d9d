/**
 * The ministry's encryption keys: a JSON file outside the database and the buckets (mode 0600) holding
 * every key ever used, one of them current. New objects are encrypted under the current key; older
 * ones keep naming the key they were written under, so a rotation adds a key and retires none.
 * The file is read again when it changes, so a rotation reaches running processes without a restart.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { KeyLookup, MasterKey } from './envelope';

const KEY_FILE_FORMAT = 'diwan-keys/1';

export interface KeyEntry {
  id: string;
  created: string;
  /** 32 bytes, base64. */
  key: string;
}

export interface KeyFile {
  format: typeof KEY_FILE_FORMAT;
  current: string;
  keys: KeyEntry[];
}

export interface KeyRing extends KeyLookup {
  readonly file: string;
  /** Whether new objects are encrypted (DIWAN_ENCRYPTION); reading needs the keys either way. */
  readonly encrypts: boolean;
  /** The key new objects are written under, or undefined when nothing is encrypted. */
  current(): MasterKey | undefined;
  /** Every key id the file holds, and the current one. */
  ids(): { ids: string[]; current: string | undefined };
}

export function readKeyFile(file: string): KeyFile | undefined {
  if (!fs.existsSync(file)) return undefined;
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as KeyFile;
  if (parsed.format !== KEY_FILE_FORMAT || !Array.isArray(parsed.keys))
    throw new Error(`${file} is not a ${KEY_FILE_FORMAT} key file`);
  for (const k of parsed.keys) {
    if (Buffer.from(k.key, 'base64').length !== 32) throw new Error(`${file}: key "${k.id}" is not 32 bytes`);
  }
  if (parsed.keys.length && !parsed.keys.some((k) => k.id === parsed.current)) {
    throw new Error(`${file}: the current key "${parsed.current}" is not among its keys`);
  }
  return parsed;
}

/** Writes the key file whole (mode 0600) through a file beside it, so a crash leaves the old file or the new. */
export function writeKeyFile(file: string, content: KeyFile): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(content, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
}

function newKey(): KeyEntry {
  const now = new Date();
  const day = now.toISOString().slice(0, 10).replace(/-/g, '');
  return {
    id: `k${day}-${crypto.randomBytes(4).toString('hex')}`,
    created: now.toISOString(),
    key: crypto.randomBytes(32).toString('base64'),
  };
}

/** Makes a key file with one new key; false when one is already there (another process made it first). */
export function makeKeyFile(file: string): boolean {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const k = newKey();
  // Written beside it, then linked into place: a reader never sees half a file, and only one maker wins.
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ format: KEY_FILE_FORMAT, current: k.id, keys: [k] }, null, 2) + '\n', { mode: 0o600 });
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return false;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** A rotation refused: the key file is not the archive's (missing, or without the key the ledger names as current). */
export class KeyFileRefusedError extends Error {}

/**
 * Adds a new current key, keeping every older one for reading. `ledgered`: the key the ledger names as
 * current (null: none yet), which the file must hold. Refused when the file does not exist: a file made
 * here would hold only the new key, and whatever read it would write under a key the archive lacks.
 */
export function rotateKeyFile(file: string, ledgered: string | null = null): { keyId: string; previous: string | null } {
  const now = readKeyFile(file);
  if (!now) {
    throw new KeyFileRefusedError(
      `ملف المفاتيح ${file} غير موجود؛ لا يُدوَّر مفتاح في ملف جديد. اضبط DIWAN_ENCRYPTION_KEY_FILE على ملف الأرشيف، أو أنشئه أول مرة بـ diwan keys init / ` +
        `the key file ${file} does not exist; a rotation never starts a new file. Set DIWAN_ENCRYPTION_KEY_FILE to the archive's key file, ` +
        'or make it the first time with diwan keys init',
    );
  }
  if (ledgered !== null && !now.keys.some((k) => k.id === ledgered)) {
    throw new KeyFileRefusedError(
      `ملف المفاتيح ${file} لا يحوي المفتاح الحالي «${ledgered}» المسجل في السجل؛ ليس ملف هذا الأرشيف / ` +
        `the key file ${file} lacks the current key "${ledgered}" the ledger names: it is not this archive's key file`,
    );
  }
  const k = newKey();
  writeKeyFile(file, { format: KEY_FILE_FORMAT, current: k.id, keys: [...now.keys, k] });
  return { keyId: k.id, previous: now.current };
}

/** The key ring read from `file` (which may not exist yet: then nothing can be encrypted or read encrypted). */
export function loadKeyRing(file: string, encrypts: boolean): KeyRing {
  let seen = '';
  let content: KeyFile | undefined;
  let byId = new Map<string, Buffer>();
  const fresh = () => {
    let mark = 'absent';
    try {
      const s = fs.statSync(file);
      mark = `${s.mtimeMs}:${s.size}:${s.ino}`;
    } catch {
      // absent: no keys
    }
    if (mark === seen) return;
    content = mark === 'absent' ? undefined : readKeyFile(file);
    byId = new Map((content?.keys ?? []).map((k) => [k.id, Buffer.from(k.key, 'base64')]));
    seen = mark;
  };
  return {
    file,
    encrypts,
    get(id) {
      fresh();
      return byId.get(id);
    },
    current() {
      if (!encrypts) return undefined;
      fresh();
      const id = content?.current;
      const key = id ? byId.get(id) : undefined;
      if (!id || !key) throw new Error(`no current encryption key in ${file} (DIWAN_ENCRYPTION_KEY_FILE)`);
      return { id, key };
    },
    ids() {
      fresh();
      return { ids: [...byId.keys()], current: content?.current };
    },
  };
}
