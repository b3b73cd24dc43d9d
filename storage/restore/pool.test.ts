import { limiter, mapLimited } from './pool';

const tick = () => new Promise((r) => setTimeout(r, 1));

test('mapLimited keeps the order of the items and never has more than the limit in flight', async () => {
  let inFlight = 0;
  let most = 0;
  const out = await mapLimited([5, 1, 4, 2, 3, 6, 7], 3, async (n) => {
    most = Math.max(most, ++inFlight);
    for (let k = 0; k < n; k++) await tick();
    inFlight--;
    return n * 10;
  });
  expect(out).toEqual([50, 10, 40, 20, 30, 60, 70]);
  expect(most).toBe(3);
});

test('mapLimited waits for the calls in flight before it throws the first error', async () => {
  let finished = 0;
  const run = mapLimited([1, 2, 3, 4], 2, async (n) => {
    await tick();
    if (n === 1) throw new Error('first');
    await tick();
    finished++;
  });
  await expect(run).rejects.toThrow('first');
  // The second item was in flight when the first failed, and finished; nothing new was started after.
  expect(finished).toBe(1);
});

test('limiter runs at most its limit at once, the rest in order', async () => {
  const slot = limiter(2);
  let inFlight = 0;
  let most = 0;
  const started: number[] = [];
  await Promise.all(
    [1, 2, 3, 4, 5].map((n) =>
      slot(async () => {
        started.push(n);
        most = Math.max(most, ++inFlight);
        await tick();
        inFlight--;
      }),
    ),
  );
  expect(most).toBe(2);
  expect(started).toEqual([1, 2, 3, 4, 5]);
});
