/**
 * People, their sign-in sessions and their API tokens, in PostgreSQL. Secrets
 * are never stored: passwords as scrypt hashes (memory-hard, from node:crypto),
 * session and token secrets as SHA-256 hashes.
 */
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import { inTransaction, type Db } from '../db';
import { appendLedger } from '../integrity/ledger';
import { createTokenCache, type TokenCache, type TokenCacheState } from './tokenCache';

export const ROLES = ['clerk', 'official', 'auditor', 'archivist', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface User {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  clearance: string;
  /** Departments whose documents this person may see and file: null for every department, [] for none. */
  departments: string[] | null;
  disabled: boolean;
  createdAt: string;
  /** A local account (a password kept here) or one of the ministry's directory (LDAP, OpenID Connect). */
  source: UserSource;
}

export type UserSource = 'local' | 'ldap' | 'oidc';

export interface ApiToken {
  id: string;
  userId: string;
  username: string;
  name: string;
  role: Role;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const scrypt = promisify(crypto.scrypt) as (pw: string, salt: Buffer, len: number, opts: crypto.ScryptOptions) => Promise<Buffer>;
/** N=2^15, r=8: 32 MiB and some tens of milliseconds per attempt. */
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const key = await scrypt(password, salt, 32, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function checkPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, key] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const got = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: SCRYPT.maxmem,
  });
  return crypto.timingSafeEqual(got, expected);
}

/** A password to give once (20 characters, no look-alikes). */
export function generatePassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return Array.from(crypto.randomBytes(20), (b) => alphabet[b % alphabet.length]).join('');
}

export const sha256hex = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

interface UserRow {
  id: string;
  username: string;
  display_name: string;
  role: Role;
  clearance: string;
  departments: string[] | null;
  password_hash: string | null;
  disabled_at: Date | null;
  created_at: Date;
  source: UserSource;
}

const toUser = (r: UserRow): User => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  role: r.role,
  clearance: r.clearance,
  departments: r.departments,
  disabled: r.disabled_at !== null,
  createdAt: r.created_at.toISOString(),
  source: r.source,
});

export class UsernameTaken extends Error {}

/** The ledger gets the first read of each kind, by each person, of each document, in each window of this length. */
export const READ_LEDGER_WINDOW_MS = 3600_000;

/** One read of a document's content: its text, a page image, the viewer's page, a file. */
export interface DocumentRead {
  documentId: string;
  /** 'viewed' (text, page images, the viewer's page) or 'downloaded' (a stored file). */
  event: 'viewed' | 'downloaded';
  /** What was read: 'text', 'page-image', 'thumbnail', 'viewer', or the key of the file downloaded. */
  what: string;
  /** Who, as the ledger names them. */
  by: string;
  userId: string | null;
  ip: string | null;
  /** The ledger entry's payload, when this read is the first of its kind in the window. */
  payload: Record<string, unknown>;
}

/** A live token's person, with the token's own role and name: what `byToken` answers and its cache keeps. */
export type TokenUser = User & { tokenRole: Role; tokenName: string };

/** A token's last use is written when the one recorded is older than this. */
const LAST_USE_MS = 60_000;

/**
 * `tokens`: the cache of verified tokens (storage/repos/tokenCache.ts); by default one listening on its own
 * connection to `db`, opened at the first token checked (a process that checks none never opens it).
 */
export function createUsersRepo(db: Db, tokens: TokenCache<TokenUser> = createTokenCache<TokenUser>(db)) {
  return {
    async count(): Promise<number> {
      return (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM users')).rows[0]!.n;
    },

    async add(u: {
      username: string;
      displayName: string;
      role: Role;
      clearance: string;
      departments: string[] | null;
      password: string;
    }): Promise<User> {
      try {
        const res = await db.query<UserRow>(
          `INSERT INTO users (username, display_name, role, clearance, departments, password_hash)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
          [u.username, u.displayName, u.role, u.clearance, u.departments, await hashPassword(u.password)],
        );
        return toUser(res.rows[0]!);
      } catch (e) {
        if ((e as { code?: string }).code === '23505') throw new UsernameTaken(u.username);
        throw e;
      }
    },

    async list(): Promise<User[]> {
      return (await db.query<UserRow>('SELECT * FROM users ORDER BY created_at')).rows.map(toUser);
    },

    async get(id: string): Promise<User | undefined> {
      const r = (await db.query<UserRow>('SELECT * FROM users WHERE id = $1', [id])).rows[0];
      return r && toUser(r);
    },

    async byUsername(username: string): Promise<User | undefined> {
      const r = (await db.query<UserRow>('SELECT * FROM users WHERE username = $1', [username])).rows[0];
      return r && toUser(r);
    },

    /** The user when the password is theirs and they are not disabled; a hash is computed either way. */
    async authenticate(username: string, password: string): Promise<User | undefined> {
      // Only a local account has a password here; a directory account's is the directory's to check.
      const r = (await db.query<UserRow>(`SELECT * FROM users WHERE username = $1 AND source = 'local'`, [username])).rows[0];
      const ok = await checkPassword(password, r?.password_hash ?? DUMMY_HASH);
      return r && ok && !r.disabled_at ? toUser(r) : undefined;
    },

    async setDisabled(username: string, disabled: boolean): Promise<User | undefined> {
      const r = (
        await db.query<UserRow>(
          `UPDATE users SET disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, now()) ELSE NULL END WHERE username = $1 RETURNING *`,
          [username, disabled],
        )
      ).rows[0];
      if (r && disabled) {
        await db.query('UPDATE sessions SET ended_at = now() WHERE user_id = $1 AND ended_at IS NULL', [r.id]);
        await db.query('UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [r.id]);
      }
      // Other processes hear of it from the database's notice; this one need not wait for its own.
      if (r) tokens.forget(r.id);
      return r && toUser(r);
    },

    // Sessions: the cookie holds a random secret; the table its hash.
    async startSession(userId: string, absoluteMs: number): Promise<string> {
      const secret = crypto.randomBytes(32).toString('base64url');
      await db.query(
        `INSERT INTO sessions (id_hash, user_id, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond')`,
        [sha256hex(secret), userId, absoluteMs],
      );
      return secret;
    },

    /**
     * The session's user, when the session is live (not ended, not past its absolute end, not idle too long);
     * touches it when it was last touched more than 30 seconds ago (not a commit on every request).
     */
    async session(secret: string, idleMs: number): Promise<User | undefined> {
      const res = await db.query<UserRow>(
        `WITH live AS (
           SELECT u.*, s.id_hash AS session_hash FROM sessions s JOIN users u ON u.id = s.user_id
            WHERE s.id_hash = $1 AND s.ended_at IS NULL AND s.expires_at > now()
              AND s.last_seen_at > now() - $2 * interval '1 millisecond' AND u.disabled_at IS NULL),
         touched AS (
           UPDATE sessions SET last_seen_at = now()
            WHERE id_hash = (SELECT session_hash FROM live) AND last_seen_at < now() - interval '30 seconds')
         SELECT * FROM live`,
        [sha256hex(secret), idleMs],
      );
      return res.rows[0] && toUser(res.rows[0]);
    },

    async endSession(secret: string): Promise<void> {
      await db.query('UPDATE sessions SET ended_at = now() WHERE id_hash = $1', [sha256hex(secret)]);
    },

    async createToken(userId: string, name: string, role: Role): Promise<{ token: string; record: ApiToken }> {
      const token = `dwt_${crypto.randomBytes(30).toString('base64url')}`;
      const res = await db.query<{ id: string }>(
        'INSERT INTO api_tokens (user_id, name, token_hash, role) VALUES ($1, $2, $3, $4) RETURNING id',
        [userId, name, sha256hex(token), role],
      );
      const record = (await this.tokens()).find((t) => t.id === res.rows[0]!.id)!;
      return { token, record };
    },

    async tokens(): Promise<ApiToken[]> {
      const res = await db.query<{
        id: string;
        user_id: string;
        username: string;
        name: string;
        role: Role;
        created_at: Date;
        last_used_at: Date | null;
        revoked_at: Date | null;
      }>(
        `SELECT t.id, t.user_id, u.username, t.name, t.role, t.created_at, t.last_used_at, t.revoked_at
         FROM api_tokens t JOIN users u ON u.id = t.user_id ORDER BY t.created_at`,
      );
      return res.rows.map((r) => ({
        id: r.id,
        userId: r.user_id,
        username: r.username,
        name: r.name,
        role: r.role,
        createdAt: r.created_at.toISOString(),
        lastUsedAt: r.last_used_at?.toISOString() ?? null,
        revokedAt: r.revoked_at?.toISOString() ?? null,
      }));
    },

    async revokeToken(id: string): Promise<boolean> {
      const res = await db.query<{ user_id: string }>(
        'UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING user_id',
        [id],
      );
      const row = res.rows[0];
      if (row) tokens.forget(row.user_id);
      return row !== undefined;
    },

    /**
     * The token's user, with the token's role, when the token is live; records its use, to the minute (a
     * write on every request would cost each search a commit). A token verified lately is answered from the
     * cache without a query, until its recorded use is a minute old (then the query writes it again).
     */
    async byToken(token: string): Promise<TokenUser | undefined> {
      const hash = sha256hex(token);
      const kept = tokens.get(hash);
      if (kept) return kept;
      const ticket = tokens.ticket();
      const res = await db.query<UserRow & { token_role: Role; token_name: string; used_ms: number }>(
        `WITH live AS (
           SELECT u.*, t.id AS token_id, t.role AS token_role, t.name AS token_name,
                  CASE WHEN t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute' THEN 0
                       ELSE extract(epoch FROM now() - t.last_used_at)::float8 * 1000 END AS used_ms
             FROM api_tokens t JOIN users u ON u.id = t.user_id
            WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled_at IS NULL),
         used AS (
           UPDATE api_tokens SET last_used_at = now()
            WHERE id = (SELECT token_id FROM live) AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute'))
         SELECT * FROM live`,
        [hash],
      );
      const r = res.rows[0];
      if (!r) return undefined;
      const found = { ...toUser(r), tokenRole: r.token_role, tokenName: r.token_name };
      // Kept until the recorded use is a minute old (a second more, so that the next query does write it).
      tokens.keep(ticket, hash, found, LAST_USE_MS + 1000 - r.used_ms);
      return found;
    },

    /** Whether this process's token cache is in use (its listening connection up), how often it was lost, its size. */
    tokenCacheState(): TokenCacheState {
      return tokens.state();
    },

    /** Closes the token cache's listening connection (at shutdown). */
    async close(): Promise<void> {
      await tokens.stop();
    },

    /** Whether the person may still act (exists and is not disabled). */
    async isActive(userId: string): Promise<boolean> {
      const r = await db.query<{ active: boolean }>('SELECT disabled_at IS NULL AS active FROM users WHERE id = $1', [userId]);
      return r.rows[0]?.active ?? false;
    },

    /**
     * Records a read of a document's content: every read as a row of
     * `document_reads` (who, when, what, from where), outside the ledger's
     * chain, so a read never waits for the ledger's lock. The first read of
     * its kind by this person of this document in the window is also a ledger
     * entry; whether this one was is returned.
     */
    async recordRead(read: DocumentRead, userKey: string, windowMs = READ_LEDGER_WINDOW_MS): Promise<{ ledgered: boolean }> {
      const what = read.event === 'downloaded' ? read.what : '';
      const slot = [read.event, read.documentId, userKey, what, Math.floor(Date.now() / windowMs)].join('|');
      const insert = `INSERT INTO document_reads (document_id, event, what, reader, user_id, ip, ledger_slot)
                      VALUES ($1, $2, $3, $4, $5, $6, $7)`;
      const values = (s: string | null) => [read.documentId, read.event, read.what, read.by, read.userId, read.ip, s];
      return inTransaction(db, async (tx) => {
        const first = await tx.query(
          `${insert} ON CONFLICT (ledger_slot) WHERE ledger_slot IS NOT NULL DO NOTHING`,
          values(slot),
        );
        if ((first.rowCount ?? 0) === 0) {
          await tx.query(insert, values(null));
          return { ledgered: false };
        }
        await appendLedger(tx, read.event, read.documentId, read.payload);
        return { ledgered: true };
      });
    },

    async logAccess(e: {
      kind: 'login-failed' | 'denied' | 'unauthenticated';
      username?: string | null;
      ip?: string | null;
      method?: string;
      path?: string;
      reason?: string;
    }): Promise<void> {
      await db.query('INSERT INTO access_log (kind, username, ip, method, path, reason) VALUES ($1, $2, $3, $4, $5, $6)', [
        e.kind,
        e.username ?? null,
        e.ip ?? null,
        e.method ?? null,
        e.path?.slice(0, 500) ?? null,
        e.reason?.slice(0, 500) ?? null,
      ]);
    },
  };
}

export type UsersRepo = ReturnType<typeof createUsersRepo>;

/** Checked against when the username does not exist, so both answers take as long. */
const DUMMY_HASH = `scrypt$${1 << 15}$8$1$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(32).toString('base64')}`;
