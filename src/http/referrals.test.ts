import { daysLate, isOverdue } from '../../storage/repos/referrals';
import { addDays } from './referrals';

describe('referral dates', () => {
  test('days are added across months and leap days', () => {
    expect(addDays('2028-02-27', 3)).toBe('2028-03-01');
    expect(addDays('2026-01-02', -3)).toBe('2025-12-30');
  });

  test('an open referral is overdue the day after its due date, never while suspended or once closed', () => {
    const open = { state: 'open' as const, dueDate: '2026-03-01', suspendedAt: null };
    expect(isOverdue(open, '2026-03-01')).toBe(false);
    expect(isOverdue(open, '2026-03-02')).toBe(true);
    expect(isOverdue({ ...open, suspendedAt: '2026-03-01T08:00:00Z' }, '2026-03-05')).toBe(false);
    expect(isOverdue({ ...open, state: 'closed' }, '2026-03-05')).toBe(false);
    expect(daysLate('2026-03-01', '2026-03-05')).toBe(4);
    expect(daysLate('2026-03-05', '2026-03-01')).toBe(0);
  });
});
