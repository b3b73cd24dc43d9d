/**
 * The polled mailbox (DIWAN_IMAP_URL): every message that arrives in it is archived once, as an uploaded .eml
 * would be (ingest/intake/email.ts), into a batch of source 'mail' made by the poll that found it.
 *
 *   poll (one process at a time per mailbox: a session advisory lock, gone with a killed process)
 *   -> open the mailbox (adapters/imap.ts), read its UIDVALIDITY
 *   -> list the messages still 'taking' (an interrupted poll's) and those above the highest UID begun
 *   -> for each: begin its mail_taken row ('taking'; a 'done' or 'rejected' row is skipped)
 *        -> its source streamed to the spool -> receiveFile into the poll's batch
 *        -> end its row: 'done', or 'rejected' with the code -> flag it \Seen
 *
 * Crash windows: a process stopped between begin and end leaves the row 'taking', and the next poll takes the
 * message again: what it had registered comes back as duplicates, the rest is registered, links are made
 * again (idempotent). A passing fault (storage, the database, an internal error) leaves the row 'taking' the
 * same way. A message begun MAX_ATTEMPTS times without an end (it fails, or stops its process, every time) is
 * rejected with its last code and left in the mailbox for a person. The server away: logged, tried again at
 * the next poll; never an end of the worker.
 */
import { withDocumentLock } from '../storage/locks';
import { beginTaking, endTaking, takenSoFar, type MailKey } from '../storage/repos/mailTaken';
import type { BatchRecord } from '../storage/repos/batches';
import type { ErrorCode } from '../kernel/errors';
import { mailboxName, openMailbox, parseImapUrl, type ListedMessage, type MailboxSession } from './adapters/imap';
import type { AcceptDeps } from './intake/accept';
import { receiveFile } from './intake/batch';
import { spoolStream } from './intake/spoolBytes';

/** The mailbox's settings (config.intake.imap). */
export interface MailboxSettings {
  url: string;
  everyMs: number;
  register: string;
  department: string | null;
  classification: string;
}

export interface PollResult {
  /** Messages received in this poll (each ended, or left to try again). */
  messages: number;
  /** Documents made or found (duplicates), and parts or messages refused. */
  documents: number;
  rejected: number;
  batchId: string | null;
}

/** Messages taken in one poll at most; the rest wait for the next (a first poll of a full mailbox stays short). */
const PER_POLL = 50;
const MAX_ATTEMPTS = 5;
/** Codes of a passing fault: the message is taken again at the next poll. */
const TRY_AGAIN: ReadonlySet<ErrorCode | string> = new Set([
  'internal',
  'storage_unavailable',
  'decode_timeout',
  'office_unavailable',
  'office_timeout',
  'unknown_register',
  'not_ready',
]);

/** One poll of the mailbox; 'busy' when another process is polling it now. `stopping` ends it between two messages. */
export async function pollMailbox(
  settings: MailboxSettings,
  deps: AcceptDeps,
  stopping: () => boolean = () => false,
): Promise<PollResult | 'busy'> {
  const server = parseImapUrl(settings.url);
  const mailbox = mailboxName(server);
  return withDocumentLock(deps.db, `mailbox ${mailbox}`, async () => {
    const result: PollResult = { messages: 0, documents: 0, rejected: 0, batchId: null };
    const box = await openMailbox(server, deps.log);
    try {
      const so = await takenSoFar(deps.db, mailbox, box.uidValidity);
      const listed = await box.list(so.highest, so.unfinished, PER_POLL);
      const key = (uid: number): MailKey => ({ mailbox, uidValidity: box.uidValidity, uid });
      if (listed.length < PER_POLL) {
        // A message begun and then deleted from the mailbox by someone: nothing left to take.
        const here = new Set(listed.map((m) => m.uid));
        for (const uid of so.unfinished.filter((u) => !here.has(u))) {
          await endTaking(deps.db, key(uid), { status: 'rejected', batchId: null, sha256: null, errorCode: 'not_found' });
        }
      }
      let batch: BatchRecord | undefined;
      for (const m of listed) {
        if (stopping()) break;
        const attempt = await beginTaking(deps.db, key(m.uid), m.messageId);
        if (attempt === undefined) continue;
        batch ??= await deps.batches.create({
          name: `البريد · mail ${mailbox} ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`,
          mode: 'documents',
          title: null,
          docType: null,
          department: settings.department,
          classification: settings.classification,
          docDate: null,
          correspondent: null,
          createdBy: null,
          register: settings.register,
          source: 'mail',
        });
        result.batchId = batch.id;
        const taken = await takeMessage(box, m, key(m.uid), attempt, batch, server.mailbox, deps);
        result.messages++;
        result.documents += taken.documents;
        result.rejected += taken.rejected;
      }
    } finally {
      await box.close();
    }
    return result;
  });
}

/** Receives one message into the batch and ends its row (or leaves it 'taking' after a passing fault). */
async function takeMessage(
  box: MailboxSession,
  m: ListedMessage,
  key: MailKey,
  attempt: number,
  batch: BatchRecord,
  folder: string,
  deps: AcceptDeps,
): Promise<{ documents: number; rejected: number }> {
  const source = await box.source(m.uid, deps.limits.maxFileBytes + 1);
  if (!source) {
    await endTaking(deps.db, key, { status: 'rejected', batchId: batch.id, sha256: null, errorCode: 'not_found' });
    return { documents: 0, rejected: 0 };
  }
  const file = await spoolStream(source, `${folder}-${m.uid}.eml`, deps.spoolDir, deps.limits.maxFileBytes);
  const rows = await receiveFile(batch, file, deps);
  const refused = rows.filter((r) => r.status === 'rejected');
  const counts = { documents: rows.length - refused.length, rejected: refused.length };
  const passing = refused.find((r) => r.error && TRY_AGAIN.has(r.error.code));
  if (passing && attempt < MAX_ATTEMPTS) {
    deps.log.warn('a message met a passing fault; taken again at the next poll', {
      mailbox: key.mailbox,
      uid: m.uid,
      attempt,
      error: passing.error?.code,
    });
    return counts;
  }
  const whole = rows[0]?.status === 'rejected' ? rows[0] : passing;
  await endTaking(
    deps.db,
    key,
    whole
      ? { status: 'rejected', batchId: batch.id, sha256: file.sha256, errorCode: whole.error?.code ?? 'internal' }
      : { status: 'done', batchId: batch.id, sha256: file.sha256 },
  );
  await box
    .markSeen(m.uid)
    .catch((e: unknown) => deps.log.warn('could not flag a message seen', { uid: m.uid, error: String(e) }));
  return counts;
}

/** Polls the mailbox now and then every `everyMs` until stopped; a failed poll is logged and tried again at the next. */
export function startMailboxPoller(settings: MailboxSettings, deps: AcceptDeps): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const tick = () => {
    running = pollMailbox(settings, deps, () => stopped)
      .then((r) => {
        if (r !== 'busy' && r.messages > 0) deps.log.info('messages taken from the mailbox', { ...r });
      })
      .catch((e: unknown) => deps.log.warn('mailbox poll failed; tried again at the next', { error: String(e) }))
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(tick, settings.everyMs);
      });
  };
  timer = setTimeout(tick, 0);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
