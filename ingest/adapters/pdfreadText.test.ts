/**
 * The PDF reader's line assembly (pdfreadText.mjs, loaded by Node as it is) restates the letter classes of
 * ingest/ocr/bidi.ts: they must stay the same, or the reader and the OCR would disagree on which way a word runs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LTR_STRONG, RTL_LETTER } from '../ocr/bidi';

const source = fs.readFileSync(path.join(__dirname, 'pdfreadText.mjs'), 'utf8');

/** The pattern of `const NAME = /.../;` in the reader's source. */
function patternOf(name: string): string | undefined {
  return new RegExp(`const ${name} =\\s*/(.+)/;`).exec(source)?.[1];
}

test("the reader's letter classes are bidi.ts's", () => {
  expect(patternOf('RTL_LETTER')).toBe(RTL_LETTER.source);
  expect(patternOf('LTR_STRONG')).toBe(LTR_STRONG.source);
});
