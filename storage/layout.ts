/**
 * Self-describing object keys, so the archive can be rebuilt from a bucket alone:
 *   documents/<year>/<registry-seq>/original.<ext> | archive.pdf | ocr.json | ocr-vN.json | pages/NNNN.webp | manifest.json
 * for the incoming book (as before registers existed, so existing archives keep their keys), and
 *   documents/<register>/<year>/<registry-seq>/...
 * for every other register.
 */
import { INCOMING, registerOf, type RegistryRef } from '../kernel/registry';

export function documentPrefix(ref: RegistryRef): string {
  const register = registerOf(ref);
  const place = `${ref.year}/${String(ref.seq).padStart(6, '0')}/`;
  return register === INCOMING ? `documents/${place}` : `documents/${register}/${place}`;
}

export const keys = {
  original: (ref: RegistryRef, ext: string) => `${documentPrefix(ref)}original.${ext}`,
  /** One of several originals, when each file of a batch is a page of one document. */
  originalPart: (ref: RegistryRef, n: number, ext: string) =>
    `${documentPrefix(ref)}original-${String(n).padStart(4, '0')}.${ext}`,
  /** Where a page file waits, write-once, until its batch is sealed into one document. */
  staged: (batchId: string, sha256: string, ext: string) => `staging/${batchId}/${sha256}.${ext}`,
  /** A received file kept whole beside the documents made of it (a scanned stack split at separator sheets), by its SHA-256. */
  intakeOriginal: (sha256: string, ext: string) => `intake/originals/${sha256}.${ext}`,
  archivePdf: (ref: RegistryRef) => `${documentPrefix(ref)}archive.pdf`,
  ocrJson: (ref: RegistryRef) => `${documentPrefix(ref)}ocr.json`,
  /** The text of a later reading (re-OCR), version 2 onwards; ocr.json stays the first. */
  ocrJsonVersion: (ref: RegistryRef, version: number) => `${documentPrefix(ref)}ocr-v${version}.json`,
  pageImage: (ref: RegistryRef, n: number) => `${documentPrefix(ref)}pages/${String(n).padStart(4, '0')}.webp`,
  manifest: (ref: RegistryRef) => `${documentPrefix(ref)}manifest.json`,
};

/** Working files (staged page uploads) are not kept under Object Lock; everything else the archive stores is. */
export function isKept(key: string): boolean {
  return !key.startsWith('staging/');
}

/**
 * The registry reference and file name (after the number's folder, e.g. `pages/0001.webp`) of a document's
 * key: the inverse of documentPrefix (an incoming document's key has no register segment); undefined for
 * any other key.
 */
export function parseDocumentKey(key: string): { ref: RegistryRef; file: string } | undefined {
  const m = /^documents\/(?:([a-z][a-z0-9-]{1,30})\/)?([0-9]{4})\/([0-9]{6,})\/(.+)$/.exec(key);
  if (!m) return undefined;
  const ref: RegistryRef = { year: Number(m[2]), seq: Number(m[3]) };
  if (m[1] !== undefined && m[1] !== INCOMING) ref.register = m[1];
  return { ref, file: m[4]! };
}

/** Keys written unencrypted: what is published under audit/ for auditors with standard tools (public evidence). */
export function isClearKey(key: string): boolean {
  return key.startsWith('audit/');
}
