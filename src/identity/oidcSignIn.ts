/**
 * From the person the OpenID Connect provider vouched for to an account here:
 * their groups give the role, clearance and departments (DIWAN_DIRECTORY_GROUPS,
 * src/identity/mapping.ts); the account, keyed by the provider's subject, is
 * made at the first sign-in and brought up to date (name, groups, role) at
 * every one after; its username stays the one it was made with. Nobody in no
 * mapped group (an account of theirs loses its sessions, tokens and role), no
 * disabled account, and no username that is a local account's (or another
 * person's) gets in.
 */
import { DomainError } from '../../kernel/errors';
import type { Db } from '../../storage/db';
import { DirectoryNameTaken, upsertDirectoryUser, withdrawDirectoryGrant } from '../../storage/repos/directoryUsers';
import type { User } from '../../storage/repos/users';
import type { GroupRule } from '../configIdentity';
import { grantFor } from './mapping';
import type { OidcPerson } from './oidc';

/** Signed in; or refused: what the person is told, and the reason for the access log. */
export type OidcSignIn = { user: User } | { refused: DomainError; reason: string };

export async function signInWithOidc(db: Db, groups: readonly GroupRule[], person: OidcPerson): Promise<OidcSignIn> {
  const grant = grantFor(groups, person.groups);
  if (!grant) {
    const seen = person.groups.length ? person.groups.slice(0, 5).join('; ') : 'none';
    // Taken out of every mapped group: the account here loses its sessions, tokens and role at once.
    const gone = await withdrawDirectoryGrant(db, { source: 'oidc', externalIds: [person.subject] });
    const note = gone.length ? `; access withdrawn from ${gone.join(', ')}` : '';
    return {
      refused: new DomainError('sso_no_group'),
      reason: `sso: in no group of DIWAN_DIRECTORY_GROUPS (groups: ${seen})${note}`,
    };
  }
  try {
    const user = await upsertDirectoryUser(
      db,
      {
        source: 'oidc',
        externalId: person.subject,
        username: person.username,
        displayName: person.displayName,
        groups: person.groups,
      },
      grant,
      // The account keeps the username it was made with: a preferred_username may later be another person's.
      { keepUsername: true },
    );
    if (user) return { user };
    return {
      refused: new DomainError('forbidden', { ar: '(الحساب موقوف هنا)', en: '(the account is disabled here)' }),
      reason: 'sso: the account is disabled here',
    };
  } catch (e) {
    if (!(e instanceof DirectoryNameTaken)) throw e;
    return { refused: new DomainError('sso_name_taken'), reason: `sso: the name ${person.username} is another account's here` };
  }
}
