/**
 * The polled mailbox against a real IMAP server (Dovecot, test/imap/dovecot.ts) and a real Diwan: each message
 * is taken once however often the mailbox is polled, into a batch of source 'mail', and flagged seen; a message
 * a killed poll left half-taken is taken at the next poll, exactly once; one begun at every attempt is given up
 * and holds up none after it; a message that fails is the poll's only failure, and its retries share a batch;
 * off this machine the password never crosses without STARTTLS; the server away is a failed poll, not a failed
 * worker; the worker's own poller (startIntakeServices) takes what arrives.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { mailboxName, parseImapUrl } from '../ingest/adapters/imap';
import { MAX_ATTEMPTS, pollMailbox, type MailboxSettings, type PollResult } from '../ingest/mailbox';
import { docxFile } from '../scripts/fixtures/officeFiles';
import { acceptDeps } from '../src/runtime/core';
import { startIntakeServices } from '../src/runtime/intakeServices';
import { beginTaking, takenRows, type MailKey } from '../storage/repos/mailTaken';
import { startDovecot, type Dovecot } from './imap/dovecot';
import { eml, type EmlMessage } from './imap/eml';
import { startTestServer, type TestServer } from './helpers';

jest.setTimeout(120_000);

let dovecot: Dovecot;
let server: TestServer;
let settings: MailboxSettings;
let mailbox: string;
let sent = 0;

/** A short message of its own (a new subject and Message-ID each time). */
function letter(extra: Partial<EmlMessage> = {}): Buffer {
  sent++;
  return eml({
    from: { name: `مرسل ${sent}`, address: `sender${sent}@example.test` },
    to: 'registry@ministry.test',
    subject: `رسالة رقم ${sent}`,
    date: new Date(Date.UTC(2026, 2, sent, 8)),
    messageId: `letter-${sent}@example.test`,
    text: `نص الرسالة رقم ${sent}`,
    ...extra,
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

const poll = async (deps = acceptDeps(server.core)) => (await pollMailbox(settings, deps)) as PollResult;
const rowOf = async (uid: number | undefined) => (await takenRows(server.core.db, mailbox)).find((r) => r.uid === uid);
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
  expect(first.batchIds).toHaveLength(1);
  const batch = (await (await server.api(`/api/v1/batches/${first.batchIds[0]}`)).json()) as Record<string, unknown>;
  expect(batch).toMatchObject({ source: 'mail', department: 'الديوان' });
  const files = (await (await server.api(`/api/v1/batches/${first.batchIds[0]}/files`)).json()) as Array<{
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
  expect(await poll()).toEqual({ messages: 0, documents: 0, rejected: 0, batchIds: [] });
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
  expect(await beginTaking(server.core.db, { mailbox, uidValidity, uid: uid! }, null)).toEqual({ attempt: 1, batchId: null });
  const registered = (await (await server.upload(message, 'half-taken.eml')).json()) as { id: string };
  const before = await total();

  const next = await poll();
  expect(next).toMatchObject({ messages: 1, documents: 1, rejected: 0 });
  const files = (await (await server.api(`/api/v1/batches/${next.batchIds[0]}/files`)).json()) as Array<{
    status: string;
    documentId: string;
  }>;
  expect(files).toEqual([expect.objectContaining({ status: 'duplicate', documentId: registered.id })]);
  expect(await total()).toBe(before);
  const row = (await takenRows(server.core.db, mailbox)).find((r) => r.uid === uid);
  expect(row).toMatchObject({ status: 'done', attempts: 2 });
  expect(await poll()).toMatchObject({ messages: 0 });
});

test('a message begun at every attempt without an end is given up, unread, and the next is taken', async () => {
  const [stuck, next] = await deliver(letter(), letter());
  // Five processes were killed while taking it (out of memory, say): each began it and never ended it.
  const key: MailKey = { mailbox, uidValidity: (await takenRowsKey())!.uidValidity, uid: stuck! };
  for (let i = 0; i < MAX_ATTEMPTS; i++) await beginTaking(server.core.db, key, null);
  const before = await total();

  expect(await poll()).toMatchObject({ messages: 2, documents: 1, rejected: 1 });
  expect(await total()).toBe(before + 1);
  expect(await rowOf(stuck)).toMatchObject({ status: 'rejected', errorCode: 'attempts_exhausted', attempts: 6 });
  expect(await rowOf(next)).toMatchObject({ status: 'done', errorCode: null });
  expect(await seen()).toMatchObject({ [stuck!]: false, [next!]: true });
});

test('a message that fails while fetched ends no poll, and is taken again into the same batch', async () => {
  const [a, b] = await deliver(letter(), letter());
  // A spool the process cannot write to: each message fails on its own, the poll goes on to the next.
  const notADir = path.join(os.tmpdir(), `diwan-imap-spool-${process.pid}`);
  fs.writeFileSync(notADir, '');
  let failed: PollResult;
  try {
    failed = await poll({ ...acceptDeps(server.core), spoolDir: path.join(notADir, 'spool') });
  } finally {
    fs.rmSync(notADir, { force: true });
  }
  expect(failed).toMatchObject({ messages: 2, documents: 0, rejected: 2 });
  expect(failed.batchIds).toHaveLength(1);
  for (const uid of [a, b]) {
    expect(await rowOf(uid)).toMatchObject({ status: 'taking', attempts: 1, errorCode: 'internal', batchId: failed.batchIds[0] });
  }

  const again = await poll();
  expect(again).toMatchObject({ messages: 2, documents: 2, rejected: 0, batchIds: failed.batchIds });
  expect(await rowOf(a)).toMatchObject({ status: 'done', attempts: 2, batchId: failed.batchIds[0] });
  expect(await rowOf(b)).toMatchObject({ status: 'done', attempts: 2 });
});

test('a part that meets a passing fault at every attempt: retried in one batch, then done with its code', async () => {
  const memo = { name: 'مذكرة.docx', mime: 'application/octet-stream', content: docxFile(['مذكرة داخلية']) };
  const [uid] = await deliver(letter({ attachments: [memo] }));
  const deps = acceptDeps(server.core);
  const noOffice = { ...deps, office: { ...deps.office!, soffice: '/nonexistent/soffice' } };
  const before = await total();

  const first = await poll(noOffice);
  expect(first).toMatchObject({ messages: 1, documents: 1, rejected: 1 });
  expect(await rowOf(uid)).toMatchObject({ status: 'taking', attempts: 1, errorCode: 'office_unavailable' });
  // Three more polls met the same (their attempts only are counted here), and the last attempt meets it too.
  const key: MailKey = { mailbox, uidValidity: (await takenRowsKey())!.uidValidity, uid: uid! };
  for (let i = 2; i < MAX_ATTEMPTS; i++) await beginTaking(server.core.db, key, null);
  const last = await poll(noOffice);
  expect(last).toMatchObject({ messages: 1, documents: 1, rejected: 1, batchIds: first.batchIds });
  // The message is in the archive: its row says done, and which part was refused.
  expect(await rowOf(uid)).toMatchObject({ status: 'done', attempts: MAX_ATTEMPTS, errorCode: 'office_unavailable' });
  expect(await total()).toBe(before + 1);
  expect((await seen())[uid!]).toBe(true);
});

test('imap:// off this machine requires STARTTLS: a server without it never sees the password', async () => {
  // A man in the middle on a non-loopback address, passing everything to the Dovecot that offers no STARTTLS.
  const heard: Buffer[] = [];
  const open: net.Socket[] = [];
  const relay = net.createServer((from) => {
    open.push(from);
    const to = net.connect(dovecot.port, '127.0.0.1');
    from.on('data', (d: Buffer) => heard.push(d));
    from.on('error', () => to.destroy());
    to.on('error', () => from.destroy());
    from.pipe(to).pipe(from);
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.2', r));
  const { port } = relay.address() as net.AddressInfo;
  try {
    const url = `imap://${dovecot.user}:${dovecot.password}@127.0.0.2:${port}/INBOX`;
    await expect(pollMailbox({ ...settings, url }, acceptDeps(server.core))).rejects.toThrow(/STARTTLS/);
    const said = Buffer.concat(heard).toString('latin1');
    expect(said).not.toMatch(/LOGIN|AUTHENTICATE/i);
    expect(said).not.toContain(dovecot.password);
  } finally {
    open.forEach((s) => s.destroy());
    await new Promise((r) => relay.close(r));
  }
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
