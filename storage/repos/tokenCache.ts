/**
 * The API tokens this process verified lately, kept in memory so that most requests with a person's token
 * skip the database. An entry is keyed by the token's SHA-256 (never the token) and holds the person and the
 * token as the database gave them. Several processes serve the API at once, so a change made in any of them
 * (or by the command line, or by a directory sign-in) must reach every cache:
 *
 *   UPDATE/DELETE users, api_tokens ─trigger (migration 42)─> NOTIFY diwan_tokens '<user id>' at commit
 *        └─> every process's listening connection ─> that person's entries dropped (no id: all dropped)
 *   listening connection lost, or not yet up ─> cache emptied and not used: every request asks the database,
 *        and nothing is kept until LISTEN answers again (a notice missed meanwhile can leave nothing stale)
 *   a lookup begun before a change and answered after its notice ─> not kept (its ticket is from an older
 *        generation: every notice, loss and reconnection moves the generation on)
 *   a probe notice sent through the pool at connecting and then every `heartbeatMs` does not come back in time
 *        (a connection silently cut, a pooler in transaction mode that drops notices) ─> lost, as above
 *
 * A change takes effect in another process when its notice arrives there (sent at commit; on one host well
 * under a millisecond), like a request already under way when it committed. Entries also expire (at most
 * `maxAgeMs`, sooner when the caller asks), and there are at most `maxEntries` of them (the oldest go first).
 * The listening connection must be a direct one (not through a pooler in transaction mode, which drops LISTEN).
 */
import crypto from 'node:crypto';
import pg from 'pg';
import type { Db } from '../db';

/** The channel the triggers of migration 42 notify on; the payload is the person's id, or '' for everyone. */
export const TOKEN_CHANNEL = 'diwan_tokens';
/** How the listening connection names itself in pg_stat_activity. */
export const TOKEN_LISTENER_NAME = 'diwan token cache';

export interface TokenCacheOptions {
  /** Entries kept at most (the oldest go first). */
  maxEntries: number;
  /** How long an entry is kept at most. */
  maxAgeMs: number;
  /** How often a probe notice checks that notices arrive, and how long it may take to come back. */
  heartbeatMs: number;
  heartbeatTimeoutMs: number;
  /** The first wait before connecting again after a loss (doubling up to `maxRetryMs`). */
  retryMs: number;
  maxRetryMs: number;
}

const DEFAULTS: TokenCacheOptions = {
  maxEntries: 10_000,
  maxAgeMs: 60_000,
  heartbeatMs: 10_000,
  heartbeatTimeoutMs: 5_000,
  retryMs: 200,
  maxRetryMs: 5_000,
};

/** Taken before a lookup; its answer is kept only if nothing changed since (undefined: the cache is not in use). */
export type CacheTicket = number | undefined;

export interface TokenCache<T extends { id: string }> {
  /** The entry for this token hash, when the cache is in use and the entry is fresh. */
  get(hash: string): T | undefined;
  /** A ticket to take before asking the database (undefined while the listening connection is not up). */
  ticket(): CacheTicket;
  /** Keeps an answer for at most `forMs`, only if `ticket` is still current. */
  keep(ticket: CacheTicket, hash: string, value: T, forMs: number): void;
  /** Drops the entries of this person (a change made here, known before its notice comes back). */
  forget(userId: string): void;
  /** Whether the listening connection is up, how many times it was lost, the entries, and answers from them. */
  state(): TokenCacheState;
  stop(): Promise<void>;
}

export interface TokenCacheState {
  listening: boolean;
  losses: number;
  entries: number;
  /** Lookups answered from an entry, and lookups that went to the database. */
  hits: number;
  misses: number;
  /** Notices of a change heard (and made here). */
  notices: number;
}

/** A probe's notice (see heard): it tells whether notices arrive, and changes nothing. */
const PROBE = 'probe:';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A cache listening on its own connection to the database `db` connects to; it connects on first use. */
export function createTokenCache<T extends { id: string }>(db: Db, options: Partial<TokenCacheOptions> = {}): TokenCache<T> {
  const o = { ...DEFAULTS, ...options };
  // The pool keeps its password as a property that is not copied by spreading.
  const connection: pg.ClientConfig = {
    ...db.options,
    password: db.options.password,
    application_name: TOKEN_LISTENER_NAME,
    keepAlive: true,
    connectionTimeoutMillis: db.options.connectionTimeoutMillis || 5_000,
  };
  const entries = new Map<string, { value: T; until: number }>();
  /** Probes sent and not yet heard back (see heard). */
  const probes = new Map<string, () => void>();
  let generation = 0;
  /** The listening connection, once its LISTEN has answered, and how to give it up. */
  let listener: { client: pg.Client; lose: () => void } | undefined;
  let connecting: Promise<void> | undefined;
  let started = false;
  let stopped = false;
  let losses = 0;
  let hits = 0;
  let misses = 0;
  let notices = 0;
  let retryMs = o.retryMs;
  let retry: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;

  const dropAll = () => {
    entries.clear();
    generation++;
  };

  const onNotice = (payload: string | undefined) => {
    generation++;
    notices++;
    if (!payload || !UUID.test(payload)) return entries.clear();
    for (const [hash, e] of entries) if (e.value.id === payload) entries.delete(hash);
  };

  function connect(): void {
    if (stopped || connecting) return;
    const c = new pg.Client(connection);
    let lost = false;
    const lose = () => {
      if (lost) return;
      lost = true;
      if (listener?.client === c) {
        listener = undefined;
        losses++;
      }
      dropAll();
      void c.end().catch(() => undefined);
      if (stopped) return;
      retry = setTimeout(connect, retryMs);
      retry.unref();
      retryMs = Math.min(retryMs * 2, o.maxRetryMs);
    };
    c.on('error', lose);
    c.on('end', lose);
    c.on('notification', (n) => {
      if (n.channel !== TOKEN_CHANNEL) return;
      if (n.payload?.startsWith(PROBE)) probes.get(n.payload)?.();
      else onNotice(n.payload);
    });
    connecting = (async () => {
      try {
        await c.connect();
        await c.query(`LISTEN ${TOKEN_CHANNEL}`);
        // Listening is not hearing: through a pooler in transaction mode no notice would ever come.
        if (!(await heard()) || stopped || lost) return lose();
        dropAll();
        listener = { client: c, lose };
        retryMs = o.retryMs;
      } catch {
        lose();
      }
    })().finally(() => (connecting = undefined));
  }

  /**
   * Whether a notice sent through the pool, as a change would be, comes back on the listening connection in time.
   * A connection cut without a word, a pooler that drops notices, or a database away: not heard, and given up.
   */
  async function heard(): Promise<boolean> {
    const payload = `${PROBE}${crypto.randomUUID()}`;
    let timer: NodeJS.Timeout | undefined;
    const back = new Promise<boolean>((resolve) => {
      probes.set(payload, () => resolve(true));
      timer = setTimeout(() => resolve(false), o.heartbeatTimeoutMs);
    });
    try {
      await db.query('SELECT pg_notify($1, $2)', [TOKEN_CHANNEL, payload]);
      return await back;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
      probes.delete(payload);
    }
  }

  function check(): void {
    const l = listener;
    if (l) void heard().then((ok) => ok || l.lose());
  }

  function start(): void {
    if (started || stopped) return;
    started = true;
    heartbeat = setInterval(check, o.heartbeatMs);
    heartbeat.unref();
    connect();
  }

  return {
    get(hash) {
      start();
      const e = listener ? entries.get(hash) : undefined;
      if (e && e.until > Date.now()) {
        hits++;
        return e.value;
      }
      if (e) entries.delete(hash);
      misses++;
      return undefined;
    },

    ticket() {
      start();
      return listener ? generation : undefined;
    },

    keep(ticket, hash, value, forMs) {
      if (ticket === undefined || ticket !== generation || !listener || forMs <= 0) return;
      entries.delete(hash);
      while (entries.size >= o.maxEntries) {
        const oldest = entries.keys().next().value;
        if (oldest === undefined) break;
        entries.delete(oldest);
      }
      entries.set(hash, { value, until: Date.now() + Math.min(forMs, o.maxAgeMs) });
    },

    forget(userId) {
      onNotice(userId);
    },

    state() {
      return { listening: listener !== undefined, losses, entries: entries.size, hits, misses, notices };
    },

    async stop() {
      stopped = true;
      clearTimeout(retry);
      clearInterval(heartbeat);
      await connecting;
      const c = listener?.client;
      listener = undefined;
      dropAll();
      await c?.end().catch(() => undefined);
    },
  };
}
