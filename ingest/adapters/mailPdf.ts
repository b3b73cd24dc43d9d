/**
 * An e-mail message as a printable PDF (A4, right to left): a header block naming, in Arabic and English, who
 * sent it, to whom, the copies, the date, the subject and the attachments (names and sizes), then the body as
 * plain text, wrapped and carried onto as many pages as it needs, page numbers at the foot. Drawn with the
 * registry's sheet machinery (sheetPdf.ts, sheetText.ts): text shaped by Pango, with the invisible text layer
 * over it, so pdftotext, a reader's search and the archive's own index find the body's words. It is the
 * rendition of the message's document; the .eml itself stays its original.
 */
import { sheetPdf, type SheetItem, type SheetPage } from './sheetPdf';
import { textPicture, type TextStyle } from './sheetText';
import { receiptDates } from '../receipt';
import { toArabicIndic } from '../../kernel/text';

export interface MessageSheet {
  /** Addresses as shown: "Name <address>". */
  from: string | null;
  to: string[];
  cc: string[];
  date: Date | null;
  subject: string | null;
  messageId: string | null;
  attachments: Array<{ name: string; size: number }>;
  body: string;
  /** Where the registry is: the date is shown there. */
  timeZone: string;
}

const A4 = { width: 595, height: 842 };
const MARGIN = 40;
const LABEL_W = 100;
const GAP = 10;
const FOOT = 22;
/** Addresses and attachments named in the header block at most, and a value's length there. */
const LIST_MAX = 8;
const VALUE_MAX = 200;
/** The body drawn at most this long (some forty pages); the rest is in the original message, which is kept whole. */
export const MAX_BODY_CHARS = 100_000;
/** A piece of the body drawn as one picture: a few lines, so a page is filled closely and pictures stay few. */
const CHUNK_LINES = 4;
const CHUNK_CHARS = 400;

const RTL = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]/;
const STRONG = /[\p{L}]/u;

/** Whether a paragraph reads right to left: its first strong letter is Arabic or Hebrew. */
function rightToLeft(text: string): boolean {
  for (const c of text) if (STRONG.test(c)) return RTL.test(c);
  return true;
}

/** A size as people read it, Arabic then English. */
export function sizeWords(bytes: number): string {
  const [n, ar, en] =
    bytes < 1024 ? [bytes, 'بايت', 'bytes'] : bytes < 1048576 ? [bytes / 1024, 'ك.ب', 'KB'] : [bytes / 1048576, 'م.ب', 'MB'];
  const fmt = (locale: string) => new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(n);
  return `${fmt('ar-u-nu-arab')} ${ar} · ${fmt('en')} ${en}`;
}

/** The body cut into pieces of a few lines, a very long line broken at a space; a blank line is a paragraph gap (''). */
export function bodyPieces(body: string): string[] {
  const lines: string[] = [];
  for (const line of body.split('\n')) {
    let rest = line.trim();
    if (rest === '') {
      if (lines.length > 0 && lines[lines.length - 1] !== '') lines.push('');
      continue;
    }
    while (rest.length > CHUNK_CHARS) {
      const cut = rest.lastIndexOf(' ', CHUNK_CHARS);
      const at = cut > CHUNK_CHARS / 2 ? cut : CHUNK_CHARS;
      lines.push(rest.slice(0, at).trim());
      rest = rest.slice(at).trim();
    }
    if (rest) lines.push(rest);
  }
  const pieces: string[] = [];
  let current: string[] = [];
  let chars = 0;
  const flush = () => {
    if (current.length > 0) pieces.push(current.join('\n'));
    current = [];
    chars = 0;
  };
  for (const line of lines) {
    if (line === '') {
      flush();
      pieces.push('');
      continue;
    }
    if (current.length >= CHUNK_LINES || chars + line.length > CHUNK_CHARS) flush();
    current.push(line);
    chars += line.length;
  }
  flush();
  while (pieces[pieces.length - 1] === '') pieces.pop();
  return pieces;
}

/** The message as a PDF, and how many pages it has. */
export async function messagePdf(m: MessageSheet): Promise<{ pdf: Buffer; pages: number }> {
  const right = A4.width - MARGIN;
  const inner = A4.width - 2 * MARGIN;
  const bottom = A4.height - MARGIN - FOOT;
  const pages: SheetItem[][] = [[]];
  let items = pages[0]!;
  let y = MARGIN;
  const newPage = () => {
    items = [];
    pages.push(items);
    y = MARGIN;
  };

  const title = await textPicture('رسالة بريد إلكتروني', { size: 15, face: 'naskh-bold' });
  const titleEn = await textPicture('E-mail message', { size: 9, face: 'sans', colour: '#444444' });
  for (const p of [title, titleEn]) {
    if (!p) continue;
    items.push({ kind: 'text', picture: p, x: right - p.width, y });
    y += p.height + 2;
  }
  y += 6;
  items.push({ kind: 'rule', x0: MARGIN, y0: y, x1: right, y1: y, thickness: 0.8, grey: 0.4 });
  y += 8;

  /** Paragraphs one under the other, each at its own starting edge within [left, edge]; their height. */
  const stack = async (paragraphs: string[], style: (i: number) => TextStyle, left: number, edge: number, top: number) => {
    let h = 0;
    for (const [i, text] of paragraphs.entries()) {
      const p = await textPicture(text, style(i));
      if (!p) continue;
      const x = rightToLeft(text) || p.width >= edge - left - 2 ? edge - p.width : left;
      items.push({ kind: 'text', picture: p, x, y: top + h });
      h += p.height + (i < paragraphs.length - 1 ? 2 : 0);
    }
    return h;
  };
  const dates = m.date ? receiptDates(m.date, m.timeZone) : undefined;
  // The header block stays on the first page: long lists are cut (the original holds them whole).
  const few = (list: string[]) =>
    list.length > LIST_MAX
      ? [
          ...list.slice(0, LIST_MAX),
          `… و${toArabicIndic(String(list.length - LIST_MAX))} غيرها · and ${list.length - LIST_MAX} more`,
        ]
      : list;
  const clip = (v: string) => (v.length > VALUE_MAX ? `${v.slice(0, VALUE_MAX)}…` : v);
  const rows: Array<[string, string, string[]]> = [
    ['من', 'From', [clip(m.from ?? '—')]],
    ['إلى', 'To', m.to.length ? few(m.to.map(clip)) : ['—']],
    ...(m.cc.length ? [['نسخة', 'Cc', few(m.cc.map(clip))] as [string, string, string[]]] : []),
    ['التاريخ', 'Date', dates ? [`${dates.gregorian} · ${dates.hijri}`, dates.english] : ['—']],
    ['الموضوع', 'Subject', [clip(m.subject ?? '—')]],
    [
      'المرفقات',
      'Attachments',
      m.attachments.length
        ? // Each name isolated (FSI…PDI): a name mixing scripts ("الطلب.pdf") keeps its own order on the line.
          few(m.attachments.map((a, i) => `${toArabicIndic(String(i + 1))}. \u2068${clip(a.name)}\u2069 — ${sizeWords(a.size)}`))
        : ['لا مرفقات · none'],
    ],
    ...(m.messageId ? [['معرّف الرسالة', 'Message-ID', [clip(m.messageId)]] as [string, string, string[]]] : []),
  ];
  for (const [ar, en, values] of rows) {
    const labelH = await stack(
      [ar, en],
      (i) => ({ size: i === 0 ? 9.5 : 7.5, face: i === 0 ? 'naskh-bold' : 'sans', colour: '#444444', width: LABEL_W }),
      right - LABEL_W,
      right,
      y,
    );
    const valueEdge = right - LABEL_W - GAP;
    const valueH = await stack(
      values,
      () => ({ size: en === 'Subject' ? 11.5 : 10, face: en === 'Subject' ? 'naskh-bold' : 'naskh', width: valueEdge - MARGIN }),
      MARGIN,
      valueEdge,
      y,
    );
    y += Math.max(labelH, valueH) + 5;
    items.push({ kind: 'rule', x0: MARGIN, y0: y - 2.5, x1: right, y1: y - 2.5, thickness: 0.3, grey: 0.75 });
  }
  y += 10;

  const cut = m.body.length > MAX_BODY_CHARS;
  const pieces = bodyPieces(cut ? m.body.slice(0, MAX_BODY_CHARS) : m.body);
  if (cut)
    pieces.push('', '… بقية النص في الرسالة الأصلية المحفوظة · the rest of the text is in the original message, kept whole');
  if (pieces.length === 0) pieces.push('(رسالة بلا نص · a message with no text)');
  for (const piece of pieces) {
    if (piece === '') {
      y += 8;
      continue;
    }
    const p = await textPicture(piece, { size: 10.5, face: 'naskh', width: inner, scale: 3 });
    if (!p) continue;
    if (y + p.height > bottom && y > MARGIN) newPage();
    const x = rightToLeft(piece) || p.width >= inner - 2 ? right - p.width : MARGIN;
    items.push({ kind: 'text', picture: p, x, y });
    y += p.height + 1;
  }

  const sheets: SheetPage[] = [];
  for (const [n, list] of pages.entries()) {
    const foot = await textPicture(
      `صفحة ${toArabicIndic(String(n + 1))} من ${toArabicIndic(String(pages.length))} · page ${n + 1} of ${pages.length}`,
      { size: 7.5, face: 'sans', colour: '#555555' },
    );
    if (foot) list.push({ kind: 'text', picture: foot, x: (A4.width - foot.width) / 2, y: A4.height - MARGIN - foot.height });
    sheets.push({ ...A4, items: list });
  }
  const pdf = await sheetPdf(sheets, {
    title: m.subject ?? 'رسالة بريد إلكتروني · E-mail message',
    author: m.from ?? '',
    subject: m.subject ?? '',
    lang: 'ar',
    // The message's own date: the same message drawn again is the same file.
    createdAt: m.date ?? new Date(0),
  });
  return { pdf, pages: sheets.length };
}
