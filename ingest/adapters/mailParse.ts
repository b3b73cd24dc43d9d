/**
 * Reading an e-mail message (RFC 5322 with its MIME parts) through postal-mime, the only file that imports it:
 * its addresses, subject, date and Message-ID decoded (encoded words, any charset), its body as plain text (an
 * HTML-only body turned into text) and its attachments as bytes. A message whose structure is broken (a
 * multipart body with no parts, or cut off before its closing boundary: a truncated download) is refused with
 * `email_unreadable` rather than archived with half an attachment.
 */
import PostalMime from 'postal-mime';
import { DomainError } from '../../kernel/errors';
import { htmlToText } from '../intake/mailText';

export interface MailAddress {
  /** The display name, decoded ('' when none). */
  name: string;
  address: string;
}

export interface MailAttachment {
  /** The file name the message gives it (decoded), if any. */
  name: string | null;
  /** The type the message declares (not trusted: the archive reads the bytes). */
  mime: string;
  content: Buffer;
  /** Shown inside the HTML body by its Content-ID (a logo, a signature's picture). */
  related: boolean;
}

export interface MailMessage {
  subject: string | null;
  from: MailAddress | null;
  to: MailAddress[];
  cc: MailAddress[];
  date: Date | null;
  /** Without its angle brackets. */
  messageId: string | null;
  /** The body as plain text ('' when it has none). */
  text: string;
  attachments: MailAttachment[];
}

/** Limits on what the parser builds in memory from one message. */
const PARSE_LIMITS = { maxNestingDepth: 32, maxPartCount: 2000, maxRfc822NestingDepth: 3 };

const unreadable = (ar: string, en: string) => new DomainError('email_unreadable', { ar: `(${ar})`, en: `(${en})` });

/** Every mailbox of an address list, groups opened. */
function mailboxes(list: PostalMime.Address[] | PostalMime.Address | undefined): MailAddress[] {
  const all = Array.isArray(list) ? list : list ? [list] : [];
  return all.flatMap((a) => (a.group ? a.group : [a])).map((m) => ({ name: m.name.trim(), address: m.address.trim() }));
}

/** The top-level boundary of a multipart message; undefined for a single-part one; null when it names none. */
function boundaryOf(headers: PostalMime.Header[]): string | null | undefined {
  const type = headers.find((h) => h.key === 'content-type')?.value;
  if (!type || !/^\s*multipart\//i.test(type)) return undefined;
  const m = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^\s;]+))/i.exec(type);
  return m ? (m[1] ?? m[2] ?? null) : null;
}

/** Whether a multipart message holds its parts: an opening and a closing delimiter line of its boundary. */
function checkStructure(raw: Buffer, headers: PostalMime.Header[]): void {
  const boundary = boundaryOf(headers);
  if (boundary === undefined) return;
  if (boundary === null) throw unreadable('رسالة متعددة الأجزاء بلا فاصل', 'a multipart message that names no boundary');
  const text = raw.toString('latin1');
  if (!new RegExp(`(^|\\n)--${boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[ \\t]*\\r?\\n`).test(text)) {
    throw unreadable('لا أجزاء في الرسالة', 'the message holds none of its parts');
  }
  if (!text.includes(`--${boundary}--`)) {
    throw unreadable('الرسالة مقطوعة قبل نهاية أجزائها', 'the message is cut off before the end of its parts');
  }
}

const toBuffer = (c: ArrayBuffer | Uint8Array | string): Buffer =>
  typeof c === 'string' ? Buffer.from(c, 'utf8') : c instanceof Uint8Array ? Buffer.from(c) : Buffer.from(new Uint8Array(c));

/** Reads a whole message held in memory; a message that cannot be read is `email_unreadable`. */
export async function readMessage(raw: Buffer): Promise<MailMessage> {
  let email: PostalMime.Email;
  try {
    email = await PostalMime.parse(raw, PARSE_LIMITS);
  } catch (e) {
    throw unreadable(String((e as Error).message ?? e), String((e as Error).message ?? e));
  }
  checkStructure(raw, email.headers);
  const date = email.date ? new Date(email.date) : null;
  return {
    subject: email.subject?.trim() || null,
    from: mailboxes(email.from)[0] ?? null,
    to: mailboxes(email.to),
    cc: mailboxes(email.cc),
    date: date && !Number.isNaN(date.getTime()) ? date : null,
    messageId: email.messageId?.trim().replace(/^<|>$/g, '') || null,
    text: (email.text ?? (email.html ? htmlToText(email.html) : '')).replace(/\r\n?/g, '\n').trim(),
    attachments: email.attachments.map((a) => ({
      name: a.filename?.trim() || null,
      mime: a.mimeType,
      content: toBuffer(a.content),
      related: a.related === true,
    })),
  };
}
