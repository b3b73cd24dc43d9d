import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { docxFile, odtFile, oleFile, rtfFile, withZip64Locator, xlsxFile, zipFile } from '../../scripts/fixtures/officeFiles';
import type { SpooledFile } from './accept';
import { officeType } from './office';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'office-type-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** The bytes as the spool would hold them (the name is deliberately wrong: it is never trusted). */
function spooled(bytes: Buffer): SpooledFile {
  const file = path.join(dir, `upload-${++n}`);
  fs.writeFileSync(file, bytes);
  return { path: file, size: bytes.length, sha256: '0'.repeat(64), head: bytes.subarray(0, 16), originalName: 'scan.pdf' };
}

const typeOf = (bytes: Buffer) => officeType(spooled(bytes));
const codeOf = (bytes: Buffer) =>
  typeOf(bytes).then(
    () => 'accepted',
    (e: { code?: string }) => e.code ?? String(e),
  );

describe('officeType: what a file is, from its bytes', () => {
  test('a .docx, its own title (escapes undone) read from docProps/core.xml', async () => {
    expect(await typeOf(docxFile(['نص عربي'], { title: 'كتاب & رسمي' }))).toEqual({
      mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      ext: 'docx',
      title: 'كتاب & رسمي',
    });
    expect((await typeOf(docxFile(['نص'], { title: 'تقرير <سنوي>' })))?.title).toBe('تقرير <سنوي>');
  });

  test('an .xlsx, an .odt, an .ods and an .rtf', async () => {
    expect(await typeOf(xlsxFile(['خلية'], { title: 'ميزانية' }))).toMatchObject({ ext: 'xlsx', title: 'ميزانية' });
    expect(await typeOf(odtFile(['فقرة'], { title: 'محضر' }))).toMatchObject({
      ext: 'odt',
      mime: 'application/vnd.oasis.opendocument.text',
      title: 'محضر',
    });
    expect(await typeOf(odtFile([], { mimetype: 'application/vnd.oasis.opendocument.spreadsheet' }))).toMatchObject({
      ext: 'ods',
    });
    expect(await typeOf(rtfFile('hello'))).toEqual({ mime: 'application/rtf', ext: 'rtf', title: null });
  });

  test('other files are none of its business: a PDF, a plain ZIP (whole or broken), a presentation, other ODF', async () => {
    expect(await typeOf(Buffer.from('%PDF-1.7\n%%EOF\n'))).toBeUndefined();
    const plain = zipFile([{ name: 'scans/page-1.jpg', data: 'x' }]);
    expect(await typeOf(plain)).toBeUndefined();
    expect(await typeOf(plain.subarray(0, 40))).toBeUndefined();
    const pptx = zipFile([
      { name: '[Content_Types].xml', data: '<Types/>' },
      { name: 'ppt/presentation.xml', data: '<p/>' },
    ]);
    expect(await typeOf(pptx)).toBeUndefined();
    expect(await typeOf(odtFile([], { mimetype: 'application/vnd.oasis.opendocument.presentation' }))).toBeUndefined();
  });
});

describe('officeType: refusals, each with its code', () => {
  test('macros: a macro-enabled .docm, a VBA project in a plain .docx, ActiveX, an Excel 4 macro sheet', async () => {
    expect(await codeOf(docxFile(['x'], { macros: true }))).toBe('office_macros');
    expect(await codeOf(docxFile(['x'], { extra: [{ name: 'word/vbaProject.bin', data: 'vba' }] }))).toBe('office_macros');
    expect(await codeOf(docxFile(['x'], { extra: [{ name: 'word/activeX/activeX1.xml', data: '<x/>' }] }))).toBe('office_macros');
    expect(await codeOf(xlsxFile(['x'], { extra: [{ name: 'xl/macrosheets/sheet1.xml', data: '<x/>' }] }))).toBe('office_macros');
  });

  test('ODF Basic libraries and scripts', async () => {
    expect(await codeOf(odtFile(['x'], { extra: [{ name: 'Basic/Standard/Module1.xml', data: '<x/>' }] }))).toBe('office_macros');
    expect(await codeOf(odtFile(['x'], { extra: [{ name: 'Scripts/python/run.py', data: 'print(1)' }] }))).toBe('office_macros');
  });

  test('a truncated package, and one whose part unpacks to more than it claims, are unreadable', async () => {
    const whole = docxFile(['نص عربي']);
    expect(await codeOf(whole.subarray(0, Math.floor(whole.length * 0.6)))).toBe('office_unreadable');
    const lying = zipFile([
      { name: '[Content_Types].xml', data: 'a'.repeat(100_000), claimSize: 100 },
      { name: 'word/document.xml', data: '<x/>' },
    ]);
    expect(await codeOf(lying)).toBe('office_unreadable');
  });

  test('a ZIP64 locator pointing past the file, or past what a number holds, is unreadable (not an internal error)', async () => {
    const docx = docxFile(['نص']);
    for (const at of [2n ** 60n, 2n ** 64n - 1n, 2n ** 40n]) {
      const e = (await typeOf(withZip64Locator(docx, at)).catch((err: unknown) => err)) as { code: string; details: unknown };
      expect([e.code, e.details]).toEqual(['office_unreadable', { reason: 'broken' }]);
    }
  });

  test('a package claiming gigabytes once unpacked is refused before anything is unpacked', async () => {
    const bomb = docxFile(['x'], { extra: [{ name: 'word/media/big.bin', data: 'x', claimSize: 0xfffffff0 }] });
    const e = (await typeOf(bomb).catch((err: unknown) => err)) as { code: string; details: unknown };
    expect(e.code).toBe('office_unreadable');
    expect(e.details).toEqual({ reason: 'too_big' });
  });

  test('a legacy OLE file (.doc, .xls) is an unsupported type; a password-protected Office file is encrypted', async () => {
    expect(await codeOf(oleFile())).toBe('unsupported_type');
    expect(await typeOf(oleFile('WordDocument')).catch((e: unknown) => e)).toMatchObject({
      code: 'unsupported_type',
      details: { legacy: '.doc' },
    });
    expect(await codeOf(oleFile('EncryptionInfo'))).toBe('encrypted_file');
  });
});
