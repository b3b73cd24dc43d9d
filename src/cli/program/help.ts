/**
 * The command line's words in two languages: a command's text Arabic first and English under it, its
 * options and arguments «عربي / English», the help laid out with Arabic headings first, and the
 * parser's usage errors told in Arabic, then in its own English words.
 */
import type { Command, Help, HelpConfiguration, Option, OutputConfiguration } from 'commander';

/** Arabic and English on one line: an option's or an argument's description. */
export function bi(ar: string, en: string): string {
  return `${ar} / ${en}`;
}

/** The help's headings. */
export const TITLES = {
  usage: 'الاستعمال / Usage:',
  arguments: 'الوسائط / Arguments:',
  options: 'الخيارات / Options:',
  commands: 'الأوامر / Commands:',
  examples: 'أمثلة / Examples:',
};

/** A command's text. `ar` and `en` are its line in lists; `arMore` and `enMore` follow them in its own help. */
export interface CommandText {
  ar: string;
  en: string;
  arMore?: string;
  enMore?: string;
  /** Command lines a user can paste, shown after the help. */
  examples?: string[];
}

/** Gives `cmd` its text: Arabic first, English under it; examples at the end of its help. */
export function about(cmd: Command, text: CommandText): Command {
  const more = (line: string, rest?: string) => (rest ? `${line} ${rest}` : line);
  cmd.summary(`${text.ar}\n${text.en}`).description(`${more(text.ar, text.arMore)}\n${more(text.en, text.enMore)}`);
  if (text.examples?.length) {
    cmd.addHelpText('after', `\n${TITLES.examples}\n${text.examples.map((e) => `  ${e}`).join('\n')}\n`);
  }
  return cmd;
}

/** Options many commands share. */
export const JSON_OPTION = ['--json', bi('النتيجة بصيغة JSON', 'print the result as JSON')] as const;
export const QUIET_OPTION = [
  '--quiet',
  bi('دون شريط التقدم (ولا شريط مع --json أيضًا)', 'draw no progress bar (--json draws none either)'),
] as const;
export const NO_WAIT_OPTION = [
  '--no-wait',
  bi('اطبع المهمة وانصرف (تابعها بـ diwan jobs ID)', 'print the job and leave (follow it with diwan jobs ID)'),
] as const;

const choicesText = (choices: readonly string[] | undefined) =>
  choices ? ` (${bi('القيم', 'one of')}: ${choices.join(', ')})` : '';

/** The help's layout: the command's text first (Arabic, then English), then usage, arguments, options, commands. */
function formatHelp(cmd: Command, helper: Help): string {
  const termWidth = helper.padWidth(cmd, helper);
  const width = helper.helpWidth ?? 80;
  const item = (term: string, text: string) => helper.formatItem(term, termWidth, text, helper);
  const list = (heading: string, items: string[]) => (items.length ? [heading, ...items, ''] : []);
  const text = helper.commandDescription(cmd);
  const commandGroups = helper.groupItems(
    cmd.commands as Command[],
    helper.visibleCommands(cmd),
    (sub) => sub.helpGroup() || TITLES.commands,
  );
  return [
    ...(text ? [helper.boxWrap(text, width), ''] : []),
    `${TITLES.usage} ${helper.commandUsage(cmd)}`,
    '',
    ...list(
      TITLES.arguments,
      helper.visibleArguments(cmd).map((a) => item(helper.argumentTerm(a), helper.argumentDescription(a))),
    ),
    ...list(
      TITLES.options,
      helper.visibleOptions(cmd).map((o) => item(helper.optionTerm(o), helper.optionDescription(o))),
    ),
    ...[...commandGroups].flatMap(([heading, subs]) =>
      list(
        heading,
        subs.map((sub) => item(helper.subcommandTerm(sub), helper.subcommandDescription(sub))),
      ),
    ),
  ].join('\n');
}

/** How the help is laid out (commander's Help, with these parts replaced). */
export const HELP: HelpConfiguration = {
  formatHelp,
  // In a list of commands, the name alone: each command's own help gives its arguments and options.
  subcommandTerm: (cmd: Command) => cmd.name(),
  optionDescription: (o: Option) => `${o.description}${choicesText(o.argChoices)}`,
  argumentDescription: (a) => `${a.description}${choicesText(a.argChoices)}`,
};

/** The parser's messages, each with its Arabic. */
const ARABIC: Array<[RegExp, (m: RegExpExecArray) => string]> = [
  [/^error: unknown option '(.+?)'/, (m) => `خيار غير معروف: ${m[1]}`],
  [/^error: unknown command '(.+?)'/, (m) => `أمر غير معروف: ${m[1]}`],
  [/^error: missing required argument '(.+?)'/, (m) => `ينقصه الوسيط ${m[1]}`],
  [/^error: option '(.+?)' argument missing/, (m) => `الخيار ${m[1]} يحتاج إلى قيمة`],
  [/^error: too many arguments/, () => 'وسائط أكثر مما يأخذه الأمر'],
  [/^error: option '(.+?)' argument '(.*?)' is invalid/, (m) => `قيمة لا يقبلها الخيار ${m[1]}: ${m[2]}`],
  [/^error: command-argument value '(.*?)' is invalid for argument '(.+?)'/, (m) => `قيمة لا يقبلها الوسيط ${m[2]}: ${m[1]}`],
];

/** A usage error as printed: its Arabic first (a general line when the message has none), then the message. */
export function usageErrorText(message: string): string {
  const english = message.trimEnd();
  for (const [pattern, arabic] of ARABIC) {
    const m = pattern.exec(english);
    if (m) return `خطأ: ${arabic(m)}\n${english}\n`;
  }
  return `خطأ في الاستعمال\n${english}\n`;
}

/** Where the parser writes: help to standard output, errors (in both languages) to standard error. */
export const OUTPUT: OutputConfiguration = {
  writeOut: (s) => process.stdout.write(s),
  writeErr: (s) => process.stderr.write(s),
  outputError: (s, write) => write(usageErrorText(s)),
};
