/**
 * The registry's commands (a clerk's, an official's): ingest, registers, receipts and books,
 * corrections, and the follow-up of referrals and directives.
 */
import { Option, type Command } from 'commander';
import { CLASSIFICATIONS } from '../../../kernel/clearance';
import { DIRECTIONS } from '../../../storage/repos/registers';
import { DUPLEX_MODES } from '../../../storage/repos/batches';
import { book, receipt } from '../commands/books';
import { edit, history } from '../commands/corrections';
import { closeReferral, deadlinesResume, deadlinesSuspend, directive, inbox, overdue, refer } from '../commands/referrals';
import { registers, registersAdd } from '../commands/registry';
import { ingest } from '../ingest';
import { about, bi, JSON_OPTION, QUIET_OPTION } from './help';
import type { Act } from './index';

const DATE = 'YYYY-MM-DD';

export function declareRegistry(program: Command, act: Act): void {
  program.commandsGroup('الديوان / The registry:');
  about(program.command('ingest'), {
    ar: 'أرشفة ملفات ومجلدات: تُرفع دفعةً وتُقرأ وتُقيَّد وتُختم.',
    en: 'archive files and folders: uploaded as a batch, read, registered and stamped.',
    arMore:
      'شريط تقدم بالملفات والصفحات والبايتات والوقت المتبقي، ثم جدول: المؤرشف والمكرر والمرفوض مع السبب، ' +
      'وما صار إليه كل ملف (رزمة ممسوحة تُقسم عند الأوراق الفاصلة وثائقَ عدة، رسالة بريد ومرفقاتها)، ' +
      'والمجموع: الوثائق والصفحات الفارغة المحذوفة والأوراق الفاصلة والملصقات المرفوضة. ' +
      'تُقبل مستندات أوفيس (docx وxlsx وodt وods وrtf) ورسائل البريد (eml) أيضًا. ' +
      'الخيارات --external-ref و--external-date و--in-reply-to لرسالة واحدة (ملف واحد).',
    enMore:
      'A progress bar (files, pages, bytes, time left), then a table: archived, duplicates, rejected with reasons, ' +
      'and what each file became (a scanned stack split at separator sheets into several documents, a message and ' +
      'its attachments), with the totals: documents, blank pages dropped, separator sheets, labels refused. ' +
      'Office documents (docx, xlsx, odt, ods, rtf) and e-mail messages (eml) are taken too. ' +
      '--external-ref, --external-date and --in-reply-to describe one letter (one FILE).',
    examples: [
      'diwan ingest ./scans --batch "وارد اليوم" --wait',
      'diwan ingest stack.pdf --duplex duplex',
      'diwan ingest letter.pdf --register incoming --correspondent "وزارة المالية" --external-ref 45/2026',
    ],
  })
    .argument('<FILE_OR_FOLDER...>', bi('ملف أو مجلد (تُقرأ مجلداته الفرعية)', 'a file or a folder (its subfolders too)'))
    .option('--batch <NAME>', bi('اسم الدفعة', "the batch's name"))
    .option('--wait', bi('انتظر حتى تُؤرشف كل وثيقة', 'wait until every document is archived'))
    .option('--pages-of-one', bi('كل ملف صفحة من وثيقة واحدة', 'every file is a page of one document'))
    .addOption(
      new Option(
        '--duplex <HOW>',
        bi(
          'كيف مرّ الورق في الماسح: simplex وجه واحد، duplex الوجهان معًا (تُحذف الظهور الفارغة)، passes دفعتان: الوجوه ثم الظهور',
          'how the scanner fed the paper: simplex one side, duplex both sides (blank backs dropped), passes fronts then backs',
        ),
      ).choices(DUPLEX_MODES),
    )
    .option('--title <TITLE>', bi('العنوان', 'the title'))
    .option('--type <TYPE>', bi('نوع الوثيقة', "the document's type"))
    .option('--department <DEPT>', bi('الإدارة', 'the department'))
    .addOption(new Option('--classification <LEVEL>', bi('درجة السرية', 'the classification')).choices(CLASSIFICATIONS))
    .option('--date <DATE>', bi(`تاريخ الوثيقة ${DATE}`, `the document's date, ${DATE}`))
    .option(
      '--register <CODE>',
      bi('السجل: incoming أو outgoing أو internal أو رمز آخر', 'the register: incoming, outgoing, internal or another code'),
    )
    .option('--correspondent <NAME>', bi('المراسل', 'the correspondent'))
    .option('--external-ref <REF>', bi('رقم الرسالة عند مرسلها', "the sender's reference"))
    .option('--external-date <DATE>', bi(`تاريخها عند مرسلها ${DATE}`, `the sender's date, ${DATE}`))
    .option('--in-reply-to <REGISTRY_NO>', bi('رقم قيد الرسالة التي يرد عليها', 'the registry number it answers'))
    .option(...QUIET_OPTION)
    .option(...JSON_OPTION)
    .action(act(ingest));

  const registersCommand = about(program.command('registers'), {
    ar: 'السجلات (الدفاتر) وحروفها.',
    en: 'the registers (books) and their letters.',
  })
    .option(...JSON_OPTION)
    .action(act(registers));
  about(registersCommand.command('add'), {
    ar: 'إضافة سجل (للمدير)، مثل دفتر مكتب الوزير.',
    en: "add a register (an administrator), e.g. a minister's office book.",
    examples: [
      'diwan registers add minister --name-ar "مكتب الوزير" --name-en "Minister\'s office" --letter-ar م --letter-en M --direction in',
    ],
  })
    .usage('<CODE> --name-ar N --name-en N --letter-ar L --letter-en L --direction DIR [options]')
    .argument('<CODE>', bi('رمز السجل', "the register's code"))
    .option('--name-ar <NAME>', bi('اسمه بالعربية', 'its Arabic name'))
    .option('--name-en <NAME>', bi('اسمه بالإنجليزية', 'its English name'))
    .option('--letter-ar <L>', bi('حرفه في رقم القيد بالعربية', 'its letter in Arabic registry numbers'))
    .option('--letter-en <L>', bi('حرفه بالإنجليزية', 'its letter in English'))
    .addOption(new Option('--direction <DIR>', bi('اتجاه مراسلاته', 'the direction of its letters')).choices(DIRECTIONS))
    .option(...JSON_OPTION)
    .action(act(registersAdd));

  about(program.command('receipt'), {
    ar: 'إيصال رسالة مقيّدة (PDF بحجم A5) برمز QR إلى صفحة حالتها العامة.',
    en: "a registered letter's A5 receipt (PDF), its QR code to the public status page.",
    examples: ['diwan receipt 2026/000123 --out receipt.pdf'],
  })
    .argument('<ID>', bi('رقم الوثيقة أو رقم قيدها', "the document's id or registry number"))
    .option('--out <FILE>', bi('الملف المكتوب (receipt-ID.pdf افتراضيًا)', 'the file written (default receipt-ID.pdf)'))
    .action(act(receipt));
  about(program.command('book'), {
    ar: 'دفتر السجل ليوم أو لشهر: CSV أو PDF.',
    en: "the register's book for a day or a month: CSV or PDF.",
    examples: ['diwan book incoming --day 2026-12-06', 'diwan book outgoing --month 2026-11 --format pdf --out book.pdf'],
  })
    .usage('<REGISTER> (--day YYYY-MM-DD | --month YYYY-MM) [options]')
    .argument('<REGISTER>', bi('السجل: incoming أو outgoing أو …', 'the register: incoming, outgoing, ...'))
    .option('--day <DATE>', bi(`اليوم ${DATE}`, `the day, ${DATE}`))
    .option('--month <MONTH>', bi('الشهر YYYY-MM', 'the month, YYYY-MM'))
    .addOption(new Option('--format <FORMAT>', bi('الصيغة (csv افتراضيًا)', 'the format (default csv)')).choices(['csv', 'pdf']))
    .option('--out <FILE>', bi('الملف المكتوب (CSV إلى الشاشة إن غاب)', 'the file written (CSV to standard output without it)'))
    .action(act(book));

  about(program.command('edit'), {
    ar: 'تصحيح قيد (برقمه أو رقم قيده)؛ يبقى الرقم والختم والملف.',
    en: 'correct a record (by id or registry number); the number, stamp and PDF stay.',
    arMore: 'القيمة الفارغة تمحو الحقل؛ كل تصحيح قيد في السجل.',
    enMore: 'An empty value clears a field; each correction is a ledger entry.',
    examples: ['diwan edit 2026/000123 --type تعميم --reason "نوع الوثيقة خطأ"'],
  })
    .usage('<ID> --reason TEXT [fields] [options]')
    .argument('<ID>', bi('رقم الوثيقة أو رقم قيدها', "the document's id or registry number"))
    .option('--reason <TEXT>', bi('سبب التصحيح (مطلوب)', 'why it is corrected (required)'))
    .option('--title <TITLE>', bi('العنوان', 'the title'))
    .option('--type <TYPE>', bi('نوع الوثيقة', "the document's type"))
    .option('--department <DEPT>', bi('الإدارة', 'the department'))
    .option('--classification <LEVEL>', bi('درجة السرية', 'the classification'))
    .option('--doc-date <DATE>', bi('تاريخ الوثيقة', "the document's date"))
    .option('--correspondent <NAME>', bi('المراسل', 'the correspondent'))
    .option('--correspondent-id <ID>', bi('رقم المراسل', "the correspondent's id"))
    .option('--external-ref <REF>', bi('رقم الرسالة عند مرسلها', "the sender's reference"))
    .option('--external-date <DATE>', bi('تاريخها عند مرسلها', "the sender's date"))
    .option(...JSON_OPTION)
    .action(act(edit));
  about(program.command('history'), {
    ar: 'تقييد وثيقة وكل تصحيح لها: من ومتى ولماذا، قبل وبعد.',
    en: "a record's registration and every correction: who, when, why, before and after.",
  })
    .argument('<ID>', bi('رقم الوثيقة أو رقم قيدها', "the document's id or registry number"))
    .option(...JSON_OPTION)
    .action(act(history));

  about(program.command('refer'), {
    ar: 'إحالة وثيقة إلى إدارة (أو شخص فيها) للعمل عليها بموعد.',
    en: 'refer a document to a department (or a person there) to act on by a date.',
    examples: ['diwan refer 2026/000123 --to الشؤون_القانونية --due 2026-12-20 --instruction "للدراسة والإفادة"'],
  })
    .usage('<ID> --to DEPT --instruction TEXT [options]')
    .argument('<ID>', bi('رقم الوثيقة أو رقم قيدها', "the document's id or registry number"))
    .option('--to <DEPT>', bi('الإدارة المحال إليها (مطلوب)', 'the department referred to (required)'))
    .option('--user <USERNAME>', bi('شخص في تلك الإدارة', 'a person in that department'))
    .option('--due <DATE>', bi(`موعد الرد ${DATE}`, `the date to act by, ${DATE}`))
    .option('--instruction <TEXT>', bi('المطلوب (مطلوب)', 'what is asked (required)'))
    .option(...JSON_OPTION)
    .action(act(refer));
  about(program.command('inbox'), {
    ar: 'الإحالات المفتوحة إلى إدارة (إدارتك افتراضيًا)، المتأخرة أولًا.',
    en: 'open referrals to a department (default: yours), overdue first.',
  })
    .argument('[DEPT]', bi('الإدارة', 'the department'))
    .option(...JSON_OPTION)
    .action(act(inbox));
  about(program.command('close-referral'), {
    ar: 'إغلاق إحالة برسالة الرد (تُربط بها ردًّا) أو بملاحظة.',
    en: 'close a referral by the reply letter (linked as its reply) or a note.',
  })
    .usage('<RID> (--reply REGISTRY_NO | --note TEXT) [options]')
    .argument('<RID>', bi('رقم الإحالة', "the referral's id"))
    .option('--reply <REGISTRY_NO>', bi('رقم قيد رسالة الرد', "the reply letter's registry number"))
    .option('--note <TEXT>', bi('ملاحظة الإغلاق', 'a closing note'))
    .option(...JSON_OPTION)
    .action(act(closeReferral));
  about(program.command('overdue'), {
    ar: 'الإحالات المتأخرة لكل إدارة.',
    en: 'overdue referrals per department.',
  })
    .option('--department <DEPT>', bi('إدارة واحدة', 'one department'))
    .option(...JSON_OPTION)
    .action(act(overdue));
  about(program.command('directive'), {
    ar: 'كتابة تأشيرة على وثيقة.',
    en: 'write a directive (تأشيرة) on a document.',
    examples: ['diwan directive 2026/000123 "يُحفظ مع ملف المشروع"'],
  })
    .argument('<ID>', bi('رقم الوثيقة أو رقم قيدها', "the document's id or registry number"))
    .argument(
      '<TEXT...>',
      bi('نص التأشيرة (ما يبدأ بـ - لاتيني: بعد --)', "the directive's text (starting with - and Latin: after --)"),
    )
    .option(...JSON_OPTION)
    .action(act(directive));
  const deadlines = about(program.command('deadlines'), {
    ar: 'إيقاف عدّ مواعيد الإحالات في طارئ، واستئنافه (للمدير).',
    en: 'stop referral deadlines counting in an emergency, and let them count again (an administrator).',
  });
  about(deadlines.command('suspend'), { ar: 'إيقاف عدّ المواعيد.', en: 'stop the deadlines counting.' })
    .usage('--reason TEXT [options]')
    .option('--reason <TEXT>', bi('السبب (مطلوب)', 'why (required)'))
    .option('--department <DEPT>', bi('إدارة واحدة (الكل افتراضيًا)', 'one department (default all)'))
    .option(...JSON_OPTION)
    .action(act(deadlinesSuspend));
  about(deadlines.command('resume'), { ar: 'استئناف عدّ المواعيد.', en: 'let the deadlines count again.' })
    .option('--department <DEPT>', bi('إدارة واحدة (الكل افتراضيًا)', 'one department (default all)'))
    .option(...JSON_OPTION)
    .action(act(deadlinesResume));
}
