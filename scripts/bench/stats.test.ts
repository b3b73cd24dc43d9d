import { growthTargets, holds, median, percentile, targetLine, withSpread } from './stats';
import { closedLoop, openLoop } from './searchLoad';

test('median, percentile and spread of a few runs', () => {
  expect(median([3, 1, 2])).toBe(2);
  expect(median([4, 1, 3, 2])).toBe(2);
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
  expect(percentile(sorted, 95)).toBe(95);
  expect(percentile(sorted, 50)).toBe(50);
  expect(withSpread([10, 12.5, 11])).toBe('11.0 (10.0–12.5)');
});

test('a target holds only when its ratio meets the aim and its condition holds', () => {
  const t = { name: 'x', figure: 'a', reference: 'b', ratio: 0.8, aim: { atLeast: 0.75 } };
  expect(holds(t)).toBe(true);
  expect(targetLine(t)).toBe('target: x | a | b | 0.80× | ≥ 0.75× | holds');
  expect(holds({ ...t, condition: { ok: false, text: 'CER' } })).toBe(false);
  expect(holds({ ...t, ratio: 1.3, aim: { atMost: 1.2 } })).toBe(false);
  expect(holds({ ...t, ratio: NaN })).toBe(false);
});

test('a path that must not grow with the archive: its cost at the largest size beside the smallest', () => {
  const ms: Record<string, number> = { 'a@10': 10, 'a@100': 99, 'a@1000': 14, 'b@10': 5, 'b@1000': 8, 'c@10': 1 };
  expect(growthTargets(['a', 'b', 'c'], [10, 100, 1000], (name, n) => ms[`${name}@${n}`], 1.5)).toEqual([
    'target: a at 1000 documents beside 10 | 14.0 ms | 10.0 ms | 1.40× | ≤ 1.5× | holds',
    'target: b at 1000 documents beside 10 | 8.0 ms | 5.0 ms | 1.60× | ≤ 1.5× | DOES NOT HOLD',
  ]);
  expect(growthTargets(['a'], [10], (name, n) => ms[`${name}@${n}`], 1.5)).toEqual([]);
});

/** A server that answers one request at a time, each in `ms`. */
function serial(ms: number) {
  let free = 0;
  return async () => {
    const start = Math.max(free, performance.now());
    free = start + ms;
    await new Promise((r) => setTimeout(r, free - performance.now()));
  };
}

test('open loop counts the time a query waited behind others, from when it was due', async () => {
  // 100 queries a second offered to a path that answers 40 a second: the queue grows, and so must the latency.
  const slow = await openLoop(100, 1, ['q'], serial(25));
  expect(slow.errors).toBe(0);
  expect(slow.offered).toBeGreaterThan(70);
  expect(percentile(slow.ms, 95)).toBeGreaterThan(500);
  // Offered well below what the path answers, a query waits for itself only.
  const easy = await openLoop(20, 1, ['q'], serial(5));
  expect(percentile(easy.ms, 50)).toBeLessThan(50);
});

test('closed loop throughput is what the path answers', async () => {
  const c = await closedLoop(8, 0.5, ['q'], serial(10));
  expect(c.perSecond).toBeGreaterThan(60);
  expect(c.perSecond).toBeLessThan(110);
});
