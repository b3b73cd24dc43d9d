/**
 * `diwan completion bash|zsh`: a script that completes commands, sub-commands, options and the values
 * an option or argument takes, made from the program's own declarations (a command added is completed
 * with nothing else to keep). Both shells share one table, `_diwan_spec "PATH:KIND"`, where PATH is the
 * command typed so far ('' for diwan itself, 'audit', 'users add') and KIND is what comes next:
 *
 *   commands   its sub-commands            options   its options (long forms)
 *   valued     options that take a value   --NAME    the values --NAME takes, when they are a fixed list
 *   args       values its argument takes (a fixed list)
 *
 * Words after a command that are not options are its arguments: files are offered there (`-o default`
 * in bash, `_files` in zsh) unless the table has values for them.
 */
import type { Command } from 'commander';

export const SHELLS = ['bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

/** Every command with its full name after `diwan` ('audit export'), the program itself first (''). */
export function everyCommand(cmd: Command, path: string[] = []): Array<{ path: string; cmd: Command }> {
  return [{ path: path.join(' '), cmd }, ...cmd.commands.flatMap((sub) => everyCommand(sub, [...path, sub.name()]))];
}

/** The table both scripts read, by "PATH:KIND". */
export function completionTable(program: Command): Map<string, string[]> {
  const table = new Map<string, string[]>();
  const add = (key: string, words: readonly string[]) => {
    if (words.length) table.set(key, [...words]);
  };
  for (const { path, cmd } of everyCommand(program)) {
    const options = cmd.options.filter((o) => o.long && !o.hidden);
    const valued = options.filter((o) => o.required || o.optional);
    add(
      `${path}:commands`,
      cmd.commands.map((c) => c.name()),
    );
    add(`${path}:options`, [...options.map((o) => o.long!), '--help']);
    add(
      `${path}:valued`,
      valued.map((o) => o.long!),
    );
    for (const o of valued) add(`${path}:${o.long}`, o.argChoices ?? []);
    add(
      `${path}:args`,
      cmd.registeredArguments.flatMap((a) => a.argChoices ?? []),
    );
  }
  // `diwan help COMMAND` takes a command's name.
  add(
    'help:args',
    program.commands.map((c) => c.name()),
  );
  return table;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The shared table as a shell function (the same text works in bash and zsh). */
function specFunction(program: Command): string {
  const cases = [...completionTable(program)].map(([key, words]) => `    ${quote(key)}) echo ${quote(words.join(' '))} ;;`);
  return `_diwan_spec() {\n  case "$1" in\n${cases.join('\n')}\n  esac\n}\n`;
}

/**
 * The loop both scripts run over the words typed before the cursor: options are passed over (with their
 * value when they take one), sub-command names extend PATH, and the first argument ends it.
 */
const WALK = `
    if [[ -n "$skip" ]]; then skip=""; continue; fi
    if [[ "$word" == -* ]]; then
      [[ "$word" != *=* && " $(_diwan_spec "\${at}:valued") " == *" $word "* ]] && skip=1
      continue
    fi
    if [[ " $(_diwan_spec "\${at}:commands") " == *" $word "* ]]; then at="\${at:+$at }$word"; else break; fi`;

function bash(program: Command): string {
  return `# diwan: completion for bash. Load it now:  source <(diwan completion bash)
# or for every shell:  diwan completion bash > /etc/bash_completion.d/diwan
${specFunction(program)}
_diwan() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="" at="" word="" skip="" words i
  ((COMP_CWORD > 0)) && prev="\${COMP_WORDS[COMP_CWORD-1]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"${WALK}
  done
  if [[ "$cur" == -* ]]; then
    words="$(_diwan_spec "\${at}:options")"
  elif [[ "$prev" == -* && " $(_diwan_spec "\${at}:valued") " == *" $prev "* ]]; then
    words="$(_diwan_spec "\${at}:$prev")"
  else
    words="$(_diwan_spec "\${at}:commands") $(_diwan_spec "\${at}:args")"
  fi
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _diwan diwan
`;
}

/** Each sub-command with its line in lists, for zsh to show beside it. */
function describedFunction(program: Command): string {
  const cases = everyCommand(program)
    .filter(({ cmd }) => cmd.commands.length > 0)
    .map(({ path, cmd }) => {
      const lines = cmd.commands.map((c) => `${c.name()}:${c.summary().replace(/\n/g, ' / ')}`);
      return `    ${quote(path)}) print -rl -- ${lines.map(quote).join(' ')} ;;`;
    });
  return `_diwan_described() {\n  case "$1" in\n${cases.join('\n')}\n  esac\n}\n`;
}

function zsh(program: Command): string {
  return `#compdef diwan
# diwan: completion for zsh. Save it where zsh looks:  diwan completion zsh > "\${fpath[1]}/_diwan"
# or load it now (after compinit):  source <(diwan completion zsh)
${specFunction(program)}
${describedFunction(program)}
_diwan() {
  local cur="\${words[CURRENT]}" prev="\${words[CURRENT-1]}" at="" word="" skip="" i
  local -a found described
  for ((i = 2; i < CURRENT; i++)); do
    word="\${words[i]}"${WALK}
  done
  if [[ "$cur" == -* ]]; then
    found=(\${=$(_diwan_spec "\${at}:options")})
  elif [[ "$prev" == -* && " $(_diwan_spec "\${at}:valued") " == *" $prev "* ]]; then
    found=(\${=$(_diwan_spec "\${at}:$prev")})
  else
    described=(\${(f)"$(_diwan_described "$at")"})
    if (( \${#described} )); then
      _describe -t commands 'command' described
      return
    fi
    found=(\${=$(_diwan_spec "\${at}:args")})
  fi
  if (( \${#found} )); then compadd -a found; else _files; fi
}

if [[ "\${zsh_eval_context[-1]}" == loadautofunc ]]; then
  _diwan "$@"
else
  compdef _diwan diwan
fi
`;
}

/** The completion script for `shell`. */
export function completionScript(program: Command, shell: Shell): string {
  return shell === 'bash' ? bash(program) : zsh(program);
}
