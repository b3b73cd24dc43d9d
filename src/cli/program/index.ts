/**
 * The `diwan` command line, parsed by commander: every command and sub-command declares its arguments
 * and options (in the files beside this one, grouped as the help lists them), and the parser refuses
 * what is not declared before anything runs. Help (`diwan --help`, `diwan help CMD`, `diwan CMD --help`),
 * `--version` and the shell completion (`diwan completion bash|zsh`) all come from those declarations.
 *
 *   argv -> commander (usage errors: exit 2) -> act(handler): settings loaded, CommandInput made
 *        -> handler (src/cli/commands/, src/cli/ingest.ts) -> exit status (0 worked, 1 failed)
 *
 * Only this folder knows commander; a handler sees a CommandInput (../input.ts).
 */
import fs from 'node:fs';
import { Argument, Command, CommanderError } from 'commander';
import { createLogger } from '../../../kernel/log';
import { projectScript } from '../../../ingest/adapters/files';
import { ConfigError, loadConfig, type Config } from '../../config';
import { ApiError } from '../client';
import { UsageError, type CommandInput, type Handler } from '../input';
import { completionScript, everyCommand, SHELLS } from './completion';
import { acceptDashWords } from './dashWords';
import { about, bi, HELP, OUTPUT } from './help';
import { declareAudit } from './audit';
import { declareFinding } from './finding';
import { declareRecords } from './records';
import { declareRegistry } from './registry';
import { declareRunning } from './running';
import { declareSheets } from './sheets';
import { declareWatch } from './watch';

/** Makes a handler the action of its command: settings loaded, input gathered, usage errors through the parser. */
export type Act = (handler: Handler) => (this: Command) => Promise<void>;

/** A command's input as a handler sees it: arguments in order, switches and options by their long names. */
function inputOf(cmd: Command): CommandInput {
  const positionals = cmd.processedArgs.flatMap((v: unknown) =>
    v === undefined ? [] : Array.isArray(v) ? (v as string[]) : [v as string],
  );
  const values = cmd.opts<Record<string, unknown>>();
  const flags = new Set<string>();
  const options = new Map<string, string>();
  for (const o of cmd.options) {
    const v = values[o.attributeName()];
    // A switch is true when given (--no-wait leaves `wait` false); an option carries its value.
    const switched = o.negate ? v === false : o.isBoolean() && v === true;
    if (switched) flags.add(o.name());
    else if (typeof v === 'string') options.set(o.name(), v);
  }
  return { positionals, flags, options };
}

/** The package's version, from its package.json (found from the sources and from dist/ alike). */
function version(): string {
  return (JSON.parse(fs.readFileSync(projectScript('package.json'), 'utf8')) as { version: string }).version;
}

/** The whole program; `act` runs a handler when its command is parsed. */
export function buildProgram(act: Act): Command {
  const program = new Command('diwan')
    .exitOverride()
    .configureOutput(OUTPUT)
    .configureHelp(HELP)
    .enablePositionalOptions()
    .helpOption('-h, --help', bi('هذه المساعدة', 'show this help'))
    .version(version(), '-V, --version', bi('رقم الإصدار', 'print the version'));
  about(program, {
    ar: 'الديوان الإلكتروني: يقرأ المراسلات والقرارات الممسوحة ويقيّدها ويختمها ويحفظها بنسختين، ويجدها، ويثبت أنها لم تتغير.',
    en: 'Diwan, the electronic registry archive: reads scanned letters and decisions, registers, stamps and keeps them on two copies, finds them, and proves them unchanged.',
  });
  program.addHelpText(
    'after',
    '\n' +
      'الإعدادات من البيئة (انظر README) / settings come from the environment (see README): DIWAN_URL, DIWAN_TOKEN, DIWAN_DATA_DIR, PORT, ...\n' +
      'حالة الخروج / exit status: 0 نجح / worked, 1 فشل / failed, 2 استعمال خاطئ / bad usage\n' +
      "مساعدة أمر / a command's help: diwan help COMMAND, diwan COMMAND --help\n" +
      "وسيط يبدأ بـ - (من كلمات البحث أو نص تأشيرة) يُقبل كما هو إن تلته حروف عربية، وإلا فبعد -- / an argument starting with '-' (a search word, a directive's text): as it is when Arabic follows the dash, otherwise after --: diwan search -- -draft\n",
  );
  declareRunning(program, act);
  declareRegistry(program, act);
  declareWatch(program, act);
  declareSheets(program, act);
  declareFinding(program, act);
  declareAudit(program, act);
  declareRecords(program, act);

  program.commandsGroup('هذا البرنامج / This program:');
  about(program.command('help'), {
    ar: 'مساعدة أمر من الأوامر، أو هذه القائمة.',
    en: "a command's help, or this list.",
    examples: ['diwan help ingest', 'diwan help audit export'],
  })
    .argument('[command...]', bi('الأمر وأمره الفرعي', 'the command and its sub-command'))
    .action((names: string[]) => {
      let target = program;
      for (const name of names) {
        const sub = target.commands.find((c) => c.name() === name);
        if (!sub) return target.error(`error: unknown command '${names.join(' ')}'`, { exitCode: 2, code: 'diwan.usage' });
        target = sub;
      }
      target.outputHelp();
    });
  about(program.command('completion'), {
    ar: 'نص إكمال الأوامر والخيارات بزر Tab في الصدفة.',
    en: 'the shell script that completes commands and options with the Tab key.',
    examples: ['source <(diwan completion bash)     # bash: ~/.bashrc', 'diwan completion zsh > "${fpath[1]}/_diwan"     # zsh'],
  })
    .addArgument(new Argument('<shell>', bi('الصدفة', 'the shell')).choices(SHELLS))
    .action((shell: (typeof SHELLS)[number]) => {
      process.stdout.write(completionScript(program, shell));
    });

  for (const { path, cmd } of everyCommand(program)) {
    // After an error, where the help is; `diwan help` alone gives help (no `diwan users help`).
    cmd.showHelpAfterError(`المساعدة / help: ${`diwan ${path}`.trim()} --help`).helpCommand(false);
    acceptDashWords(cmd);
  }
  return program;
}

/**
 * Runs one command line (the arguments after `diwan`) and gives its exit status. `config`: settings
 * already made (a caller that holds them); otherwise they are read from the environment when a command
 * runs (help, version and completion need none).
 */
export async function runCommandLine(argv: string[], config?: Config): Promise<number> {
  let status = 0;
  const act: Act = (handler) =>
    async function (this: Command) {
      const settings = config ?? loadConfig();
      try {
        status = await handler(settings, inputOf(this));
      } catch (e) {
        if (e instanceof UsageError) this.error(`error: ${e.message}`, { exitCode: 2, code: 'diwan.usage' });
        throw e;
      }
    };
  try {
    await buildProgram(act).parseAsync(argv, { from: 'user' });
    return status;
  } catch (e) {
    // The parser's own ends: help and version shown (0), or a usage error already told (2).
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    if (e instanceof ApiError) {
      process.stderr.write(`${e.body?.message ?? ''}\n${e.message}\n`);
      return 1;
    }
    createLogger('info').error('command failed', { command: argv[0], error: String((e as Error).message ?? e) });
    return 1;
  }
}
