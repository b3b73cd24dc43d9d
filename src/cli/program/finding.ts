/** Finding and reading documents (an official's): search, show, reocr, and rerun of failed documents. */
import { Option, type Command } from 'commander';
import { CLASSIFICATIONS } from '../../../kernel/clearance';
import { PAGE_LAYOUTS } from '../../../storage/repos/textVersions';
import { rerunDocuments } from '../commands/admin';
import { reocr, search, show } from '../commands/official';
import { about, bi, JSON_OPTION } from './help';
import type { Act } from './index';

export function declareFinding(program: Command, act: Act): void {
  program.commandsGroup('البحث والقراءة / Finding and reading:');
  about(program.command('search'), {
    ar: 'البحث في نصوص الوثائق وبياناتها كما يكتب الناس، مع المرشحات.',
    en: "search the documents' text and details the way people type, with filters.",
    arMore: 'جدول: رقم القيد والصفحة والتاريخ والعنوان ومقتطف تحاط فيه الكلمات المطابقة بـ »«. رقم القيد يجد وثيقته أولًا.',
    enMore:
      'A table: registry number, page, date, title and a snippet with the matched words in »«. A registry number finds its document first.',
    examples: ['diwan search "حفظ السجلات" --from 2026-01-01 --type مرسوم', 'diwan search --overdue --register incoming --json'],
  })
    .argument(
      '[QUERY...]',
      bi(
        'كلمات البحث أو رقم قيد (ما يبدأ بـ - لاتيني: بعد --)',
        'words to find, or a registry number (one starting with - and Latin: after --)',
      ),
    )
    .option('--type <TYPE>', bi('نوع الوثيقة', "the document's type"))
    .option('--department <DEPT>', bi('الإدارة', 'the department'))
    .addOption(new Option('--classification <LEVEL>', bi('درجة السرية', 'the classification')).choices(CLASSIFICATIONS))
    .option('--batch <ID>', bi('الدفعة', 'the batch'))
    .option('--year <Y>', bi('سنة القيد', 'the year of registration'))
    .option('--from <DATE>', bi('قُيّدت منذ YYYY-MM-DD', 'registered from YYYY-MM-DD'))
    .option('--to <DATE>', bi('قُيّدت حتى YYYY-MM-DD', 'registered up to YYYY-MM-DD'))
    .option('--doc-from <DATE>', bi('تاريخ الوثيقة منذ', "the document's date from"))
    .option('--doc-to <DATE>', bi('تاريخ الوثيقة حتى', "the document's date up to"))
    .option('--needs-review', bi('ما قُرئ قراءة ضعيفة فقط', 'only what was read poorly'))
    .option('--register <CODE>', bi('السجل', 'the register'))
    .option('--correspondent-id <ID>', bi('المراسل', 'the correspondent'))
    .option('--referral-state <STATE>', bi('حال الإحالة: none أو open أو closed', 'referral state: none, open or closed'))
    .option('--overdue', bi('ما تأخرت إحالته فقط', 'only documents with an overdue referral'))
    .option(
      '--sort <ORDER>',
      bi(
        'الترتيب: relevance أو newest أو oldest أو docDateDesc أو docDateAsc',
        'order: relevance, newest, oldest, docDateDesc, docDateAsc',
      ),
    )
    .option('--limit <N>', bi('عدد النتائج', 'how many hits'))
    .option('--offset <N>', bi('تخطي هذا العدد من النتائج', 'skip this many hits'))
    .option(...JSON_OPTION)
    .action(act(search));
  about(program.command('show'), {
    ar: 'وثيقة: رقم قيدها وحالتها وبصماتها ونص كل صفحة.',
    en: 'a document: its registry number, status, fingerprints and the text of each page.',
    examples: ['diwan show 2026/000123'],
  })
    .argument('<ID>', bi('رقم الوثيقة أو رقم قيدها', "the document's id or registry number"))
    .option(...JSON_OPTION)
    .action(act(show));
  about(program.command('reocr'), {
    ar: 'قراءة وثيقة من جديد حين تكون قراءتها الأولى ضعيفة: نسخة نص جديدة، لا أصل جديد.',
    en: 'read a document again when its first reading was poor: a new text version, never a new original.',
    examples: ['diwan reocr 2026/000123 --layout column --reason "عمودان" --wait'],
  })
    .argument('<ID>', bi('رقم الوثيقة أو رقم قيدها', "the document's id or registry number"))
    .addOption(
      new Option('--layout <LAYOUT>', bi('تخطيط الصفحة (auto افتراضيًا)', 'the page layout (default auto)')).choices(PAGE_LAYOUTS),
    )
    .option('--reason <TEXT>', bi('السبب', 'why'))
    .option('--wait', bi('انتظر حتى تنتهي القراءة', 'wait until it is read'))
    .option(...JSON_OPTION)
    .action(act(reocr));
  about(program.command('rerun'), {
    ar: 'إعادة وثائق تعثرت إلى المعالجة، بعد إصلاح ما عطّلها.',
    en: 'run failed documents through the pipeline again, once what made them fail is mended.',
    examples: ['diwan rerun --all'],
  })
    .usage('(ID... | --all) [options]')
    .argument('[ID...]', bi('أرقام الوثائق', "the documents' ids"))
    .option('--all', bi('كل الوثائق المتعثرة', 'every failed document'))
    .option(...JSON_OPTION)
    .action(act(rerunDocuments));
}
