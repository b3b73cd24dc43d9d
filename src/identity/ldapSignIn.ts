/**
 * Signing in with the ministry's LDAP / Active Directory, for a name that is
 * not a local account's. Local accounts come first (the break-glass way in
 * when the directory is away) and the directory never takes one over: a wrong
 * password for a local account is not tried against the directory. The
 * directory checks the password and names the person's groups; the groups
 * give the role, clearance and departments (DIWAN_DIRECTORY_GROUPS); the
 * account here is made or brought up to date. A person the directory no longer
 * knows, or who is in no mapped group, loses at once what an account here had
 * (storage/repos/directoryUsers.ts: withdrawDirectoryGrant).
 */
import type { Db } from '../../storage/db';
import { DirectoryNameTaken, upsertDirectoryUser, withdrawDirectoryGrant } from '../../storage/repos/directoryUsers';
import type { User, UsersRepo } from '../../storage/repos/users';
import type { IdentityConfig, LdapSettings } from '../configIdentity';
import { createLdapDirectory, DirectoryUnavailable, type LdapDirectory } from './ldap';
import { grantFor } from './mapping';

export interface LdapSignInDeps {
  db: Db;
  users: UsersRepo;
  identity: IdentityConfig;
}

/** One directory client per settings (the CA certificate is read once). */
const directories = new WeakMap<LdapSettings, LdapDirectory>();
function directoryOf(settings: LdapSettings): LdapDirectory {
  let d = directories.get(settings);
  if (!d) directories.set(settings, (d = createLdapDirectory(settings)));
  return d;
}

/** Signed in; refused, with the reason for the access log; or the directory could not be asked. */
export type LdapSignIn = { user: User } | { refused: string } | { unavailable: string };

/** For the access log: the accounts whose grant was withdrawn (sessions ended, tokens revoked). */
const withdrawn = (names: string[]) => (names.length ? `; access withdrawn from ${names.join(', ')}` : '');

/** What a username here may be (the users table's CHECK). */
const USERNAME = /^[A-Za-z0-9._@-]{2,64}$/;

export async function signInWithLdap(deps: LdapSignInDeps, username: string, password: string): Promise<LdapSignIn> {
  if (!deps.identity.ldap) return { refused: 'no such account (no directory configured)' };
  const local = await deps.users.byUsername(username);
  if (local?.source === 'local') return { refused: 'local account: wrong password (the directory is not asked)' };
  let checked;
  try {
    checked = await directoryOf(deps.identity.ldap).check(username, password);
  } catch (e) {
    if (e instanceof DirectoryUnavailable) return { unavailable: e.message };
    throw e;
  }
  if (!checked.ok) {
    // No longer in the directory at all: an account of that name here loses what the directory gave it.
    const gone = checked.reason === 'no such person' ? await withdrawDirectoryGrant(deps.db, { source: 'ldap', username }) : [];
    return { refused: `directory: ${checked.reason}${withdrawn(gone)}` };
  }
  const person = checked.person;
  if (!USERNAME.test(person.username)) return { refused: `directory: the name ${person.username} cannot be a username here` };
  const grant = grantFor(deps.identity.groups, person.groups, deps.identity.ldap.groupBaseDn);
  if (!grant) {
    const seen = person.groups.length ? person.groups.slice(0, 5).join('; ') : 'none';
    const gone = await withdrawDirectoryGrant(deps.db, { source: 'ldap', externalIds: [person.externalId, person.dn] });
    return { refused: `directory: in no group of DIWAN_DIRECTORY_GROUPS (groups: ${seen})${withdrawn(gone)}` };
  }
  try {
    const user = await upsertDirectoryUser(
      deps.db,
      {
        source: 'ldap',
        externalId: person.externalId,
        formerIds: person.externalId === person.dn ? [] : [person.dn],
        username: person.username,
        displayName: person.displayName,
        groups: person.groups,
      },
      grant,
    );
    return user ? { user } : { refused: 'directory: the account is disabled here' };
  } catch (e) {
    if (e instanceof DirectoryNameTaken) return { refused: `directory: the name ${person.username} is another account's here` };
    throw e;
  }
}
