/**
 * Object storage behind a small interface; only this file (and objectPut.ts, its single PUT) imports `minio`, so
 * any S3 service works in production. Writes are write-once: putting a key that
 * already holds the same bytes is a no-op, and putting different bytes under an
 * existing key is refused.
 *
 * With a key ring, objects are encrypted on their way in and decrypted on their way out
 * (storage/crypto/objectCipher.ts), so both buckets hold ciphertext while every caller sees, hashes and fingerprints the
 * plaintext. Keys under audit/ stay in the clear (isClearKey).
 */
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import * as Minio from 'minio';
import type { KeyRing } from './crypto/keyRing';
import { objectCipher } from './crypto/objectCipher';
import { UNDECRYPTABLE } from './crypto/objectBytes';
import { sha256, sha256Stream } from './hash';
import { putInOne, SINGLE_PUT, whole } from './objectPut';
import type { LockSeen, ObjectStore, RetentionPolicy, S3Target, StoredBytes, StoredObject } from './objectStoreTypes';

/** A delete refused because the object is still under Object Lock retention or legal hold. */
export class ObjectLockedError extends Error {}

export type { LockSeen, ObjectStore, RetentionPolicy, S3Target, StoredBytes, StoredObject } from './objectStoreTypes';

export { UNDECRYPTABLE };

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
  const cipher = objectCipher((key) => `${name}:${bucket}/${key}`, keys);

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

  /** The retention a version of `key` written now gets in its PUT's headers (null: none). */
  const lockFor = async (key: string): Promise<Date | null> => {
    // Read before the put: a bucket whose lock state cannot be read gets nothing it would leave unretained.
    const until = retention?.applies(key) && (await isLocked()) ? await lockTarget(key, Date.now()) : null;
    return until !== null && until > Date.now() ? new Date(until) : null;
  };

  /**
   * Writes one object and, where the bucket has Object Lock, retains the version written: with the PUT
   * itself up to SINGLE_PUT, else in a request of its own after it (a failure of that one throws, and a
   * later put of the same key finds the object and retains it then).
   */
  const write = async (key: string, plain: Readable | Buffer, size: number, meta: Record<string, string>): Promise<void> => {
    const lock = await lockFor(key);
    const what = `${name}:${bucket}/${key}`;
    // Held whole before sealing, so a small object is sealed in one pass over a buffer, not chunk by chunk.
    const input = size <= SINGLE_PUT ? await whole(plain, size, what) : plain;
    const sealed = cipher.seal(key, input, size);
    const all = { ...meta, ...sealed.meta };
    if (sealed.size <= SINGLE_PUT) {
      const body = await whole(sealed.body, sealed.size, what);
      // In the clear, the body's SHA-256 is the one the caller vouches for (meta.sha256): the server checks it.
      const clear = body === input && meta['sha256'] !== undefined;
      return putInOne(client, { bucket, key, body, meta: all, lock, sha256: clear ? meta['sha256'] : undefined });
    }
    const put = await client.putObject(bucket, key, sealed.body, sealed.size, all);
    if (lock) await retain(key, lock, put.versionId);
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

  /** Write-once put from a body (a stream, or bytes read whole) opened only when needed; a stream is always closed. */
  const putOpened = async (
    key: string,
    open: () => Readable | Promise<Buffer>,
    size: number,
    contentType: string,
    expectedSha256: string,
    absent = false,
  ) => {
    if (!absent && (await alreadyThere(key, expectedSha256))) return { key, sha256: expectedSha256, size };
    const body = await open();
    try {
      await write(key, body, size, { 'Content-Type': contentType, sha256: expectedSha256 });
    } finally {
      if (!Buffer.isBuffer(body)) body.destroy();
    }
    return { key, sha256: expectedSha256, size };
  };

  const putStream: ObjectStore['putStream'] = async (key, stream, size, contentType, expectedSha256, opts) => {
    try {
      return await putOpened(key, () => stream, size, contentType, expectedSha256, opts?.absent);
    } finally {
      stream.destroy();
    }
  };

  /** The plaintext's hash and the stored bytes' hash, from one read. */
  const hashBoth = (raw: Readable, key: string) => cipher.hash(key, raw, () => client.getObject(bucket, key));

  const hashKey = async (key: string): Promise<StoredObject & { stored: StoredBytes }> => {
    const h = await hashBoth(await client.getObject(bucket, key), key);
    return { key, sha256: h.sha256, size: h.size, stored: h.stored };
  };

  const list: ObjectStore['list'] = async (prefix, startAfter, limit) => {
    const found: string[] = [];
    const stream = client.listObjectsV2(bucket, prefix, true, startAfter ?? '');
    for await (const item of stream) {
      const k = (item as { name?: string }).name;
      if (k) found.push(k);
      if (limit !== undefined && found.length >= limit) break;
    }
    stream.destroy();
    return found;
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
    putFile(key, file, contentType, expectedSha256) {
      const size = fs.statSync(file).size;
      // A file one PUT takes is read in one call (a stream reads it 64 KB at a time: a 9 MB scan 5-10 times slower).
      const open = () => (size <= SINGLE_PUT ? fs.promises.readFile(file) : fs.createReadStream(file));
      return putOpened(key, open, size, contentType, expectedSha256);
    },
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
    get: async (key) => cipher.open(key, await client.getObject(bucket, key)),
    async readStored(key) {
      const raw = await client.getObject(bucket, key);
      const chunks: Buffer[] = [];
      for await (const c of raw) chunks.push(c as Buffer);
      const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      return { bytes, ...(await cipher.openWhole(key, bytes, raw)) };
    },
    async putStored(key, copy, contentType, opts) {
      const kept = cipher.keepsAs(key, copy.keyId, copy.size);
      if (!kept || copy.bytes.length > SINGLE_PUT || copy.sha256 === UNDECRYPTABLE) return false;
      if (!opts?.absent && (await alreadyThere(key, copy.sha256))) return true;
      // No sealing again: the copy's envelope is what this store would write; its own SHA-256 is the PUT's checksum.
      const meta = { 'Content-Type': contentType, sha256: copy.sha256, ...kept };
      await putInOne(client, { bucket, key, body: copy.bytes, meta, lock: await lockFor(key), sha256: copy.stored.sha256 });
      return true;
    },
    async getBuffer(key) {
      const chunks: Buffer[] = [];
      for await (const c of cipher.open(key, await client.getObject(bucket, key))) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    },
    stat,
    async hash(key) {
      const stream = await client.getObject(bucket, key);
      const lock = lockSeen((stream as { headers?: Record<string, string | string[] | undefined> }).headers);
      return { key, ...(await hashBoth(stream, key)), lock };
    },
    keyIdOf: async (key) => cipher.keyIdOf(await client.getPartialObject(bucket, key, 0, 11 + 255)),
    sample: (prefix, n) => list(prefix, undefined, n),
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
        const open = async () => cipher.open(key, await client.getObject(bucket, key, { versionId }));
        const h = await sha256Stream(await open()).catch(() => undefined);
        if (h?.sha256 === expected) return { versionId, open };
      }
      return undefined;
    },
    list,
  };
}
