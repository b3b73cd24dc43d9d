/**
 * Per-client rate limits (public verification and status, sign-in) with
 * express-rate-limit, counted in PostgreSQL (storage/rateLimits.ts) so that
 * every process of the archive shares one count. Every answer carries the
 * standard `RateLimit` and `RateLimit-Policy` headers (IETF draft 8, the
 * policy named after the limit); a refusal is `429 rate_limited` with
 * `Retry-After`, as the one error handler writes it (problem+json under /api/).
 * Behind a proxy, set Express's `trust proxy` (DIWAN_TRUST_PROXY) so the
 * client is the one behind it. Only this file imports express-rate-limit.
 */
import type { Request, RequestHandler } from 'express';
import { rateLimit as limiter, type ClientRateLimitInfo, type Options, type Store } from 'express-rate-limit';
import { DomainError } from '../../kernel/errors';
import type { Queryable } from '../../storage/db';
import { clearCounts, countHit, currentCount, uncountHit } from '../../storage/rateLimits';

/** The counts of one limit, kept in PostgreSQL for every process: its keys are `<name>:<client>`. */
export class PostgresRateLimitStore implements Store {
  /** Counts made by one process are seen by every other. */
  readonly localKeys = false;
  readonly prefix: string;
  private windowMs = 60_000;

  constructor(
    private readonly db: Queryable,
    name: string,
  ) {
    this.prefix = `${name}:`;
  }

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const c = await currentCount(this.db, this.prefix + key, this.windowMs);
    return c && { totalHits: c.count, resetTime: c.resetAt };
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const c = await countHit(this.db, this.prefix + key, this.windowMs);
    return { totalHits: c.count, resetTime: c.resetAt };
  }

  async decrement(key: string): Promise<void> {
    await uncountHit(this.db, this.prefix + key, this.windowMs);
  }

  async resetKey(key: string): Promise<void> {
    await clearCounts(this.db, this.prefix + key);
  }
}

/** Whole seconds until the client's window ends (at least one: "now" is never an answer). */
function secondsLeft(req: Request): number {
  const resetTime = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
  return Math.max(1, Math.ceil(((resetTime?.getTime() ?? Date.now() + 60_000) - Date.now()) / 1000));
}

/** At most `perMinute` requests per client address per minute for the limit `name`, in fixed one-minute windows. */
export function rateLimit(db: Queryable, name: string, perMinute: number): RequestHandler {
  return limiter({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: name,
    store: new PostgresRateLimitStore(db, name),
    retryAfter: secondsLeft,
    handler: (req, _res, next) => next(new DomainError('rate_limited', { details: { retryAfterSeconds: secondsLeft(req) } })),
  });
}
