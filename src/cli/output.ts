/** What every command shares for printing: results as indented JSON, one value per run. */

/** Prints `v` as indented JSON on stdout (what --json gives). */
export function json(v: unknown): void {
  process.stdout.write(JSON.stringify(v, null, 2) + '\n');
}
