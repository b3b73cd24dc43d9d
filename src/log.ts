/** One JSON line per event on stderr; `silent` for tests. */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(level: 'info' | 'debug' | 'silent', name = 'diwan'): Logger {
  const write = (lvl: string, msg: string, fields?: Record<string, unknown>) => {
    if (level === 'silent') return;
    if (lvl === 'debug' && level !== 'debug') return;
    const line = JSON.stringify({ t: new Date().toISOString(), level: lvl, name, msg, ...fields });
    process.stderr.write(line + '\n');
  };
  return {
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    debug: (m, f) => write('debug', m, f),
  };
}
