/**
 * A stored file read for a download sends only the bytes recorded for it. The
 * primary copy is hashed first; when it differs from the recorded SHA-256 (or is
 * gone while another copy holds the file), a fixity problem is recorded and the
 * good bytes are sent instead: the offsite copy, or a version kept by Object
 * Lock. On its way out the stream is checked again, and holds back its last
 * bytes until they hash to the record (else it ends in an error).
 */
import crypto from 'node:crypto';
import { pipeline, Transform, type Readable } from 'node:stream';
import { DomainError } from '../../kernel/errors';
import type { Db } from '../db';
import type { ObjectStore } from '../objectStore';
import { recordFixityProblem } from './fixity';

export interface RecordedFile {
  documentId: string;
  key: string;
  sha256: string;
}

/** What the copy holds: its SHA-256, or null when the key is absent. */
async function hashOf(store: ObjectStore, key: string): Promise<string | null> {
  try {
    return (await store.hash(key)).sha256;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'NoSuchKey' || code === 'NotFound') return null;
    throw e;
  }
}

/** Passes the bytes on, keeping the last chunk back until the whole hashes to `expected`. */
function verifying(expected: string, key: string): Transform {
  const hash = crypto.createHash('sha256');
  let held: Buffer | undefined;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      const out = held;
      held = chunk;
      done(null, out);
    },
    flush(done) {
      const found = hash.digest('hex');
      if (found !== expected) done(new Error(`${key} changed while it was sent: ${found}, recorded ${expected}`));
      else done(null, held);
    },
  });
}

/** `source` through the check; a failure of either ends the stream returned with the error. */
function guarded(source: Readable, file: RecordedFile): Readable {
  return pipeline(source, verifying(file.sha256, file.key), () => undefined);
}

/** Where good bytes for the file are when the primary copy is not: the offsite copy, else a version Object Lock kept. */
async function goodCopy(
  deps: { primary: ObjectStore; offsite: ObjectStore },
  file: RecordedFile,
): Promise<{ name: string; open(): Promise<Readable> } | undefined> {
  if ((await hashOf(deps.offsite, file.key).catch(() => undefined)) === file.sha256) {
    return { name: deps.offsite.name, open: () => deps.offsite.get(file.key) };
  }
  for (const store of [deps.primary, deps.offsite]) {
    const kept = await store.keptVersion(file.key, file.sha256).catch(() => undefined);
    if (kept) return { name: `${store.name} (locked version ${kept.versionId})`, open: kept.open };
  }
  return undefined;
}

/**
 * Opens `file` for sending, verified against its recorded SHA-256. Throws
 * `not_ready` when it is not stored yet, and `copy_damaged` when no copy holds
 * the recorded bytes.
 */
export async function openVerified(
  deps: { db: Db; primary: ObjectStore; offsite: ObjectStore },
  file: RecordedFile,
): Promise<{ stream: Readable; from: string }> {
  const found = await hashOf(deps.primary, file.key);
  if (found === file.sha256) {
    return { stream: guarded(await deps.primary.get(file.key), file), from: deps.primary.name };
  }
  const source = await goodCopy(deps, file);
  // Absent everywhere: registered, and not stored yet.
  if (found === null && !source) throw new DomainError('not_ready', { ar: '(لم يُحفظ الملف بعد)', en: '(not stored yet)' });
  await recordFixityProblem(deps.db, {
    documentId: file.documentId,
    target: deps.primary.name,
    key: file.key,
    expected: file.sha256,
    found,
    during: 'download',
  });
  if (!source) throw new DomainError('copy_damaged');
  return { stream: guarded(await source.open(), file), from: source.name };
}
