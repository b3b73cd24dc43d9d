#!/usr/bin/env node
/**
 * `diwan`: the command line. `serve` runs the archive; `worker` runs pipeline
 * workers only; the other commands talk to a running server (DIWAN_URL,
 * DIWAN_TOKEN) or, for the operator's, to the archive's own services. Every
 * command that prints results takes --json, and the exit status says whether it
 * worked (0 yes, 1 no, 2 bad usage). `diwan --help`, `diwan help CMD` and
 * `diwan CMD --help` tell the rest, in Arabic and in English.
 * The commands are declared in program/ and carried out in ingest.ts (a
 * clerk's) and commands/, one file for each kind of user.
 */
import { runCommandLine } from './program';

/** Runs one command line (the arguments after `diwan`) and gives its exit status. */
export function main(argv: string[]): Promise<number> {
  return runCommandLine(argv);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`${String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
