/**
 * Small measures shared by the benchmarks: medians with their spread,
 * percentiles, and the target line that `npm run bench` (all.ts) gathers into
 * the summary at the top of docs/benchmarks.md.
 *
 * A target line is one stdout line that starts with `target:`, then
 * `name | figure | reference | ratio | aim | holds|DOES NOT HOLD`, e.g.
 * `target: upload | 71.0 MB/s | bare PUT 88.0 MB/s | 0.81× | ≥ 0.75× | holds`.
 * Any benchmark may print them (`targetLine` writes one).
 */
import os from 'node:os';
import path from 'node:path';

/** The lower middle of the values. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN;
}

/** The item whose `key` is the median of the items' keys. */
export function medianBy<T>(items: T[], key: (t: T) => number): T {
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** `p`-th percentile of an ascending list (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** "71.0 (69.2–73.5)": the median and the range of the runs. */
export function withSpread(values: number[], digits = 1): string {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return values.length > 1
    ? `${median(values).toFixed(digits)} (${lo.toFixed(digits)}–${hi.toFixed(digits)})`
    : median(values).toFixed(digits);
}

export interface Target {
  name: string;
  figure: string;
  reference: string;
  ratio: number;
  /** The aim, e.g. `>= 0.75` (ratio at least) or `<= 1.2` (ratio at most). */
  aim: { atLeast?: number; atMost?: number };
  /** What the ratio is of, when not figure over reference (e.g. "p95 lag in seconds"). */
  unit?: string;
  /** A further condition of the target (e.g. the CER beside the speed): it holds only when this does too. */
  condition?: { ok: boolean; text: string };
}

export function holds(t: Target): boolean {
  return (
    Number.isFinite(t.ratio) &&
    (t.aim.atLeast === undefined || t.ratio >= t.aim.atLeast) &&
    (t.aim.atMost === undefined || t.ratio <= t.aim.atMost) &&
    (t.condition?.ok ?? true)
  );
}

/** The `target:` line for all.ts's summary. */
export function targetLine(t: Target): string {
  const aim = t.aim.atLeast !== undefined ? `≥ ${t.aim.atLeast}` : `≤ ${t.aim.atMost}`;
  const u = t.unit ?? '×';
  const also = t.condition ? ` and ${t.condition.text}` : '';
  return `target: ${t.name} | ${t.figure} | ${t.reference} | ${t.ratio.toFixed(2)}${u} | ${aim}${u}${also} | ${holds(t) ? 'holds' : 'DOES NOT HOLD'}`;
}

/**
 * The `target:` lines of paths that must not grow with the archive: each one's cost (ms) at the largest size
 * beside its cost at the smallest, at most `atMost` times it. Paths not measured at both are left out.
 */
export function growthTargets(
  names: string[],
  sizes: number[],
  cost: (name: string, size: number) => number | undefined,
  atMost: number,
): string[] {
  const [smallest, largest] = [sizes[0], sizes[sizes.length - 1]];
  if (smallest === undefined || largest === undefined || smallest === largest) return [];
  return names.flatMap((name) => {
    const [small, big] = [cost(name, smallest), cost(name, largest)];
    if (small === undefined || big === undefined) return [];
    return [
      targetLine({
        name: `${name} at ${largest} documents beside ${smallest}`,
        figure: `${big.toFixed(1)} ms`,
        reference: `${small.toFixed(1)} ms`,
        ratio: big / small,
        aim: { atMost },
      }),
    ];
  });
}

/** Runs `work` over items with `count` in flight; returns the wall time in ms. */
export async function lanes<T>(items: T[], count: number, work: (item: T, i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(count, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i] as T, i);
      }
    }),
  );
  return performance.now() - t0;
}

/** An option `--name VALUE` from the command line, one of `allowed` (the first when it is not given). */
export function choiceArg<T extends string>(name: string, allowed: readonly T[]): T {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : allowed[0];
  if (!allowed.includes(v as T)) throw new Error(`--${name} must be one of ${allowed.join(', ')}`);
  return v as T;
}

/**
 * `--profile DIR`: the arguments that make a Node process it starts run under Node's CPU profiler (each of its
 * threads writes a profile into DIR when it ends); none without the option.
 */
export function profilerArgs(): string[] {
  const i = process.argv.indexOf('--profile');
  if (i < 0) return [];
  return ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.argv[i + 1] ?? 'profiles')}`];
}

/** A whole-number option `--name N` from the command line. */
export function numberArg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} must be a number`);
  return v;
}

/** The machine a figure was measured on, as reports name it: "2 cores (its processor)". */
export function machineName(): string {
  return `${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? 'unknown'})`;
}
