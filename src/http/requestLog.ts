/** Every request gets an id (the caller's X-Request-Id when it is sane), one log line and a latency sample. */
import crypto from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../../kernel/log';
import { observeHttp } from '../runtime/metrics';

export function requestLog(log: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.get('x-request-id');
    const id = given && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : crypto.randomUUID();
    res.set('X-Request-Id', id);
    res.locals.log = log.child({ reqId: id });
    const t0 = performance.now();
    res.on('finish', () => {
      const seconds = (performance.now() - t0) / 1000;
      const route = req.route
        ? `${req.baseUrl}${String(req.route.path)}`
        : res.statusCode === 404
          ? 'unmatched'
          : req.baseUrl || 'other';
      observeHttp(req.method, route, res.statusCode, seconds);
      const caller = (res.locals.caller as { name?: string } | undefined)?.name;
      const quiet = req.path === '/healthz' || req.path === '/readyz' || req.path === '/metrics';
      (res.locals.log as Logger)[quiet ? 'debug' : 'info']('request', {
        method: req.method,
        path: req.path,
        route,
        status: res.statusCode,
        ms: Math.round(seconds * 1000),
        ...(caller ? { caller } : {}),
      });
    });
    next();
  };
}
