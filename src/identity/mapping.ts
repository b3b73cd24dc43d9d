/**
 * From a directory's groups to what a person may do here: the rules of
 * DIWAN_DIRECTORY_GROUPS, read in order; the first rule whose group the
 * person is in decides the role, clearance and departments. A group matches
 * by its full name (an LDAP DN, compared without regard to case or spaces
 * after commas) or, for an LDAP DN, by its first value (cn=diwan-admins,…
 * matches the rule "diwan-admins").
 */
import type { GroupRule } from '../configIdentity';
import type { DirectoryGrant } from '../../storage/repos/directoryUsers';

const normalDn = (s: string) =>
  s
    .trim()
    .toLowerCase()
    .replace(/\s*,\s*/g, ',')
    .replace(/\s*=\s*/g, '=');

/** The names a group is known by: its whole name, and for a DN its first value. */
function namesOf(group: string): string[] {
  const whole = normalDn(group);
  const first = /^[a-z]+=([^,]+)(,|$)/i.exec(whole)?.[1];
  return first && first !== whole ? [whole, first] : [whole];
}

/** What the groups give, or undefined when no rule matches (the person may not sign in). */
export function grantFor(rules: readonly GroupRule[], groups: readonly string[]): DirectoryGrant | undefined {
  const held = new Set(groups.flatMap(namesOf));
  const rule = rules.find((r) => held.has(normalDn(r.group)));
  return rule && { role: rule.role, clearance: rule.clearance, departments: rule.departments };
}
