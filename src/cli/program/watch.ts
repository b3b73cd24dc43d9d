/** `diwan watch`: the scanner room's drop folders, watched from the scanner's own PC over the API. */
import { Option, type Command } from 'commander';
import { CLASSIFICATIONS } from '../../../kernel/clearance';
import { DUPLEX_MODES } from '../../../storage/repos/batches';
import { watch } from '../watch';
import { about, bi, JSON_OPTION } from './help';
import type { Act } from './index';

export function declareWatch(program: Command, act: Act): void {
  about(program.command('watch'), {
    ar: 'مراقبة مجلدات الإيداع: يُؤرشف كل ملف مكتمل يوضع فيها ثم يُنقل إلى processed/ أو إلى rejected/ مع سبب رفضه.',
    en: 'watch drop folders: every complete file put there is archived, then moved to processed/, or to rejected/ with why.',
    arMore:
      'يعمل على جهاز الماسح نفسه أو على مجلد شبكة مركّب (SMB/NFS) ويرسل الملفات إلى الخادم (DIWAN_URL، DIWAN_TOKEN)، ' +
      'في دفعة لكل مجلد ويوم. يُعدّ الملف مكتملًا حين يثبت حجمه ووقته (DIWAN_WATCH_STABLE_SECONDS)، ويُنظر في المجلدات كل ' +
      'DIWAN_WATCH_SECONDS ثانية. يوقفه Ctrl-C بعد الملف الذي بين يديه. مع --once: نظرة واحدة ثم الخروج ' +
      '(لـ cron؛ الحالة 1 إن رُفض ملف أو بقي ينتظر أو تعذّرت قراءة مجلد).',
    enMore:
      "Runs on the scanner's own PC or on a mounted network share (SMB/NFS) and sends the files to the server (DIWAN_URL, " +
      'DIWAN_TOKEN), in one batch per folder and day. A file is complete once its size and time stay still ' +
      '(DIWAN_WATCH_STABLE_SECONDS); the folders are looked at every DIWAN_WATCH_SECONDS. Ctrl-C stops it after the file in ' +
      'hand. With --once: one look, then exit (for cron; exit 1 when a file was refused or waits, or a folder is away).',
    examples: [
      'diwan watch /srv/scans --register incoming --department الوارد',
      '*/5 * * * * diwan watch /mnt/scanner --once --quiet     # crontab',
    ],
  })
    .argument('<FOLDER...>', bi('مجلد يُراقب', 'a folder to watch'))
    .option('--register <CODE>', bi('السجل (incoming افتراضيًا)', 'the register (default incoming)'))
    .option('--department <DEPT>', bi('الإدارة', 'the department'))
    .addOption(new Option('--classification <LEVEL>', bi('درجة السرية', 'the classification')).choices(CLASSIFICATIONS))
    .addOption(
      new Option(
        '--duplex <MODE>',
        bi('كيف غذّى الماسح الورق (simplex افتراضيًا)', 'how the scanner fed the paper (default simplex)'),
      ).choices(DUPLEX_MODES),
    )
    .option('--once', bi('نظرة واحدة ثم الخروج', 'one look, then exit'))
    .option(
      '--quiet',
      bi('دون سطور ما يجري على الخطأ القياسي (تبقى التحذيرات)', 'no lines of what it does on standard error (warnings stay)'),
    )
    .option(...JSON_OPTION)
    .action(act(watch));
}
