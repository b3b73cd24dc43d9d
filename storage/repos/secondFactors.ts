/**
 * Second factors of local accounts (TOTP secrets), and sign-ins half done (the password right, the code
 * still to come), in PostgreSQL.
 *
 * A secret is sealed before it is stored: AES-256-GCM under a key derived (HKDF-SHA-256) from the
 * checkpoint signing key, a file in the data directory that every serving process already holds and that
 * is never in the database, with the account's id as associated data (a sealed secret moved to another
 * account does not open). A database dump alone gives no secret away. Replacing the signing key leaves
 * the sealed secrets unopenable: each person's second factor is then reset and set up again.
 *
 * A sign-in half done is a row keyed by the hash of a random secret the browser holds in a cookie, alive
 * for a few minutes; the session starts only once it is completed.
 */
import crypto from 'node:crypto';
import type { Db } from '../db';
import { sha256hex } from './users';

const SEAL_VERSION = 's1';

/** The key that seals second-factor secrets, derived from the signing key (its PKCS#8 bytes). */
export function secondFactorKey(signingKey: crypto.KeyObject): Buffer {
  const ikm = signingKey.export({ type: 'pkcs8', format: 'der' });
  return Buffer.from(crypto.hkdfSync('sha256', ikm, 'diwan', 'second-factor secrets/1', 32));
}

function seal(key: Buffer, userId: string, secret: string): string {
  const iv = crypto.randomBytes(12);
  const c = crypto.createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(userId));
  const body = Buffer.concat([c.update(secret, 'utf8'), c.final()]);
  return `${SEAL_VERSION}:${Buffer.concat([iv, c.getAuthTag(), body]).toString('base64url')}`;
}

/**
 * A second-factor secret that does not open with this installation's key (the signing key was replaced, or the
 * row was altered or moved): the person cannot use it; an administrator resets it and they set one up again.
 */
export class SecondFactorUnreadable extends Error {
  override name = 'SecondFactorUnreadable';
}

/** The sealed secret; throws SecondFactorUnreadable when it does not open (another key, another account, altered). */
function unseal(key: Buffer, userId: string, sealed: string): string {
  const [version, data] = sealed.split(':');
  if (version !== SEAL_VERSION || !data) throw new SecondFactorUnreadable('a second-factor secret in an unknown form');
  const raw = Buffer.from(data, 'base64url');
  const d = crypto.createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  d.setAAD(Buffer.from(userId));
  d.setAuthTag(raw.subarray(12, 28));
  try {
    return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
  } catch {
    throw new SecondFactorUnreadable(
      'a second-factor secret does not open with the signing key: was the key replaced? Reset the second factor (diwan users reset-totp NAME)',
    );
  }
}

export interface SecondFactorState {
  /** When it was confirmed (ISO), or null while it is being set up or absent. */
  confirmedAt: string | null;
}

export interface SecondFactorsRepo {
  /** The account's confirmed second factor, if it has one. */
  state(userId: string): Promise<SecondFactorState | undefined>;
  /**
   * A secret to set up: the one already proposed when `reuse` and there is one, or a new one made with
   * `make` (replacing an earlier proposal). Undefined when the account already has a confirmed factor.
   */
  propose(userId: string, make: () => string, reuse: boolean): Promise<string | undefined>;
  /** The secret proposed and not yet confirmed, if any (none when it no longer opens). */
  proposal(userId: string): Promise<string | undefined>;
  /** Confirms the proposal, with `step` as the last code used; false when there was none to confirm. */
  confirm(userId: string, step: number): Promise<boolean>;
  /** The confirmed secret and the step of the last code accepted; throws SecondFactorUnreadable when it does not open. */
  confirmed(userId: string): Promise<{ secret: string; lastStep: number | null } | undefined>;
  /** Records `step` as used when it is later than the last one used: false for a code used before. */
  useStep(userId: string, step: number): Promise<boolean>;
  /** Removes the account's second factor (confirmed or proposed) and its sign-ins half done; whether it had one. */
  reset(userId: string): Promise<boolean>;

  /** A sign-in half done for `userId`, going to `next` afterwards, for `ttlMs`; the secret for the cookie. */
  startPending(userId: string, next: string, ttlMs: number): Promise<string>;
  /** The sign-in half done this cookie secret names, while it lasts. */
  pending(secret: string): Promise<{ userId: string; next: string } | undefined>;
  endPending(secret: string): Promise<void>;
}

export function createSecondFactorsRepo(db: Db, key: Buffer): SecondFactorsRepo {
  return {
    async state(userId) {
      const r = await db.query<{ confirmed_at: Date }>(
        'SELECT confirmed_at FROM second_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL',
        [userId],
      );
      return r.rows[0] && { confirmedAt: r.rows[0].confirmed_at.toISOString() };
    },

    async propose(userId, make, reuse) {
      if (reuse) {
        const kept = await this.proposal(userId);
        if (kept) return kept;
      }
      const secret = make();
      const r = await db.query(
        `INSERT INTO second_factors (user_id, secret_sealed) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET secret_sealed = EXCLUDED.secret_sealed, created_at = now(), last_step = NULL
           WHERE second_factors.confirmed_at IS NULL`,
        [userId, seal(key, userId, secret)],
      );
      return (r.rowCount ?? 0) > 0 ? secret : undefined;
    },

    async proposal(userId) {
      const r = await db.query<{ secret_sealed: string }>(
        'SELECT secret_sealed FROM second_factors WHERE user_id = $1 AND confirmed_at IS NULL',
        [userId],
      );
      if (!r.rows[0]) return undefined;
      // A proposal is not yet anyone's second factor: one that no longer opens is replaced by a new one.
      try {
        return unseal(key, userId, r.rows[0].secret_sealed);
      } catch (e) {
        if (e instanceof SecondFactorUnreadable) return undefined;
        throw e;
      }
    },

    async confirm(userId, step) {
      const r = await db.query(
        'UPDATE second_factors SET confirmed_at = now(), last_step = $2 WHERE user_id = $1 AND confirmed_at IS NULL',
        [userId, step],
      );
      return (r.rowCount ?? 0) > 0;
    },

    async confirmed(userId) {
      const r = await db.query<{ secret_sealed: string; last_step: string | null }>(
        'SELECT secret_sealed, last_step FROM second_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL',
        [userId],
      );
      const row = r.rows[0];
      return (
        row && { secret: unseal(key, userId, row.secret_sealed), lastStep: row.last_step === null ? null : Number(row.last_step) }
      );
    },

    async useStep(userId, step) {
      // One statement: of two requests with the same code at the same moment, one wins.
      const r = await db.query(
        `UPDATE second_factors SET last_step = $2
          WHERE user_id = $1 AND confirmed_at IS NOT NULL AND (last_step IS NULL OR last_step < $2)`,
        [userId, step],
      );
      return (r.rowCount ?? 0) > 0;
    },

    async reset(userId) {
      await db.query('DELETE FROM pending_sign_ins WHERE user_id = $1', [userId]);
      const r = await db.query<{ confirmed: boolean }>(
        'DELETE FROM second_factors WHERE user_id = $1 RETURNING confirmed_at IS NOT NULL AS confirmed',
        [userId],
      );
      return r.rows[0]?.confirmed ?? false;
    },

    async startPending(userId, next, ttlMs) {
      const secret = crypto.randomBytes(32).toString('base64url');
      await db.query('DELETE FROM pending_sign_ins WHERE expires_at < now()');
      await db.query(
        `INSERT INTO pending_sign_ins (id_hash, user_id, next, expires_at) VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond')`,
        [sha256hex(secret), userId, next, ttlMs],
      );
      return secret;
    },

    async pending(secret) {
      const r = await db.query<{ user_id: string; next: string }>(
        `SELECT p.user_id, p.next FROM pending_sign_ins p JOIN users u ON u.id = p.user_id
          WHERE p.id_hash = $1 AND p.expires_at > now() AND u.disabled_at IS NULL`,
        [sha256hex(secret)],
      );
      return r.rows[0] && { userId: r.rows[0].user_id, next: r.rows[0].next };
    },

    async endPending(secret) {
      await db.query('DELETE FROM pending_sign_ins WHERE id_hash = $1', [sha256hex(secret)]);
    },
  };
}

/** The usernames whose second factor (set up or being set up) does not open with `key` (for `diwan doctor`). */
export async function unreadableSecondFactors(db: Db, key: Buffer): Promise<string[]> {
  const r = await db.query<{ user_id: string; username: string; secret_sealed: string }>(
    'SELECT f.user_id, u.username, f.secret_sealed FROM second_factors f JOIN users u ON u.id = f.user_id ORDER BY u.username',
  );
  return r.rows
    .filter((row) => {
      try {
        unseal(key, row.user_id, row.secret_sealed);
        return false;
      } catch {
        return true;
      }
    })
    .map((row) => row.username);
}
