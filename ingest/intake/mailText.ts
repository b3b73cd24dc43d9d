/**
 * Reading e-mail without its parser: whether a file's first bytes are a message's header block (RFC 5322), and
 * a message's HTML body as plain text for its PDF and the archive's search. Both are pure and linear in their
 * input: a hostile message cannot make either slow.
 */

/** How much of a file is read to find the blank line that ends a message's headers (large Received/DKIM blocks fit). */
export const HEAD_BYTES = 64 * 1024;

/** Header fields that say a header block is a message's (besides extension fields, X-…). */
const MESSAGE_FIELDS = new Set([
  'from',
  'to',
  'cc',
  'bcc',
  'subject',
  'date',
  'message-id',
  'mime-version',
  'received',
  'return-path',
  'delivered-to',
  'reply-to',
  'sender',
  'content-type',
  'in-reply-to',
  'references',
]);

/** A field name: printable US-ASCII but the colon (RFC 5322 §3.6.8), of a sensible length. */
const FIELD = /^([\x21-\x39\x3b-\x7e]{1,76})[ \t]*:/;

/**
 * Whether `head` (a file's first bytes; `whole`: the whole file) opens with a message's header block: only
 * `Name: value` lines and their folded continuations, ended by a blank line (or the file's end), with at least
 * two distinct fields a message carries (From, Date, Subject, Received…). Never decided from a name.
 */
export function looksLikeMessageHead(head: Buffer, whole: boolean): boolean {
  const text = head.toString('latin1');
  const known = new Set<string>();
  let fields = 0;
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl < 0 && !whole) return false; // the block goes on past what was read
    const line = text.slice(start, nl < 0 ? text.length : nl).replace(/\r$/, '');
    if (line === '') return fields > 0 && known.size >= 2;
    // eslint-disable-next-line no-control-regex -- a header line holds no control character but the tab
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(line)) return false;
    if (line[0] === ' ' || line[0] === '\t') {
      if (fields === 0) return false;
    } else {
      const m = FIELD.exec(line);
      if (!m) return false;
      fields++;
      const name = m[1]!.toLowerCase();
      if (MESSAGE_FIELDS.has(name)) known.add(name);
    }
    if (nl < 0) return fields > 0 && known.size >= 2;
    start = nl + 1;
  }
}

const ENTITIES: Record<string, string> = {
  nbsp: ' ',
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  laquo: '«',
  raquo: '»',
  ndash: '–',
  mdash: '—',
  hellip: '…',
  copy: '©',
  reg: '®',
  rlm: '\u200f',
  lrm: '\u200e',
  zwnj: '\u200c',
  zwj: '\u200d',
  bull: '•',
  middot: '·',
};

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,8});/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : '';
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** Tags whose content is not text a person reads in the message. */
const HIDDEN = new Set(['head', 'style', 'script', 'title', 'template']);
/** Tags that start a new line, and those that also leave a blank line (a paragraph's gap). */
const LINE = new Set(['div', 'tr', 'li', 'section', 'article', 'header', 'footer', 'pre', 'hr', 'address', 'dt', 'dd']);
const PARAGRAPH = new Set(['p', 'table', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'ul', 'ol', 'dl']);

/** An HTML body as plain text: paragraphs and line breaks kept, list items bulleted, tags and hidden parts gone, entities decoded. */
export function htmlToText(html: string): string {
  const lower = html.toLowerCase();
  const out: string[] = [];
  // The break owed before the next text: none, a new line, or a blank line.
  let owed = 0;
  const text = (t: string) => {
    if (!/\S/.test(t)) {
      if (out.length > 0 && owed === 0) out.push(' ');
      return;
    }
    if (out.length > 0 && owed > 0) out.push(owed > 1 ? '\n\n' : '\n');
    owed = 0;
    out.push(t);
  };
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    text(html.slice(i, lt < 0 ? html.length : lt));
    if (lt < 0) break;
    if (lower.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      i = end < 0 ? html.length : end + 3;
      continue;
    }
    const gt = html.indexOf('>', lt + 1);
    if (gt < 0) break;
    const m = /^<\s*(\/?)\s*([a-z][a-z0-9]*)/.exec(lower.slice(lt, Math.min(gt + 1, lt + 40)));
    i = gt + 1;
    if (!m) continue;
    const closing = m[1] === '/';
    const tag = m[2]!;
    if (!closing && HIDDEN.has(tag)) {
      const end = lower.indexOf(`</${tag}`, i);
      const after = end < 0 ? -1 : html.indexOf('>', end);
      i = after < 0 ? html.length : after + 1;
      continue;
    }
    if (tag === 'br') owed = Math.min(2, owed + 1);
    else if (PARAGRAPH.has(tag)) owed = 2;
    else if (LINE.has(tag)) owed = Math.max(owed, 1);
    else if ((tag === 'td' || tag === 'th') && closing) out.push('\t');
    if (tag === 'li' && !closing) text('• ');
  }
  return decodeEntities(out.join(''))
    .split('\n')
    .map((l) => l.replace(/[ \t\u00a0\r]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * A header value (a subject, a name, an attachment's file name) as one line of text a person reads: no control
 * characters, none of the invisible direction overrides that make a name look like another, spaces run together,
 * at most `max` characters; null when nothing is left.
 */
export function cleanLine(raw: string | null | undefined, max: number): string | null {
  if (!raw) return null;
  const clean = raw
    .normalize('NFC')
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return clean ? [...clean].slice(0, max).join('') : null;
}

/**
 * An address as a message's PDF shows it, "Name <address>" (the address alone when it has no name), each part
 * a clean line: a display name is the sender's to choose, so no direction override or control character in it
 * reaches the page. Null when nothing is left.
 */
export function shownAddress(a: { name: string; address: string }): string | null {
  const name = cleanLine(a.name, 200);
  const address = cleanLine(a.address, 320);
  if (!address) return name;
  return name ? `${name} <${address}>` : address;
}
