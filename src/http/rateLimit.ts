/** A small per-client rate limit (public verification, sign-in). Behind a proxy, set Express's `trust proxy` so req.ip is the client's. */
import type { Request, Response } from 'express';
import { DomainError } from '../../kernel/errors';

/** At most `perMinute` requests per client address per minute, counted in fixed one-minute windows. */
export function rateLimit(perMinute: number) {
  const windows = new Map<string, { start: number; count: number }>();
  return (req: Request, _res: Response, next: (e?: unknown) => void) => {
    const now = Date.now();
    const key = req.ip ?? 'unknown';
    let w = windows.get(key);
    if (!w || now - w.start >= 60_000) {
      if (windows.size > 10_000) windows.clear(); // never grows without bound
      w = { start: now, count: 0 };
      windows.set(key, w);
    }
    w.count++;
    next(w.count > perMinute ? new DomainError('rate_limited') : undefined);
  };
}
