/**
 * The registry's book for a day or a month, as a clerk keeps it: one row per
 * registered letter in registration order, with its number, the date, the
 * sender (incoming) or recipient (outgoing), their own reference and date, the
 * subject, the departments it was referred to and the letters that answered
 * it. Two forms: a printable PDF (A4 landscape, right to left, the header row
 * on every page, page numbers) and CSV (UTF-8 with a byte order mark, RFC 4180
 * quoting, one header row naming each column in Arabic and English).
 *
 * A letter above the reader's clearance keeps its row, with its number and
 * date only, marked withheld: the book has no silent gaps.
 */
import { sheetPdf, type SheetItem, type SheetPage } from './adapters/sheetPdf';
import { textPicture, type TextPicture } from './adapters/sheetText';
import { toArabicIndic } from '../kernel/text';

export interface BookRow {
  /** The number as stored and typed (Latin digits), and as people write it in Arabic. */
  registryNo: string;
  registryNoAr: string;
  /** Registration time (ISO). */
  registeredAt: string;
  /** Withheld: above the reader's clearance; only the number and date are given. */
  withheld: boolean;
  correspondent: string | null;
  externalRef: string | null;
  externalDate: string | null;
  subject: string | null;
  /** Departments (or people) it was referred to, in the order of referral. */
  referredTo: string[];
  /** The letters that answered it: their numbers as stored (Latin digits) and as people write them in Arabic. */
  answeredBy: Array<{ registryNo: string; registryNoAr: string }>;
}

export interface BookInfo {
  organisation: string;
  organisationEn: string;
  register: { ar: string; en: string; direction: 'in' | 'out' | 'internal' };
  /** The period as asked: a day (YYYY-MM-DD) or a month (YYYY-MM). */
  period: string;
  timeZone: string;
  /** When the book was drawn up, printed at its foot. */
  at: Date;
}

/** The columns, right to left on the page: Arabic and English names, width in points on an A4 landscape page. */
function columns(direction: BookInfo['register']['direction']) {
  const party: [string, string] = direction === 'out' ? ['المرسَل إليه', 'Recipient'] : ['المرسِل', 'Sender'];
  return [
    { ar: 'رقم القيد', en: 'Number', width: 84 },
    { ar: 'تاريخ القيد', en: 'Date', width: 84 },
    { ar: party[0], en: party[1], width: 128 },
    { ar: 'مرجعه وتاريخه', en: 'Their reference', width: 104 },
    { ar: 'الموضوع', en: 'Subject', width: 214 },
    { ar: 'أُحيل إلى', en: 'Referred to', width: 98 },
    { ar: 'أُجيب بـ', en: 'Answered by', width: 74 },
  ] as const;
}

/** Date formats by time zone, made once (a month's book formats thousands of dates). */
const formats = new Map<string, { ar: Intl.DateTimeFormat; hijri: Intl.DateTimeFormat; latin: Intl.DateTimeFormat }>();
function formatsIn(timeZone: string) {
  let f = formats.get(timeZone);
  if (!f) {
    const opts = { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' } as const;
    f = {
      ar: new Intl.DateTimeFormat('ar-u-nu-arab', opts),
      hijri: new Intl.DateTimeFormat('ar-u-ca-islamic-umalqura-nu-arab', opts),
      latin: new Intl.DateTimeFormat('sv-SE', { ...opts, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }),
    };
    formats.set(timeZone, f);
  }
  return f;
}

/** The period in words: a day or a month, Arabic (Arabic-Indic digits) and English. */
export function periodWords(period: string): { ar: string; en: string } {
  const [y, m, d] = period.split('-');
  if (d) return { ar: `يوم ${toArabicIndic(`${d}/${m}/${y}`)}`, en: `day ${period}` };
  return { ar: `شهر ${toArabicIndic(`${m}/${y}`)}`, en: `month ${period}` };
}

/** One row's cells, in column order; a withheld row has its number, its date and the word "withheld". */
function cells(row: BookRow, timeZone: string, lang: 'ar' | 'csv'): string[] {
  // On paper the date is written in both calendars, Gregorian then Hijri; in CSV as ISO, with the time.
  const f = formatsIn(timeZone);
  const at = new Date(row.registeredAt);
  const date = lang === 'ar' ? `${f.ar.format(at)}\n${f.hijri.format(at)}` : f.latin.format(at);
  const number = lang === 'ar' ? row.registryNoAr : row.registryNo;
  if (row.withheld) return [number, date, '', '', lang === 'ar' ? 'محجوب · withheld' : 'محجوب / withheld', '', ''];
  const externalDate =
    row.externalDate && lang === 'ar' ? toArabicIndic(row.externalDate.split('-').reverse().join('/')) : row.externalDate;
  const external = [row.externalRef ?? '', externalDate ?? ''].filter(Boolean);
  return [
    number,
    date,
    row.correspondent ?? '',
    external.join(lang === 'ar' ? '\n' : ' '),
    row.subject ?? '',
    row.referredTo.join(lang === 'ar' ? '، ' : '; '),
    row.answeredBy.map((a) => (lang === 'ar' ? a.registryNoAr : a.registryNo)).join(lang === 'ar' ? '، ' : '; '),
  ];
}

/**
 * RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. A field a spreadsheet
 * would take for a formula (=, +, -, @, a tab or carriage return first: a subject typed by anyone) is
 * written with an apostrophe before it, so it is shown and never run.
 */
export function csvField(raw: string): string {
  const s = /^[=+\-@\t\r]/.test(raw) ? `'${raw}` : raw;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The book as CSV: a byte order mark (spreadsheets then read UTF-8), CRLF line ends, bilingual headers. */
export function bookCsv(info: BookInfo, rows: BookRow[]): string {
  const head = columns(info.register.direction).map((c) => `${c.ar} / ${c.en}`);
  const lines = [head, ...rows.map((r) => cells(r, info.timeZone, 'csv'))].map((l) => l.map(csvField).join(','));
  return '\uFEFF' + lines.join('\r\n') + '\r\n';
}

const PAGE = { width: 842, height: 595 };
const MARGIN = 28;
const PAD = 4;
const FOOT = 24;

/** The book as a PDF: the header on every page, rows flowing onto as many pages as they need. */
export async function bookPdf(info: BookInfo, rows: BookRow[]): Promise<Buffer> {
  const cols = columns(info.register.direction);
  const right = PAGE.width - MARGIN;
  const edges = cols.reduce<number[]>((acc, c) => [...acc, (acc.at(-1) ?? right) - c.width], []);
  const period = periodWords(info.period);

  // The page head and the column heads, drawn once and placed on every page.
  const head: Array<{ p: TextPicture; x: number; y: number }> = [];
  const put = (p: TextPicture | null, x: (p: TextPicture) => number, y: number) => p && head.push({ p, x: x(p), y });
  const title = await textPicture(`${info.organisation} — دفتر ${info.register.ar} — ${period.ar}`, {
    size: 13,
    face: 'naskh-bold',
  });
  put(title, (p) => right - p.width, MARGIN);
  const sub = await textPicture(`${info.organisationEn} · ${info.register.en} book · ${period.en}`, {
    size: 8.5,
    face: 'sans',
    colour: '#444444',
  });
  put(sub, (p) => right - p.width, MARGIN + (title?.height ?? 16));
  const headTop = MARGIN + (title?.height ?? 16) + (sub?.height ?? 10) + 6;
  let headH = 0;
  const headCells: Array<{ ar: TextPicture | null; en: TextPicture | null; edge: number }> = [];
  for (const [i, c] of cols.entries()) {
    const ar = await textPicture(c.ar, { size: 9, face: 'naskh-bold', width: c.width - 2 * PAD });
    const en = await textPicture(c.en, { size: 7, face: 'sans', colour: '#444444', width: c.width - 2 * PAD });
    headCells.push({ ar, en, edge: (edges[i] as number) + c.width - PAD });
    headH = Math.max(headH, (ar?.height ?? 0) + (en?.height ?? 0));
  }
  headH += 2 * PAD;
  const top = headTop + headH;
  const bottom = PAGE.height - MARGIN - FOOT;

  const pages: SheetItem[][] = [];
  const newPage = (): SheetItem[] => {
    const items: SheetItem[] = head.map((h) => ({ kind: 'text', picture: h.p, x: h.x, y: h.y }) as const);
    items.push({ kind: 'box', x: MARGIN, y: headTop, width: right - MARGIN, height: headH, fill: 0.9, stroke: 0.5 });
    for (const h of headCells) {
      if (h.ar) items.push({ kind: 'text', picture: h.ar, x: h.edge - h.ar.width, y: headTop + PAD });
      if (h.en) items.push({ kind: 'text', picture: h.en, x: h.edge - h.en.width, y: headTop + PAD + (h.ar?.height ?? 0) });
    }
    pages.push(items);
    return items;
  };
  let items = newPage();
  let y = top;
  // A text seen before (a date, a sender, a department) is drawn once; a row's cells are drawn side by side.
  const pictures = new Map<string, Promise<TextPicture | null>>();
  const picture = (text: string, column: number, colour: string) => {
    const key = `${column}\u0000${colour}\u0000${text}`;
    let p = pictures.get(key);
    if (!p) {
      p = textPicture(text, { size: 8.5, face: 'naskh', width: cols[column]!.width - 2 * PAD, colour, scale: 3 });
      pictures.set(key, p);
    }
    return p;
  };
  for (const row of rows) {
    const colour = row.withheld ? '#666666' : '#111111';
    const drawn = await Promise.all(cells(row, info.timeZone, 'ar').map((text, i) => picture(text, i, colour)));
    const h = Math.max(14, ...drawn.map((p) => p?.height ?? 0)) + 2 * PAD;
    if (y + h > bottom && y > top) {
      items = newPage();
      y = top;
    }
    if (row.withheld) items.push({ kind: 'box', x: MARGIN, y, width: right - MARGIN, height: h, fill: 0.95 });
    drawn.forEach((p, i) => {
      if (p) items.push({ kind: 'text', picture: p, x: (edges[i] as number) + cols[i]!.width - PAD - p.width, y: y + PAD });
    });
    items.push({ kind: 'rule', x0: MARGIN, y0: y + h, x1: right, y1: y + h, thickness: 0.3, grey: 0.6 });
    y += h;
  }
  if (rows.length === 0) {
    const none = await textPicture('لا قيود في هذه المدة · No letters registered in this period', { size: 10, face: 'naskh' });
    if (none) items.push({ kind: 'text', picture: none, x: right - none.width, y: top + 12 });
  }

  // Column lines down each page's table, and the page numbers at its foot.
  const made = new Intl.DateTimeFormat('en-GB', { timeZone: info.timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(
    info.at,
  );
  const sheets: SheetPage[] = [];
  for (const [n, list] of pages.entries()) {
    const end = n === pages.length - 1 ? Math.max(y, top) : bottom;
    for (const x of [right, ...edges]) list.push({ kind: 'rule', x0: x, y0: headTop, x1: x, y1: end, thickness: 0.3, grey: 0.6 });
    const foot = await textPicture(
      `صفحة ${toArabicIndic(String(n + 1))} من ${toArabicIndic(String(pages.length))} · page ${n + 1} of ${pages.length} · ${made}`,
      { size: 7.5, face: 'sans', colour: '#555555' },
    );
    if (foot) list.push({ kind: 'text', picture: foot, x: (PAGE.width - foot.width) / 2, y: PAGE.height - MARGIN - foot.height });
    sheets.push({ ...PAGE, items: list });
  }
  return sheetPdf(sheets, {
    title: `دفتر ${info.register.ar} — ${period.ar} · ${info.register.en} book, ${period.en}`,
    author: info.organisation,
    subject: `${info.register.en} ${info.period}`,
    lang: 'ar',
    createdAt: info.at,
  });
}
