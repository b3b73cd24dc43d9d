/**
 * The object store's encryption glue: what a put sends for a key (its bytes encrypted under the current
 * key, or as they are for keys kept in the clear and stores without a key ring), and how the bytes a GET
 * answers are opened again. An object written encrypted says so in its metadata (`encrypted`: the key
 * id), so bytes that lack the envelope's header under such metadata are refused as damaged or replaced,
 * never passed on as plaintext.
 */
import { pipeline, type Readable } from 'node:stream';
import { isClearKey } from '../layout';
import { decryptStream, encryptBuffer, encryptedSize, encryptStream } from './envelope';
import type { KeyRing } from './keyRing';
import { hashBoth, keyIdOfHead, openStored } from './objectBytes';

type Headers = Record<string, string | string[] | undefined>;

/** The metadata entry (x-amz-meta-encrypted) naming the key an object was written encrypted under. */
const ENCRYPTED_META = 'encrypted';

/** The response headers of a GET (minio's stream is the HTTP response). */
function headersOf(raw: Readable): Headers | undefined {
  return (raw as { headers?: Headers }).headers;
}

/**
 * Whether a whole object's GET says it was written encrypted: the metadata flag, or a stored size unlike
 * the plaintext size kept beside it (the envelope always adds bytes; objects in the clear keep both equal).
 */
function writtenEncrypted(headers: Headers | undefined): boolean {
  const one = (k: string) => {
    const v = headers?.[k];
    return Array.isArray(v) ? v[0] : v;
  };
  if (one(`x-amz-meta-${ENCRYPTED_META}`)) return true;
  const plain = one('x-amz-meta-plainsize');
  const stored = one('content-length');
  return plain !== undefined && stored !== undefined && Number(plain) !== Number(stored);
}

export interface ObjectCipher {
  /** The body to put for `key`, its stored size, and the metadata saying how it was written. */
  seal(
    key: string,
    plain: Readable | Buffer,
    size: number,
  ): { body: Readable | Buffer; size: number; meta: Record<string, string> };
  /** A whole object's GET, decrypted on the way (failing loudly when it does not authenticate). */
  open(key: string, raw: Readable): Readable;
  /** The plaintext's and the stored bytes' hashes from one GET (see hashBoth). */
  hash(key: string, raw: Readable, again: () => Promise<Readable>): ReturnType<typeof hashBoth>;
  /** The key id an object's first bytes name, or null when it is stored in the clear. */
  keyIdOf(head: Readable): Promise<string | null>;
  /** A whole object's stored bytes (`raw`: its GET, already read), opened (see openStored). */
  openWhole(key: string, bytes: Buffer, raw: Readable): ReturnType<typeof openStored>;
  /**
   * The metadata for bytes stored under `keyId` (null: in the clear) of `size` plaintext bytes, when this store
   * would write `key` in just that form (encrypted under its current key, or in the clear); else undefined.
   */
  keepsAs(key: string, keyId: string | null, size: number): Record<string, string> | undefined;
}

/** `label`: how an object is named in errors; without `keys`, nothing is encrypted and encrypted objects cannot be read. */
export function objectCipher(label: (key: string) => string, keys?: KeyRing): ObjectCipher {
  const lookup = keys ?? { get: () => undefined };
  /** The key `key` is written under (none: in the clear), and the metadata saying so. */
  const writing = (key: string, size: number) => {
    const master = isClearKey(key) ? undefined : keys?.current();
    // The plaintext's size stays in the metadata (stat), beside its fingerprint.
    const meta: Record<string, string> = { plainsize: String(size) };
    if (master) meta[ENCRYPTED_META] = master.id;
    return { master, meta };
  };
  return {
    seal(key, plain, size) {
      const { master, meta } = writing(key, size);
      if (!master) return { body: plain, size, meta };
      const body = Buffer.isBuffer(plain)
        ? encryptBuffer(plain, master)
        : pipeline(plain, encryptStream(master), () => undefined);
      return { body, size: encryptedSize(size, master.id), meta };
    },
    open: (key, raw) =>
      pipeline(raw, decryptStream(lookup, label(key), keys?.file, writtenEncrypted(headersOf(raw))), () => undefined),
    hash: (key, raw, again) => hashBoth(raw, lookup, label(key), keys?.file, again, writtenEncrypted(headersOf(raw))),
    keyIdOf: keyIdOfHead,
    openWhole: (key, bytes, raw) => openStored(bytes, lookup, label(key), keys?.file, writtenEncrypted(headersOf(raw))),
    keepsAs(key, keyId, size) {
      const { master, meta } = writing(key, size);
      return (master?.id ?? null) === keyId ? meta : undefined;
    },
  };
}
