/**
 * The printed sheets as files: the same sheets made twice are the same bytes; 25 labels fill one A4 sheet and
 * start a second; each label's number is in the PDF's text as people write it (found by search and copy).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PDFDocument } from 'pdf-lib';
import { labelSheetsPdf, LABELS_PER_SHEET, separatorSheetPdf } from './scannerSheets';

const run = promisify(execFile);
const AT = { createdAt: new Date('2026-03-01T09:00:00Z') };
const NAMES = { nameAr: 'الوارد', nameEn: 'Incoming', letterAr: 'و', letterEn: 'IN' };
const refs = (n: number) => Array.from({ length: n }, (_, i) => ({ register: 'incoming', year: 2026, seq: 17 + i }));

test('the same sheets made twice are the same bytes; another date, another file', async () => {
  expect((await separatorSheetPdf(AT)).equals(await separatorSheetPdf(AT))).toBe(true);
  const once = await labelSheetsPdf(refs(3), NAMES, AT);
  expect(once.equals(await labelSheetsPdf(refs(3), NAMES, AT))).toBe(true);
  expect(once.equals(await labelSheetsPdf(refs(3), NAMES, { createdAt: new Date('2026-03-02T09:00:00Z') }))).toBe(false);
});

test('25 labels are two A4 sheets, every number in the text as written', async () => {
  const pdf = await labelSheetsPdf(refs(LABELS_PER_SHEET + 1), NAMES, AT);
  const doc = await PDFDocument.load(pdf);
  expect(doc.getPages().map((p) => [Math.round(p.getWidth()), Math.round(p.getHeight())])).toEqual([
    [595, 842],
    [595, 842],
  ]);
  if (!fs.existsSync('/usr/bin/pdftotext')) return;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-labels-')), 'labels.pdf');
  fs.writeFileSync(file, pdf);
  const text = (await run('pdftotext', [file, '-'])).stdout.replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '');
  for (let seq = 17; seq <= 17 + LABELS_PER_SHEET; seq++) expect(text).toContain(`IN 2026/${seq}`);
  expect(text).toContain('٢٠٢٦/١٧');
  expect(text).toContain('الوارد');
});

test('pdftotext reads the Arabic lines of both sheets in logical order, a number and a colon in place', async () => {
  if (!fs.existsSync('/usr/bin/pdftotext')) return;
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-sheets-'));
  const text = async (name: string, pdf: Buffer) => {
    fs.writeFileSync(path.join(folder, name), pdf);
    return (await run('pdftotext', ['-enc', 'UTF-8', path.join(folder, name), '-'])).stdout.replace(
      /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
      '',
    );
  };
  const separator = await text('separator.pdf', await separatorSheetPdf(AT));
  expect(separator).toContain('صفحة فاصلة — ضعها بين الرسائل عند المسح؛ لا تُؤرشف');
  const named = { ...NAMES, nameAr: 'وارد الفرع: رقم ٢ جدة' };
  const labels = await text('labels.pdf', await labelSheetsPdf(refs(1), named, AT));
  expect(labels).toContain(named.nameAr);
  expect(labels).toContain('و ٢٠٢٦/١٧');
});
