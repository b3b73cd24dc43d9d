import { formatPeriod, parsePeriod, periodInterval, periodMs } from './period';

const zero = { years: 0, months: 0, days: 0, hours: 0, minutes: 0, seconds: 0 };

describe('retention periods', () => {
  it('parses every unit', () => {
    expect(parsePeriod('30s')).toEqual({ n: 30, unit: 's' });
    expect(parsePeriod('2m')).toEqual({ n: 2, unit: 'm' });
    expect(parsePeriod('12h')).toEqual({ n: 12, unit: 'h' });
    expect(parsePeriod('30d')).toEqual({ n: 30, unit: 'd' });
    expect(parsePeriod('18mo')).toEqual({ n: 18, unit: 'mo' });
    expect(parsePeriod(' 5y ')).toEqual({ n: 5, unit: 'y' });
  });

  it('refuses what is not a period', () => {
    for (const bad of ['', '5', 'y', '0y', '-1d', '1.5y', '5 years', '5w', '5yy', '1234567d']) {
      expect(parsePeriod(bad)).toBeUndefined();
    }
  });

  it('gives intervals and lengths', () => {
    expect(periodInterval({ n: 18, unit: 'mo' })).toBe('18 months');
    expect(periodInterval({ n: 2, unit: 'm' })).toBe('2 minutes');
    expect(periodMs({ n: 2, unit: 'm' })).toBe(120_000);
    expect(periodMs({ n: 1, unit: 'd' })).toBe(86_400_000);
  });

  it('shows an interval back as the period it was written as', () => {
    expect(formatPeriod({ ...zero, years: 5 })).toBe('5y');
    expect(formatPeriod({ ...zero, years: 1, months: 6 })).toBe('18mo');
    expect(formatPeriod({ ...zero, days: 30 })).toBe('30d');
    expect(formatPeriod({ ...zero, hours: 12 })).toBe('12h');
    expect(formatPeriod({ ...zero, minutes: 2 })).toBe('2m');
    expect(formatPeriod({ ...zero, hours: 1, minutes: 30 })).toBe('90m');
    expect(formatPeriod({ ...zero, seconds: 30 })).toBe('30s');
    expect(formatPeriod({ ...zero, years: 1, days: 2 })).toBe('1y 2d');
  });
});
