/** An auditor's commands: verify, verify-file, audit, fixity, replicate and the offsite keys. */
import type { Command } from 'commander';
import {
  auditCheckpoint,
  auditConsistency,
  auditExport,
  auditProof,
  auditReport,
  auditVerifyLedger,
  fixity,
  replicate,
  verify,
  verifyFile,
} from '../commands/auditor';
import { offsiteAuditorKeys } from '../commands/offsite';
import { about, bi, JSON_OPTION, NO_WAIT_OPTION, QUIET_OPTION } from './help';
import type { Act } from './index';

const OUT_PROOF = ['--out <FILE>', bi('احفظ البرهان في ملف', 'save the proof to a file')] as const;

export function declareAudit(program: Command, act: Act): void {
  program.commandsGroup('التدقيق / Audit:');
  about(program.command('verify'), {
    ar: 'إعادة حساب بصمات ملفات وثيقة على النسختين ومقارنتها بالقاعدة والبيان والسجل.',
    en: "re-hash a document's files on both copies against the database, the manifest and the ledger.",
    arMore: 'يخرج بالحالة 1 عند أي اختلاف.',
    enMore: 'Exit 1 when anything does not match.',
    examples: ['diwan verify 2026/000123', 'diwan verify --all'],
  })
    .usage('(ID... | --all) [options]')
    .argument('[ID...]', bi('أرقام الوثائق أو أرقام قيدها', "the documents' ids or registry numbers"))
    .option('--all', bi('كل الوثائق المؤرشفة (بشريط تقدم)', 'every archived document (with a progress bar)'))
    .option(...JSON_OPTION)
    .action(act(verify));
  about(program.command('verify-file'), {
    ar: 'أيّ أصل مقيّد أو ملف أرشيفي هو هذا الملف؟',
    en: 'say which registered original or archive PDF a file is.',
    arMore: 'يخرج بالحالة 1 إن لم يكن أيًّا منها.',
    enMore: 'Exit 1 when it is none.',
  })
    .argument('<PATH>', bi('الملف', 'the file'))
    .option(...JSON_OPTION)
    .action(act(verifyFile));

  const audit = about(program.command('audit'), {
    ar: 'سجل التدقيق: نقاط التحقق الموقّعة والتقرير والتصدير والبراهين.',
    en: 'the audit ledger: signed checkpoints, the report, the export and proofs.',
  });
  about(audit.command('checkpoint'), {
    ar: 'توقيع رأس السجل الآن (Ed25519)، يُحفظ في القاعدة والحاويتين.',
    en: "sign the ledger's head now (Ed25519), kept in the database and both buckets.",
  })
    .option(...JSON_OPTION)
    .action(act(auditCheckpoint));
  about(audit.command('report'), {
    ar: 'السجل ونقاط التحقق والفحص الدوري والنسخة الخارجية والوثائق؛ الحالة 1 عند خلل.',
    en: 'ledger, checkpoints, fixity, offsite coverage and documents; exit 1 when anything is wrong.',
  })
    .option(...JSON_OPTION)
    .action(act(auditReport));
  about(audit.command('export'), {
    ar: 'حزمة تدقيق دون اتصال: السجل ونقاط التحقق والمفتاح العام والبيانات، مع verify.mjs لفحصها.',
    en: 'an offline audit bundle: the ledger, checkpoints, public key and manifests, with verify.mjs to check them.',
    arMore: 'شريط تقدم بالوقت المتبقي.',
    enMore: 'A progress bar with the time left.',
    examples: ['diwan audit export ./audit-2026-12 && node ./audit-2026-12/verify.mjs ./audit-2026-12'],
  })
    .argument('<DIR>', bi('المجلد المكتوب', 'the folder written'))
    .option(...QUIET_OPTION)
    .option('--json', bi('دون شريط التقدم (الملخص نص)', 'no progress bar (the summary stays text)'))
    .action(act(auditExport));
  about(audit.command('proof'), {
    ar: 'برهان أن وثيقة تحت آخر نقطة تحقق موقّعة (node verify.mjs proof FILE).',
    en: 'proof that a document is under the latest signed checkpoint (node verify.mjs proof FILE).',
    examples: ['diwan audit proof 2026/000123 --out proof.json'],
  })
    .argument('<REGISTRY_NO_OR_ID>', bi('رقم القيد أو رقم الوثيقة', 'the registry number or document id'))
    .option(...OUT_PROOF)
    .option(...JSON_OPTION)
    .action(act(auditProof));
  about(audit.command('consistency'), {
    ar: 'برهان أن وثائق نقطة تحقق أقدم هي أوائل وثائق أحدث، دون تغيير.',
    en: "proof that an older checkpoint's documents are the first of a newer one's, unchanged.",
  })
    .argument('<OLDER>', bi('نقطة التحقق الأقدم', 'the older checkpoint'))
    .argument('<NEWER>', bi('نقطة التحقق الأحدث', 'the newer checkpoint'))
    .option(...OUT_PROOF)
    .option(...JSON_OPTION)
    .action(act(auditConsistency));
  about(audit.command('verify-ledger'), {
    ar: 'إعادة حساب سلسلة السجل (الجديد منذ آخر فحص، أو كلها)؛ الحالة 1 مع أول قيد مكسور.',
    en: "recompute the ledger's hash chain (what is new since the last check, or all of it); exit 1 naming the first broken entry.",
  })
    .option('--deep', bi('ابحث أيضًا عن قيود قديمة أعيدت كتابتها أو فُقدت', 'also look for old entries rewritten or missing'))
    .option('--full', bi('أعد حساب السلسلة كلها', 'recompute the whole chain'))
    .option(...JSON_OPTION)
    .action(act(auditVerifyLedger));

  about(program.command('fixity'), {
    ar: 'إعادة حساب بصمة كل ملف مخزّن على النسختين الآن، وإصلاح ما يمكن.',
    en: 're-hash every stored object on both copies now, and repair what it can.',
    arMore: 'مهمة على الخادم يتبعها شريط تقدم بالوقت المتبقي؛ الحالة 1 ما بقي تالف.',
    enMore: 'A job on the server, followed with a progress bar and the time left; exit 1 while anything stays damaged.',
    examples: ['diwan fixity', 'diwan fixity --document 2026/000123'],
  })
    .option('--document <ID>', bi('وثيقة واحدة', 'one document'))
    .option(...NO_WAIT_OPTION)
    .option(...QUIET_OPTION)
    .option(...JSON_OPTION)
    .action(act(fixity));
  about(program.command('replicate'), {
    ar: 'إعادة كل وثيقة نسختها الخارجية ناقصة إلى الطابور؛ أو حال النسخة الخارجية مع --status.',
    en: 'queue every document whose offsite copy is incomplete; or, with --status, how far the offsite copy is behind.',
  })
    .option(
      '--status',
      bi('التأخر والقفل (Object Lock)؛ الحالة 1 إن لم تُقفل حاوية', 'the lag and Object Lock; exit 1 when a bucket is not locked'),
    )
    .option(...JSON_OPTION)
    .action(act(replicate));
  const offsite = about(program.command('offsite'), {
    ar: 'الحاوية الخارجية.',
    en: 'the offsite bucket.',
  });
  about(offsite.command('auditor-keys'), {
    ar: 'مفاتيح مؤقتة للقراءة فقط من الحاوية الخارجية، لفحص المدقق بأدوات معيارية (docs/audit.md).',
    en: "temporary keys that can only read the offsite bucket, for an auditor's standard-tool check (docs/audit.md).",
    arMore: 'حيث ضُبطت OFFSITE_S3_*.',
    enMore: 'Run where OFFSITE_S3_* are set.',
  })
    .option('--days <N>', bi('مدة صلاحيتها بالأيام (7)', 'how many days they last (7)'))
    .option(...JSON_OPTION)
    .action(act(offsiteAuditorKeys));
}
