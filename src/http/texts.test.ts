import type { OcrWord } from '../../storage/repos/documents';
import { wordsStillThere } from './texts';

const word = (t: string, x: number): OcrWord => [t, x, 10, x + 50, 40, 60];

test("a corrected page keeps the machine's boxes only for the words still in its text, each as often as the text has it", () => {
  const machine = [word('وزارة', 0), word('المالبة', 60), word('وزارة', 120), word('2026', 180)];
  expect(wordsStillThere(machine, 'وزارة المالية 2026')).toEqual([word('وزارة', 0), word('2026', 180)]);
  expect(wordsStillThere(machine, 'نص آخر تماما')).toEqual([]);
});
