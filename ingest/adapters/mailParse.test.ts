import { bodyPieces } from './mailPdf';
import { readMessage } from './mailParse';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

const multipart = (tail: string) =>
  Buffer.from(
    [
      `From: =?UTF-8?B?${b64('شركة النور')}?= <info@alnoor.test>`,
      'To: diwan@ministry.test, "Registry" <registry@ministry.test>',
      `Subject: =?UTF-8?B?${b64('طلب تجديد')}?=`,
      'Date: Mon, 02 Mar 2026 10:00:00 +0300',
      'Message-ID: <abc.123@alnoor.test>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      b64('نص الرسالة'),
      '--b1',
      'Content-Type: application/pdf',
      'Content-Disposition: attachment; filename="a.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      b64('%PDF-1.4 tiny'),
      tail,
    ].join('\r\n'),
  );

describe('reading a message', () => {
  it('decodes its header fields, its body and its attachments', async () => {
    const m = await readMessage(multipart('--b1--\r\n'));
    expect(m).toMatchObject({
      subject: 'طلب تجديد',
      from: { name: 'شركة النور', address: 'info@alnoor.test' },
      to: [
        { name: '', address: 'diwan@ministry.test' },
        { name: 'Registry', address: 'registry@ministry.test' },
      ],
      messageId: 'abc.123@alnoor.test',
      text: 'نص الرسالة',
    });
    expect(m.date?.toISOString()).toBe('2026-03-02T07:00:00.000Z');
    expect(m.attachments).toHaveLength(1);
    expect(m.attachments[0]).toMatchObject({ name: 'a.pdf', mime: 'application/pdf', related: false });
    expect(m.attachments[0]!.content.toString()).toBe('%PDF-1.4 tiny');
  });

  it('refuses a message cut off before its closing boundary, or holding none of its parts', async () => {
    await expect(readMessage(multipart(''))).rejects.toMatchObject({ code: 'email_unreadable' });
    const none =
      'From: a@x.test\r\nDate: Mon, 02 Mar 2026 10:00:00 +0300\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\nno parts\r\n';
    await expect(readMessage(Buffer.from(none))).rejects.toMatchObject({ code: 'email_unreadable' });
    const unnamed = 'From: a@x.test\r\nContent-Type: multipart/mixed\r\n\r\n--zz\r\n\r\nx\r\n--zz--\r\n';
    await expect(readMessage(Buffer.from(unnamed))).rejects.toMatchObject({ code: 'email_unreadable' });
  });

  it('turns an HTML-only body into text', async () => {
    const html =
      'From: a@x.test\r\nSubject: s\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Hello <b>world</b></p><p>again</p>';
    expect((await readMessage(Buffer.from(html))).text).toBe('Hello world\n\nagain');
  });
});

it('cuts a body into pieces of a few lines, long lines broken at a space, blank lines kept as gaps', () => {
  const long = 'كلمة '.repeat(200).trim();
  const pieces = bodyPieces(`one\ntwo\nthree\nfour\nfive\n\n\n${long}\n`);
  expect(pieces.slice(0, 3)).toEqual(['one\ntwo\nthree\nfour', 'five', '']);
  const rest = pieces.slice(3).join('\n');
  expect(rest.replace(/\n/g, ' ')).toBe(long);
  expect(pieces.slice(3).every((p) => p.length <= 400 && !p.startsWith(' '))).toBe(true);
});
