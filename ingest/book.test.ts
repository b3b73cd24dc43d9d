/**
 * The registry's book in its two forms: CSV a spreadsheet reads (a byte order
 * mark, RFC 4180 quoting, bilingual headers, withheld rows keeping their
 * number), and a PDF whose rows flow over as many A4 landscape pages as they
 * need, each page with the column heads and its number, every number findable
 * in the text.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PDFDocument } from 'pdf-lib';
import { bookCsv, bookPdf, csvField, type BookInfo, type BookRow } from './book';
import { toArabicIndic } from '../kernel/text';

const run = promisify(execFile);

const INFO: BookInfo = {
  organisation: 'وزارة الشؤون الإدارية',
  organisationEn: 'Ministry of Administrative Affairs',
  register: { ar: 'الوارد', en: 'Incoming', direction: 'in' },
  period: '2026-12-06',
  timeZone: 'Asia/Riyadh',
  at: new Date('2026-12-06T15:00:00Z'),
};

function rows(n: number): BookRow[] {
  return Array.from({ length: n }, (_, i) => {
    const no = `2026/${String(i + 1).padStart(6, '0')}`;
    return {
      registryNo: no,
      registryNoAr: `و ${toArabicIndic(`2026/${i + 1}`)}`,
      registeredAt: new Date(Date.UTC(2026, 11, 6, 6, i)).toISOString(),
      withheld: i === 7,
      correspondent: i % 3 === 0 ? 'شركة النور للمقاولات العامة المحدودة' : 'وزارة المالية',
      externalRef: `م/${i + 1}/ص`,
      externalDate: '2026-11-30',
      subject: i % 4 === 0 ? 'طلب اعتماد ميزانية الربع الأول للعام المالي القادم مع المرفقات المطلوبة' : 'طلب اعتماد, "عاجل"',
      referredTo: i % 2 === 0 ? ['الشؤون المالية', 'الشؤون القانونية'] : [],
      answeredBy: i === 0 ? [{ registryNo: 'outgoing/2026/000001', registryNoAr: 'ص ٢٠٢٦/١' }] : [],
    };
  });
}

/** RFC 4180 records (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (quoted) {
      field += c;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      out.push([...row, field]);
      row = [];
      field = '';
      i++;
    } else {
      field += c;
    }
  }
  return out;
}

test('CSV: byte order mark, bilingual headers, quoted fields, one record per row, withheld rows keep their number', () => {
  const csv = bookCsv(INFO, rows(12));
  expect(csv.startsWith('\uFEFF')).toBe(true);
  const records = parseCsv(csv.slice(1));
  expect(records).toHaveLength(13);
  expect(records[0]).toEqual([
    'رقم القيد / Number',
    'تاريخ القيد / Date',
    'المرسِل / Sender',
    'مرجعه وتاريخه / Their reference',
    'الموضوع / Subject',
    'أُحيل إلى / Referred to',
    'أُجيب بـ / Answered by',
  ]);
  expect(records[1]).toEqual([
    '2026/000001',
    '2026-12-06 09:00',
    'شركة النور للمقاولات العامة المحدودة',
    'م/1/ص 2026-11-30',
    'طلب اعتماد ميزانية الربع الأول للعام المالي القادم مع المرفقات المطلوبة',
    'الشؤون المالية; الشؤون القانونية',
    'outgoing/2026/000001',
  ]);
  expect(records[2]![4]).toBe('طلب اعتماد, "عاجل"');
  expect(records[8]).toEqual(['2026/000008', '2026-12-06 09:07', '', '', 'محجوب / withheld', '', '']);
  expect(bookCsv({ ...INFO, register: { ar: 'الصادر', en: 'Outgoing', direction: 'out' } }, [])).toContain(
    'المرسَل إليه / Recipient',
  );
});

test('PDF: 65 rows flow over A4 landscape pages, each with the heads and its page number; every number is in the text', async () => {
  const pdf = await bookPdf(INFO, rows(65));
  const doc = await PDFDocument.load(pdf);
  const pages = doc.getPages();
  expect(pages.length).toBeGreaterThan(1);
  for (const p of pages) expect([Math.round(p.getWidth()), Math.round(p.getHeight())]).toEqual([842, 595]);
  if (!fs.existsSync('/usr/bin/pdftotext')) return;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-book-')), 'book.pdf');
  fs.writeFileSync(file, pdf);
  const texts: string[] = [];
  for (let n = 1; n <= pages.length; n++) {
    texts.push((await run('pdftotext', ['-f', String(n), '-l', String(n), file, '-'])).stdout);
  }
  const count = toArabicIndic(String(pages.length));
  texts.forEach((t, i) => {
    expect(t).toContain('رقم القيد');
    expect(t).toContain('Answered by');
    expect(t).toContain(`page ${i + 1} of ${pages.length}`);
    expect(t).toContain('صفحة');
    expect(t).toContain(count);
  });
  // pdftotext marks each run's direction; the marks are not part of the words.
  const all = texts.join('\n').replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '');
  for (let i = 1; i <= 65; i++) expect(all).toContain(toArabicIndic(`2026/${i}`));
  expect(all).toContain('withheld');
  expect(all).toMatch(/ص ?٢٠٢٦\/١/);
});

test('PDF: an empty period is one page that says so', async () => {
  const pdf = await bookPdf(INFO, []);
  expect((await PDFDocument.load(pdf)).getPageCount()).toBe(1);
});

test('CSV: a field a spreadsheet would run as a formula is written to be shown, not run', () => {
  expect(csvField('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
  expect(['+1', '-2+3', '@SUM(A1)'].map(csvField)).toEqual(["'+1", "'-2+3", "'@SUM(A1)"]);
  expect(['طلب إفادة', '2026/000001', 'م/٤٥٢'].map(csvField)).toEqual(['طلب إفادة', '2026/000001', 'م/٤٥٢']);
});

/** An Arabic subject with a colon and numbers followed by words, which poppler once read with the words carried past them. */
const NUMBERED = 'طلب نقل موظف: رقم ٤٥ بتاريخ ١٢/٠٣/٢٠٢٦ إلى الإدارة';

test('PDF: pdftotext reads an Arabic subject with a colon and numbers in logical order', async () => {
  if (!fs.existsSync('/usr/bin/pdftotext')) return;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-book-')), 'book.pdf');
  fs.writeFileSync(file, await bookPdf(INFO, [{ ...rows(1)[0]!, subject: NUMBERED }]));
  const text = (await run('pdftotext', ['-enc', 'UTF-8', file, '-'])).stdout;
  expect(text.replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')).toContain(NUMBERED);
});
