import { inLanes } from './lanes';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Work that counts how many calls run at once, each taking a few turns of the event loop. */
function counted(turns = 3) {
  const state = { running: 0, most: 0, done: [] as number[], started: [] as number[] };
  const work = async (n: number) => {
    state.started.push(n);
    state.running++;
    state.most = Math.max(state.most, state.running);
    for (let i = 0; i < turns + (n % 3); i++) await tick();
    state.running--;
    state.done.push(n);
  };
  return { state, work };
}

test('runs every item once, never more than `lanes` at a time, and all lanes when there is work for them', async () => {
  const { state, work } = counted();
  const items = Array.from({ length: 10 }, (_, i) => i + 1);
  await inLanes(items, 3, work);
  expect([...state.done].sort((a, b) => a - b)).toEqual(items);
  expect(state.started).toEqual(items); // started in order
  expect(state.most).toBe(3);
});

test('fewer items than lanes, no lanes, or no items at all', async () => {
  const few = counted();
  await inLanes([1, 2], 8, few.work);
  expect(few.state.most).toBe(2);

  const none = counted();
  await inLanes([1, 2, 3], 0, none.work); // at least one lane
  expect(none.state.done).toEqual([1, 2, 3]);
  expect(none.state.most).toBe(1);

  const work = jest.fn(async () => undefined);
  await inLanes([], 4, work);
  expect(work).not.toHaveBeenCalled();
});

test('after a failure no new item starts, the calls running finish, and the first failure is thrown', async () => {
  const first = new Error('page 2 failed');
  const state = { started: [] as number[], finished: [] as number[] };
  const work = async (n: number) => {
    state.started.push(n);
    if (n === 2) {
      await tick();
      throw first;
    }
    if (n === 3) {
      for (let i = 0; i < 3; i++) await tick();
      throw new Error('page 3 failed later');
    }
    for (let i = 0; i < 5; i++) await tick();
    state.finished.push(n);
  };

  await expect(inLanes([1, 2, 3, 4, 5, 6, 7, 8], 3, work)).rejects.toBe(first);
  // 1, 2 and 3 were running when 2 failed; 1 was let finish, and its lane, free again, took nothing more.
  expect(state.started).toEqual([1, 2, 3]);
  expect(state.finished).toEqual([1]);
});
