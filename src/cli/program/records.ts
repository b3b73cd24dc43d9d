/**
 * Records and retention (an archivist's, an administrator's): the retention rules, what is due, closing a
 * file, the lock extension, legal holds, lawful disposal, and transfers to another archive.
 */
import { Option, type Command } from 'commander';
import { ACTIONS, TRIGGERS } from '../../../storage/records/rules';
import {
  disposalsDecide,
  disposalsExecute,
  disposalsList,
  disposalsRequest,
  disposalsShow,
  holdsAdd,
  holdsLift,
  holdsList,
  holdsSync,
} from '../commands/disposal';
import { close, due, extendLocks, rulesAdd, rulesChange, rulesList, rulesRetire, rulesShow } from '../commands/records';
import { exportBagit, transfersReceipt } from '../commands/transfers';
import { about, bi, JSON_OPTION, NO_WAIT_OPTION, QUIET_OPTION } from './help';
import type { Act } from './index';

const DATE = 'YYYY-MM-DD';
const ID = ['<ID>', bi('الرقم', 'the id')] as const;
const REASON = ['--reason <TEXT>', bi('السبب (مطلوب)', 'why (required)')] as const;

/** The fields of a retention rule, for `rules add` and `rules change`. */
function ruleFields(cmd: Command): Command {
  return cmd
    .option('--name-ar <NAME>', bi('اسم القاعدة بالعربية', "the rule's Arabic name"))
    .option('--name-en <NAME>', bi('اسمها بالإنجليزية', 'its English name'))
    .option('--period <PERIOD>', bi('مدة الحفظ: 5y أو 18mo … أو permanent', 'how long: 5y, 18mo, ... or permanent'))
    .addOption(new Option('--trigger <WHEN>', bi('يُعدّ من', 'counted from')).choices(TRIGGERS))
    .option('--date <DATE>', bi(`التاريخ حين يُعدّ من تاريخ ${DATE}`, `the date, for a rule counted from a date, ${DATE}`))
    .addOption(new Option('--action <ACTION>', bi('ما يُفعل عند حلول الأجل', 'what is done when it is due')).choices(ACTIONS))
    .option('--type <TYPE>', bi('نوع الوثيقة', "the document's type"))
    .option('--register <CODE>', bi('السجل', 'the register'))
    .option('--classification <LEVEL>', bi('درجة السرية', 'the classification'))
    .option('--priority <N>', bi('الأولوية عند تطابق أكثر من قاعدة', 'which rule wins when several match'));
}

export function declareRecords(program: Command, act: Act): void {
  program.commandsGroup('السجلات والحفظ / Records and retention:');
  const rules = about(program.command('rules'), {
    ar: 'جدول الحفظ: كل تغيير نسخة جديدة في السجل، وتتبعه مواعيد الوثائق.',
    en: "the retention schedule: each change a new version, ledgered; the documents' due dates follow.",
  });
  about(rules.command('list', { isDefault: true }), {
    ar: 'قواعد الحفظ (الافتراضي).',
    en: 'the retention rules (the default).',
  })
    .option(...JSON_OPTION)
    .action(act(rulesList));
  about(rules.command('show'), { ar: 'قاعدة ونسخها.', en: 'a rule and its versions.' })
    .argument('<CODE>', bi('رمز القاعدة', "the rule's code"))
    .option(...JSON_OPTION)
    .action(act(rulesShow));
  ruleFields(
    about(rules.command('add'), {
      ar: 'إضافة قاعدة حفظ.',
      en: 'add a retention rule.',
      examples: [
        'diwan rules add --code CIRC-5 --name-ar "التعاميم" --period 5y --trigger registered --action review --type تعميم',
      ],
    })
      .usage('--code C --name-ar N --period P --trigger WHEN --action ACTION [fields] [options]')
      .argument('[CODE]', bi('رمز القاعدة (أو --code)', "the rule's code (or --code)"))
      .option('--code <CODE>', bi('رمز القاعدة', "the rule's code")),
  )
    .option(...JSON_OPTION)
    .action(act(rulesAdd));
  ruleFields(
    about(rules.command('change'), { ar: 'نسخة جديدة من قاعدة.', en: 'a new version of a rule.' })
      .usage('<CODE> --reason TEXT [fields] [options]')
      .argument('<CODE>', bi('رمز القاعدة', "the rule's code"))
      .option(...REASON),
  )
    .option(...JSON_OPTION)
    .action(act(rulesChange));
  about(rules.command('retire'), { ar: 'إيقاف العمل بقاعدة.', en: 'retire a rule.' })
    .usage('<CODE> --reason TEXT [options]')
    .argument('<CODE>', bi('رمز القاعدة', "the rule's code"))
    .option(...REASON)
    .option(...JSON_OPTION)
    .action(act(rulesRetire));
  about(program.command('due'), {
    ar: 'الوثائق التي يحل أجل حفظها بتاريخ (الآن افتراضيًا)، مع قاعدتها.',
    en: 'documents whose retention is due by a date (default now), with their rule.',
  })
    .option('--before <DATE>', bi(`بحلول ${DATE}`, `due by ${DATE}`))
    .addOption(new Option('--action <ACTION>', bi('ما يُفعل بها', 'what is to be done')).choices(ACTIONS))
    .option(...JSON_OPTION)
    .action(act(due));
  about(program.command('close'), {
    ar: 'إغلاق ملف وثيقة (تبدأ عندها القاعدة التي تُعدّ من الإغلاق).',
    en: "close a document's file (a rule counted from the closing starts then).",
  })
    .argument('<NUMBER>', bi('رقم القيد أو رقم الوثيقة', 'the registry number or document id'))
    .option(...JSON_OPTION)
    .action(act(close));
  const records = about(program.command('records'), { ar: 'أعمال السجلات.', en: 'records work.' });
  about(records.command('extend-locks'), {
    ar: 'تمديد قفل السجلات الدائمة قبل انتهائه، وإعادة قفل ما ارتفع قفل وثيقته.',
    en: "extend the Object Lock of permanent records before it ends, and lock again objects whose document's lock rose.",
    arMore: 'مهمة يتبعها شريط تقدم (وتعمل كل DIWAN_LOCK_EXTEND_HOURS).',
    enMore: 'A job followed with a progress bar (also run every DIWAN_LOCK_EXTEND_HOURS).',
  })
    .option(...NO_WAIT_OPTION)
    .option(...QUIET_OPTION)
    .option(...JSON_OPTION)
    .action(act(extendLocks));

  const holds = about(program.command('holds'), {
    ar: 'الحجز القانوني (للمدير): لا تُتلف الوثائق المحجوزة، وتحمل ملفاتها حجز S3 في الحاويتين.',
    en: 'legal holds (an administrator): held documents cannot be disposed of, and their objects carry S3 legal hold in both buckets.',
  });
  about(holds.command('add'), {
    ar: 'حجز وثائق لقضية.',
    en: 'hold documents for a case.',
    examples: ['diwan holds add --case 17/2026 --reason "دعوى منظورة" --correspondent 42'],
  })
    .usage('--case REF --reason TEXT (--ids ID,.. | --correspondent ID | --query Q) [options]')
    .option('--case <REF>', bi('رقم القضية (مطلوب)', 'the case reference (required)'))
    .option(...REASON)
    .option('--ids <ID,..>', bi('الوثائق، بفواصل', 'the documents, comma-separated'))
    .option('--correspondent <ID>', bi('كل رسائل مراسل', 'every letter of a correspondent'))
    .option('--query <Q>', bi('ما يجده بحث', 'what a search finds'))
    .option(...JSON_OPTION)
    .action(act(holdsAdd));
  about(holds.command('list'), { ar: 'قائمة الحجوزات.', en: 'list the holds.' })
    .option('--active', bi('السارية فقط', 'only those in force'))
    .option(...JSON_OPTION)
    .action(act(holdsList));
  about(holds.command('lift'), { ar: 'رفع حجز.', en: 'lift a hold.' })
    .usage('<ID> --reason TEXT [options]')
    .argument(...ID)
    .option(...REASON)
    .option(...JSON_OPTION)
    .action(act(holdsLift));
  about(holds.command('sync'), {
    ar: 'وضع حجز S3 على ملفات الوثائق المحجوزة التي تنتظره.',
    en: "set S3 legal hold on the held documents' objects still waiting for it.",
  })
    .option(...JSON_OPTION)
    .action(act(holdsSync));

  const disposals = about(program.command('disposals'), {
    ar: 'الإتلاف القانوني: يُطلب، ويوافق عليه مدير آخر بقرار الجهة المختصة، ثم يُنفَّذ؛ ويبقى شاهد لكل وثيقة.',
    en: "lawful disposal: requested, approved by another administrator with the approving body's decision, then carried out; a tombstone stays.",
  });
  about(disposals.command('request'), { ar: 'طلب إتلاف.', en: 'request a disposal.' })
    .usage('--title T (--ids ID,.. | --due-before YYYY-MM-DD) [options]')
    .option('--title <TITLE>', bi('عنوان الطلب (مطلوب)', "the request's title (required)"))
    .option('--ids <ID,..>', bi('الوثائق، بفواصل', 'the documents, comma-separated'))
    .option('--due-before <DATE>', bi('ما حلّ أجل إتلافه قبل تاريخ', 'what is due for destruction before a date'))
    .option(...JSON_OPTION)
    .action(act(disposalsRequest));
  about(disposals.command('decide'), { ar: 'الموافقة على طلب أو رفضه.', en: 'approve or refuse a request.' })
    .usage('<ID> (--approve --body B --decision-no N --decision-date D | --refuse --note TEXT) [options]')
    .argument(...ID)
    .option('--approve', bi('موافقة', 'approve'))
    .option('--refuse', bi('رفض', 'refuse'))
    .option('--body <BODY>', bi('الجهة التي أقرّت الإتلاف', 'the approving body'))
    .option('--decision-no <N>', bi('رقم قرارها', "its decision's number"))
    .option('--decision-date <DATE>', bi('تاريخ قرارها', "its decision's date"))
    .option('--note <TEXT>', bi('ملاحظة (مطلوبة عند الرفض)', 'a note (required to refuse)'))
    .option(...JSON_OPTION)
    .action(act(disposalsDecide));
  about(disposals.command('execute'), {
    ar: 'تنفيذ إتلاف موافق عليه.',
    en: 'carry out an approved disposal.',
    arMore: 'مهمة على الخادم يتبعها شريط تقدم؛ ثم الطلب وحال كل وثيقة فيه.',
    enMore: 'A job on the server, followed with a progress bar; then the request and each of its documents.',
  })
    .argument(...ID)
    .option(...NO_WAIT_OPTION)
    .option(...QUIET_OPTION)
    .option(...JSON_OPTION)
    .action(act(disposalsExecute));
  about(disposals.command('list'), { ar: 'قائمة طلبات الإتلاف.', en: 'list the disposals.' })
    .option(...JSON_OPTION)
    .action(act(disposalsList));
  about(disposals.command('show'), { ar: 'طلب إتلاف ووثائقه.', en: 'a disposal and its documents.' })
    .argument(...ID)
    .option(...JSON_OPTION)
    .action(act(disposalsShow));

  const exporting = about(program.command('export'), {
    ar: 'تصدير إلى أرشيف آخر.',
    en: 'an export to another archive.',
  });
  about(exporting.command('bagit'), {
    ar: 'نقل إلى أرشيف آخر: حزمة BagIt في المجلد، يُسجَّل في السجل.',
    en: 'a transfer to another archive: a BagIt bag in DIR, recorded in the ledger.',
    arMore: 'تُفحص الحزمة في مكانها بـ sha256sum -c manifest-sha256.txt (docs/transfer.md). شريط تقدم بالوقت المتبقي.',
    enMore: 'Check it there with sha256sum -c manifest-sha256.txt (docs/transfer.md). A progress bar with the time left.',
    examples: ['diwan export bagit ./out --due 2026-12-31 --recipient "المحفوظات الوطنية"'],
  })
    .usage('<DIR> (--ids ID,.. | --query Q | --due YYYY-MM-DD | --transfer ID) [options]')
    .argument('<DIR>', bi('مجلد الحزمة', 'the folder for the bag'))
    .option('--ids <ID,..>', bi('الوثائق، بفواصل', 'the documents, comma-separated'))
    .option('--query <Q>', bi('ما يجده بحث', 'what a search finds'))
    .option('--due <DATE>', bi('ما حلّ أجل نقله بتاريخ', 'what is due for transfer by a date'))
    .option('--transfer <ID>', bi('نقل مفتوح بدأ في العارض', 'an open transfer started in the viewer'))
    .option('--recipient <NAME>', bi('الجهة المستلمة', 'the receiving archive'))
    .option('--type <TYPE>', bi('يضيّق البحث: نوع الوثيقة', "narrows a query: the document's type"))
    .option('--department <DEPT>', bi('يضيّق البحث: الإدارة', 'narrows a query: the department'))
    .option('--register <CODE>', bi('يضيّق البحث: السجل', 'narrows a query: the register'))
    .option('--from <DATE>', bi('يضيّق البحث: منذ', 'narrows a query: from'))
    .option('--to <DATE>', bi('يضيّق البحث: حتى', 'narrows a query: to'))
    .option(...QUIET_OPTION)
    .option(...JSON_OPTION)
    .action(act(exportBagit));
  const transfers = about(program.command('transfers'), {
    ar: 'النقل إلى أرشيف آخر.',
    en: 'transfers to another archive.',
  });
  about(transfers.command('receipt'), {
    ar: 'تسجيل إيصال الجهة المستلمة لحزمة (للمدير)؛ عندها فقط يُحسب النقل.',
    en: "record the receiving archive's receipt of a transfer's bag (an administrator); only then does it count.",
    arMore: 'مع SHA-256 لملف tagmanifest-sha256.txt كما حسبته الجهة المستلمة.',
    enMore: 'With the SHA-256 of its tagmanifest-sha256.txt as the recipient computed it.',
  })
    .usage('<ID> --ref REF --date YYYY-MM-DD --tagmanifest SHA256 [options]')
    .argument(...ID)
    .option('--ref <REF>', bi('رقم الإيصال', "the receipt's reference"))
    .option('--date <DATE>', bi(`تاريخه ${DATE}`, `its date, ${DATE}`))
    .option('--tagmanifest <SHA256>', bi('بصمة tagmanifest-sha256.txt', 'the SHA-256 of tagmanifest-sha256.txt'))
    .option(...JSON_OPTION)
    .action(act(transfersReceipt));
}
