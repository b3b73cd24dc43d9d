import { isCalendarDate } from './text';

test('a calendar date is YYYY-MM-DD of a real day in the years 1000-9999', () => {
  expect(['2026-12-06', '2024-02-29', '1000-01-01', '9999-12-31'].filter(isCalendarDate)).toHaveLength(4);
  // Year 0 (the database refuses it), two-digit years, days that do not exist, other shapes.
  for (const bad of ['0000-01-01', '0099-12-01', '2026-02-29', '2026-13-01', '2026-1-1', '26-12-06', '2026-12-06T00:00']) {
    expect(isCalendarDate(bad)).toBe(false);
  }
});
