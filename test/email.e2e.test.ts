/**
 * E-mail messages uploaded as .eml files, on the real services: a message with two attachments becomes three
 * documents (the message, kept as its .eml with a PDF of it to read and search, and each attachment), the
 * attachments linked to the message's document, the subject and sender filling the title and correspondent;
 * the same message again is a duplicate and makes nothing new; a broken message is refused by name.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { bornDigitalPdf } from '../scripts/fixtures/pdfs';
import { startTestServer, type TestServer } from './helpers';
import { eml } from './imap/eml';

jest.setTimeout(180_000);

let server: TestServer;
let message: Buffer;

const SUBJECT = 'طلب تجديد الترخيص التجاري';
const SENDER = 'شركة النور للتجارة';
/** A word of the body only (not in the subject, the sender or the attachments). */
const BODY_WORD = 'الزعفران';
/** A line of the body with a colon and numbers followed by words: poppler once carried the words past them. */
const NUMBERED = 'رقم الطلب: ٤٥ بتاريخ ٢/٣/٢٠٢٦ للمحل الرئيسي';

interface Made {
  id: string;
  kind: string;
  duplicate?: boolean;
}

beforeAll(async () => {
  server = await startTestServer();
  const scan = await renderArabicScan(['وزارة التجارة', 'صورة السجل التجاري'], {
    seed: 7,
    width: 700,
    height: 360,
    format: 'png',
  });
  message = eml({
    from: { name: SENDER, address: 'info@alnoor.test' },
    to: 'diwan@ministry.test',
    subject: SUBJECT,
    date: new Date('2026-03-02T07:30:00Z'),
    messageId: 'renewal-2026-0042@alnoor.test',
    text: `السلام عليكم ورحمة الله\nنرفق لكم طلب تجديد ترخيص محل بيع ${BODY_WORD} والتوابل مع صورة السجل التجاري.\n${NUMBERED}\nمع التحية`,
    attachments: [
      { name: 'الطلب.pdf', mime: 'application/pdf', content: await bornDigitalPdf() },
      { name: 'السجل.png', mime: 'image/png', content: scan },
    ],
  });
});

afterAll(async () => {
  await server?.stop();
});

test('an .eml with two attachments becomes three documents, the attachments linked to the message', async () => {
  const res = await server.upload(message, 'renewal.eml', { classification: 'internal' });
  expect(res.status).toBe(202);
  const body = (await res.json()) as { id: string; documents: Made[]; rejected: unknown[] };
  expect(body.documents.map((d) => d.kind)).toEqual(['email', 'attachment', 'attachment']);
  expect(body.rejected).toEqual([]);
  const [mail, pdf, scan] = body.documents as [Made, Made, Made];
  expect(body.id).toBe(mail.id);

  const doc = (await (await server.api(`/api/v1/documents/${mail.id}`)).json()) as Record<string, unknown>;
  expect(doc).toMatchObject({
    title: SUBJECT,
    correspondentName: SENDER,
    docDate: '2026-03-02',
    externalRef: 'renewal-2026-0042@alnoor.test',
    originalMime: 'message/rfc822',
    textLayer: true,
  });
  const originals = doc.originals as Array<{ mime: string; pages: number; rendition?: boolean }>;
  expect(originals.map((o) => [o.mime, o.rendition ?? false])).toEqual([
    ['message/rfc822', false],
    ['application/pdf', true],
  ]);
  // The original is the message as received, byte for byte.
  expect(Buffer.from(await (await server.api(`/api/v1/documents/${mail.id}/original`)).arrayBuffer()).equals(message)).toBe(true);
  // Its PDF rendition reads in logical order with poppler (most desktop search), a colon and numbers in place.
  const rendition = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-email-')), 'rendition.pdf');
  fs.writeFileSync(
    rendition,
    Buffer.from(await (await server.api(`/api/v1/documents/${mail.id}/original?part=2`)).arrayBuffer()),
  );
  const { stdout } = await promisify(execFile)('pdftotext', ['-enc', 'UTF-8', rendition, '-']);
  expect(stdout.replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')).toContain(NUMBERED);

  // Each attachment is a document of its own, titled with its file name, the sender as its correspondent too.
  const attachment = (await (await server.api(`/api/v1/documents/${pdf.id}`)).json()) as Record<string, unknown>;
  expect(attachment).toMatchObject({ title: 'الطلب.pdf', correspondentName: SENDER, originalMime: 'application/pdf' });
  const links = (await (await server.api(`/api/v1/documents/${mail.id}/links`)).json()) as {
    to: Array<{ kind: string; other: { id: string } }>;
  };
  expect(
    links.to
      .filter((l) => l.kind === 'attachment')
      .map((l) => l.other.id)
      .sort(),
  ).toEqual([pdf.id, scan.id].sort());

  // The message's words are searchable: its PDF carries the body as text.
  expect((await server.waitFor(mail.id)).status).toBe('archived');
  const found = (await (await server.api(`/api/v1/search?${new URLSearchParams({ q: BODY_WORD })}`)).json()) as {
    hits: Array<{ id: string }>;
  };
  expect(found.hits.map((h) => h.id)).toContain(mail.id);

  // The same message again: duplicates all (200: nothing was registered), linked as before, nothing new.
  const again = await server.upload(message, 'renewal-again.eml');
  expect(again.status).toBe(200);
  const second = (await again.json()) as { documents: Made[] };
  expect(second.documents.map((d) => [d.id, d.kind, d.duplicate])).toEqual([
    [mail.id, 'email', true],
    [pdf.id, 'attachment', true],
    [scan.id, 'attachment', true],
  ]);
  const list = (await (await server.api('/api/v1/documents')).json()) as { total: number };
  expect(list.total).toBe(3);
  const linksAgain = (await (await server.api(`/api/v1/documents/${mail.id}/links`)).json()) as { to: unknown[] };
  expect(linksAgain.to).toHaveLength(2);
});

test('a broken message is refused as email_unreadable', async () => {
  // Its body was cut off: the multipart message never reaches its closing boundary.
  const cut = message.subarray(0, Math.floor(message.length * 0.6));
  const res = await server.upload(cut, 'cut.eml');
  expect(res.status).toBe(422);
  expect(((await res.json()) as { error: string }).error).toBe('email_unreadable');
});
