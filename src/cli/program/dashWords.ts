/**
 * Words that start with '-' but are no option: `diwan search حفظ -تعميم` (a search word),
 * a directive's text that opens with a dash. Every option is Latin (`-h`, `--json`), so a '-' followed by
 * any other letter is read as an argument; a Latin one still needs `--` before it (`diwan search -- -draft`),
 * so that a mistyped option is still refused.
 */
import { Command } from 'commander';

/** A dash and then a letter no option starts with. */
const DASH_WORD = /^-[^-\0-\x7F]/;
/** Marks a word for the parser to pass by (no shell can put a NUL in an argument). */
const SHIELD = '\0';

const unshield = (words: string[]) => words.map((w) => (w.startsWith(SHIELD) ? w.slice(SHIELD.length) : w));

/** Makes `cmd` read DASH_WORD arguments as arguments; an option's value is left as it was given. */
export function acceptDashWords(cmd: Command): void {
  cmd.parseOptions = function (this: Command, argv: string[]) {
    const takesValue = (word: string | undefined) =>
      word !== undefined && this.options.some((o) => (o.short === word || o.long === word) && (o.required || o.optional));
    const marked = argv.map((w, i) => (DASH_WORD.test(w) && !takesValue(argv[i - 1]) ? SHIELD + w : w));
    const { operands, unknown } = Command.prototype.parseOptions.call(this, marked);
    return { operands: unshield(operands), unknown: unshield(unknown) };
  };
}
