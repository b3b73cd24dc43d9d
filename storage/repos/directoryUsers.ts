/**
 * Accounts of the ministry's directory (LDAP / Active Directory, OpenID
 * Connect): made at a person's first sign-in, and brought up to date with the
 * directory (name, groups, and the role, clearance and departments the groups
 * give) at every sign-in after. They hold no password here.
 *
 * When the directory no longer vouches for a person (in no mapped group, or for
 * LDAP no longer in the directory at all), their grant is withdrawn at once:
 * their sessions end, their API tokens are revoked, and the account is left as
 * a clerk with the lowest clearance, no department and no groups (a record of
 * who they were; they sign in again only once the directory grants them again).
 */
import type { Db } from '../db';
import type { Role, User, UserSource } from './users';

/** Who the directory says signed in. */
export interface DirectoryIdentity {
  source: Exclude<UserSource, 'local'>;
  /** The entry's entryUUID / objectGUID, else its DN (LDAP), or the provider's subject (OpenID Connect): stable while the person is. */
  externalId: string;
  /** Identifiers the same person's account may still be keyed by (an LDAP entry's DN, from before entryUUID was used). */
  formerIds?: string[];
  username: string;
  displayName: string;
  groups: string[];
}

/** What the person's groups give (src/identity/mapping.ts). */
export interface DirectoryGrant {
  role: Role;
  clearance: string;
  departments: string[] | null;
}

/** The username is a local account's (or another directory entry's): the directory may not take it over. */
export class DirectoryNameTaken extends Error {}

/**
 * The account of this directory identity, made or updated with `grant`. A disabled account stays disabled
 * (undefined is returned: no sign-in); a username held by a local account, or by another entry, is refused.
 * With `keepUsername`, an existing account keeps its username (a provider's display name may later be another
 * person's); otherwise it follows the directory's.
 */
export async function upsertDirectoryUser(
  db: Db,
  who: DirectoryIdentity,
  grant: DirectoryGrant,
  opts: { keepUsername?: boolean } = {},
): Promise<User | undefined> {
  if (who.formerIds?.length) {
    // An account keyed by an older identifier of the same entry takes the lasting one (once, and never onto another's).
    await db.query(
      `UPDATE users SET external_id = $2 WHERE source = $1 AND external_id = ANY($3::text[])
          AND NOT EXISTS (SELECT 1 FROM users WHERE source = $1 AND external_id = $2)`,
      [who.source, who.externalId, who.formerIds],
    );
  }
  const res = await db
    .query<{ id: string; username: string; disabled: boolean; created_at: Date }>(
      `INSERT INTO users (username, display_name, role, clearance, departments, password_hash, source, external_id,
                        directory_groups, directory_seen_at)
     VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $8, now())
     ON CONFLICT (source, external_id) WHERE external_id IS NOT NULL DO UPDATE
       SET username = CASE WHEN $9 THEN users.username ELSE EXCLUDED.username END,
           display_name = EXCLUDED.display_name, role = EXCLUDED.role,
           clearance = EXCLUDED.clearance, departments = EXCLUDED.departments,
           directory_groups = EXCLUDED.directory_groups, directory_seen_at = now()
     RETURNING id, username, disabled_at IS NOT NULL AS disabled, created_at`,
      [
        who.username,
        who.displayName,
        grant.role,
        grant.clearance,
        grant.departments,
        who.source,
        who.externalId,
        who.groups,
        opts.keepUsername ?? false,
      ],
    )
    .catch((e: unknown) => {
      if ((e as { code?: string; constraint?: string }).code === '23505') throw new DirectoryNameTaken(who.username);
      throw e;
    });
  const row = res.rows[0]!;
  if (row.disabled) return undefined;
  return {
    id: row.id,
    username: row.username,
    displayName: who.displayName,
    role: grant.role,
    clearance: grant.clearance,
    departments: grant.departments,
    disabled: false,
    createdAt: row.created_at.toISOString(),
    source: who.source,
  };
}

/** Which directory account: by its identifiers, or (LDAP "no such person") by the name typed, in any case. */
export type DirectoryAccount =
  { source: DirectoryIdentity['source']; externalIds: string[] } | { source: DirectoryIdentity['source']; username: string };

/**
 * The directory no longer grants this account anything: its sessions end, its API tokens are revoked, and it is
 * left as a clerk of public clearance with no department and no groups. The usernames withdrawn (none: no such account).
 */
export async function withdrawDirectoryGrant(db: Db, account: DirectoryAccount): Promise<string[]> {
  const [where, key] =
    'externalIds' in account
      ? ['external_id = ANY($2::text[])', account.externalIds]
      : ['lower(username) = lower($2)', account.username];
  const r = await db.query<{ id: string; username: string }>(
    `UPDATE users SET role = 'clerk', clearance = 'public', departments = '{}', directory_groups = '{}'
      WHERE source = $1 AND ${where} RETURNING id, username`,
    [account.source, key],
  );
  const ids = r.rows.map((u) => u.id);
  if (ids.length) {
    await db.query('UPDATE sessions SET ended_at = now() WHERE user_id = ANY($1::uuid[]) AND ended_at IS NULL', [ids]);
    await db.query('UPDATE api_tokens SET revoked_at = now() WHERE user_id = ANY($1::uuid[]) AND revoked_at IS NULL', [ids]);
  }
  return r.rows.map((u) => u.username);
}
