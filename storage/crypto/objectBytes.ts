/**
 * Reading an object's bytes as the bucket holds them and as they were written, in one pass: what hash(),
 * the header check and restore's copies as stored (readStored) need.
 */
import crypto from 'node:crypto';
import { pipeline, Readable, Transform } from 'node:stream';
import { sha256, sha256Stream } from '../hash';
import { sha256OnThread } from '../hashThread';
import { DecryptionError, decryptBuffer, decryptStream, keyIdOf, MAGIC, type KeyLookup } from './envelope';

/** What hash() gives as the plaintext fingerprint of an encrypted object that does not authenticate. */
export const UNDECRYPTABLE = 'undecryptable';

/** Whether an object is to be opened as sealed: written encrypted (its metadata), or its first bytes are the magic. */
function isSealed(head: Buffer, written: boolean): boolean {
  return written || (head.length >= MAGIC.length && head.subarray(0, MAGIC.length).equals(MAGIC));
}

/** Passes bytes on while hashing them (the stored bytes, on their way to decryption). */
function tap(into: crypto.Hash, count: { size: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      into.update(chunk);
      count.size += chunk.length;
      done(null, chunk);
    },
  });
}

/**
 * The plaintext's SHA-256 and size, and the stored bytes' (`stored`), from one read of `raw`. An object in
 * the clear is its own plaintext: it is hashed once. Bytes that do not authenticate (or lack the envelope
 * when `written` encrypted) give UNDECRYPTABLE, with the stored bytes' hash from a second read (`again`); a
 * key the ring lacks throws.
 */
export async function hashBoth(
  raw: Readable,
  keys: KeyLookup,
  label: string,
  file: string | undefined,
  again: () => Promise<Readable>,
  written = false,
): Promise<{ sha256: string; size: number; stored: { sha256: string; size: number } }> {
  const chunks = raw[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  // The first bytes say whether the object is sealed (the envelope's magic), as decryptStream reads them.
  let head: Buffer = Buffer.alloc(0);
  let ended = false;
  while (head.length < MAGIC.length && !ended) {
    const n = await chunks.next();
    if (n.done) ended = true;
    else head = head.length === 0 ? n.value : Buffer.concat([head, n.value]);
  }
  const rest = async function* () {
    let done = false;
    try {
      yield head;
      for (let n = await chunks.next(); !n.done; n = await chunks.next()) yield n.value;
      done = true;
    } finally {
      // Given up on before its end (a chunk that does not authenticate): the GET is closed, not left open.
      if (!done) await chunks.return?.();
    }
  };
  const sealed = isSealed(head, written);
  if (!sealed) {
    const { sha256, size } = await sha256OnThread(rest());
    return { sha256, size, stored: { sha256, size } };
  }
  const storedHash = crypto.createHash('sha256');
  const count = { size: 0 };
  try {
    const opened = pipeline(
      Readable.from(rest(), { objectMode: false }),
      tap(storedHash, count),
      decryptStream(keys, label, file, written),
      () => undefined,
    );
    const plain = await sha256Stream(opened);
    return { ...plain, stored: { sha256: storedHash.digest('hex'), size: count.size } };
  } catch (e) {
    if (!(e instanceof DecryptionError)) throw e;
    return { sha256: UNDECRYPTABLE, size: 0, stored: await sha256Stream(await again()) };
  }
}

/** The key id an object's first bytes name, or null when it is stored in the clear. */
export async function keyIdOfHead(head: Readable): Promise<string | null> {
  const parts: Buffer[] = [];
  for await (const c of head) parts.push(c as Buffer);
  const b = Buffer.concat(parts);
  return b.subarray(0, MAGIC.length).equals(MAGIC) ? (keyIdOf(b) ?? null) : null;
}

/**
 * A whole object's bytes as stored, opened: its plaintext, both fingerprints, and the key it names (null in the
 * clear). Bytes that do not authenticate (or lack the envelope when `written` encrypted) give UNDECRYPTABLE and
 * an empty plaintext; a key the ring lacks throws.
 */
export async function openStored(
  bytes: Buffer,
  keys: KeyLookup,
  label: string,
  file: string | undefined,
  written = false,
): Promise<{ stored: { sha256: string; size: number }; plain: Buffer; sha256: string; size: number; keyId: string | null }> {
  const stored = { sha256: sha256(bytes), size: bytes.length };
  const sealed = isSealed(bytes, written);
  if (!sealed) return { stored, plain: bytes, sha256: stored.sha256, size: bytes.length, keyId: null };
  const keyId = keyIdOf(bytes) ?? null;
  try {
    const plain = await decryptBuffer(bytes, keys, label, file, written);
    return { stored, plain, sha256: sha256(plain), size: plain.length, keyId };
  } catch (e) {
    if (!(e instanceof DecryptionError)) throw e;
    return { stored, plain: Buffer.alloc(0), sha256: UNDECRYPTABLE, size: 0, keyId };
  }
}
