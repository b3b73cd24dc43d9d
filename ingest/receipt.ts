/**
 * The receipt handed to whoever brings a letter (a courier, a citizen): an A5
 * sheet saying that the letter was registered, under which number in which
 * book, when (Hijri and Gregorian), with the sender's own reference, the
 * sender and the subject, and a QR code leading to the public status page with
 * the receipt's code. The status page says only the state of the transaction,
 * so the code on the receipt is what lets its holder follow it.
 */
import { qrModules } from './adapters/qr';
import { sheetPdf, type SheetItem } from './adapters/sheetPdf';
import { textPicture, type TextStyle } from './adapters/sheetText';
import { toArabicIndic } from '../kernel/text';

export interface ReceiptInfo {
  organisation: string;
  organisationEn: string;
  /** The register's name in both languages ("الوارد", "Incoming"). */
  register: { ar: string; en: string };
  /** The number as people write it, in Arabic (with its book's letter) and in Latin digits. */
  number: { ar: string; en: string };
  registeredAt: Date;
  timeZone: string;
  /** The sender's own number and its date (YYYY-MM-DD). */
  externalRef: string | null;
  externalDate: string | null;
  /** The sender (an incoming letter) or the recipient (an outgoing one). */
  correspondent: string | null;
  /** Whether the correspondent sent the letter (incoming) or receives it. */
  direction: 'in' | 'out' | 'internal';
  subject: string | null;
  /** The receipt's code, as printed (groups of four). */
  code: string;
  /** The status page's address, with the number and the code: what the QR code carries. */
  statusUrl: string;
}

/** A date in the Hijri (Umm al-Qura) and Gregorian calendars, Arabic-Indic digits, and in English. */
export function receiptDates(at: Date, timeZone: string): { hijri: string; gregorian: string; english: string } {
  const fmt = (locale: string, opts: Intl.DateTimeFormatOptions) =>
    new Intl.DateTimeFormat(locale, { timeZone, ...opts }).format(at);
  return {
    hijri: fmt('ar-u-ca-islamic-umalqura-nu-arab', { year: 'numeric', month: 'long', day: 'numeric' }),
    gregorian: fmt('ar-u-ca-gregory-nu-arab', {
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }),
    english: fmt('en-GB', { dateStyle: 'long', timeStyle: 'short' }),
  };
}

/** A date given as YYYY-MM-DD, in Arabic-Indic digits as people write it (day/month/year). */
function plainDateAr(iso: string): string {
  const [y, m, d] = iso.split('-');
  return toArabicIndic(`${d}/${m}/${y}`);
}

const A5 = { width: 420, height: 595 };
const MARGIN = 30;
const LABEL_W = 120;
const GAP = 10;

/** The receipt as a one-page A5 PDF. */
export async function receiptPdf(r: ReceiptInfo): Promise<Buffer> {
  const items: SheetItem[] = [];
  const right = A5.width - MARGIN;
  const inner = A5.width - 2 * MARGIN;
  let y = MARGIN;
  const centred = async (text: string, style: TextStyle, after = 4) => {
    const p = await textPicture(text, { align: 'centre', width: inner, ...style });
    if (!p) return;
    items.push({ kind: 'text', picture: p, x: (A5.width - p.width) / 2, y });
    y += p.height + after;
  };

  await centred(r.organisation, { size: 15, face: 'naskh-bold' }, 0);
  await centred(r.organisationEn, { size: 9, face: 'sans', colour: '#444444' }, 10);
  await centred('إيصال تسجيل معاملة', { size: 14, face: 'naskh-bold', colour: '#8c0d0d' }, 0);
  await centred('Receipt of a registered letter', { size: 9, face: 'sans', colour: '#8c0d0d' }, 8);
  items.push({ kind: 'rule', x0: MARGIN, y0: y, x1: right, y1: y, thickness: 0.8, grey: 0.4 });
  y += 10;

  const dates = receiptDates(r.registeredAt, r.timeZone);
  const party = r.direction === 'out' ? ['المرسَل إليه', 'To'] : ['المرسِل', 'From'];
  const external = [r.externalRef ?? '', r.externalDate ? `بتاريخ ${plainDateAr(r.externalDate)}` : ''].filter(Boolean).join(' ');
  const rows: Array<[string, string, string]> = [
    ['السجل', 'Register', `${r.register.ar} · ${r.register.en}`],
    ['رقم القيد', 'Registry no.', `${r.number.ar}\n${r.number.en}`],
    ['تاريخ القيد', 'Registered', `${dates.hijri}\n${dates.gregorian}\n${dates.english}`],
    ['مرجع المرسِل وتاريخه', "Sender's reference", external || '—'],
    [party[0]!, party[1]!, r.correspondent ?? '—'],
    ['الموضوع', 'Subject', r.subject ?? '—'],
    ['رمز المتابعة', 'Receipt code', r.code],
  ];
  /** Paragraphs one under the other, each kept to the right edge `edge` (the start of an Arabic line); their height. */
  const stack = async (paragraphs: string[], style: (i: number) => TextStyle, edge: number, top: number) => {
    let h = 0;
    for (const [i, text] of paragraphs.entries()) {
      const p = await textPicture(text, style(i));
      if (!p) continue;
      items.push({ kind: 'text', picture: p, x: edge - p.width, y: top + h });
      h += p.height + (i < paragraphs.length - 1 ? 2 : 0);
    }
    return h;
  };
  for (const [ar, en, value] of rows) {
    const big = en === 'Registry no.' || en === 'Receipt code';
    const labelH = await stack(
      [ar, en],
      (i) => ({ size: i === 0 ? 9.5 : 7.5, face: i === 0 ? 'naskh-bold' : 'sans', colour: '#444444', width: LABEL_W }),
      right,
      y,
    );
    const valueH = await stack(
      value.split('\n'),
      (i) => ({ size: big && i === 0 ? 13 : 10.5, face: big && i === 0 ? 'naskh-bold' : 'naskh', width: inner - LABEL_W - GAP }),
      right - LABEL_W - GAP,
      y,
    );
    y += Math.max(labelH, valueH) + 6;
    items.push({ kind: 'rule', x0: MARGIN, y0: y - 3, x1: right, y1: y - 3, thickness: 0.3, grey: 0.75 });
  }

  // The QR code at the foot, on the left; what it is for beside it, on the right.
  const qrSize = 110;
  const qrTop = Math.max(y + 8, A5.height - MARGIN - qrSize - 14);
  items.push({ kind: 'qr', modules: qrModules(r.statusUrl), x: MARGIN, y: qrTop, size: qrSize });
  await stack(
    [
      'امسح الرمز أو افتح صفحة المتابعة وأدخل رقم القيد ورمز المتابعة لمعرفة حال المعاملة. لا تعرض الصفحة شيئًا من مضمونها.',
      'Scan the code, or open the status page with the registry number and the receipt code, to follow the letter. ' +
        'The page shows nothing of its content.',
    ],
    (i) => ({ size: i === 0 ? 8.5 : 7.5, face: i === 0 ? 'naskh' : 'sans', colour: '#333333', width: inner - qrSize - GAP }),
    right,
    qrTop + 4,
  );
  const url = await textPicture(r.statusUrl, { size: 6.5, face: 'sans', colour: '#555555', width: inner });
  if (url) items.push({ kind: 'text', picture: url, x: MARGIN, y: qrTop + qrSize + 2 });

  return sheetPdf([{ ...A5, items }], {
    title: `إيصال ${r.number.ar} · Receipt ${r.number.en}`,
    author: r.organisation,
    subject: r.number.en,
    lang: 'ar',
    createdAt: r.registeredAt,
  });
}
