/**
 * Commands that run and look after the archive (an IT operator's, an administrator's): serve, worker,
 * doctor, restore, reindex, jobs, keys, and the people and tokens of the administration.
 */
import { Option, type Command } from 'commander';
import { CLASSIFICATIONS } from '../../../kernel/clearance';
import { ROLES } from '../../../storage/repos/users';
import {
  jobs,
  reindex,
  tokensCreate,
  tokensList,
  tokensRevoke,
  usersAdd,
  usersDisable,
  usersEnable,
  usersList,
  usersResetTotp,
} from '../commands/admin';
import { keysInit, keysList, keysRotate } from '../commands/keys';
import type { Handler } from '../input';
import { about, bi, JSON_OPTION, NO_WAIT_OPTION, QUIET_OPTION } from './help';
import type { Act } from './index';

/**
 * The operator's commands start the archive itself (server, workers, OCR, storage): their module, and
 * all it loads, is read only when one of them runs, so that help, completion and the commands that
 * talk to a server start at once.
 */
const operator =
  (name: 'serve' | 'worker' | 'doctor' | 'restore'): Handler =>
  (config, input) =>
    (require('../commands/operator') as typeof import('../commands/operator'))[name](config, input);

export function declareRunning(program: Command, act: Act): void {
  program.commandsGroup('التشغيل / Running the archive:');
  about(program.command('serve'), {
    ar: 'تشغيل الأرشيف: الواجهة البرمجية والعارض والعمّال.',
    en: 'run the archive: the API, the viewer and the workers.',
    arMore: 'دون إعدادات تعمل كل الخدمات مضمّنة في مجلد البيانات؛ يوقفه Ctrl-C.',
    enMore: 'With no settings every service runs embedded in the data folder; Ctrl-C stops it.',
    examples: ['diwan serve', 'PORT=8080 DIWAN_DATA_DIR=/srv/diwan diwan serve'],
  }).action(act(operator('serve')));
  about(program.command('worker'), {
    ar: 'تشغيل عمّال المعالجة وحدهم.',
    en: 'run pipeline workers only.',
    arMore: 'شغّل منهم ما شئت، على أي جهاز يصل إلى قاعدة البيانات والتخزين نفسيهما.',
    enMore: 'Run any number, on any machine that reaches the same database and storage.',
  }).action(act(operator('worker')));
  about(program.command('doctor'), {
    ar: 'فحص الإعدادات وكل خدمة تشير إليها، وما يجب إصلاحه.',
    en: 'check the settings and every service they point at; say what to fix.',
    arMore: 'يخرج بالحالة 1 عند عطل.',
    enMore: 'Exit 1 when something fails.',
    examples: ['diwan doctor'],
  })
    .option(...JSON_OPTION)
    .action(act(operator('doctor')));
  about(program.command('restore'), {
    ar: 'إعادة بناء الأرشيف من حاوية واحدة: قاعدة البيانات وفهرس البحث.',
    en: 'rebuild the archive from one bucket alone: the database and the search index.',
    arMore: 'في قاعدة بيانات فارغة؛ يملأ الحاوية الأخرى، ويمكن استئنافه. شريط تقدم بالوقت المتبقي.',
    enMore: 'Into an empty database; fills the other bucket; restartable. A progress bar with the time left.',
    examples: ['diwan restore --from offsite'],
  })
    .addOption(
      new Option('--from <BUCKET>', bi('الحاوية المقروءة (offsite افتراضيًا)', 'the bucket to read (default offsite)')).choices([
        'offsite',
        'primary',
      ]),
    )
    .option(...QUIET_OPTION)
    .option(...JSON_OPTION)
    .action(act(operator('restore')));
  about(program.command('reindex'), {
    ar: 'إعادة بناء فهرس البحث من قاعدة البيانات.',
    en: 'rebuild the search index from the database.',
    arMore: 'فهرس جديد يُبنى بجانب العامل ويحل محله حين يكتمل: مهمة على الخادم يتبعها شريط تقدم.',
    enMore:
      'A new index built beside the one that serves, swapped in when whole: a job on the server, followed with a progress bar.',
    examples: ['diwan reindex'],
  })
    .option(...NO_WAIT_OPTION)
    // Once it emptied the index first; every reindex now builds a new one, so old scripts' --clear changes nothing.
    .addOption(
      new Option('--clear', bi('لا أثر له: كل فهرسة تبني فهرسًا جديدًا', 'no effect: every reindex builds a new index')).hideHelp(),
    )
    .option(...QUIET_OPTION)
    .option(...JSON_OPTION)
    .action(act(reindex));
  about(program.command('jobs'), {
    ar: 'الأعمال الطويلة (الفحص، الفهرسة) وتقدمها.',
    en: 'long work (fixity, reindex) and its progress.',
    arMore: 'مع ID: يتبع المهمة حتى نهايتها بشريط تقدم.',
    enMore: 'With ID: follows that job to its end with a progress bar.',
    examples: ['diwan jobs', 'diwan jobs 6f1c…'],
  })
    .argument('[ID]', bi('رقم المهمة', "the job's id"))
    .option('--limit <N>', bi('عدد المهام المعروضة (20)', 'how many jobs to list (20)'))
    .option(...QUIET_OPTION)
    .option(...JSON_OPTION)
    .action(act(jobs));
  const keys = about(program.command('keys'), {
    ar: 'مفاتيح التشفير: معرّفاتها وتواريخها، وإنشاؤها وتدويرها.',
    en: 'the encryption keys: their ids and dates, made and rotated.',
    arMore: 'على جهاز الأرشيف نفسه (DIWAN_ENCRYPTION_KEY_FILE؛ docs/production.md).',
    enMore: "Run on the archive's machine (DIWAN_ENCRYPTION_KEY_FILE; docs/production.md).",
  });
  about(keys.command('list'), {
    ar: 'معرّفات المفاتيح وتواريخها، لا المفاتيح نفسها.',
    en: "the keys' ids and dates, never the keys.",
  })
    .option(...JSON_OPTION)
    .action(act(keysList));
  about(keys.command('init'), {
    ar: 'إنشاء ملف المفاتيح لأرشيف فيه وثائق.',
    en: 'make the key file for an archive that already has documents.',
  })
    .option(...JSON_OPTION)
    .action(act(keysInit));
  about(keys.command('rotate'), {
    ar: 'مفتاح حالي جديد؛ تبقى القديمة لقراءة ما شُفّر بها.',
    en: 'a new current key; the old ones stay for reading what they encrypted.',
  })
    .option(...JSON_OPTION)
    .action(act(keysRotate));

  program.commandsGroup('الإدارة / Administration:');
  const users = about(program.command('users'), {
    ar: 'الأشخاص الذين يستعملون العارض.',
    en: 'the people of the viewer.',
  });
  about(users.command('add'), {
    ar: 'إضافة شخص؛ تُطبع كلمة مروره مرة واحدة.',
    en: 'add a person; their password is printed once.',
    examples: ['diwan users add amal --role clerk --departments الوارد --name "أمل"'],
  })
    .usage('<USERNAME> --role ROLE [options]')
    .argument('<USERNAME>', bi('اسم الدخول', 'the sign-in name'))
    .addOption(new Option('--role <ROLE>', bi('الدور (مطلوب)', 'the role (required)')).choices(ROLES))
    .addOption(
      new Option('--clearance <LEVEL>', bi('درجة الاطلاع (public افتراضيًا)', 'clearance (default public)')).choices(
        CLASSIFICATIONS,
      ),
    )
    .option(
      '--departments <A,B>',
      bi('الإدارات التي يطّلع عليها، بفواصل (* للكل)', 'departments they may read, comma-separated (* for all)'),
    )
    .option('--name <NAME>', bi('الاسم الظاهر', 'the name shown'))
    .option(...JSON_OPTION)
    .action(act(usersAdd));
  about(users.command('list'), { ar: 'قائمة الأشخاص.', en: 'list the people.' })
    .option(...JSON_OPTION)
    .action(act(usersList));
  about(users.command('disable'), {
    ar: 'إيقاف حساب: تنتهي جلساته وتُلغى رموزه.',
    en: 'disable an account: its sessions end and its tokens are revoked.',
  })
    .argument('<USERNAME>', bi('اسم الدخول', 'the sign-in name'))
    .option(...JSON_OPTION)
    .action(act(usersDisable));
  about(users.command('enable'), { ar: 'إعادة تفعيل حساب.', en: 'enable an account again.' })
    .argument('<USERNAME>', bi('اسم الدخول', 'the sign-in name'))
    .option(...JSON_OPTION)
    .action(act(usersEnable));
  about(users.command('reset-totp'), {
    ar: 'إزالة التحقق بخطوتين لحساب محلي (هاتف مفقود)؛ يضبطه صاحبه من جديد عند الدخول.',
    en: "remove a local account's second factor (a lost phone); its owner sets one up again at sign-in.",
  })
    .argument('<USERNAME>', bi('اسم الدخول', 'the sign-in name'))
    .option(...JSON_OPTION)
    .action(act(usersResetTotp));
  const tokens = about(program.command('tokens'), {
    ar: 'رموز الوصول لسطر الأوامر والتكاملات.',
    en: 'API tokens for the command line and integrations.',
  });
  about(tokens.command('create'), {
    ar: 'رمز جديد لشخص؛ يُطبع مرة واحدة.',
    en: 'a new token for a person; printed once.',
    examples: ['diwan tokens create --user amal --name scanner-2'],
  })
    .usage('--user USERNAME --name NAME [options]')
    .option('--user <USERNAME>', bi('صاحب الرمز (مطلوب)', "the token's owner (required)"))
    .option('--name <NAME>', bi('اسم الرمز (مطلوب)', "the token's name (required)"))
    .addOption(
      new Option(
        '--role <ROLE>',
        bi('دور أضيق من دور صاحبه (دوره افتراضيًا)', "a narrower role than its owner's (default: theirs)"),
      ).choices(ROLES),
    )
    .option(...JSON_OPTION)
    .action(act(tokensCreate));
  about(tokens.command('list'), { ar: 'قائمة الرموز وآخر استعمال لكل منها.', en: 'list the tokens, each with its last use.' })
    .option(...JSON_OPTION)
    .action(act(tokensList));
  about(tokens.command('revoke'), { ar: 'إلغاء رمز.', en: 'revoke a token.' })
    .argument('<ID>', bi('رقم الرمز', "the token's id"))
    .action(act(tokensRevoke));
}
