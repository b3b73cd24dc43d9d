/**
 * Object storage behind a small interface; only this file imports `minio`, so
 * any S3 service works in production. Writes are write-once: putting a key that
 * already holds the same bytes is a no-op, and putting different bytes under an
 * existing key is refused.
 *
 * With a key ring, objects are encrypted on their way in (storage/crypto/envelope.ts) and decrypted on
 * their way out, so both buckets hold ciphertext while every caller sees, hashes and fingerprints the
 * plaintext. Keys under audit/ stay in the clear (isClearKey).
 */
import fs from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import * as Minio from 'minio';
import { decryptStream, encryptBuffer, encryptedSize, encryptStream } from './crypto/envelope';
import { hashBoth as hashStored, keyIdOfHead, UNDECRYPTABLE } from './crypto/objectBytes';
import type { KeyRing } from './crypto/keyRing';
import { sha256, sha256Stream } from './hash';
import { isClearKey } from './layout';

/** An S3 endpoint, already split the way the minio client wants it. */
export interface S3Target {
  endPoint: string;
  port: number;
  useSSL: boolean;
  accessKey: string;
  secretKey: string;
  bucket: string;
  region: string;
}

export interface StoredObject {
  key: string;
  sha256: string;
  size: number;
}

/** The bytes as the bucket holds them (ciphertext when objects are encrypted; else the same as the object's). */
export interface StoredBytes {
  sha256: string;
  size: number;
}

/** A delete refused because the object is still under Object Lock retention or legal hold. */
export class ObjectLockedError extends Error {}

/** What a read of an object said of its version and Object Lock retention (the GET's own headers). */
export interface LockSeen {
  versionId: string | null;
  lastModified: number;
  /** The retention mode and its end, or null when the answer named none. */
  mode: string | null;
  retainUntil: number | null;
}

export interface ObjectStore {
  /** A name for logs and replicas ("primary", "offsite"). */
  readonly name: string;
  readonly bucket: string;
  ensureBucket(): Promise<void>;
  ping(): Promise<boolean>;
  putFile(key: string, file: string, contentType: string, expectedSha256: string): Promise<StoredObject>;
  /**
   * For derived artefacts made again after a crash: when the key already
   * exists, keeps what is stored (it may already be fingerprinted) and returns it.
   */
  putBufferOnce(key: string, data: Buffer, contentType: string): Promise<StoredObject>;
  /** Streams from another readable of known size and hash (replication). */
  putStream(key: string, stream: Readable, size: number, contentType: string, expectedSha256: string): Promise<StoredObject>;
  get(key: string): Promise<Readable>;
  getBuffer(key: string): Promise<Buffer>;
  /** Size and recorded SHA-256 (from metadata), or undefined when absent. */
  stat(key: string): Promise<{ size: number; sha256: string | undefined; contentType: string | undefined } | undefined>;
  /**
   * Reads the whole object back and hashes it; with the hash of the bytes as stored (`stored`) and what the
   * read said of its retention, where it said it. An encrypted object that does not authenticate (a damaged
   * byte) hashes to UNDECRYPTABLE, never to a fingerprint; one under a key the ring lacks throws.
   */
  hash(key: string): Promise<StoredObject & { stored: StoredBytes; lock?: LockSeen }>;
  /**
   * Puts known-good bytes over a damaged or missing object (fixity repair):
   * the one write that may replace what a key holds. With Object Lock the
   * damaged bytes stay as an older version. Reads the result back and throws
   * unless it hashes to `expectedSha256`.
   */
  repair(
    key: string,
    stream: Readable,
    size: number,
    contentType: string,
    expectedSha256: string,
  ): Promise<StoredObject & { stored?: StoredBytes }>;
  list(prefix: string): Promise<string[]>;
  /**
   * An older version of `key` that still holds `sha256` (kept by Object Lock when
   * the current one was overwritten), opened for reading; undefined when none does.
   */
  keptVersion(key: string, sha256: string): Promise<{ versionId: string; open(): Promise<Readable> } | undefined>;
  /** Whether the bucket has S3 Object Lock, so that retained objects cannot be removed or replaced. */
  objectLock(): Promise<{ enabled: boolean; detail: string }>;
  /**
   * Makes sure the current version of a kept key is under COMPLIANCE retention for the whole period
   * from its writing, and sets it when it is missing or short: 'ok', 'set', or 'unlocked' (a bucket
   * without Object Lock, or a working file that is not kept). Throws when the lock state cannot be read.
   * `seen`: what a read just said of the object (hash()): a retention it named long enough needs no more
   * requests.
   * (A store without retention at all, like an in-memory one, need not have it.)
   */
  ensureRetention?(key: string, seen?: LockSeen): Promise<'ok' | 'set' | 'unlocked'>;
  /** The current version's COMPLIANCE retention end and legal hold, as the bucket says (null: none). */
  lockState?(key: string): Promise<{ retainUntil: Date | null; legalHold: boolean }>;
  /** Puts the current version of a key under S3 legal hold, or lifts it. */
  setLegalHold?(key: string, on: boolean): Promise<void>;
  /**
   * Removes every version of a key (lawful disposal). Throws ObjectLockedError when the bucket refuses
   * because a version is still retained or held; versions already removed stay removed. Returns how
   * many versions were removed (0: the key was already gone).
   */
  removeAllVersions?(key: string): Promise<number>;
  /** The id of the key the object is encrypted under (from its header), or null when it is stored in the clear. */
  keyIdOf?(key: string): Promise<string | null>;
  /** A few keys of the bucket under `prefix` (a sample, without listing it all). */
  sample?(prefix: string, n: number): Promise<string[]>;
}

export { UNDECRYPTABLE };

/** COMPLIANCE retention given to what the archive keeps (not even the application's keys can remove it before then). */
export interface RetentionPolicy {
  /** How long a kept object is retained from its writing when `until` names no other end, in milliseconds. */
  ms: number;
  /** Which keys are kept (others, like staged uploads, are working files). */
  applies(key: string): boolean;
  /**
   * Until when a kept key must be locked (its document's retention: lock_until): a date; null when the
   * key needs no lock any more (its period is over); undefined for the default (written + ms).
   */
  until?(key: string): Promise<Date | null | undefined>;
}

export class ObjectConflictError extends Error {}

function isNotFound(e: unknown): boolean {
  const code = (e as { code?: string })?.code;
  return code === 'NotFound' || code === 'NoSuchKey' || code === 'NoSuchBucket';
}

/** The answers that say a bucket has no Object Lock (rather than that its configuration could not be read). */
const NO_OBJECT_LOCK = new Set(['ObjectLockConfigurationNotFoundError', 'NotImplemented']);

/** Retention may be set this much short of the full period (clock skew between this host and the storage). */
function retentionSlackMs(ms: number): number {
  return Math.min(3600_000, ms / 10);
}

/** The version and retention a GET's answer names (S3 sends them to whoever may read the retention). */
function lockSeen(headers: Record<string, string | string[] | undefined> | undefined): LockSeen | undefined {
  const one = (k: string) => {
    const v = headers?.[k];
    return Array.isArray(v) ? v[0] : v;
  };
  const modified = Date.parse(one('last-modified') ?? '');
  if (!headers || Number.isNaN(modified)) return undefined;
  const until = Date.parse(one('x-amz-object-lock-retain-until-date') ?? '');
  return {
    versionId: one('x-amz-version-id') ?? null,
    lastModified: modified,
    mode: one('x-amz-object-lock-mode') ?? null,
    retainUntil: Number.isNaN(until) ? null : until,
  };
}

/** A plain S3 client for a target (the store below, and tools that must speak S3 directly: benchmarks, tests). */
export function s3Client(target: S3Target): Minio.Client {
  return new Minio.Client({
    endPoint: target.endPoint,
    port: target.port,
    useSSL: target.useSSL,
    accessKey: target.accessKey,
    secretKey: target.secretKey,
    region: target.region,
  });
}

/**
 * `keys`: the ministry's key ring. Without it objects are written in the clear and encrypted ones cannot
 * be read (a tool that only looks at buckets' listings and Object Lock needs none).
 */
export function createObjectStore(name: string, target: S3Target, retention?: RetentionPolicy, keys?: KeyRing): ObjectStore {
  const client = s3Client(target);
  const bucket = target.bucket;
  let lockEnabled: boolean | undefined;
  const noKeys = { get: () => undefined };
  const label = (key: string) => `${name}:${bucket}/${key}`;
  /** The object's raw bytes opened for reading, decrypted on the way (failing loudly when they do not authenticate). */
  const decrypting = (key: string, raw: Readable): Readable =>
    pipeline(raw, decryptStream(keys ?? noKeys, label(key), keys?.file), () => undefined);

  /** Whether the bucket has Object Lock; only a definite answer is kept (an unreadable configuration throws). */
  const isLocked = async (): Promise<boolean> => {
    if (lockEnabled === undefined) {
      try {
        const c = await (client.getObjectLockConfig(bucket) as unknown as Promise<{ objectLockEnabled?: string } | undefined>);
        lockEnabled = c?.objectLockEnabled === 'Enabled';
      } catch (e) {
        if (!NO_OBJECT_LOCK.has((e as { code?: string }).code ?? '')) throw e;
        lockEnabled = false;
      }
    }
    return lockEnabled;
  };

  const retain = async (key: string, until: Date, versionId: string | null | undefined): Promise<void> => {
    await client.putObjectRetention(bucket, key, {
      mode: Minio.RETENTION_MODES.COMPLIANCE,
      retainUntilDate: until.toISOString(),
      versionId: versionId ?? '', // empty: the current version
    });
  };

  /**
   * Writes one object and, where the bucket has Object Lock, retains the version just written. A failure
   * of either call throws, and a later put of the same key finds the object and retains it then.
   */
  const write = async (key: string, plain: Readable | Buffer, size: number, meta: Record<string, string>): Promise<void> => {
    // Read before the put: a bucket whose lock state cannot be read gets nothing it would leave unretained.
    const until = retention?.applies(key) && (await isLocked()) ? await lockTarget(key, Date.now()) : null;
    const master = isClearKey(key) ? undefined : keys?.current();
    let body: Readable | Buffer = plain;
    let stored = size;
    if (master) {
      body = Buffer.isBuffer(plain) ? encryptBuffer(plain, master) : pipeline(plain, encryptStream(master), () => undefined);
      stored = encryptedSize(size, master.id);
    }
    // The plaintext's size stays in the metadata (stat), beside its fingerprint.
    const put = await client.putObject(bucket, key, body, stored, { ...meta, plainsize: String(size) });
    if (until !== null && until > Date.now()) await retain(key, new Date(until), put.versionId);
  };

  /** Until when a kept key written at `written` must be locked (ms since the epoch), or null when it needs no lock. */
  const lockTarget = async (key: string, written: number): Promise<number | null> => {
    const until = await retention?.until?.(key);
    if (until === null) return null;
    return until ? until.getTime() : written + (retention?.ms ?? 0);
  };

  /** Whether an object needing a lock to `due` is past it, or under COMPLIANCE retention to it. */
  const retainedEnough = (due: number | null, mode: string | null | undefined, until: number | null): boolean => {
    if (due === null || due <= Date.now()) return true;
    const slack = retentionSlackMs(retention?.ms ?? 0);
    return mode === Minio.RETENTION_MODES.COMPLIANCE && (until ?? 0) >= due - slack;
  };

  const ensureRetention = async (key: string, seen?: LockSeen): Promise<'ok' | 'set' | 'unlocked'> => {
    if (!retention?.applies(key) || !(await isLocked())) return 'unlocked';
    if (seen && retainedEnough(await lockTarget(key, seen.lastModified), seen.mode, seen.retainUntil)) return 'ok';
    const s = await client.statObject(bucket, key);
    const due = await lockTarget(key, s.lastModified.getTime());
    if (retainedEnough(due, null, null)) return 'ok';
    let current: { mode?: string; retainUntilDate?: string } | null | undefined;
    try {
      current = await client.getObjectRetention(bucket, key, s.versionId ? { versionId: s.versionId } : undefined);
    } catch (e) {
      if ((e as { code?: string }).code !== 'NoSuchObjectLockConfiguration') throw e;
    }
    const until = current?.retainUntilDate ? new Date(current.retainUntilDate).getTime() : 0;
    if (retainedEnough(due, current?.mode, until)) return 'ok';
    await retain(key, new Date(Math.max(due ?? 0, until)), s.versionId);
    return 'set';
  };

  const lockState = async (key: string): Promise<{ retainUntil: Date | null; legalHold: boolean }> => {
    let retainUntil: Date | null = null;
    let legalHold = false;
    try {
      const r = await client.getObjectRetention(bucket, key);
      if (r?.retainUntilDate) retainUntil = new Date(r.retainUntilDate);
    } catch (e) {
      if ((e as { code?: string }).code !== 'NoSuchObjectLockConfiguration') throw e;
    }
    try {
      // The answer is the parsed XML: { Status: 'ON' | 'OFF' }.
      const h = (await client.getObjectLegalHold(bucket, key)) as unknown as { Status?: string } | string | undefined;
      legalHold = (typeof h === 'string' ? h : h?.Status) === 'ON';
    } catch (e) {
      if ((e as { code?: string }).code !== 'NoSuchObjectLockConfiguration') throw e;
    }
    return { retainUntil, legalHold };
  };

  const setLegalHold = async (key: string, on: boolean): Promise<void> => {
    // The typings say void; the call returns a promise.
    await (client.setObjectLegalHold(bucket, key, {
      status: on ? Minio.LEGAL_HOLD_STATUS.ENABLED : Minio.LEGAL_HOLD_STATUS.DISABLED,
      versionId: '',
    }) as unknown as Promise<void>);
  };

  const removeAllVersions = async (key: string): Promise<number> => {
    const versions: string[] = [];
    for await (const item of client.listObjects(bucket, key, false, { IncludeVersion: true })) {
      const v = item as { name?: string; versionId?: string | null };
      if (v.name === key) versions.push(v.versionId ?? 'null');
    }
    let removed = 0;
    for (const versionId of versions) {
      try {
        await client.removeObject(bucket, key, { versionId });
        removed++;
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === 'AccessDenied' || code === 'ObjectLocked' || code === 'InvalidRequest') {
          throw new ObjectLockedError(`${name}:${bucket}/${key} (${versionId}) is still locked or held: ${(e as Error).message}`);
        }
        if (!isNotFound(e)) throw e;
      }
    }
    return removed;
  };

  const objectLockOf = async (): Promise<{ enabled: boolean; detail: string }> => {
    try {
      // The typings' overloads pick the callback form; the call returns a promise.
      const c = await (client.getObjectLockConfig(bucket) as unknown as Promise<{ objectLockEnabled?: string } | undefined>);
      const enabled = c?.objectLockEnabled === 'Enabled';
      return { enabled, detail: enabled ? 'Object Lock enabled' : 'Object Lock not enabled on this bucket' };
    } catch (e) {
      const err = e as { code?: string; message?: string };
      return { enabled: false, detail: `Object Lock not available: ${err.code ?? err.message ?? String(e)}` };
    }
  };

  const stat: ObjectStore['stat'] = async (key) => {
    try {
      const s = await client.statObject(bucket, key);
      const meta = s.metaData as Record<string, string | undefined>;
      const plain = Number(meta['plainsize']);
      return {
        size: Number.isFinite(plain) && meta['plainsize'] ? plain : s.size,
        sha256: meta['sha256'],
        contentType: meta['content-type'],
      };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  };

  /** Write-once check: true when the key already holds these bytes (then retained, if an earlier write could not). */
  const alreadyThere = async (key: string, expectedSha256: string): Promise<boolean> => {
    const existing = await stat(key);
    if (!existing) return false;
    if (existing.sha256 === expectedSha256) {
      await ensureRetention(key);
      return true;
    }
    throw new ObjectConflictError(`${name}:${bucket}/${key} already holds different bytes (${existing.sha256 ?? 'unknown'})`);
  };

  /** Write-once put from a stream opened only when needed, and always closed. */
  const putOpened = async (key: string, open: () => Readable, size: number, contentType: string, expectedSha256: string) => {
    if (await alreadyThere(key, expectedSha256)) return { key, sha256: expectedSha256, size };
    const stream = open();
    try {
      await write(key, stream, size, { 'Content-Type': contentType, sha256: expectedSha256 });
    } finally {
      stream.destroy();
    }
    return { key, sha256: expectedSha256, size };
  };

  const putStream: ObjectStore['putStream'] = async (key, stream, size, contentType, expectedSha256) => {
    try {
      return await putOpened(key, () => stream, size, contentType, expectedSha256);
    } finally {
      stream.destroy();
    }
  };

  /** The plaintext's hash and the stored bytes' hash, from one read. */
  const hashBoth = (raw: Readable, key: string) =>
    hashStored(raw, keys ?? noKeys, label(key), keys?.file, () => client.getObject(bucket, key));

  const hashKey = async (key: string): Promise<StoredObject & { stored: StoredBytes }> => {
    const h = await hashBoth(await client.getObject(bucket, key), key);
    return { key, sha256: h.sha256, size: h.size, stored: h.stored };
  };

  return {
    name,
    bucket,
    async repair(key, stream, size, contentType, expectedSha256) {
      try {
        await write(key, stream, size, { 'Content-Type': contentType, sha256: expectedSha256 });
      } finally {
        stream.destroy();
      }
      const back = await hashKey(key);
      if (back.sha256 !== expectedSha256) throw new Error(`${name}:${bucket}/${key} still hashes to ${back.sha256} after repair`);
      return back;
    },
    async ensureBucket() {
      if (await client.bucketExists(bucket)) return;
      try {
        // Object Lock can only be switched on when a bucket is made; retention rules come later.
        await client.makeBucket(bucket, target.region, { ObjectLocking: true });
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw e;
      }
    },
    async ping() {
      await client.bucketExists(bucket);
      return true;
    },
    putFile: (key, file, contentType, expectedSha256) =>
      putOpened(key, () => fs.createReadStream(file), fs.statSync(file).size, contentType, expectedSha256),
    async putBufferOnce(key, data, contentType) {
      const existing = await stat(key);
      if (existing?.sha256) {
        await ensureRetention(key);
        return { key, sha256: existing.sha256, size: existing.size };
      }
      const hash = sha256(data);
      await write(key, data, data.length, { 'Content-Type': contentType, sha256: hash });
      return { key, sha256: hash, size: data.length };
    },
    putStream,
    get: async (key) => decrypting(key, await client.getObject(bucket, key)),
    async getBuffer(key) {
      const chunks: Buffer[] = [];
      for await (const c of decrypting(key, await client.getObject(bucket, key))) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    },
    stat,
    async hash(key) {
      const stream = await client.getObject(bucket, key);
      const lock = lockSeen((stream as { headers?: Record<string, string | string[] | undefined> }).headers);
      return { key, ...(await hashBoth(stream, key)), lock };
    },
    keyIdOf: async (key) => keyIdOfHead(await client.getPartialObject(bucket, key, 0, 11 + 255)),
    async sample(prefix, n) {
      const found: string[] = [];
      const stream = client.listObjectsV2(bucket, prefix, true);
      for await (const item of stream) {
        const k = (item as { name?: string }).name;
        if (k) found.push(k);
        if (found.length >= n) break;
      }
      stream.destroy();
      return found;
    },
    objectLock: objectLockOf,
    ensureRetention,
    lockState,
    setLegalHold,
    removeAllVersions,
    async keptVersion(key, expected) {
      const versions: string[] = [];
      const stream = client.listObjects(bucket, key, false, { IncludeVersion: true });
      for await (const item of stream) {
        const v = item as { name?: string; versionId?: string | null; isDeleteMarker?: boolean };
        if (v.name === key && v.versionId && v.versionId !== 'null' && !v.isDeleteMarker) versions.push(v.versionId);
      }
      for (const versionId of versions) {
        const open = async () => decrypting(key, await client.getObject(bucket, key, { versionId }));
        const h = await sha256Stream(await open()).catch(() => undefined);
        if (h?.sha256 === expected) return { versionId, open };
      }
      return undefined;
    },
    async list(prefix) {
      const found: string[] = [];
      for await (const item of client.listObjectsV2(bucket, prefix, true)) {
        const k = (item as { name?: string }).name;
        if (k) found.push(k);
      }
      return found;
    },
  };
}
