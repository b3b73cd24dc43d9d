/**
 * E-mail messages (.eml, and each message the mailbox poller fetches): the message's document, then each
 * attachment's, linked to it.
 *
 *   read (postal-mime, adapters/mailParse.ts; a broken message: email_unreadable)
 *   -> the message's document: the .eml as its original (its fingerprint) and a PDF of the message as its
 *      rendition (adapters/mailPdf.ts), registered together through acceptParts
 *   -> each attachment spooled and received as whatever it is (a PDF, a scan, an Office file, a message),
 *      each document made linked to the message's ('attachment': from the attachment, the later, to the message)
 *
 * Crash windows: a process stopped after the message's document and before its attachments loses nothing, as
 * long as the message comes again (the poller takes a message until its row says done; a clerk drops the file
 * again): the message is then a duplicate, and every attachment is received again (duplicates of those already
 * in) and linked again (links are idempotent). The message's PDF is drawn the same each time (its date is the
 * message's), so a duplicate whose first upload never reached storage is finished with these bytes.
 */
import fs from 'node:fs';
import { DomainError, isDomainError } from '../../kernel/errors';
import { inTransaction } from '../../storage/db';
import { addLink } from '../../storage/repos/links';
import { readMessage, type MailAttachment, type MailMessage } from '../adapters/mailParse';
import { messagePdf } from '../adapters/mailPdf';
import { acceptParts, type AcceptDeps, type SpooledFile } from './accept';
import { cleanLine, HEAD_BYTES, looksLikeMessageHead, shownAddress } from './mailText';
import type { IntakeContext, IntakeOutcome } from './route';
import { sniff } from './sniff';
import { spoolBuffer } from './spoolBytes';

/** The largest message read (it is read whole into memory, its attachments decoded beside it). */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** A message attached to a message attached to a message is received; one deeper is refused (it stays in the original). */
const MAX_DEPTH = 2;
/** Pictures shown inside the HTML body (a logo, a signature) this small are part of the message, not documents. */
const INLINE_PICTURE_BYTES = 64 * 1024;

/** How deep in attached messages a part's context is (absent: a file received as it came). */
const depthOf = new WeakMap<IntakeContext, number>();

/** Whether a file is an e-mail message: a header block at its top, read from its first bytes (never from its name). */
export function isEmail(file: SpooledFile): boolean {
  if (file.size === 0 || sniff(file.head)) return false;
  let fd: number | undefined;
  try {
    fd = fs.openSync(file.path, 'r');
    const head = Buffer.alloc(Math.min(HEAD_BYTES, file.size));
    const read = fs.readSync(fd, head, 0, head.length, 0);
    return looksLikeMessageHead(head.subarray(0, read), read >= file.size);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** The day of `at` where the registry is (YYYY-MM-DD). */
const dayIn = (at: Date, timeZone: string) =>
  new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);

/**
 * What the message's document is registered with: what the clerk or the batch gave first, then the subject as
 * its title, the sender (display name, or address) as its correspondent, the message's date as its date, and
 * its Message-ID as the sender's reference (the one number a message carries that names it).
 */
function messageMeta(m: MailMessage, meta: IntakeContext['meta'], timeZone: string): IntakeContext['meta'] {
  const sender = cleanLine(m.from ? m.from.name || m.from.address : null, 300);
  const named = meta.correspondent || meta.correspondentId || meta.correspondentByName;
  return {
    ...meta,
    title: meta.title || cleanLine(m.subject, 500),
    ...(named || !sender ? {} : { correspondent: sender }),
    docDate: meta.docDate ?? (m.date ? dayIn(m.date, timeZone) : null),
    externalRef: meta.externalRef || cleanLine(m.messageId, 200),
  };
}

/** An attachment's name as kept (its own, or a made one): metadata only, never a path. */
function attachmentName(a: MailAttachment, n: number): string {
  const own = cleanLine(a.name?.split(/[\\/]/).pop(), 200);
  if (own) return own;
  const ext = /^[a-z0-9.+-]+\/([a-z0-9]{1,8})$/i.exec(a.mime)?.[1] ?? 'bin';
  return `attachment-${n}.${ext}`;
}

/** A picture shown in the body by its Content-ID and small enough to be a logo or a signature. */
const isInlinePicture = (a: MailAttachment) =>
  a.related && a.mime.startsWith('image/') && a.content.length < INLINE_PICTURE_BYTES;

/** Links an attachment's document to its message's (idempotent: a live link is answered as it is). */
async function linkAttachment(attachmentId: string, messageId: string, by: string | null, deps: AcceptDeps) {
  if (attachmentId === messageId) return;
  await inTransaction(deps.db, (tx) => addLink(tx, { fromId: attachmentId, toId: messageId, kind: 'attachment', by }));
}

/**
 * Receives a message: its own document first (kind 'email'), then each attachment's (kind 'attachment', partOf
 * the message's name), or the attachment's refusal in `rejected`. A message refused whole throws its DomainError.
 */
export async function acceptEmail(
  file: SpooledFile,
  ctx: IntakeContext,
  deps: AcceptDeps,
  intakePart: (file: SpooledFile, ctx: IntakeContext) => Promise<IntakeOutcome>,
): Promise<IntakeOutcome> {
  const depth = depthOf.get(ctx) ?? 0;
  if (depth > MAX_DEPTH)
    throw new DomainError('email_unreadable', { ar: '(رسائل متداخلة أكثر من اللازم)', en: '(messages nested too deep)' });
  if (file.size > MAX_MESSAGE_BYTES) {
    const mb = MAX_MESSAGE_BYTES / 1048576;
    throw new DomainError('file_too_large', { ar: `(الحد للرسالة ${mb} م.ب)`, en: `(a message's limit is ${mb} MB)` });
  }
  const message = await readMessage(await fs.promises.readFile(file.path));
  const name = file.originalName ?? 'message.eml';
  const timeZone = deps.archive?.timeZone ?? 'UTC';
  const meta = messageMeta(message, ctx.meta, timeZone);
  const attachments = message.attachments.map((a, i) => ({ a, name: attachmentName(a, i + 1) }));
  const drawn = await messagePdf({
    from: message.from && shownAddress(message.from),
    to: message.to.map(shownAddress).filter((a) => a !== null),
    cc: message.cc.map(shownAddress).filter((a) => a !== null),
    date: message.date,
    subject: cleanLine(message.subject, 500),
    messageId: cleanLine(message.messageId, 200),
    attachments: attachments.map(({ a, name }) => ({ name, size: a.content.length })),
    body: message.text,
    timeZone,
  });
  const rendition = spoolBuffer(drawn.pdf, `${name.replace(/\.eml$/i, '')}.pdf`, deps.spoolDir);
  let result;
  try {
    result = await acceptParts(
      [
        { file, mime: 'message/rfc822', ext: 'eml', pageCount: 0 },
        { file: rendition, mime: 'application/pdf', ext: 'pdf', pageCount: drawn.pages, rendition: true },
      ],
      { ...meta, textLayer: true },
      deps,
    );
  } finally {
    fs.rmSync(rendition.path, { force: true });
  }
  const outcome: IntakeOutcome = {
    documents: [{ result, kind: 'email', name, pageCount: drawn.pages, partOf: null, notes: {} }],
    rejected: [],
    separators: 0,
    blankPages: 0,
  };
  const by = ctx.meta.uploadedBy ?? null;
  for (const { a, name: partName } of attachments) {
    if (isInlinePicture(a)) continue;
    try {
      if (a.content.length > deps.limits.maxFileBytes) {
        const mb = Math.round(deps.limits.maxFileBytes / 1048576);
        throw new DomainError('file_too_large', { ar: `(الحد ${mb} م.ب)`, en: `(limit ${mb} MB)` });
      }
      const got = await receivePart(
        a.content,
        partName,
        { ...ctx, meta: { ...meta, title: partName, inReplyTo: [], externalRef: ctx.meta.externalRef ?? null } },
        depth,
        deps,
        intakePart,
      );
      for (const d of got.documents) {
        // The part's documents (one, a split stack's, an attached message's own) are this message's attachments;
        // an attached message's attachments stay with it.
        if (d.kind === 'attachment') {
          outcome.documents.push(d);
          continue;
        }
        await linkAttachment(d.result.doc.id, result.doc.id, by, deps);
        outcome.documents.push({ ...d, kind: 'attachment', partOf: name });
      }
      outcome.rejected.push(
        ...got.rejected.map((r) => (r.kind === 'attachment' ? r : { ...r, kind: 'attachment' as const, partOf: name })),
      );
      outcome.separators += got.separators;
      outcome.blankPages += got.blankPages;
    } catch (e) {
      if (!isDomainError(e)) throw e;
      outcome.rejected.push({ kind: 'attachment', name: partName, partOf: name, error: e });
    }
  }
  return outcome;
}

/** One attachment spooled and received as whatever it is, one level deeper in attached messages. */
async function receivePart(
  bytes: Buffer,
  name: string,
  ctx: IntakeContext,
  depth: number,
  deps: AcceptDeps,
  intakePart: (file: SpooledFile, ctx: IntakeContext) => Promise<IntakeOutcome>,
): Promise<IntakeOutcome> {
  const part = spoolBuffer(bytes, name, deps.spoolDir);
  depthOf.set(ctx, depth + 1);
  try {
    return await intakePart(part, ctx);
  } finally {
    fs.rmSync(part.path, { force: true });
  }
}
