/**
 * From a directory's groups to what a person may do here: the rules of
 * DIWAN_DIRECTORY_GROUPS, read in order; the first rule whose group the
 * person is in decides the role, clearance and departments. A group matches
 * by its full name (an LDAP DN, compared without regard to case or spaces
 * after commas) or, for an LDAP DN, by its first value (cn=diwan-admins,…
 * matches the rule "diwan-admins"). For LDAP a short name counts only for a
 * group under the group base (DIWAN_LDAP_GROUP_BASE_DN): a group of the same
 * name elsewhere in the directory (another branch, a memberOf value from
 * anywhere) gives nothing unless a rule names its full DN.
 */
import type { GroupRule } from '../configIdentity';
import type { DirectoryGrant } from '../../storage/repos/directoryUsers';

const normalDn = (s: string) =>
  s
    .trim()
    .toLowerCase()
    .replace(/\s*,\s*/g, ',')
    .replace(/\s*=\s*/g, '=');

/** Whether the (normalised) DN is `base` or below it. */
const under = (dn: string, base: string) => dn === base || dn.endsWith(`,${base}`);

/** The names a group is known by: its whole name, and for a DN (under `base`, when given) its first value. */
function namesOf(group: string, base: string | undefined): string[] {
  const whole = normalDn(group);
  const first = /^[a-z]+=([^,]+)(,|$)/i.exec(whole)?.[1];
  const short = first && first !== whole && (base === undefined || under(whole, base));
  return short ? [whole, first] : [whole];
}

/**
 * What the groups give, or undefined when no rule matches (the person may not sign in). With `shortNamesUnder`
 * (the LDAP group base), a rule's short name matches only groups below it; full names match wherever they are.
 */
export function grantFor(
  rules: readonly GroupRule[],
  groups: readonly string[],
  shortNamesUnder?: string,
): DirectoryGrant | undefined {
  const base = shortNamesUnder === undefined ? undefined : normalDn(shortNamesUnder);
  const held = new Set(groups.flatMap((g) => namesOf(g, base)));
  const rule = rules.find((r) => held.has(normalDn(r.group)));
  return rule && { role: rule.role, clearance: rule.clearance, departments: rule.departments };
}
