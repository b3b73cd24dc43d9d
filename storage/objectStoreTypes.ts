/**
 * The object store's interface and the shapes it answers with (storage/objectStore.ts holds the S3
 * implementation; test/fakes an in-memory one).
 */
import type { Readable } from 'node:stream';

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

/** What a read of an object said of its version and Object Lock retention (the GET's own headers). */
export interface LockSeen {
  versionId: string | null;
  lastModified: number;
  /** The retention mode and its end, or null when the answer named none. */
  mode: string | null;
  retainUntil: number | null;
}

/**
 * An object read whole as its bucket holds it, opened and fingerprinted (ObjectStore.readStored): restore copies
 * such bytes to the other bucket as they are, without encrypting them again.
 */
export interface StoredCopy {
  /** The bytes as stored (the envelope, for an encrypted object). */
  bytes: Buffer;
  stored: StoredBytes;
  /** The plaintext, its SHA-256 (UNDECRYPTABLE when it does not authenticate) and size. */
  plain: Buffer;
  sha256: string;
  size: number;
  /** The key it is encrypted under; null for an object in the clear. */
  keyId: string | null;
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
  /**
   * Streams from another readable of known size and hash (replication). `opts.absent`: the caller has just
   * listed the key's folder and not found the key (restore), so the existence check before the write is left
   * out; a key that appeared since is then written as a new version (with Object Lock the other stays).
   */
  putStream(
    key: string,
    stream: Readable,
    size: number,
    contentType: string,
    expectedSha256: string,
    opts?: { absent?: boolean },
  ): Promise<StoredObject>;
  get(key: string): Promise<Readable>;
  /** An object held whole (up to SINGLE_PUT bytes), read once as stored and opened; throws as get does. */
  readStored(key: string): Promise<StoredCopy>;
  /**
   * Writes a copy read from another bucket as it is (its envelope kept, under the key it names), when this store
   * would hold the key in that form: encrypted under a key its ring holds, or in the clear where it writes in the
   * clear. False, with nothing written, when it would not (the caller then writes the plaintext). `opts.absent`
   * as for putStream.
   */
  putStored(key: string, copy: StoredCopy, contentType: string, opts?: { absent?: boolean }): Promise<boolean>;
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
  /**
   * The keys under `prefix`, in the bucket's order; `startAfter`: only those after it (listed from there, not
   * filtered), `limit`: at most that many. With both, one page of a listing as long as the bucket: memory
   * flat in the bucket's size (restore pages its manifests' keys this way).
   */
  list(prefix: string, startAfter?: string, limit?: number): Promise<string[]>;
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
