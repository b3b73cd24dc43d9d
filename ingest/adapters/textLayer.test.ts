/**
 * The invisible text layer read back: lines written by writeInvisibleLines (Arabic, squeezed hard as a
 * message's paragraph is over its picture, mixed with Latin and digits, and an English line with an
 * Arabic phrase, vowel signs) come back from pdf.js (pdfPageText, which the archive indexes) and from mupdf with their
 * words apart and in logical order, and pdf.js gives each word whole with its box.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import fontkit from '@pdf-lib/fontkit';
import { PDFDocument } from 'pdf-lib';
import { pdfPageText } from './pdfread';
import { textLayerFont } from './textFont';
import { markFont, writeInvisibleLines, type PlacedLine } from './textLayer';

const SENTENCE = 'المدرسة الابتدائية السلام عليكم ورحمة الله نرجو الموافقة على نقل الطالب';
/**
 * [text, extent in points]: a line at ease; squeezed as a paragraph of several lines is over its picture; squeezed
 * past what Tz may do; mixed with Latin and digits; an English line with an Arabic phrase; vowel signs.
 */
const LINES: Array<[string, number]> = [
  [SENTENCE, 515],
  [Array.from({ length: 5 }, () => SENTENCE).join(' '), 515],
  [Array.from({ length: 5 }, () => SENTENCE).join(' '), 90],
  ['نرجو نقل الطالب zebra123 إلى الصف 5 في العام ٢٠٢٤ بتاريخ 12/03 شكرا Hello world', 140],
  ['Dear colleagues, السلام عليكم ورحمة الله and thanks for the 12 files', 200],
  ['وَصَلَنا طلبكم (رقم ٤٥) شكراً جزيلاً، ونتمنى لكم التوفيق دائماً.', 160],
  ['الموضوع: طلب نقل موظف', 200],
  ['رقم القيد: ٢٠٢٥/٧١٣١ بتاريخ ١٤٤٦/٠٣/١٢ (المادة ١٢)، يعمل به', 300],
  ['التاريخ: 2025/03/12 م', 200],
];

let dir: string;
let file: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-textlayer-'));
  const pdf = await PDFDocument.create();
  pdf.registerFontkit(fontkit);
  const bytes = textLayerFont();
  const kit = fontkit.create(bytes);
  const font = await pdf.embedFont(bytes, { subset: true });
  const page = pdf.addPage([595, 842]);
  const f = {
    font,
    key: page.node.newFontDictionary(font.name, font.ref),
    has: (c: string) => c === ' ' || kit.hasGlyphForCodePoint(c.codePointAt(0) ?? 0),
    marks: page.node.newFontDictionary('DiwanMarks', markFont(pdf)),
  };
  const lines: PlacedLine[] = LINES.map(([text, extent], i) => ({
    text,
    x0: 40,
    x1: 40 + extent,
    baseline: 800 - 30 * i,
    size: 10,
  }));
  page.pushOperators(...writeInvisibleLines(pdf, f, lines));
  file = path.join(dir, 'layer.pdf');
  fs.writeFileSync(file, await pdf.save());
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('pdf.js reads each line with its words apart, in logical order, and each word whole', async () => {
  const page = await pdfPageText(file, 0, 150);
  expect(page.text.split('\n')).toEqual(LINES.map(([text]) => text));
  expect(page.words.map((w) => w[0])).toEqual(LINES.flatMap(([text]) => text.split(' ')));
  const px = (pt: number) => (pt * 150) / 72;
  // A word's box is where its line was written: within the line's extent, in the order the line reads.
  const box = (line: number, word: string) => {
    const before = LINES.slice(0, line).reduce((n, [text]) => n + text.split(' ').length, 0);
    const index = (LINES[line]![0].split(' ').indexOf(word) ?? -1) + before;
    const w = page.words[index]!;
    expect(w[0]).toBe(word);
    return { x0: w[1], x1: w[3], y: (w[2] + w[4]) / 2 };
  };
  const [first, second] = [box(0, 'المدرسة'), box(0, 'الابتدائية')];
  expect(second.x1).toBeLessThanOrEqual(first.x0);
  expect(first.x1).toBeLessThanOrEqual(px(555) + 1);
  expect(Math.abs(first.y - px(842 - 800))).toBeLessThan(px(10));
  const [latin, next] = [box(3, 'zebra123'), box(3, 'إلى')];
  expect(next.x1).toBeLessThanOrEqual(latin.x0);
});

const mupdf = fs.existsSync('/usr/bin/mutool');
(mupdf ? test : test.skip)('mupdf reads the same lines, in the order they were written', async () => {
  const { stdout } = await promisify(execFile)('mutool', ['draw', '-F', 'txt', '-o', '-', file]);
  // The right-to-left marks written for poppler come back too, where they were written: invisible, set aside here.
  const lines = stdout
    .replace(/\u200F/g, '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l);
  expect(lines).toEqual(LINES.map(([text]) => text));
});

const poppler = fs.existsSync('/usr/bin/pdftotext');
(poppler ? test : test.skip)(
  'poppler reads the right-to-left lines in logical order, a number and the marks after it in place',
  async () => {
    const { stdout } = await promisify(execFile)('pdftotext', ['-enc', 'UTF-8', file, '-']);
    // poppler wraps the runs it turned in embedding controls; the right-to-left marks are the layer's own.
    const lines = stdout
      .replace(/[\u202A-\u202C\u200F]/g, '')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l);
    expect(lines).toEqual(
      expect.arrayContaining(LINES.filter(([text]) => /^\p{Script=Arabic}/u.test(text)).map(([text]) => text)),
    );
  },
);
