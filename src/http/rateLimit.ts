/**
 * A per-client rate limit (public verification, sign-in), counted in the
 * database so that every process of the archive shares it, with Retry-After on
 * the refusal. Behind a proxy, set Express's `trust proxy` so req.ip is the client's.
 */
import type { Request, Response } from 'express';
import { DomainError } from '../../kernel/errors';
import type { Queryable } from '../../storage/db';
import { countRequest } from '../../storage/rateLimits';

/** At most `perMinute` requests per client address per minute for the limit `name`, in fixed one-minute windows. */
export function rateLimit(db: Queryable, name: string, perMinute: number) {
  return (req: Request, res: Response, next: (e?: unknown) => void) => {
    countRequest(db, `${name}:${req.ip ?? 'unknown'}`)
      .then(({ count, resetSeconds }) => {
        if (count <= perMinute) return next();
        res.set('Retry-After', String(resetSeconds));
        next(new DomainError('rate_limited', { details: { retryAfterSeconds: resetSeconds } }));
      })
      .catch(next);
  };
}
