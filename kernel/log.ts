/**
 * Structured logs: one JSON line per event on stderr (pino), with the time,
 * level, process role and any fields; `silent` for tests. Request logs carry a
 * request id. Secrets are never passed in: the few fields that could hold one
 * are redacted all the same.
 */
import pino from 'pino';

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
  /** A logger whose every line also carries `fields` (a request id, a document id). */
  child(fields: Record<string, unknown>): Logger;
}

function wrap(p: pino.Logger): Logger {
  return {
    info: (m, f) => p.info(f ?? {}, m),
    warn: (m, f) => p.warn(f ?? {}, m),
    error: (m, f) => p.error(f ?? {}, m),
    debug: (m, f) => p.debug(f ?? {}, m),
    child: (fields) => wrap(p.child(fields)),
  };
}

export function createLogger(level: 'info' | 'debug' | 'silent', name = 'diwan'): Logger {
  return wrap(
    pino(
      {
        name,
        level,
        base: { pid: process.pid },
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
        redact: {
          paths: ['password', 'token', 'authorization', '*.password', '*.token', '*.authorization', 'headers.cookie'],
          censor: '[redacted]',
        },
      },
      pino.destination({ fd: 2, sync: true }),
    ),
  );
}
