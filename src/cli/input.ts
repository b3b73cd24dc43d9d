/**
 * What a command's handler receives once the command line is parsed (src/cli/program/ parses it):
 * its arguments in order, the switches given and the options with their values, each by its long
 * name as typed (`json`, `no-wait`, `pages-of-one`). Handlers check what the parser cannot (one of two
 * options, a value's form) and throw UsageError, which exits 2 with the command's help named.
 */
import type { Config } from '../config';

export interface CommandInput {
  /** The command's arguments, in order (a last argument that takes many spread out). */
  positionals: string[];
  /** Switches given: `--json` is 'json', `--no-wait` is 'no-wait'. */
  flags: Set<string>;
  /** Options given with a value (an empty value kept as ''). */
  options: Map<string, string>;
}

/** One command: the settings and its input in, the exit status out (0 worked, 1 failed). */
export type Handler = (config: Config, input: CommandInput) => Promise<number>;

/** The command line asks for something the command cannot do (exit status 2). */
export class UsageError extends Error {}
