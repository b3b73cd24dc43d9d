/**
 * Progress of long work on the terminal (standard error): a bar redrawn in
 * place on a terminal, a line now and then otherwise (a log, a pipe), nothing
 * when quiet. Arabic first, then the figures.
 */
const WIDTH = 30;
/** Where output is not a terminal: a line at most this often. */
const LINE_EVERY_MS = 15_000;

export interface ProgressBar {
  update(done: number, total: number | null): void;
  /** Ends the bar's line. */
  end(): void;
}

const duration = (s: number) =>
  s >= 3600
    ? `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${Math.floor(s % 60)}s`
      : `${Math.ceil(s)}s`;

/** One line of the bar: label, bar, percent, counts and the time left (when it can be told). */
export function renderProgress(label: string, done: number, total: number | null, elapsedMs: number): string {
  if (!total) return `${label} ${done.toLocaleString('en')}`;
  const share = Math.min(1, done / total);
  const filled = Math.round(share * WIDTH);
  const left = done > 0 && share < 1 ? ` ~${duration(((elapsedMs / 1000) * (1 - share)) / share)} left` : '';
  return `${label} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${Math.floor(share * 100)}% ${done.toLocaleString('en')}/${total.toLocaleString('en')}${left}`;
}

export function progressBar(
  label: string,
  opts: { quiet?: boolean; stream?: NodeJS.WriteStream; now?: () => number } = {},
): ProgressBar {
  const stream = opts.stream ?? process.stderr;
  const now = opts.now ?? Date.now;
  const t0 = now();
  let last = 0;
  let drawn = false;
  if (opts.quiet) return { update: () => undefined, end: () => undefined };
  if (stream.isTTY) {
    return {
      update(done, total) {
        if (now() - last < 100 && done !== total) return;
        last = now();
        drawn = true;
        stream.write(`\r${renderProgress(label, done, total, now() - t0)}\x1b[K`);
      },
      end() {
        if (drawn) stream.write('\n');
      },
    };
  }
  // The first line waits a while too: short work prints nothing.
  let lineAt = t0;
  return {
    update(done, total) {
      if (now() - lineAt < LINE_EVERY_MS) return;
      lineAt = now();
      stream.write(`${renderProgress(label, done, total, now() - t0)}\n`);
    },
    end: () => undefined,
  };
}
