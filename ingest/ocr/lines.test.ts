import type { InkImage } from '../adapters/ocrImage';
import { joinNumberPieces, kind, reviseLines, type Line, type LineTrace, type LineWord } from './lines';

const word = (text: string, x0: number, x1: number, confidence = 90): LineWord => ({
  text,
  box: [x0, 100, x1, 150],
  confidence,
});

/** A blank page: nothing for the digit-shape fallback to find. */
const blank: InkImage = { data: new Uint8Array(1200 * 300).fill(255), width: 1200, height: 300 };

test('a word without digits that holds a slash is a number read as letters; a clear date is a number', () => {
  expect(kind(word('بدم/.؟', 500, 700, 0))).toBe('suspect');
  expect(kind(word('القيد:', 750, 880))).toBe('arabic');
  expect(kind(word('13/03/2026', 500, 700, 92))).toBe('number');
  expect(kind(word('Y-YO', 500, 700, 92))).toBe('suspect');
});

test('pieces of one Arabic-Indic number are joined and a doubled slash made single; numbers far apart stay apart', () => {
  const joined = joinNumberPieces([word('٢٣', 650, 700, 80), word('٢٠٢٤/١', 500, 640, 70), word('القيد', 750, 880)]);
  expect(joined.map((w) => w.text)).toEqual(['٢٠٢٤/١٢٣', 'القيد']);
  expect(joined[0]!.box).toEqual([500, 100, 700, 150]);
  expect(joined[0]!.confidence).toBe(70);
  expect(joinNumberPieces([word('١٢', 100, 150), word('٣٤', 300, 350)]).map((w) => w.text)).toEqual(['١٢', '٣٤']);
  expect(joinNumberPieces([word('٢٠٢٦//١١٥', 100, 300)]).map((w) => w.text)).toEqual(['٢٠٢٦/١١٥']);
});

test('a registry number read as letters with a slash is taken from the number model, whole, in reading order', async () => {
  const line: Line = {
    words: [word('رقم', 900, 1000), word('القيد:', 750, 880), word('بدم/.؟', 500, 700, 0)],
    text: 'رقم القيد: بدم/.؟',
    paragraph: true,
  };
  const traces: LineTrace[] = [];
  const readArabic = jest.fn(async (): Promise<LineWord[]> => []);
  // The number model writes the number in two pieces, as it sometimes does.
  const readNumber = jest.fn(async (): Promise<LineWord[]> => [
    word('رقم', 900, 1000),
    word('٠ديقلا', 750, 880),
    word('٢٠٢٤/١', 500, 640),
    word('٢٣', 650, 700),
  ]);
  const [out] = await reviseLines(blank, [line], readArabic, readNumber, (t) => traces.push(t));
  expect(out!.text).toBe('رقم القيد: ٢٠٢٤/١٢٣');
  expect(readNumber).toHaveBeenCalledTimes(1);
  expect(readArabic).not.toHaveBeenCalled();
  expect(traces).toHaveLength(1);
  expect(traces[0]!.kinds).toEqual(['arabic', 'arabic', 'suspect']);
  expect(traces[0]!.after.text).toBe(out!.text);
});

test('a number read over a whole line keeps the words read as Arabic with confidence', async () => {
  const line: Line = {
    words: [word('قرار', 900, 1000), word('رقم', 800, 880), word('2045/2020', 500, 700, 40)],
    text: 'قرار رقم 2045/2020',
    paragraph: false,
  };
  // The number model boxes its number over the whole line.
  const readNumber = async (): Promise<LineWord[]> => [{ text: '2045/2020', box: [500, 100, 1000, 150], confidence: 80 }];
  const [out] = await reviseLines(blank, [line], async () => [], readNumber);
  expect(out!.text).toBe('قرار رقم 2045/2020');
});

test('a number the model boxed over the whole line goes to no word: the line keeps its words, the number stays once', async () => {
  const line: Line = {
    words: [
      word('ogal', 1000, 1100, 30),
      word('لأحكام', 850, 980),
      word('قرار', 720, 830),
      word('رقم', 620, 700),
      word('2045/2020', 400, 600, 40),
    ],
    text: 'ogal لأحكام قرار رقم 2045/2020',
    paragraph: false,
  };
  const readNumber = async (): Promise<LineWord[]> => [{ text: '2045/2020', box: [400, 90, 1100, 160], confidence: 85 }];
  // Read again in Arabic only, the misread word comes out as the word it is.
  const readArabic = async (box: [number, number, number, number]): Promise<LineWord[]> =>
    box[0] >= 1000 ? [word('وفقاً', 1000, 1100, 80)] : [];
  const [out] = await reviseLines(blank, [line], readArabic, readNumber);
  expect(out!.text).toBe('وفقاً لأحكام قرار رقم 2045/2020');
});

test('the number model is asked once for a line with a suspect word, and its number replaces the misread', async () => {
  const line = (): Line => ({
    words: [word('رقم', 900, 1000), word('الملف:', 750, 880), word('Y-YO', 500, 700, 40)],
    text: 'رقم الملف: Y-YO',
    paragraph: false,
  });
  const nothing = async (): Promise<LineWord[]> => [];
  const reader = jest.fn(async (): Promise<LineWord[]> => [word('٢٠٢٤/٤٠٩٦', 500, 700, 80)]);
  expect((await reviseLines(blank, [line()], nothing, reader))[0]!.text).toBe('رقم الملف: ٢٠٢٤/٤٠٩٦');
  expect(reader).toHaveBeenCalledTimes(1);
  // A model that reads nothing leaves the line's words as they were read.
  expect((await reviseLines(blank, [line()], nothing, jest.fn(nothing)))[0]!.text).toBe('رقم الملف: Y-YO');
});
