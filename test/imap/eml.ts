/**
 * E-mail messages for the tests, written as a mail program writes them: RFC 5322 headers with non-ASCII
 * words encoded (=?UTF-8?B?…?=), a base64 UTF-8 text body, and attachments as base64 parts of a
 * multipart/mixed body, their names encoded by RFC 2231 when they are not ASCII.
 */
export interface EmlAttachment {
  name: string;
  mime: string;
  content: Buffer;
}

export interface EmlMessage {
  from: { name?: string; address: string };
  to: string;
  subject: string;
  date: Date;
  messageId: string;
  text: string;
  attachments?: EmlAttachment[];
}

const ascii = (s: string) => /^[\x20-\x7e]*$/.test(s);
const word = (s: string) => (ascii(s) ? s : `=?UTF-8?B?${Buffer.from(s, 'utf8').toString('base64')}?=`);
const base64Lines = (b: Buffer) => (b.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
const fileName = (name: string) => (ascii(name) ? `filename="${name}"` : `filename*=UTF-8''${encodeURIComponent(name)}`);

/** The message's bytes (CRLF line ends). */
export function eml(m: EmlMessage): Buffer {
  const boundary = `=_diwan_${m.messageId.replace(/[^a-z0-9]/gi, '')}`;
  const from = m.from.name ? `${word(m.from.name)} <${m.from.address}>` : m.from.address;
  const head = [
    `From: ${from}`,
    `To: ${m.to}`,
    `Subject: ${word(m.subject)}`,
    `Date: ${m.date.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${m.messageId}>`,
    'MIME-Version: 1.0',
  ];
  const textPart = [
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(Buffer.from(m.text, 'utf8')),
  ];
  if (!m.attachments?.length) return Buffer.from([...head, ...textPart, ''].join('\r\n'));
  const parts = [
    textPart,
    ...m.attachments.map((a) => [
      `Content-Type: ${a.mime}`,
      `Content-Disposition: attachment; ${fileName(a.name)}`,
      'Content-Transfer-Encoding: base64',
      '',
      base64Lines(a.content),
    ]),
  ];
  return Buffer.from(
    [
      ...head,
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      '',
      'This is a multi-part message in MIME format.',
      ...parts.flatMap((p) => [`--${boundary}`, ...p]),
      `--${boundary}--`,
      '',
    ].join('\r\n'),
  );
}
