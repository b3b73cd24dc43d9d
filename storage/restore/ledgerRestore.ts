/**
 * The archive's history, restored: the ledger from its exported segments
 * with what the manifests carry filling any gap, the signed checkpoints from
 * their objects, and the registry numbers the ledger shows were given to
 * documents that never reached the bucket, so they are not given again.
 */
import type { Db } from '../db';
import { sha256 } from '../hash';
import { entryHash, type LedgerEntry } from '../integrity/ledger';
import { mergeSegments } from '../integrity/ledgerExport';
import type { ObjectStore } from '../objectStore';
import { advanceRegistrySequence } from '../repos/documentRegistration';
import { checkpointKeys, type ReadManifest } from './bucket';
import { checkpointRecorded, insertLedgerEntries, restoreCheckpoint, type StoredCheckpoint } from './ledgerRows';
import type { RestoreReport } from './report';
import type { Secure } from './secure';

export interface RestoredLedger {
  entries: LedgerEntry[];
  /** Each document's entries, gathered once (looking them up in the whole ledger per document grows with the square). */
  byDocument: Map<string, LedgerEntry[]>;
}

/** Merges the segments and the manifests' entries into one chain and puts it in the database. */
export async function restoreLedger(
  db: Db,
  segments: string[],
  manifests: Map<string, ReadManifest>,
  report: RestoreReport,
): Promise<RestoredLedger> {
  const fromSegments = mergeSegments(segments);
  const seqs = new Set(fromSegments.entries.map((e) => e.seq));
  const extra = [...manifests.values()]
    .flatMap(({ m }) => m.ledgerEntries ?? [])
    .filter((e) => !seqs.has(e.seq) && entryHash(e.prevHash, e) === e.entryHash);
  const merged = mergeSegments([...segments, extra.map((e) => JSON.stringify(e)).join('\n')]);
  report.problems.push(...merged.problems);
  report.ledger.fromSegments = fromSegments.entries.length;
  report.ledger.fromManifests = merged.entries.length - fromSegments.entries.length;
  await insertLedgerEntries(db, merged.entries);
  const byDocument = new Map<string, LedgerEntry[]>();
  for (const e of merged.entries) {
    if (!e.documentId) continue;
    const list = byDocument.get(e.documentId);
    if (list) list.push(e);
    else byDocument.set(e.documentId, [e]);
  }
  return { entries: merged.entries, byDocument };
}

/** Records every checkpoint good in one bucket or the other (and so in both); returns how many. */
export async function restoreCheckpoints(db: Db, source: ObjectStore, secure: Secure): Promise<number> {
  let count = 0;
  for (const key of await checkpointKeys(source)) {
    const buf = await source.getBuffer(key);
    if (!(await secure(key, sha256(buf), buf.length, 'application/json'))) continue;
    const c = JSON.parse(buf.toString('utf8')) as StoredCheckpoint;
    if (!(await checkpointRecorded(db, key))) await restoreCheckpoint(db, key, c);
    count++;
  }
  return count;
}

/**
 * Registry numbers given to documents that were registered but not yet archived when the copy was made are
 * never given again: the sequence moves past every number the ledger knows, and those documents are named.
 */
export async function keepRegisteredNumbers(
  db: Db,
  entries: LedgerEntry[],
  restoredIds: Set<string>,
  report: RestoreReport,
): Promise<void> {
  for (const e of entries) {
    if (e.event !== 'registered' || !e.documentId || restoredIds.has(e.documentId)) continue;
    const no = String(e.payload.registryNo ?? '');
    const [year, seq] = no.split('/').map(Number);
    if (!year || !seq) continue;
    await advanceRegistrySequence(db, { year, seq });
    report.problems.push(`${no}: registered (ledger entry ${e.seq}) but not archived in ${report.from}; its number stays used`);
  }
}
