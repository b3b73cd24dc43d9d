/**
 * One batch of manifests, restored: the documents an earlier (interrupted) run
 * restored already are passed over by the registry number their key names;
 * the others' manifests are read, their ledger entries fill any gap the
 * segments left, their vouching entries are read from the restored ledger,
 * and each is checked and made sure of, several documents at a time; then
 * their rows go in, in one transaction.
 *
 *   read manifests -> fill ledger gaps -> list the other bucket's keys of these folders
 *     -> check + copy objects (bounded) -> rows (one transaction)
 *                                                               crash here: objects copied, no rows;
 *                                                               the next run copies nothing again and
 *                                                               writes the rows (restore.before-rows)
 *
 * When the batch's transaction fails (one document's rows refused), each
 * document is written on its own, so the one that cannot be is named and the
 * others are restored.
 */
import type { Db } from '../db';
import { crashPoint } from '../../kernel/crashPoints';
import { registryNo } from '../../kernel/registry';
import type { ObjectStore } from '../objectStore';
import { keysOfFolders, placeOfKey, prefixOfKey, readManifest, type ReadManifest } from './bucket';
import { checkDocument, type DocumentRestore } from './document';
import { restoredIds, restoredPlaces, writeDocuments, type CheckedDocument } from './documentRows';
import { fillFromManifests } from './ledgerRestore';
import { vouchingEntries } from './ledgerRows';
import { mapLimited } from './pool';
import type { RestoreReport } from './report';

export interface BatchRestore extends Omit<DocumentRestore, 'otherKeys'> {
  db: Db;
  /** The other bucket, whose keys in the batch's folders are listed once for the batch. */
  other: ObjectStore;
  report: RestoreReport;
  /** Documents (and objects) in flight at once. */
  concurrency: number;
  /** Ids of documents whose manifest was found but that could not be restored (gathered across batches). */
  notRestored: string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What became of one manifest of the batch. */
interface Outcome {
  key: string;
  problems: string[];
  read?: ReadManifest;
  checked?: CheckedDocument;
  present?: boolean;
}

/** Restores the documents whose manifests are at `keys`; counts and problems go to the report, in key order. */
export async function restoreBatch(ctx: BatchRestore, keys: string[]): Promise<void> {
  const { db, report } = ctx;
  const places = keys.map(placeOfKey);
  const present = await restoredPlaces(
    db,
    places.filter((p) => p !== undefined),
  );
  const outcomes: Outcome[] = keys.map((key, i) => {
    const p = places[i];
    return { key, problems: [], present: p !== undefined && present.has(registryNo(p)) };
  });
  const todo = outcomes.filter((o) => !o.present);

  await mapLimited(todo, ctx.concurrency, async (o) => {
    const read = await readManifest(ctx.source, o.key);
    if ('error' in read) o.problems.push(read.error);
    else o.read = read;
  });
  const readable = todo.filter((o) => o.read);
  await fillFromManifests(
    db,
    readable.map((o) => o.read!.m),
  );
  const ids = readable.map((o) => o.read!.m.id).filter((id) => typeof id === 'string' && UUID.test(id));
  const there = await restoredIds(db, ids);
  const entries = await vouchingEntries(db, ids);
  const inOther = await keysOfFolders(ctx.other, readable.map((o) => prefixOfKey(o.key)).sort());
  const docCtx: DocumentRestore = { ...ctx, otherKeys: async () => inOther };

  await mapLimited(readable, ctx.concurrency, async (o) => {
    const { m } = o.read!;
    if (there.has(m.id)) {
      o.present = true;
      return;
    }
    try {
      o.checked = await checkDocument(docCtx, o.key, o.read!, entries.get(m.id) ?? [], o.problems);
    } catch (e) {
      o.problems.push(`${m.registryNo}: ${(e as Error).message}`);
    }
  });

  const ready = readable.filter((o) => o.checked);
  crashPoint('restore.before-rows');
  let written = new Set(ready);
  try {
    await writeDocuments(
      db,
      ready.map((o) => o.checked!),
    );
  } catch {
    written = new Set();
    for (const o of ready) {
      try {
        await writeDocuments(db, [o.checked!]);
        written.add(o);
      } catch (e) {
        o.problems.push(`${o.read!.m.registryNo}: ${(e as Error).message}`);
      }
    }
  }

  for (const o of outcomes) {
    if (o.present) report.documents.alreadyPresent++;
    else if (written.has(o)) report.documents.restored++;
    else if (o.read) {
      report.documents.failed++;
      if (UUID.test(String(o.read.m.id))) ctx.notRestored.push(o.read.m.id);
    }
    report.problems.push(...o.problems);
  }
}
