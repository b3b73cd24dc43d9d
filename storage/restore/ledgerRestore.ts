/**
 * The archive's history, restored: the ledger from its exported segments, one
 * segment at a time and many entries to a statement, with what the manifests
 * carry filling any gap (batch by batch, as the manifests are read); the
 * signed checkpoints from their objects; and the registry numbers the ledger
 * shows were given to documents that never reached the bucket, so they are
 * not given again. Nothing here holds more than one segment or one page of
 * rows in memory.
 */
import type { Db } from '../db';
import { sha256 } from '../hash';
import { entryHash, type LedgerEntry } from '../integrity/ledger';
import type { Manifest } from '../manifest';
import type { ObjectStore } from '../objectStore';
import { advanceRegistrySequence } from '../repos/documentRegistration';
import { parseRegistryNo } from '../../kernel/registry';
import { checkpointKeys, ledgerSegmentKeys } from './bucket';
import {
  checkpointRecorded,
  continueLedgerSequence,
  firstLedgerHole,
  insertLedgerEntries,
  registeredNotRestored,
  restoreCheckpoint,
  type StoredCheckpoint,
} from './ledgerRows';
import type { RestoreReport } from './report';
import type { Secure } from './secure';

/** Parses one segment's JSON lines. */
function segmentEntries(text: string): LedgerEntry[] {
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as LedgerEntry);
}

/**
 * Puts every segment good in one bucket or the other (and so copied to both)
 * into the ledger, one segment at a time; counts the distinct entries they
 * hold in the report. Segments have no recorded fingerprint of their own: the
 * hash chain checked at the end is what vouches for their content.
 */
export async function restoreSegments(db: Db, source: ObjectStore, secure: Secure, report: RestoreReport): Promise<void> {
  // Segments are named by their first sequence number, so in key order each adds entries after the last seen.
  let lastSeen = 0;
  for (const key of await ledgerSegmentKeys(source)) {
    const bytes = await source.getBuffer(key);
    const w = { key, sha256: sha256(bytes), size: bytes.length, contentType: 'application/x-ndjson' };
    if (!(await secure(w, report.problems, { have: bytes })).ok) continue;
    const entries = segmentEntries(bytes.toString('utf8'));
    for (const e of entries) {
      if (e.seq > lastSeen) {
        report.ledger.fromSegments++;
        lastSeen = e.seq;
      }
    }
    for (const seq of await insertLedgerEntries(db, entries))
      report.problems.push(`ledger entry ${seq} differs between segments`);
  }
  await continueLedgerSequence(db);
}

/** The entries `manifests` carry that hash as they say they do, put in where the segments left a gap. */
export async function fillFromManifests(db: Db, manifests: Manifest[]): Promise<void> {
  const entries = manifests
    .flatMap((m) => m.ledgerEntries ?? [])
    .filter((e) => entryHash(e.prevHash, e) === e.entryHash)
    .sort((a, b) => a.seq - b.seq);
  if (entries.length === 0) return;
  // One that differs from the entry already there is not taken: the segments' (or the first manifest's) stands.
  await insertLedgerEntries(db, entries);
  await continueLedgerSequence(db);
}

/** What is wrong with the restored chain, as a problem for the report (a hole first, else the first break). */
export async function ledgerProblems(db: Db, brokenAt: number | null): Promise<string[]> {
  const hole = await firstLedgerHole(db);
  if (hole && (brokenAt === null || hole.to + 1 <= brokenAt)) {
    return [`ledger entries ${hole.from}-${hole.to} are missing from the exported segments`];
  }
  return brokenAt === null ? [] : [`ledger entry ${brokenAt} does not follow from the one before`];
}

/** Records every checkpoint good in one bucket or the other (and so in both); returns how many. */
export async function restoreCheckpoints(db: Db, source: ObjectStore, secure: Secure, report: RestoreReport): Promise<number> {
  let count = 0;
  for (const key of await checkpointKeys(source)) {
    const buf = await source.getBuffer(key);
    const secured = await secure(
      { key, sha256: sha256(buf), size: buf.length, contentType: 'application/json' },
      report.problems,
      { have: buf },
    );
    if (!secured.ok) continue;
    const c = JSON.parse(buf.toString('utf8')) as StoredCheckpoint;
    if (!(await checkpointRecorded(db, key))) await restoreCheckpoint(db, key, c);
    count++;
  }
  return count;
}

/** How many 'registered' entries one look-up reads. */
const REGISTERED_PAGE = 1000;

/**
 * Registry numbers given to documents that were registered but not yet
 * archived when the copy was made are never given again: the sequence moves
 * past every number the ledger knows, and those documents are named. `failed`
 * are documents whose manifest was found but not restored (named already).
 */
export async function keepRegisteredNumbers(db: Db, failed: string[], report: RestoreReport): Promise<void> {
  let after = 0;
  for (;;) {
    const page = await registeredNotRestored(db, after, failed, REGISTERED_PAGE);
    for (const e of page) {
      const ref = parseRegistryNo(e.registryNo);
      if (!ref) continue;
      const known = await db.query('SELECT 1 FROM registers WHERE code = $1', [ref.register]);
      if (known.rows.length === 0) {
        report.problems.push(`${e.registryNo}: its register ${ref.register} is not known here; its number is not kept`);
        continue;
      }
      await advanceRegistrySequence(db, ref);
      report.problems.push(
        `${e.registryNo}: registered (ledger entry ${e.seq}) but not archived in ${report.from}; its number stays used`,
      );
    }
    if (page.length < REGISTERED_PAGE) return;
    after = page.at(-1)!.seq;
  }
}
