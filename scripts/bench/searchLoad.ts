/**
 * The load half of `bench:search`: the API and raw Meilisearch driven the same
 * way, in the same run, interleaved round by round.
 *
 * - Saturation: a closed loop of many clients (each sends its next query when
 *   the last is answered) for a fixed time; the answers a second are the
 *   throughput the path can give.
 * - Open loop: queries sent at a fixed mean rate (Poisson arrivals, half of
 *   raw Meilisearch's saturation throughput), whatever the answers; each
 *   latency runs from the time the query was due to be sent, so a client that
 *   falls behind counts against the path (no coordinated omission).
 */
import { median, percentile, targetLine, withSpread } from './stats';

export type Send = (q: string) => Promise<void>;

export interface Closed {
  perSecond: number;
  errors: number;
}

/** `clients` loops sending queries for `seconds`; answers a second. */
export async function closedLoop(clients: number, seconds: number, queries: string[], send: Send): Promise<Closed> {
  let done = 0;
  let errors = 0;
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = c; performance.now() < until; i += clients) {
        try {
          await send(queries[i % queries.length]!);
          done++;
        } catch {
          errors++;
        }
      }
    }),
  );
  return { perSecond: done / ((performance.now() - t0) / 1000), errors };
}

export interface Open {
  /** Latencies from the time each query was due, ascending, in ms. */
  ms: number[];
  errors: number;
  /** Queries a second actually offered. */
  offered: number;
}

/** Queries offered at `rate` a second, Poisson arrivals, for `seconds`; latency from each query's due time. */
export async function openLoop(rate: number, seconds: number, queries: string[], send: Send, seed = 1): Promise<Open> {
  let s = seed >>> 0;
  const random = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
  const due: number[] = [];
  for (let t = 0; t < seconds * 1000;) {
    t += (-Math.log(random()) / rate) * 1000;
    if (t < seconds * 1000) due.push(t);
  }
  const ms: number[] = [];
  let errors = 0;
  const start = performance.now();
  const inFlight: Array<Promise<void>> = [];
  for (const [i, at] of due.entries()) {
    const wait = start + at - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(
      send(queries[i % queries.length]!).then(
        () => void ms.push(performance.now() - (start + at)),
        () => void errors++,
      ),
    );
  }
  await Promise.all(inFlight);
  return { ms: ms.sort((a, b) => a - b), errors, offered: due.length / seconds };
}

/**
 * Saturation then open loop, each `rounds` times, API and raw interleaved; the
 * table, and the two target lines.
 */
export async function compareSearch(opts: {
  api: Send;
  raw: Send;
  queries: string[];
  clients: number;
  seconds: number;
  rounds: number;
  log: (m: string) => void;
  /** CPU seconds so far by process kind (the server, Meilisearch, PostgreSQL), to say where each answer's time goes. */
  cpu: () => Record<string, number>;
}): Promise<string[]> {
  const { api, raw, queries, clients, seconds, rounds, log } = opts;
  const cpuUsed = { api: {} as Record<string, number>, raw: {} as Record<string, number> };
  const answers = { api: 0, raw: 0 };
  const measured = async (k: 'api' | 'raw') => {
    const before = opts.cpu();
    const self = process.cpuUsage();
    const c = await closedLoop(clients, seconds, queries, k === 'api' ? api : raw);
    const after = opts.cpu();
    const mine = process.cpuUsage(self);
    for (const [kind, v] of Object.entries(after)) cpuUsed[k][kind] = (cpuUsed[k][kind] ?? 0) + v - (before[kind] ?? 0);
    cpuUsed[k]['load generator'] = (cpuUsed[k]['load generator'] ?? 0) + (mine.user + mine.system) / 1e6;
    answers[k] += c.perSecond * seconds;
    return c;
  };
  const perAnswer = (k: 'api' | 'raw') =>
    Object.entries(cpuUsed[k])
      .filter(([, v]) => v > 0.05)
      .sort((a, b) => b[1] - a[1])
      .map(([kind, v]) => `${kind} ${((1000 * v) / Math.max(1, answers[k])).toFixed(1)} ms`)
      .join(', ');
  await closedLoop(clients, 3, queries, api); // warm both paths
  await closedLoop(clients, 3, queries, raw);
  const sat = { api: [] as Closed[], raw: [] as Closed[] };
  for (let r = 0; r < rounds; r++) {
    log(`saturation, round ${r + 1}: ${clients} closed-loop clients for ${seconds} s on each path`);
    // Which path goes first alternates, so neither always follows the other's leftovers.
    const order = r % 2 === 0 ? (['api', 'raw'] as const) : (['raw', 'api'] as const);
    for (const k of order) sat[k].push(await measured(k));
  }
  const rawSat = median(sat.raw.map((x) => x.perSecond));
  const apiSat = median(sat.api.map((x) => x.perSecond));
  const rate = rawSat / 2;
  const open = { api: [] as Open[], raw: [] as Open[] };
  for (let r = 0; r < rounds; r++) {
    log(`open loop, round ${r + 1}: ${rate.toFixed(0)} queries a second (Poisson) for ${seconds} s on each path`);
    const order = r % 2 === 0 ? (['api', 'raw'] as const) : (['raw', 'api'] as const);
    for (const k of order) open[k].push(await openLoop(rate, seconds, queries, k === 'api' ? api : raw, 17 + r));
  }
  const p = (x: Open[], q: number) => x.map((o) => percentile(o.ms, q));
  const errors = (x: Array<{ errors: number }>) => x.reduce((n, o) => n + o.errors, 0);
  const row = (label: string, c: Closed[], o: Open[]) =>
    `${label.padEnd(40)} ${withSpread(
      c.map((x) => x.perSecond),
      0,
    ).padStart(
      16,
    )} ${withSpread(p(o, 50)).padStart(20)} ${withSpread(p(o, 95)).padStart(20)} ${withSpread(p(o, 99)).padStart(20)} ${String(errors([...c, ...o])).padStart(6)}`;
  const apiP95 = median(p(open.api, 95));
  const rawP95 = median(p(open.raw, 95));
  return [
    `${'path'.padEnd(40)} ${'saturated req/s'.padStart(16)} ${`p50 ms at ${rate.toFixed(0)}/s`.padStart(20)} ${'p95 ms'.padStart(20)} ${'p99 ms'.padStart(20)} ${'errors'.padStart(6)}`,
    row('API (GET /api/v1/search, official)', sat.api, open.api),
    row('Meilisearch directly (same queries)', sat.raw, open.raw),
    `median of ${rounds} rounds (range); saturation: ${clients} closed-loop clients for ${seconds} s; open loop: Poisson arrivals at half of` +
      ` raw saturation (${rate.toFixed(0)}/s offered; actually sent ${withSpread(
        open.api.map((o) => o.offered),
        0,
      )}/s), latency from each query's due time`,
    `CPU per answer at saturation, API: ${perAnswer('api')}`,
    `CPU per answer at saturation, Meilisearch directly: ${perAnswer('raw')}`,
    targetLine({
      name: 'search saturation throughput',
      figure: `API ${apiSat.toFixed(0)} req/s`,
      reference: `Meilisearch ${rawSat.toFixed(0)} req/s`,
      ratio: apiSat / rawSat,
      aim: { atLeast: 0.85 },
    }),
    targetLine({
      name: `search p95 at ${rate.toFixed(0)} req/s (open loop)`,
      figure: `API ${apiP95.toFixed(1)} ms`,
      reference: `Meilisearch ${rawP95.toFixed(1)} ms`,
      ratio: apiP95 / rawP95,
      aim: { atMost: 1.2 },
    }),
  ];
}
