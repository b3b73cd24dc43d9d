/**
 * Copies every stored file of the document to the offsite bucket, reads each
 * copy back and compares its SHA-256 with the recorded one. Only verified
 * copies are recorded as replicas.
 */
import type { Stage } from './stage';

export const replicateStage: Stage = {
  id: 'replicate',
  description: 'copy to the offsite bucket and verify the copy',
  async run(ctx) {
    const { doc, deps } = ctx;
    // The offsite bucket may not exist yet when the copy was away while the archive started.
    await deps.offsite.ensureBucket();
    const artefacts = await deps.documents.artefacts(doc.id);
    for (const a of artefacts) {
      const there = await deps.offsite.stat(a.key);
      if (!there) await deps.offsite.putStream(a.key, await deps.primary.get(a.key), a.size, a.contentType, a.sha256);
      const copy = await deps.offsite.hash(a.key);
      if (copy.sha256 !== a.sha256) {
        return { kind: 'retry', reason: `offsite copy of ${a.key} has SHA-256 ${copy.sha256}, expected ${a.sha256}` };
      }
      // A copy put before a crash may lack its retention (set by a second call): it counts only once locked.
      await deps.offsite.ensureRetention?.(a.key);
      await deps.documents.saveReplica(doc.id, {
        target: deps.offsite.name,
        key: a.key,
        sha256: copy.sha256,
        verifiedAt: new Date().toISOString(),
        storedSha256: copy.stored.sha256,
      });
    }
    await deps.ledger.recordOnce('replicated', doc.id, { target: deps.offsite.name, files: artefacts.length });
    // The ledger up to here goes to storage too, so a bucket alone holds this document's history.
    // A failure here loses nothing: the next export writes what this one did not.
    await deps.ledger
      .exportSegments([deps.primary, deps.offsite])
      .catch((e: unknown) => deps.log.warn('ledger segment not exported yet', { error: String(e) }));
    return { kind: 'done', detail: { files: artefacts.length } };
  },
};
