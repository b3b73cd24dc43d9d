/**
 * The envelope every encrypted object is stored in. A random 256-bit data key per object encrypts its
 * bytes with AES-256-GCM in chunks; the data key itself is wrapped (AES-256-GCM) by one of the ministry's
 * keys, named by its id in the header, so any object opens with the key file alone.
 *
 *   header: "DIWANENC" | version (1) | log2 chunk size (1) | key id length (1) | key id
 *           | wrap nonce (12) | wrapped data key (32) | wrap tag (16) | nonce prefix (7)
 *   body:   chunks of `chunk size` plaintext bytes (the last one shorter, possibly empty), each followed
 *           by its 16-byte tag.
 *
 * Chunk i's nonce is the prefix, i as 4 bytes big-endian, and 1 for the last chunk (0 otherwise), and
 * every chunk authenticates the whole header: a damaged byte fails the chunk it lies in; a cut, extended
 * or reordered body fails at its end; a wrong key fails at the header. Only authenticated plaintext is
 * ever passed on. Bytes that do not start with the magic (objects written before encryption) pass as
 * they are, unless the object's metadata says it was written encrypted: then they are refused
 * as damaged or replaced, never served as plaintext.
 */
import crypto from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export const MAGIC = Buffer.from('DIWANENC', 'latin1');
const VERSION = 1;
const CHUNK_LOG2 = 16;
const TAG = 16;
const NONCE_PREFIX = 7;
const WRAP = 12 + 32 + TAG;

/** One of the ministry's keys: its id (written in each object's header) and its 32 bytes. */
export interface MasterKey {
  id: string;
  key: Buffer;
}

/** Where a reader finds a key by the id an object's header names. */
export interface KeyLookup {
  get(id: string): Buffer | undefined;
}

/** An object encrypted under a key the key file does not hold. */
export class MissingKeyError extends Error {
  constructor(
    readonly keyId: string,
    what: string,
    file?: string,
  ) {
    super(
      `${what}: مفتاح التشفير «${keyId}» غير موجود في ملف المفاتيح${file ? ` ${file}` : ''}؛ أعده من نسخته المحفوظة / ` +
        `encrypted under key "${keyId}", which the key file${file ? ` ${file}` : ''} does not hold: put it back from the key safe`,
    );
  }
}

/** Bytes that do not authenticate: damaged, cut short, or opened with the wrong key. */
export class DecryptionError extends Error {}

const NOT_SEALED = 'written encrypted (its metadata says so) but its header is not DIWANENC: damaged or replaced';

function idBytes(keyId: string): Buffer {
  const b = Buffer.from(keyId, 'utf8');
  if (b.length === 0 || b.length > 255) throw new Error(`key id must be 1 to 255 bytes: ${keyId}`);
  return b;
}

function headerSize(keyId: string): number {
  return 11 + idBytes(keyId).length + WRAP + NONCE_PREFIX;
}

/** The stored size of `plainSize` bytes encrypted under `keyId`. */
export function encryptedSize(plainSize: number, keyId: string): number {
  const chunks = Math.max(1, Math.ceil(plainSize / 2 ** CHUNK_LOG2));
  return headerSize(keyId) + plainSize + chunks * TAG;
}

/** Bytes waiting to be sealed or opened, kept as they came: a whole chunk is cut out without copying when it can be. */
class ByteQueue {
  private pieces: Buffer[] = [];
  length = 0;

  push(b: Buffer): void {
    if (b.length === 0) return;
    this.pieces.push(b);
    this.length += b.length;
  }

  /** The first `n` bytes (n <= length), taken off the queue. */
  take(n: number): Buffer {
    const first = this.pieces[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.pieces.shift();
      else this.pieces[0] = first.subarray(n);
    } else {
      const parts: Buffer[] = [];
      let need = n;
      while (need > 0) {
        const p = this.pieces[0]!;
        if (p.length <= need) {
          parts.push(p);
          this.pieces.shift();
          need -= p.length;
        } else {
          parts.push(p.subarray(0, need));
          this.pieces[0] = p.subarray(need);
          need = 0;
        }
      }
      out = Buffer.concat(parts, n);
    }
    this.length -= n;
    return out;
  }

  /** Everything left, taken off the queue. */
  rest(): Buffer {
    return this.length === 0 ? Buffer.alloc(0) : this.take(this.length);
  }
}

function chunkNonce(prefix: Buffer, n: number, last: boolean): Buffer {
  const nonce = Buffer.alloc(12);
  prefix.copy(nonce, 0);
  nonce.writeUInt32BE(n, NONCE_PREFIX);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

/** A new object's header and the sealing of its chunks, in order. */
function sealer(master: MasterKey): { header: Buffer; seal(plain: Buffer, last: boolean): Buffer[] } {
  const id = idBytes(master.id);
  const dataKey = crypto.randomBytes(32);
  const wrapNonce = crypto.randomBytes(12);
  const ident = Buffer.concat([MAGIC, Buffer.from([VERSION, CHUNK_LOG2, id.length]), id]);
  const wrap = crypto.createCipheriv('aes-256-gcm', master.key, wrapNonce);
  wrap.setAAD(ident);
  const wrapped = Buffer.concat([wrap.update(dataKey), wrap.final()]);
  const prefix = crypto.randomBytes(NONCE_PREFIX);
  const header = Buffer.concat([ident, wrapNonce, wrapped, wrap.getAuthTag(), prefix]);
  let n = 0;
  return {
    header,
    seal(plain, last) {
      const c = crypto.createCipheriv('aes-256-gcm', dataKey, chunkNonce(prefix, n++, last));
      c.setAAD(header);
      const body = c.update(plain);
      c.final(); // GCM gives nothing more at the end: the tag follows
      return [body, c.getAuthTag()];
    },
  };
}

/** A stream that encrypts what is written to it under `master`, header first. */
export function encryptStream(master: MasterKey): Transform {
  const { header, seal } = sealer(master);
  const size = 2 ** CHUNK_LOG2;
  const pending = new ByteQueue();
  let started = false;
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      if (!started) {
        started = true;
        this.push(header);
      }
      pending.push(chunk);
      // A full chunk is sealed only when more follows: the last chunk is always sealed as the last.
      while (pending.length > size) for (const b of seal(pending.take(size), false)) this.push(b);
      done();
    },
    flush(done: TransformCallback) {
      if (!started) this.push(header);
      for (const b of seal(pending.rest(), true)) this.push(b);
      done();
    },
  });
}

/** `plain` encrypted under `master`, whole. */
export function encryptBuffer(plain: Buffer, master: MasterKey): Buffer {
  const { header, seal } = sealer(master);
  const size = 2 ** CHUNK_LOG2;
  const out = [header];
  let at = 0;
  while (plain.length - at > size) {
    out.push(...seal(plain.subarray(at, at + size), false));
    at += size;
  }
  out.push(...seal(plain.subarray(at), true));
  return Buffer.concat(out);
}

/** `stored` decrypted whole (or as it is, when written before encryption); `file`, `written` as for decryptStream. */
export function decryptBuffer(stored: Buffer, keys: KeyLookup, label: string, file?: string, written = false): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const d = decryptStream(keys, label, file, written);
    const out: Buffer[] = [];
    d.on('data', (c: Buffer) => out.push(c));
    d.on('error', reject);
    d.on('end', () => resolve(Buffer.concat(out)));
    d.end(stored);
  });
}

/** The key id an object's first bytes name, or undefined when they are not an encrypted object's header. */
export function keyIdOf(head: Buffer): string | undefined {
  if (head.length < 11 || !head.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const len = head[10]!;
  if (head.length < 11 + len) return undefined;
  return head.subarray(11, 11 + len).toString('utf8');
}

/**
 * A stream that decrypts an object (or passes through one written before encryption, unless `written`: the
 * object was written encrypted). Fails with MissingKeyError when the key is not in `keys`, and
 * DecryptionError when anything does not authenticate.
 */
export function decryptStream(keys: KeyLookup, label: string, file?: string, written = false): Transform {
  let mode: 'head' | 'plain' | 'body' = 'head';
  let pending: Buffer = Buffer.alloc(0);
  let header: Buffer = Buffer.alloc(0);
  let dataKey: Buffer = Buffer.alloc(0);
  let prefix: Buffer = Buffer.alloc(0);
  let size = 0;
  let n = 0;
  const fail = (why: string) => new DecryptionError(`${label}: ${why}`);
  const open = (sealed: Buffer, last: boolean): Buffer => {
    if (sealed.length < TAG) throw fail('the encrypted object is cut short');
    const d = crypto.createDecipheriv('aes-256-gcm', dataKey, chunkNonce(prefix, n, last));
    d.setAAD(header);
    d.setAuthTag(sealed.subarray(sealed.length - TAG));
    try {
      const out = d.update(sealed.subarray(0, sealed.length - TAG));
      d.final(); // throws unless the chunk authenticates: nothing of it is passed on before
      n++;
      return out;
    } catch {
      throw fail(`chunk ${n} does not authenticate (damaged, cut short or extended)`);
    }
  };
  /** Reads the header once it is all there; false while more bytes are needed. */
  const readHeader = (): boolean => {
    if (pending.length < 11) return false;
    const len = pending[10]!;
    const total = 11 + len + WRAP + NONCE_PREFIX;
    if (pending.length < total) return false;
    if (pending[8] !== VERSION) throw fail(`unknown envelope version ${pending[8]}`);
    const log2 = pending[9]!;
    if (log2 < 10 || log2 > 24) throw fail(`bad chunk size 2^${log2}`);
    const id = pending.subarray(11, 11 + len).toString('utf8');
    const master = keys.get(id);
    if (!master) throw new MissingKeyError(id, label, file);
    const ident = pending.subarray(0, 11 + len);
    const w = pending.subarray(11 + len, 11 + len + WRAP);
    const unwrap = crypto.createDecipheriv('aes-256-gcm', master, w.subarray(0, 12));
    unwrap.setAAD(ident);
    unwrap.setAuthTag(w.subarray(44, 60));
    try {
      dataKey = Buffer.concat([unwrap.update(w.subarray(12, 44)), unwrap.final()]);
    } catch {
      throw fail(`the data key does not open with key "${id}" (a wrong key of that id, or a damaged header)`);
    }
    header = Buffer.from(pending.subarray(0, total));
    prefix = header.subarray(total - NONCE_PREFIX);
    size = 2 ** log2;
    pending = pending.subarray(total);
    return true;
  };
  const body = new ByteQueue();
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      try {
        if (mode === 'plain') return done(null, chunk);
        if (mode === 'body') {
          body.push(chunk);
          while (body.length > size + TAG) this.push(open(body.take(size + TAG), false));
          return done();
        }
        pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
        if (mode === 'head') {
          const m = Math.min(pending.length, MAGIC.length);
          if (!pending.subarray(0, m).equals(MAGIC.subarray(0, m))) {
            if (written) throw fail(NOT_SEALED);
            mode = 'plain';
            const all = pending;
            pending = Buffer.alloc(0);
            return done(null, all);
          }
          if (!readHeader()) return done();
          mode = 'body';
        }
        body.push(pending);
        pending = Buffer.alloc(0);
        while (body.length > size + TAG) this.push(open(body.take(size + TAG), false));
        done();
      } catch (e) {
        done(e as Error);
      }
    },
    flush(done: TransformCallback) {
      try {
        if (mode === 'plain') return done();
        if (mode === 'head') {
          // Shorter than a header: either a short object from before encryption, or a cut one.
          if (pending.length < MAGIC.length && !written) return done(null, pending);
          if (pending.length < MAGIC.length) throw fail(NOT_SEALED);
          throw fail('the encrypted object is cut short in its header');
        }
        done(null, open(body.rest(), true));
      } catch (e) {
        done(e as Error);
      }
    },
  });
}
