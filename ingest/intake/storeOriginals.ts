/**
 * Storing a registered document's originals (ingest/intake/accept.ts): each part put write-once into the primary
 * bucket from wherever its bytes wait (this upload's file in spool/pending, another upload's of the same bytes,
 * or a sealed batch's staging), recorded as an artefact, and the document marked stored. The sweep (sweep.ts)
 * calls finishStoring for a document a crash or an absent store left registered but not stored.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DomainError } from '../../kernel/errors';
import type { DocumentRecord, PartRecord } from '../../storage/repos/documents';
import { pendingFiles } from '../leftovers';
import type { AcceptDeps } from './accept';

/** The stage a document reaches when its originals are in object storage. */
export const STORED = 'stored';

/** Puts each part with `put`, records it as an artefact, and marks the originals stored. */
export async function storeParts(
  doc: DocumentRecord,
  parts: PartRecord[],
  put: (part: PartRecord, index: number) => Promise<void>,
  deps: AcceptDeps,
): Promise<void> {
  for (const [i, part] of parts.entries()) {
    await put(part, i);
    await deps.documents.saveArtefact(doc.id, {
      kind: 'original',
      key: part.key,
      sha256: part.sha256,
      size: part.size,
      contentType: part.mime,
    });
  }
  await deps.documents.markStage(doc.id, STORED);
}

/** From local files (the spool), write-once. */
export function fromFiles(doc: DocumentRecord, files: string[], deps: AcceptDeps) {
  return async (part: PartRecord, i: number) => {
    try {
      await deps.primary.putFile(part.key, files[i]!, part.mime, part.sha256);
    } catch (e) {
      deps.log.error('storing original failed', { documentId: doc.id, error: String(e) });
      throw new DomainError('storage_unavailable', { details: { registryNo: doc.registryNo } });
    }
  };
}

/** From staging in the same bucket, read back and compared before it counts. */
export function fromStaging(stagedKeys: string[], deps: AcceptDeps) {
  return async (part: PartRecord, i: number) => {
    const source = stagedKeys[i]!;
    await deps.primary.putStream(part.key, await deps.primary.get(source), part.size, part.mime, part.sha256);
    const check = await deps.primary.hash(part.key);
    if (check.sha256 !== part.sha256) throw new Error(`copy of ${source} to ${part.key} does not match its SHA-256`);
  };
}

/** Stores a registered document's originals from wherever they wait: `own`, this upload's files, first. */
export async function finishStoring(doc: DocumentRecord, deps: AcceptDeps, own: string[] = []): Promise<boolean> {
  const parts = await deps.documents.parts(doc.id);
  const waiting = parts.map((p) =>
    [...own.filter((f) => path.basename(path.dirname(f)) === p.sha256), ...pendingFiles(deps.spoolDir, p.sha256)].find((f) =>
      fs.existsSync(f),
    ),
  );
  try {
    if (parts.length > 0 && waiting.every((f) => f !== undefined)) {
      const files = waiting as string[];
      await storeParts(doc, parts, fromFiles(doc, files, deps), deps);
      files.forEach((f) => fs.rmSync(f, { force: true }));
      return true;
    }
    const staged = await deps.batches.stagedForDocument(doc.id);
    if (staged.length === parts.length && staged.length > 0) {
      await storeParts(doc, parts, fromStaging(staged, deps), deps);
      return true;
    }
    // Stored by a process that stopped before saying so?
    const there = await Promise.all(parts.map((p) => deps.primary.stat(p.key)));
    if (there.every((t, i) => t?.sha256 === parts[i]!.sha256)) {
      await storeParts(doc, parts, async () => undefined, deps);
      return true;
    }
    // Its bytes wait in another machine's spool; that machine's sweep will store them.
    return false;
  } catch (e) {
    deps.log.warn('could not store an original yet; will try again', { documentId: doc.id, error: String(e) });
    return false;
  }
}
