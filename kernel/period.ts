/**
 * Retention periods as people write them: a whole number and a unit, `30s`, `2m` (minutes, for drills),
 * `12h`, `30d`, `18mo`, `5y`. They become PostgreSQL intervals ('18 months') and are shown back the same
 * way from an interval's parts.
 */

export const PERIOD_UNITS = ['s', 'm', 'h', 'd', 'mo', 'y'] as const;
export type PeriodUnit = (typeof PERIOD_UNITS)[number];

export interface Period {
  n: number;
  unit: PeriodUnit;
}

const PATTERN = /^([1-9][0-9]{0,5})(s|m|h|d|mo|y)$/;

const INTERVAL_UNIT: Record<PeriodUnit, string> = {
  s: 'seconds',
  m: 'minutes',
  h: 'hours',
  d: 'days',
  mo: 'months',
  y: 'years',
};

/** Approximate length of each unit (a month of 30 days, a year of 365.25), for settings counted in time. */
const UNIT_MS: Record<PeriodUnit, number> = {
  s: 1000,
  m: 60_000,
  h: 3600_000,
  d: 86_400_000,
  mo: 30 * 86_400_000,
  y: 365.25 * 86_400_000,
};

/** '18mo' -> { n: 18, unit: 'mo' }; undefined when it is not a period. */
export function parsePeriod(text: string): Period | undefined {
  const m = PATTERN.exec(text.trim());
  return m ? { n: Number(m[1]), unit: m[2] as PeriodUnit } : undefined;
}

/** The PostgreSQL interval literal of a period ('18 months'). */
export function periodInterval(p: Period): string {
  return `${p.n} ${INTERVAL_UNIT[p.unit]}`;
}

/** The period's approximate length in milliseconds. */
export function periodMs(p: Period): number {
  return p.n * UNIT_MS[p.unit];
}

/** An interval's parts as PostgreSQL gives them (date_part of years, months, days, hours, minutes, seconds). */
export interface IntervalParts {
  years: number;
  months: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

/**
 * An interval shown as a period: one unit where it is one ('18mo', '5y', '90m'), else its parts joined
 * ('1y 2d'). Months and years are one count (months), days another, the time of day a third.
 */
export function formatPeriod(i: IntervalParts): string {
  const parts: string[] = [];
  const months = i.years * 12 + i.months;
  if (months > 0) parts.push(months % 12 === 0 ? `${months / 12}y` : `${months}mo`);
  if (i.days > 0) parts.push(`${i.days}d`);
  const seconds = Math.round(i.hours * 3600 + i.minutes * 60 + i.seconds);
  if (seconds > 0) {
    if (seconds % 3600 === 0) parts.push(`${seconds / 3600}h`);
    else if (seconds % 60 === 0) parts.push(`${seconds / 60}m`);
    else parts.push(`${seconds}s`);
  }
  return parts.join(' ') || '0s';
}
