/**
 * A mailbox over IMAP (imapflow, the only file that imports it): the settings' address read, one session opened
 * per poll (log in, select the mailbox, read its UIDVALIDITY), the messages listed by UID, a message's source
 * streamed, a message flagged \Seen, the session closed. A message's source is fetched with BODY.PEEK, so
 * reading it flags nothing: only a message the archive has finished with is marked seen.
 */
import type { Readable } from 'node:stream';
import { ImapFlow } from 'imapflow';
import type { Logger } from '../../kernel/log';

/** Where the mailbox is and how to sign in to it (from DIWAN_IMAP_URL). */
export interface ImapSettings {
  host: string;
  port: number;
  /** TLS from the first byte (imaps://); otherwise STARTTLS, required off this machine (see `startTls`). */
  secure: boolean;
  user: string;
  pass: string;
  mailbox: string;
}

/** imap://user:password@host:143/INBOX or imaps://…:993/…, user and password percent-encoded; INBOX when no mailbox is named. */
export function parseImapUrl(url: string): ImapSettings {
  const u = new URL(url);
  const secure = u.protocol === 'imaps:';
  if (!secure && u.protocol !== 'imap:') throw new Error('an imap:// or imaps:// address');
  const mailbox = decodeURIComponent(u.pathname.replace(/^\//, '')) || 'INBOX';
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : secure ? 993 : 143,
    secure,
    user: decodeURIComponent(u.username),
    pass: decodeURIComponent(u.password),
    mailbox,
  };
}

/** The names of this machine: a server there is reached without crossing a network anyone else is on. */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1']);

/**
 * Whether an imap:// session must be upgraded with STARTTLS before it signs in: always, but on this machine.
 * Upgrading only when the server offers it would let a man in the middle strike the offer from the (clear)
 * greeting and read the password; required, a server that does not offer it is refused before the password
 * is sent.
 */
export function startTls(s: ImapSettings): boolean {
  return !s.secure && !LOOPBACK.has(s.host.toLowerCase());
}

/** The mailbox as rows and logs name it: user@host:port/mailbox, never the password. */
export function mailboxName(s: ImapSettings): string {
  return `${s.user}@${s.host}:${s.port}/${s.mailbox}`;
}

/** A message as listed: its UID, its size, its Message-ID. */
export interface ListedMessage {
  uid: number;
  size: number;
  messageId: string | null;
}

/** One session with the selected mailbox. */
export interface MailboxSession {
  /** The mailbox's UIDVALIDITY (a decimal string: it is up to 2^32-1). */
  uidValidity: string;
  /** Whether the session still holds its connection (false once the server or the network dropped it). */
  readonly usable: boolean;
  /** The messages among `uids` and above `after` (those still there), in UID order, at most `limit`. */
  list(after: number, uids: number[], limit: number): Promise<ListedMessage[]>;
  /** A message's whole source (RFC 5322), at most `maxBytes` of it; undefined when it is gone. */
  source(uid: number, maxBytes: number): Promise<Readable | undefined>;
  markSeen(uid: number): Promise<void>;
  close(): Promise<void>;
}

/** How long a server may take to answer before the poll gives up on it (it tries again at the next). */
const TIMEOUTS = { connectionTimeout: 20_000, greetingTimeout: 15_000, socketTimeout: 120_000 };

/** A client for the mailbox's server; a connection that drops is an event, heard here, so it never ends the process. */
function clientFor(s: ImapSettings, onError: (e: Error) => void): ImapFlow {
  const client = new ImapFlow({
    host: s.host,
    port: s.port,
    secure: s.secure,
    // Never both: imaps:// is TLS already. On loopback the session stays as it is (a local server often has no certificate).
    ...(s.secure ? {} : { doSTARTTLS: startTls(s) }),
    auth: { user: s.user, pass: s.pass },
    logger: false,
    disableAutoIdle: true,
    ...TIMEOUTS,
  });
  client.on('error', onError);
  return client;
}

/** Signs in and selects the mailbox; throws when the server is away or refuses. */
export async function openMailbox(s: ImapSettings, log: Logger): Promise<MailboxSession> {
  const client = clientFor(s, (e) => log.warn('mailbox connection failed', { mailbox: mailboxName(s), error: String(e) }));
  await client.connect();
  try {
    const box = await client.mailboxOpen(s.mailbox);
    return session(client, String(box.uidValidity));
  } catch (e) {
    client.close();
    throw e;
  }
}

function session(client: ImapFlow, uidValidity: string): MailboxSession {
  return {
    uidValidity,
    get usable() {
      return client.usable;
    },
    async list(after, uids, limit) {
      const above = (await client.search({ uid: `${after + 1}:*` }, { uid: true })) || [];
      // "n:*" answers the last message even when its UID is below n.
      const wanted = [...new Set([...uids, ...above.filter((u) => u > after)])].sort((a, b) => a - b).slice(0, limit);
      if (wanted.length === 0) return [];
      const found = await client.fetchAll(wanted.join(','), { uid: true, size: true, envelope: true }, { uid: true });
      return found
        .map((m) => ({ uid: m.uid, size: m.size ?? 0, messageId: m.envelope?.messageId?.replace(/^<|>$/g, '') || null }))
        .sort((a, b) => a.uid - b.uid);
    },
    async source(uid, maxBytes) {
      const got = await client.download(String(uid), undefined, { uid: true, maxBytes });
      return got.content;
    },
    async markSeen(uid) {
      await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
    },
    async close() {
      await client.logout().catch(() => client.close());
    },
  };
}

/** Signs in and selects the mailbox read-only, for `diwan doctor`: how many messages it holds. */
export async function pingMailbox(s: ImapSettings): Promise<string> {
  // An error while connecting rejects connect(); one after it ends the session, which is closed here anyway.
  const client = clientFor(s, () => undefined);
  await client.connect();
  try {
    const box = await client.mailboxOpen(s.mailbox, { readOnly: true });
    return `${mailboxName(s)}: ${box.exists} messages, UIDVALIDITY ${box.uidValidity}`;
  } finally {
    await client.logout().catch(() => client.close());
  }
}
