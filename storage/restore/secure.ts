/**
 * Making sure of one object during a restore: it is read once from the source
 * bucket, hashed as it is read, and compared with the SHA-256 recorded for it;
 * either copy that is damaged or missing is mended from the other when that
 * one is good, and the other bucket gets what it lacks, written from the very
 * bytes just hashed (no second read of the source).
 *
 * A copy written to the other bucket is not read back: the write carries the
 * payload's own checksum (the signed SHA-256 of the body over HTTP, its MD5
 * over HTTPS), which the server checks before it stores anything, and those
 * are computed over the bytes whose SHA-256 was just compared (in the clear,
 * the signed SHA-256 is the recorded one itself). An object the source holds
 * encrypted under the other bucket's current key goes across as it is stored:
 * decrypted once to be fingerprinted, never encrypted again, its stored bytes'
 * SHA-256 (taken in the same read) the write's checksum. It is one request, its
 * retention in its headers, and no existence check before it: the document's
 * keys in the other bucket were listed with its batch. A copy the
 * other bucket already held is re-hashed there, and a repair reads its result
 * back (ObjectStore.repair).
 *
 * Objects up to BUFFER_LIMIT are held in memory while in flight (the S3 client
 * buffers a single-part upload of that size anyway); larger ones are streamed,
 * hashed on the source first and copied after, as before.
 */
import { Readable } from 'node:stream';
import { sha256OfBuffer } from '../hashThread';
import type { ObjectStore } from '../objectStore';
import type { StoredCopy } from '../objectStoreTypes';
import { limiter } from './pool';
import type { RestoreReport } from './report';

/** Objects up to this size are read once into memory, hashed and copied from there. */
export const BUFFER_LIMIT = 16 * 1024 * 1024;

/** One object restore wants, as its manifest (or the ledger) records it. */
export interface Wanted {
  key: string;
  sha256: string;
  size: number;
  contentType: string;
}

/** Made sure of (with its good bytes when it was small enough to hold), or not. */
export type Secured = { ok: true; bytes: Buffer | undefined } | { ok: false };

/** What the caller knows already: the object's bytes as read from the source, whether the other bucket holds the key. */
export interface Known {
  have?: Buffer;
  inOther?: boolean;
}

/**
 * Makes sure `w` is in the source with its recorded SHA-256 (mended if need
 * be) and in the other bucket too. What cannot be done, and every repair, is
 * named in `problems`.
 */
export type Secure = (w: Wanted, problems: string[], known?: Known) => Promise<Secured>;

const bodyOf = (bytes: Buffer): Readable => Readable.from(bytes);

/**
 * A `Secure` between `source` and `other` that counts what it does in
 * `counts`, with at most `inFlight` objects being made sure of at once.
 */
export function securer(source: ObjectStore, other: ObjectStore, counts: RestoreReport['objects'], inFlight: number): Secure {
  const slot = limiter(inFlight);
  const readable = async (store: ObjectStore, key: string) => store.getBuffer(key).catch(() => undefined);
  const hashOf = async (store: ObjectStore, key: string) => (await store.hash(key).catch(() => undefined))?.sha256;

  /** The other bucket holds `good` at w.key afterwards: written when absent, mended when damaged. */
  const fillOther = async (w: Wanted, good: Buffer, inOther: boolean | undefined, copy?: StoredCopy): Promise<void> => {
    const there = inOther ?? (await other.stat(w.key).catch(() => undefined));
    if (!there) {
      // Just listed (or looked up) and absent: no second look before the write. The source's stored bytes go
      // as they are when the other bucket would write them so (encrypted under its current key, or in the clear).
      const kept = copy ? await other.putStored(w.key, copy, w.contentType, { absent: true }) : false;
      if (!kept) await other.putStream(w.key, bodyOf(good), good.length, w.contentType, w.sha256, { absent: true });
    } else {
      if ((await hashOf(other, w.key)) === w.sha256) return;
      await other.repair(w.key, bodyOf(good), good.length, w.contentType, w.sha256);
    }
    counts.copiedToOther++;
  };

  /** The same for an object too large to hold: hashed on the source, then streamed across. */
  const streamed = async (w: Wanted, problems: string[]): Promise<boolean> => {
    let good: ObjectStore = source;
    if ((await hashOf(source, w.key)) !== w.sha256) {
      if ((await hashOf(other, w.key)) !== w.sha256) {
        problems.push(`${w.key}: no copy with SHA-256 ${w.sha256} in either bucket`);
        return false;
      }
      good = other;
      await source.repair(w.key, await other.get(w.key), w.size, w.contentType, w.sha256);
      counts.repairedInSource++;
      problems.push(`${w.key}: damaged or missing in ${source.name}, repaired from ${other.name}`);
    } else if ((await hashOf(other, w.key)) !== w.sha256) {
      const there = await other.stat(w.key).catch(() => undefined);
      if (there) await other.repair(w.key, await good.get(w.key), w.size, w.contentType, w.sha256);
      else await other.putStream(w.key, await good.get(w.key), w.size, w.contentType, w.sha256, { absent: true });
      if ((await hashOf(other, w.key)) !== w.sha256) throw new Error(`${other.name}:${w.key} does not read back as ${w.sha256}`);
      counts.copiedToOther++;
    }
    return true;
  };

  const one = async (w: Wanted, problems: string[], known: Known): Promise<Secured> => {
    const { have } = known;
    let bytes: Buffer | undefined;
    if (!have && w.size > BUFFER_LIMIT) {
      if (!(await streamed(w, problems))) return { ok: false };
    } else {
      // Read once as stored and opened (fingerprinted as it was opened), unless the caller has the bytes already.
      const copy = have ? undefined : await source.readStored(w.key).catch(() => undefined);
      const mine = have ?? copy?.plain;
      const sum = copy ? copy.sha256 : mine && (await sha256OfBuffer(mine));
      if (mine && sum === w.sha256) {
        bytes = mine;
        await fillOther(w, mine, known.inOther, copy);
      } else {
        const theirs = await readable(other, w.key);
        if (!theirs || (await sha256OfBuffer(theirs)) !== w.sha256) {
          problems.push(`${w.key}: no copy with SHA-256 ${w.sha256} in either bucket`);
          return { ok: false };
        }
        await source.repair(w.key, bodyOf(theirs), theirs.length, w.contentType, w.sha256);
        counts.repairedInSource++;
        problems.push(`${w.key}: damaged or missing in ${source.name}, repaired from ${other.name}`);
        bytes = theirs;
      }
    }
    counts.verified++;
    counts.bytes += w.size;
    return { ok: true, bytes };
  };
  return (w, problems, known = {}) => slot(() => one(w, problems, known));
}
