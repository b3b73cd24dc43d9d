/**
 * An in-memory `ObjectStore` (storage/objectStore.ts) for unit tests, with the
 * same write-once rules as the MinIO one:
 * - `putFile` / `putStream`: a key that already records the same SHA-256 is
 *   left as it is (the stream is not read); a key recording another one is
 *   refused with `ObjectConflictError`;
 * - `putBufferOnce`: a key that exists keeps what it holds, which is returned;
 * - `stat` answers the SHA-256 recorded at writing (metadata), `hash` reads
 *   the bytes back and hashes them, so the two differ once bytes rot;
 * - `repair` is the one overwrite: with Object Lock (the default) the bytes
 *   it replaces stay as an older version, which `keptVersion` finds;
 * - a missing key makes `get`/`getBuffer`/`hash` reject with code NoSuchKey,
 *   and a bucket not made yet (`bucketExists: false`) rejects every object
 *   call with NoSuchBucket until `ensureBucket`.
 *
 * One deliberate difference: by default `putFile`/`putStream` hash what they
 * read and throw when it is not `expectedSha256` (or not `size` bytes), storing
 * nothing. The MinIO store does not check: it records `expectedSha256` as
 * metadata over whatever bytes came. `verifyPuts: false` behaves like it.
 *
 * Faults for tests: `damage(key)` flips bytes in place (bit rot: the recorded
 * SHA-256 stays, `hash` changes), `setAway(true)` makes every call reject as
 * an unreachable service would.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { ObjectConflictError, type ObjectStore, type StoredObject } from '../../storage/objectStore';
import type { StoredCopy } from '../../storage/objectStoreTypes';

interface Version {
  versionId: string;
  bytes: Buffer;
  /** The SHA-256 recorded in the metadata when written (not re-computed). */
  sha256: string;
  contentType: string;
}

export interface MemoryObjectStoreOptions {
  /** Defaults to `diwan-<name>`. */
  bucket?: string;
  /** False: the bucket is made by the first `ensureBucket`. Default true. */
  bucketExists?: boolean;
  /** Whether the bucket has Object Lock (and so keeps replaced versions). Default true. */
  objectLock?: boolean;
  /** Whether putFile/putStream check the bytes against the expected SHA-256 and size. Default true. */
  verifyPuts?: boolean;
}

const sha256 = (data: Buffer): string => crypto.createHash('sha256').update(data).digest('hex');

const withCode = (message: string, code: string): Error => Object.assign(new Error(message), { code });

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}

export class MemoryObjectStore implements ObjectStore {
  readonly bucket: string;
  private readonly objects = new Map<string, { current: Version; older: Version[] }>();
  private bucketMade: boolean;
  private readonly lock: boolean;
  private readonly verifyPuts: boolean;
  private away = false;
  private versionSeq = 0;

  constructor(
    readonly name: string,
    opts: MemoryObjectStoreOptions = {},
  ) {
    this.bucket = opts.bucket ?? `diwan-${name}`;
    this.bucketMade = opts.bucketExists ?? true;
    this.lock = opts.objectLock ?? true;
    this.verifyPuts = opts.verifyPuts ?? true;
  }

  // ---- test-only helpers (not part of ObjectStore) ----

  /** Makes every call reject (true) as when the service cannot be reached, or answer again (false). */
  setAway(away: boolean): void {
    this.away = away;
  }

  /** Bit rot: flips the bits of one byte of what `key` holds (the middle one unless told), in place. */
  damage(key: string, at?: number): void {
    const o = this.objects.get(key);
    if (!o) throw new Error(`damage: ${this.name} holds no ${key}`);
    if (o.current.bytes.length === 0) throw new Error(`damage: ${key} is empty`);
    const bytes = Buffer.from(o.current.bytes);
    const i = at ?? Math.floor(bytes.length / 2);
    bytes[i] = (bytes[i] ?? 0) ^ 0xff;
    o.current = { ...o.current, bytes };
  }

  /** Removes `key` outright (an object lost), bypassing write-once. */
  lose(key: string): void {
    this.objects.delete(key);
  }

  /** The bytes `key` holds now, read past any fault (undefined when absent). */
  peek(key: string): Buffer | undefined {
    return this.objects.get(key)?.current.bytes;
  }

  /** Every key held, sorted. */
  keys(): string[] {
    return [...this.objects.keys()].sort();
  }

  /** How many older versions of `key` are kept. */
  olderVersions(key: string): number {
    return this.objects.get(key)?.older.length ?? 0;
  }

  // ---- ObjectStore ----

  async ensureBucket(): Promise<void> {
    this.reachable();
    this.bucketMade = true;
  }

  async ping(): Promise<boolean> {
    this.reachable();
    return true;
  }

  async putFile(key: string, file: string, contentType: string, expectedSha256: string): Promise<StoredObject> {
    this.usable();
    const size = (await fs.promises.stat(file)).size;
    return this.putOpened(key, () => fs.createReadStream(file), size, contentType, expectedSha256);
  }

  async putBufferOnce(key: string, data: Buffer, contentType: string): Promise<StoredObject> {
    this.usable();
    const existing = this.objects.get(key);
    if (existing) return { key, sha256: existing.current.sha256, size: existing.current.bytes.length };
    const bytes = Buffer.from(data);
    this.write(key, bytes, sha256(bytes), contentType);
    return { key, sha256: sha256(bytes), size: bytes.length };
  }

  async putStream(
    key: string,
    stream: Readable,
    size: number,
    contentType: string,
    expectedSha256: string,
  ): Promise<StoredObject> {
    try {
      this.usable();
      return await this.putOpened(key, () => stream, size, contentType, expectedSha256);
    } finally {
      stream.destroy();
    }
  }

  async get(key: string): Promise<Readable> {
    return Readable.from([this.current(key).bytes]);
  }

  async getBuffer(key: string): Promise<Buffer> {
    return Buffer.from(this.current(key).bytes);
  }

  /** Objects here are in the clear: their stored bytes are their plaintext. */
  async readStored(key: string): Promise<StoredCopy> {
    const bytes = Buffer.from(this.current(key).bytes);
    const h = { sha256: sha256(bytes), size: bytes.length };
    return { bytes, stored: h, plain: bytes, ...h, keyId: null };
  }

  /** A copy in the clear is written as putStream writes it; an encrypted one is not this store's form. */
  async putStored(key: string, copy: StoredCopy, contentType: string): Promise<boolean> {
    if (copy.keyId !== null) return false;
    await this.putStream(key, Readable.from([copy.bytes]), copy.size, contentType, copy.sha256);
    return true;
  }

  async stat(key: string): Promise<{ size: number; sha256: string | undefined; contentType: string | undefined } | undefined> {
    this.usable();
    const o = this.objects.get(key);
    return o && { size: o.current.bytes.length, sha256: o.current.sha256, contentType: o.current.contentType };
  }

  async hash(key: string): Promise<StoredObject & { stored: { sha256: string; size: number } }> {
    const v = this.current(key);
    const h = { sha256: sha256(v.bytes), size: v.bytes.length };
    return { key, ...h, stored: h };
  }

  async repair(key: string, stream: Readable, size: number, contentType: string, expectedSha256: string): Promise<StoredObject> {
    let bytes: Buffer;
    try {
      this.usable();
      bytes = await readAll(stream);
    } finally {
      stream.destroy();
    }
    this.write(key, bytes, expectedSha256, contentType);
    const back = await this.hash(key);
    if (back.sha256 !== expectedSha256) {
      throw new Error(`${this.name}:${this.bucket}/${key} still hashes to ${back.sha256} after repair`);
    }
    return back;
  }

  async list(prefix: string, startAfter?: string, limit?: number): Promise<string[]> {
    this.usable();
    const found = this.keys()
      .filter((k) => k.startsWith(prefix) && (startAfter === undefined || k > startAfter))
      .sort();
    return limit === undefined ? found : found.slice(0, limit);
  }

  async keptVersion(key: string, expected: string): Promise<{ versionId: string; open(): Promise<Readable> } | undefined> {
    this.usable();
    const o = this.objects.get(key);
    if (!o) return undefined;
    // As S3 lists them: newest first, the current version included.
    for (const v of [o.current, ...[...o.older].reverse()]) {
      if (sha256(v.bytes) === expected) {
        const bytes = v.bytes;
        return {
          versionId: v.versionId,
          open: async () => {
            this.usable();
            return Readable.from([bytes]);
          },
        };
      }
    }
    return undefined;
  }

  async objectLock(): Promise<{ enabled: boolean; detail: string }> {
    this.reachable();
    return this.lock
      ? { enabled: true, detail: 'Object Lock enabled' }
      : { enabled: false, detail: 'Object Lock not enabled on this bucket' };
  }

  // ---- internals ----

  private reachable(): void {
    if (this.away) throw withCode(`${this.name}: connect ECONNREFUSED (the store is away)`, 'ECONNREFUSED');
  }

  private usable(): void {
    this.reachable();
    if (!this.bucketMade) throw withCode(`${this.name}: the bucket ${this.bucket} does not exist`, 'NoSuchBucket');
  }

  private current(key: string): Version {
    this.usable();
    const o = this.objects.get(key);
    if (!o) throw withCode(`${this.name}:${this.bucket}/${key}: the specified key does not exist`, 'NoSuchKey');
    return o.current;
  }

  private async putOpened(
    key: string,
    open: () => Readable,
    size: number,
    contentType: string,
    expectedSha256: string,
  ): Promise<StoredObject> {
    const existing = this.objects.get(key);
    if (existing) {
      if (existing.current.sha256 === expectedSha256) return { key, sha256: expectedSha256, size };
      throw new ObjectConflictError(
        `${this.name}:${this.bucket}/${key} already holds different bytes (${existing.current.sha256})`,
      );
    }
    const stream = open();
    let bytes: Buffer;
    try {
      bytes = await readAll(stream);
    } finally {
      stream.destroy();
    }
    if (this.verifyPuts) {
      const got = sha256(bytes);
      if (got !== expectedSha256)
        throw new Error(`${this.name}:${this.bucket}/${key}: got SHA-256 ${got}, expected ${expectedSha256}`);
      if (bytes.length !== size)
        throw new Error(`${this.name}:${this.bucket}/${key}: got ${bytes.length} bytes, expected ${size}`);
    }
    this.reachable(); // the store may have gone away while the stream was read
    this.write(key, bytes, expectedSha256, contentType);
    return { key, sha256: expectedSha256, size };
  }

  /** Writes a new current version; the one replaced is kept only under Object Lock. */
  private write(key: string, bytes: Buffer, recordedSha256: string, contentType: string): void {
    const version: Version = { versionId: `v${++this.versionSeq}`, bytes, sha256: recordedSha256, contentType };
    const o = this.objects.get(key);
    if (!o) this.objects.set(key, { current: version, older: [] });
    else this.objects.set(key, { current: version, older: this.lock ? [...o.older, o.current] : [] });
  }
}
