/**
 * The polled mailbox against a real IMAP server (Dovecot, test/imap/dovecot.ts) and a real Diwan: each message
 * is taken once however often the mailbox is polled, into a batch of source 'mail', and flagged seen; a message
 * a killed poll left half-taken is taken at the next poll, exactly once; the server away is a failed poll, not
 * a failed worker; the worker's own poller (startIntakeServices) takes what arrives.
 */
import { ImapFlow } from 'imapflow';
import { mailboxName, parseImapUrl } from '../ingest/adapters/imap';
import { pollMailbox, type MailboxSettings, type PollResult } from '../ingest/mailbox';
import { acceptDeps } from '../src/runtime/core';
import { startIntakeServices } from '../src/runtime/intakeServices';
import { beginTaking, takenRows } from '../storage/repos/mailTaken';
import { startDovecot, type Dovecot } from './imap/dovecot';
import { eml } from './imap/eml';
import { startTestServer, type TestServer } from './helpers';

jest.setTimeout(120_000);

let dovecot: Dovecot;
let server: TestServer;
let settings: MailboxSettings;
let mailbox: string;
let sent = 0;

/** A short message of its own (a new subject and Message-ID each time). */
function letter(): Buffer {
  sent++;
  return eml({
    from: { name: `مرسل ${sent}`, address: `sender${sent}@example.test` },
    to: 'registry@ministry.test',
    subject: `رسالة رقم ${sent}`,
    date: new Date(Date.UTC(2026, 2, sent, 8)),
    messageId: `letter-${sent}@example.test`,
    text: `نص الرسالة رقم ${sent}`,
  });
}

/** Puts messages into the mailbox as a mail server delivering them would; their UIDs. */
async function deliver(...messages: Buffer[]): Promise<number[]> {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: dovecot.port,
    secure: false,
    auth: { user: dovecot.user, pass: dovecot.password },
    logger: false,
  });
  await client.connect();
  try {
    const uids: number[] = [];
    for (const m of messages) {
      const r = await client.append('INBOX', m);
      if (!r || !r.uid) throw new Error('APPEND gave no UID');
      uids.push(r.uid);
    }
    return uids;
  } finally {
    await client.logout();
  }
}

/** The \Seen flag of each message, by UID. */
async function seen(): Promise<Record<number, boolean>> {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: dovecot.port,
    secure: false,
    auth: { user: dovecot.user, pass: dovecot.password },
    logger: false,
  });
  await client.connect();
  try {
    await client.mailboxOpen('INBOX', { readOnly: true });
    const all = await client.fetchAll('1:*', { uid: true, flags: true });
    return Object.fromEntries(all.map((m) => [m.uid, m.flags?.has('\\Seen') ?? false]));
  } finally {
    await client.logout();
  }
}

const poll = async () => (await pollMailbox(settings, acceptDeps(server.core))) as PollResult;
const total = async () => ((await (await server.api('/api/v1/documents')).json()) as { total: number }).total;

beforeAll(async () => {
  dovecot = await startDovecot();
  server = await startTestServer();
  settings = { url: dovecot.url, everyMs: 60_000, register: 'incoming', department: 'الديوان', classification: 'internal' };
  mailbox = mailboxName(parseImapUrl(dovecot.url));
});

afterAll(async () => {
  await server?.stop();
  await dovecot?.stop();
});

test('each message is taken once, into a batch of source mail, and flagged seen', async () => {
  const [a, b] = await deliver(letter(), letter());
  const first = await poll();
  expect(first).toMatchObject({ messages: 2, documents: 2, rejected: 0 });
  expect(await total()).toBe(2);
  const batch = (await (await server.api(`/api/v1/batches/${first.batchId}`)).json()) as Record<string, unknown>;
  expect(batch).toMatchObject({ source: 'mail', department: 'الديوان' });
  const files = (await (await server.api(`/api/v1/batches/${first.batchId}/files`)).json()) as Array<{
    kind: string;
    name: string;
  }>;
  expect(files.map((f) => [f.kind, f.name])).toEqual([
    ['email', `INBOX-${a}.eml`],
    ['email', `INBOX-${b}.eml`],
  ]);
  expect((await takenRows(server.core.db, mailbox)).map((r) => [r.uid, r.status])).toEqual([
    [a, 'done'],
    [b, 'done'],
  ]);
  expect(await seen()).toEqual({ [a!]: true, [b!]: true });

  // Polled again: nothing new, no batch.
  expect(await poll()).toEqual({ messages: 0, documents: 0, rejected: 0, batchId: null });
  expect(await total()).toBe(2);

  // A third message: only it is taken.
  const [c] = await deliver(letter());
  expect(await poll()).toMatchObject({ messages: 1, documents: 1 });
  expect(await total()).toBe(3);
  expect((await takenRows(server.core.db, mailbox)).map((r) => r.uid)).toEqual([a, b, c]);
});

test('a message a killed poll left half-taken is taken at the next poll, exactly once', async () => {
  const message = letter();
  const [uid] = await deliver(message);
  const { uidValidity } = (await takenRowsKey())!;
  // The killed poll had begun the message and registered its document, and never said so.
  expect(await beginTaking(server.core.db, { mailbox, uidValidity, uid: uid! }, null)).toBe(1);
  const registered = (await (await server.upload(message, 'half-taken.eml')).json()) as { id: string };
  const before = await total();

  const next = await poll();
  expect(next).toMatchObject({ messages: 1, documents: 1, rejected: 0 });
  const files = (await (await server.api(`/api/v1/batches/${next.batchId}/files`)).json()) as Array<{
    status: string;
    documentId: string;
  }>;
  expect(files).toEqual([expect.objectContaining({ status: 'duplicate', documentId: registered.id })]);
  expect(await total()).toBe(before);
  const row = (await takenRows(server.core.db, mailbox)).find((r) => r.uid === uid);
  expect(row).toMatchObject({ status: 'done', attempts: 2 });
  expect(await poll()).toMatchObject({ messages: 0 });
});

test("the server away is a failed poll, and the worker's poller takes what arrives", async () => {
  const away = { ...settings, url: dovecot.url.replace(`:${dovecot.port}/`, ':1/') };
  await expect(pollMailbox(away, acceptDeps(server.core))).rejects.toThrow();

  const services = await startIntakeServices({
    ...server.core,
    config: { ...server.core.config, intake: { ...server.core.config.intake, imap: { ...settings, everyMs: 200 } } },
  });
  try {
    const before = await total();
    const [uid] = await deliver(letter());
    const deadline = Date.now() + 30_000;
    while ((await takenRows(server.core.db, mailbox)).find((r) => r.uid === uid)?.status !== 'done') {
      if (Date.now() > deadline) throw new Error('the poller did not take the message');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await total()).toBe(before + 1);
  } finally {
    await services.stop();
  }
});

/** The UIDVALIDITY the rows of this mailbox carry. */
async function takenRowsKey(): Promise<{ uidValidity: string } | undefined> {
  const res = await server.core.db.query<{ uid_validity: string }>(
    'SELECT uid_validity FROM mail_taken WHERE mailbox = $1 LIMIT 1',
    [mailbox],
  );
  return res.rows[0] && { uidValidity: res.rows[0].uid_validity };
}
