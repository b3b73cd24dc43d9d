/**
 * Arabic words with lam-alef (لا) read back from born-digital PDFs as they are written, not «االبتدائية»: a PDF
 * that a real LibreOffice makes of a .docx (the way every Office document is read), and one whose ligature glyphs
 * are written by hand, in right-to-left lines, a line with a number and a left-to-right line with Arabic words,
 * so that neither one producer nor one kind of line is assumed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { convertToPdf } from '../ingest/adapters/libreoffice';
import { pdfPageText } from '../ingest/adapters/pdfread';
import { LIGATURE_LINES, ligaturePdf, lineText } from '../scripts/fixtures/ligaturePdf';
import { docxFile } from '../scripts/fixtures/officeFiles';

const PARAGRAPHS = ['المدرسة الابتدائية', 'السلام عليكم', 'الجامعة الإسلامية', 'لا يجوز ذلك', 'تم الاتفاق'];

let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-ligatures-'));
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const wordsOf = (lines: string[]) => lines.flatMap((line) => line.split(' '));

test('the PDF LibreOffice makes of an Arabic .docx gives its lam-alef words as written', async () => {
  const docx = path.join(dir, 'letter.docx');
  fs.writeFileSync(docx, docxFile(PARAGRAPHS));
  const converted = await convertToPdf(docx, 'docx');
  try {
    const page = await pdfPageText(converted.pdf, 0);
    expect(page.text.split('\n')).toEqual(PARAGRAPHS);
    expect(page.words.map((w) => w[0])).toEqual(wordsOf(PARAGRAPHS));
  } finally {
    converted.dispose();
  }
});

test('ligature glyphs of another producer read in order, in right-to-left, numbered and left-to-right lines', async () => {
  const file = path.join(dir, 'ligatures.pdf');
  fs.writeFileSync(file, ligaturePdf());
  const page = await pdfPageText(file, 0);
  const lines = LIGATURE_LINES.map(lineText);
  expect(page.text.split('\n')).toEqual(lines);
  expect(page.words.map((w) => w[0])).toEqual(wordsOf(lines));
});
