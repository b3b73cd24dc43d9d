/**
 * Accounts of the ministry's directory (LDAP / Active Directory, OpenID
 * Connect): made at a person's first sign-in, and brought up to date with the
 * directory (name, groups, and the role, clearance and departments the groups
 * give) at every sign-in after. They hold no password here.
 */
import type { Db } from '../db';
import type { Role, User, UserSource } from './users';

/** Who the directory says signed in. */
export interface DirectoryIdentity {
  source: Exclude<UserSource, 'local'>;
  /** The entry's DN (LDAP) or the provider's subject (OpenID Connect): stable while the person is. */
  externalId: string;
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
 */
export async function upsertDirectoryUser(db: Db, who: DirectoryIdentity, grant: DirectoryGrant): Promise<User | undefined> {
  const res = await db
    .query<{ id: string; disabled: boolean; mine: boolean }>(
      `INSERT INTO users (username, display_name, role, clearance, departments, password_hash, source, external_id,
                        directory_groups, directory_seen_at)
     VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $8, now())
     ON CONFLICT (source, external_id) WHERE external_id IS NOT NULL DO UPDATE
       SET username = EXCLUDED.username, display_name = EXCLUDED.display_name, role = EXCLUDED.role,
           clearance = EXCLUDED.clearance, departments = EXCLUDED.departments,
           directory_groups = EXCLUDED.directory_groups, directory_seen_at = now()
     RETURNING id, disabled_at IS NOT NULL AS disabled, true AS mine`,
      [who.username, who.displayName, grant.role, grant.clearance, grant.departments, who.source, who.externalId, who.groups],
    )
    .catch((e: unknown) => {
      if ((e as { code?: string; constraint?: string }).code === '23505') throw new DirectoryNameTaken(who.username);
      throw e;
    });
  const row = res.rows[0]!;
  if (row.disabled) return undefined;
  const u = await db.query<{ created_at: Date }>('SELECT created_at FROM users WHERE id = $1', [row.id]);
  return {
    id: row.id,
    username: who.username,
    displayName: who.displayName,
    role: grant.role,
    clearance: grant.clearance,
    departments: grant.departments,
    disabled: false,
    createdAt: u.rows[0]!.created_at.toISOString(),
    source: who.source,
  };
}
