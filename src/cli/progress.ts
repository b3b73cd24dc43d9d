/**
 * Progress of long work on the terminal (standard error): a bar redrawn in
 * place on a terminal, a line now and then otherwise (a log, a pipe), nothing
 * when quiet. Arabic first, then the figures. Every long command draws one:
 * fixity, reindex, restore, audit export, ingest, export bagit, verify --all,
 * records extend-locks, and jobs followed with `diwan jobs ID`.
 */
import type { CommandInput } from './input';

const WIDTH = 30;
/** Where output is not a terminal: a line at most this often. */
const LINE_EVERY_MS = 15_000;

export interface ProgressBar {
  /** `detail` follows the figures: what else is counted (files, pages, speed). */
  update(done: number, total: number | null, detail?: string): void;
  /** Ends the bar's line. */
  end(): void;
}

/** How the figures read: counts by default, or bytes (KB, MB, GB). */
export type Units = (n: number) => string;

const counts: Units = (n) => n.toLocaleString('en');

export const bytes: Units = (n) =>
  n < 1024 * 1024
    ? `${(n / 1024).toFixed(0)} KB`
    : n < 1024 * 1024 * 1024
      ? `${(n / 1048576).toFixed(1)} MB`
      : `${(n / 1073741824).toFixed(2)} GB`;

/** No bar: asked for (--quiet), or the output is for a program (--json). */
export function quietOf(args: CommandInput): boolean {
  return args.flags.has('quiet') || args.flags.has('json');
}

const duration = (s: number) =>
  s >= 3600
    ? `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${Math.floor(s % 60)}s`
      : `${Math.ceil(s)}s`;

/** One line of the bar: label, bar, percent, figures, the time left (when it can be told) and any detail. */
export function renderProgress(
  label: string,
  done: number,
  total: number | null,
  elapsedMs: number,
  opts: { units?: Units; detail?: string } = {},
): string {
  const units = opts.units ?? counts;
  const detail = opts.detail ? ` · ${opts.detail}` : '';
  if (!total) return `${label} ${units(done)}${detail}`;
  const share = Math.min(1, done / total);
  const filled = Math.round(share * WIDTH);
  const left = done > 0 && share < 1 ? ` ~${duration(((elapsedMs / 1000) * (1 - share)) / share)} left` : '';
  return `${label} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${Math.floor(share * 100)}% ${units(done)}/${units(total)}${left}${detail}`;
}

export function progressBar(
  label: string,
  opts: { quiet?: boolean; units?: Units; stream?: NodeJS.WriteStream; now?: () => number } = {},
): ProgressBar {
  const stream = opts.stream ?? process.stderr;
  const now = opts.now ?? Date.now;
  const t0 = now();
  let last = 0;
  let drawn = false;
  if (opts.quiet) return { update: () => undefined, end: () => undefined };
  if (stream.isTTY) {
    return {
      update(done, total, detail) {
        if (now() - last < 100 && done !== total) return;
        last = now();
        drawn = true;
        stream.write(`\r${renderProgress(label, done, total, now() - t0, { units: opts.units, detail })}\x1b[K`);
      },
      end() {
        if (drawn) stream.write('\n');
      },
    };
  }
  // The first line waits a while too: short work prints nothing.
  let lineAt = t0;
  return {
    update(done, total, detail) {
      if (now() - lineAt < LINE_EVERY_MS) return;
      lineAt = now();
      stream.write(`${renderProgress(label, done, total, now() - t0, { units: opts.units, detail })}\n`);
    },
    end: () => undefined,
  };
}
