/** The scanner room's printed sheets: separator sheets and registry labels. */
import type { Command } from 'commander';
import { labelSheets, separatorSheet } from '../commands/sheets';
import { about, bi, JSON_OPTION } from './help';
import type { Act } from './index';

const OUT = [
  '--out <FILE>',
  bi(
    'ملف PDF المكتوب (إلى المخرج القياسي إن غاب، لا إلى الشاشة)',
    'the PDF written (standard output without it, never a terminal)',
  ),
] as const;

export function declareSheets(program: Command, act: Act): void {
  const sheets = about(program.command('sheets'), {
    ar: 'أوراق غرفة المسح للطباعة: الصفحة الفاصلة وملصقات أرقام القيد.',
    en: "the scanner room's printed sheets: the separator sheet and registry labels.",
    examples: [
      'diwan sheets separator --out separator.pdf',
      'diwan sheets labels --register incoming --count 96 --out labels.pdf',
      'diwan sheets labels --register outgoing --count 24 | lp',
    ],
  });
  about(sheets.command('separator'), {
    ar: 'صفحة فاصلة (PDF): تُوضع بين الرسائل في الرزمة قبل المسح، فتُقسم الرزمة عندها ولا تُؤرشف.',
    en: 'the separator sheet (PDF): put between letters in a stack before scanning; the stack is split there and the sheet is not archived.',
    examples: ['diwan sheets separator --out separator.pdf'],
  })
    .option(...OUT)
    .action(act(separatorSheet));
  about(sheets.command('labels'), {
    ar: 'ملصقات أرقام قيد تُحجز الآن (PDF، ٢٤ ملصقًا ٧٠×٣٧ مم في الورقة).',
    en: 'registry labels, their numbers taken now (PDF, 24 labels of 70 × 37 mm a sheet).',
    arMore:
      'يُلصق الملصق على الصفحة الأولى من الرسالة قبل مسحها فتأخذ رقمه. ' +
      'مع --json دون --out تُطبع الأرقام فقط (JSON)؛ ومع --out يُطبع ملخص JSON.',
    enMore:
      'Stick a label on a letter’s first page before it is scanned and the letter takes its number. ' +
      'With --json and no --out, only the numbers are printed (JSON); with --out, a JSON summary.',
    examples: [
      'diwan sheets labels --register incoming --count 96 --out labels.pdf',
      'diwan sheets labels --register outgoing --count 5 --json',
    ],
  })
    .usage('--register CODE --count N [--out FILE] [--json]')
    .option(
      '--register <CODE>',
      bi('السجل: incoming أو outgoing أو internal أو رمز آخر', 'the register: incoming, outgoing, internal or another code'),
    )
    .option('--count <N>', bi('عدد الملصقات', 'how many labels'))
    .option(...OUT)
    .option(...JSON_OPTION)
    .action(act(labelSheets));
}
