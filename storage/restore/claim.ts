/**
 * Whose database it is: a restore goes only into an empty database, or one an
 * unfinished restore left behind, and it says so in `diwan_state` ('restore')
 * when it starts and when it is done.
 */
import type { Db } from '../db';
import { readState, writeState } from '../state';
import { documentCount } from '../repos/documentRecords';
import { ledgerEntryCount } from './ledgerRows';
import type { RestoreReport } from './report';

const STATE_KEY = 'restore';

export class RestoreRefused extends Error {}

/** Refuses a database that holds an archive already, unless it is an unfinished restore. */
export async function claim(db: Db, from: string): Promise<void> {
  const state = await readState<{ status: string }>(db, STATE_KEY);
  const running = state?.status === 'running';
  const docs = await documentCount(db);
  const entries = await ledgerEntryCount(db);
  if (!running && (docs > 0 || entries > 0)) {
    throw new RestoreRefused(
      `قاعدة البيانات ليست فارغة (${docs} وثيقة، ${entries} قيدًا في السجل) / the database already holds ${docs} documents and ${entries} ledger entries: restore goes into an empty database`,
    );
  }
  await writeState(db, STATE_KEY, { status: 'running', from, startedAt: new Date().toISOString() });
}

/** Records the restore as done. */
export async function finish(db: Db, report: RestoreReport): Promise<void> {
  await writeState(db, STATE_KEY, {
    status: 'done',
    from: report.from,
    finishedAt: new Date().toISOString(),
    restored: report.documents.restored,
    problems: report.problems.length,
  });
}
