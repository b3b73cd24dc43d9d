/**
 * The polled mailbox (DIWAN_IMAP_URL): every message that arrives in it is archived once, as an uploaded .eml
 * would be (ingest/intake/email.ts), into a batch of source 'mail' made by the poll that found it.
 *
 *   poll (one process at a time per mailbox: a session advisory lock, gone with a killed process)
 *   -> open the mailbox (adapters/imap.ts), read its UIDVALIDITY
 *   -> list the messages still 'taking' (an interrupted poll's) and those above the highest UID begun
 *   -> for each: begin its mail_taken row ('taking', its attempt counted; a 'done' or 'rejected' row is skipped)
 *        -> begun more than MAX_ATTEMPTS times: ended 'rejected' (attempts_exhausted), not received
 *        -> its source streamed to the spool -> receiveFile into its batch (an earlier attempt's, or the poll's)
 *        -> end its row: 'done' (with the code of a part refused, if any), or 'rejected' with the code
 *        -> flag it \Seen
 *
 * Crash windows: a process stopped between begin and end leaves the row 'taking', and the next poll takes the
 * message again: what it had registered comes back as duplicates, the rest is registered, links are made
 * again (idempotent). A passing fault (isPassingFault: storage, the database, an internal error), in a part
 * or thrown while the message is fetched or received, leaves the row 'taking' the same way, its code noted.
 * Each message is taken in its own try: one that fails never ends the poll for the messages after it. A
 * message that stops its process every time is begun MAX_ATTEMPTS times, then ended without being received
 * and left unread in the mailbox for a person. The server away: logged, tried again at the next poll; never
 * an end of the worker.
 */
import { withDocumentLock } from '../storage/locks';
import {
  ATTEMPTS_EXHAUSTED,
  beginTaking,
  endTaking,
  noteTaking,
  takenSoFar,
  type MailKey,
  type MailTakenEnd,
} from '../storage/repos/mailTaken';
import type { BatchRecord } from '../storage/repos/batches';
import { isDomainError, isPassingFault } from '../kernel/errors';
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
  /** The batches the messages went into: the poll's own, and those of earlier attempts of messages taken again. */
  batchIds: string[];
}

/** Messages taken in one poll at most; the rest wait for the next (a first poll of a full mailbox stays short). */
const PER_POLL = 50;
/** A message is received at most this many times; begun once more, it is given up. */
export const MAX_ATTEMPTS = 5;

interface Taken {
  documents: number;
  rejected: number;
  batchId: string | null;
}

/** One poll of the mailbox; 'busy' when another process is polling it now. `stopping` ends it between two messages. */
export async function pollMailbox(
  settings: MailboxSettings,
  deps: AcceptDeps,
  stopping: () => boolean = () => false,
): Promise<PollResult | 'busy'> {
  const server = parseImapUrl(settings.url);
  const mailbox = mailboxName(server);
  return withDocumentLock(deps.db, `mailbox ${mailbox}`, async () => {
    const result: PollResult = { messages: 0, documents: 0, rejected: 0, batchIds: [] };
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
      const batchFor = batchChooser(settings, mailbox, deps);
      for (const m of listed) {
        // A session the server or the network dropped takes nothing more: the rest wait for the next poll.
        if (stopping() || !box.usable) break;
        const taken = await takeMessage(box, m, key(m.uid), batchFor, server.mailbox, deps);
        if (!taken) continue;
        result.messages++;
        result.documents += taken.documents;
        result.rejected += taken.rejected;
        if (taken.batchId && !result.batchIds.includes(taken.batchId)) result.batchIds.push(taken.batchId);
      }
    } finally {
      await box.close();
    }
    return result;
  });
}

/**
 * The batch a message is received into: the one an earlier attempt of it chose, while that batch is there,
 * so its retries stay together; otherwise the poll's own, made at its first message.
 */
function batchChooser(settings: MailboxSettings, mailbox: string, deps: AcceptDeps) {
  let own: BatchRecord | undefined;
  const earlier = new Map<string, BatchRecord>();
  return async (earlierId: string | null): Promise<BatchRecord> => {
    if (earlierId) {
      const found = earlier.get(earlierId) ?? (await deps.batches.get(earlierId));
      if (found?.mode === 'documents') {
        earlier.set(earlierId, found);
        return found;
      }
    }
    own ??= await deps.batches.create({
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
    return own;
  };
}

/**
 * Begins a message and receives it, or gives it up past MAX_ATTEMPTS; undefined when it was taken already. A
 * failure while it is fetched or received is this message's alone: a passing one leaves it to the next poll
 * (until its last attempt), any other ends it 'rejected' with its code.
 */
async function takeMessage(
  box: MailboxSession,
  m: ListedMessage,
  key: MailKey,
  batchFor: (earlierId: string | null) => Promise<BatchRecord>,
  folder: string,
  deps: AcceptDeps,
): Promise<Taken | undefined> {
  const taking = await beginTaking(deps.db, key, m.messageId);
  if (!taking) return undefined;
  const about = { mailbox: key.mailbox, uid: m.uid, attempt: taking.attempt };
  if (taking.attempt > MAX_ATTEMPTS) {
    deps.log.warn('a message never finished in its attempts is given up, left unread in the mailbox', about);
    await endTaking(deps.db, key, { status: 'rejected', batchId: null, sha256: null, errorCode: ATTEMPTS_EXHAUSTED });
    return { documents: 0, rejected: 1, batchId: null };
  }
  const batch = await batchFor(taking.batchId);
  if (batch.id !== taking.batchId) await noteTaking(deps.db, key, { batchId: batch.id });
  try {
    return { ...(await receiveMessage(box, m, key, taking.attempt, batch, folder, deps)), batchId: batch.id };
  } catch (e) {
    const code = isDomainError(e) ? e.code : 'internal';
    deps.log.warn('taking a message failed', { ...about, error: String(e) });
    if (isPassingFault(code) && taking.attempt < MAX_ATTEMPTS) await noteTaking(deps.db, key, { errorCode: code });
    else await endTaking(deps.db, key, { status: 'rejected', batchId: batch.id, sha256: null, errorCode: code });
    return { documents: 0, rejected: 1, batchId: batch.id };
  }
}

/** Receives one message into the batch and ends its row (or leaves it 'taking' after a passing fault in a part). */
async function receiveMessage(
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
  const file = await spoolStream(source, `${folder}-${m.uid}.eml`, deps.spoolDir, deps.limits.maxFileBytes).catch(
    (e: unknown) => {
      // The spool refused it before reading it all: the rest is read and dropped, so the session goes on.
      source.resume();
      throw e;
    },
  );
  const rows = await receiveFile(batch, file, deps);
  const refused = rows.filter((r) => r.status === 'rejected');
  const counts = { documents: rows.length - refused.length, rejected: refused.length };
  const passing = refused.find((r) => r.error && isPassingFault(r.error.code));
  if (passing?.error && attempt < MAX_ATTEMPTS) {
    deps.log.warn('a message met a passing fault; taken again at the next poll', {
      mailbox: key.mailbox,
      uid: m.uid,
      attempt,
      error: passing.error.code,
    });
    await noteTaking(deps.db, key, { errorCode: passing.error.code });
    return counts;
  }
  // The first row is the message's own (or its refusal whole); a part refused leaves the message done, and says so.
  const own = rows[0];
  const end: MailTakenEnd =
    !own || own.status === 'rejected'
      ? { status: 'rejected', batchId: batch.id, sha256: file.sha256, errorCode: own?.error?.code ?? 'internal' }
      : { status: 'done', batchId: batch.id, sha256: file.sha256, errorCode: (passing ?? refused[0])?.error?.code ?? null };
  await endTaking(deps.db, key, end);
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
