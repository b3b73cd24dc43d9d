import { pageOf } from './paging';

test('a page read with one row more: the rows shown, and the next cursor only when there is more', () => {
  expect(pageOf([1, 2, 3], 2, String)).toEqual({ items: [1, 2], next: '2' });
  expect(pageOf([1, 2], 2, String)).toEqual({ items: [1, 2], next: null });
  expect(pageOf([], 2, String)).toEqual({ items: [], next: null });
});
