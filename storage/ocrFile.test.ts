import { ocrFileProblem, type OcrFile } from './ocrFile';

const page = (words: unknown[]) => ({ n: 1, width: 1000, height: 1400, confidence: 90, text: 'نص', words });
const file = (words: unknown[]): OcrFile => ({ textVersion: { version: 1 }, pages: [page(words)] }) as OcrFile;

test('#20 a stored reading passes when every word has a box inside its page', () => {
  expect(ocrFileProblem(file([['وزارة', 10, 20, 300, 80, 91]]))).toBeUndefined();
});

test.each([
  ['a box given as markup', ['وزارة', '10"><script>', 20, 300, 80, 91]],
  ['a box beyond the page', ['وزارة', 10, 20, 3000, 80, 91]],
  ['a box turned inside out', ['وزارة', 300, 20, 10, 80, 91]],
  ['a coordinate that is not finite', ['وزارة', 10, 20, Infinity, 80, 91]],
  ['a negative coordinate', ['وزارة', -5, 20, 300, 80, 91]],
  ['a confidence over 100', ['وزارة', 10, 20, 300, 80, 150]],
  ['a word that is not text', [{ toString: 1 }, 10, 20, 300, 80, 91]],
  ['a word of the wrong shape', ['وزارة', 10, 20]],
])('#20 a stored reading with %s is refused', (_what, word) => {
  expect(ocrFileProblem(file([word]))).toMatch(/page 1: a word with no valid box/);
});
