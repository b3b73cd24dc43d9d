/**
 * Settings of sign-in through the ministry's directory (LDAP / Active
 * Directory, or an OpenID Connect provider) and of the local accounts' second
 * factor. Part of the one settings schema (src/config.ts), kept here so that
 * file stays readable; nothing else reads them from the environment.
 */
import { z } from 'zod';
import { ROLES, type Role } from '../storage/repos/users';

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** One line of the group → role mapping: a member of `group` signs in with this role, clearance and departments. */
const groupRule = z.object({
  group: z.string().min(1),
  role: z.enum(ROLES),
  clearance: z.enum(['public', 'internal', 'confidential', 'secret']).default('public'),
  /** Departments whose documents they may see and file; absent or null: every department. */
  departments: z.array(z.string().min(1)).nullable().default(null),
});
export type GroupRule = z.infer<typeof groupRule>;

const groupMap = z
  .string()
  .optional()
  .transform((v, ctx): GroupRule[] => {
    if (v === undefined || v.trim() === '') return [];
    let raw: unknown;
    try {
      raw = JSON.parse(v);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'a JSON array: [{"group":"cn=diwan-admins,…","role":"admin"}]' });
      return z.NEVER;
    }
    const r = z.array(groupRule).safeParse(raw);
    if (!r.success) {
      ctx.addIssue({ code: 'custom', message: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
      return z.NEVER;
    }
    return r.data;
  });

export const identityEnvSchema = z.object({
  /**
   * Which directory group (an LDAP group's DN or cn, an OpenID claim's value) gives which role, clearance and
   * departments, as a JSON array read in order: the first rule that matches one of the person's groups decides.
   * A directory account that matches no rule is refused.
   */
  DIWAN_DIRECTORY_GROUPS: groupMap,
  /** The LDAP / Active Directory server (ldap://host:389 or ldaps://host:636); unset: no directory sign-in. */
  DIWAN_LDAP_URL: optionalString,
  /** The service account that looks people up (a DN or, for Active Directory, user@domain), and its password. */
  DIWAN_LDAP_BIND_DN: optionalString,
  DIWAN_LDAP_BIND_PASSWORD: optionalString,
  /** Where people are looked up. */
  DIWAN_LDAP_BASE_DN: optionalString,
  /** How a person is found by the name typed at sign-in; {username} is replaced (escaped). */
  DIWAN_LDAP_USER_FILTER: z.string().default('(|(uid={username})(sAMAccountName={username}))'),
  /** Where groups are looked up (default: the base DN), and how a person's groups are found; {dn} and {username} are replaced. */
  DIWAN_LDAP_GROUP_BASE_DN: optionalString,
  DIWAN_LDAP_GROUP_FILTER: z.string().default('(|(member={dn})(uniqueMember={dn})(memberUid={username}))'),
  /** A CA certificate (PEM) to trust for ldaps:// or StartTLS; and whether to upgrade ldap:// with StartTLS. */
  DIWAN_LDAP_CA_FILE: optionalString,
  DIWAN_LDAP_STARTTLS: z
    .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
    .optional()
    .transform((v) => v === '1' || v === 'true' || v === 'yes'),
  /** The OpenID Connect provider (its issuer URL), and this archive's client there; unset: no OpenID sign-in. */
  DIWAN_OIDC_ISSUER: z.string().url().optional(),
  DIWAN_OIDC_CLIENT_ID: optionalString,
  DIWAN_OIDC_CLIENT_SECRET: optionalString,
  /** The claim that lists a person's groups (matched against DIWAN_DIRECTORY_GROUPS). */
  DIWAN_OIDC_GROUPS_CLAIM: z.string().default('groups'),
  /** The scopes asked for. */
  DIWAN_OIDC_SCOPES: z.string().default('openid profile email groups'),
  /** The provider's name on the sign-in button, in Arabic and English. */
  DIWAN_OIDC_LABEL: z.string().default('بوابة الدخول الموحد'),
  DIWAN_OIDC_LABEL_EN: z.string().default('Single sign-on'),
  /** Roles whose local accounts must use a second factor (TOTP), comma-separated; "none" for none. */
  DIWAN_TOTP_REQUIRED: z
    .string()
    .default('admin')
    .transform((v, ctx): Role[] => {
      if (v.trim() === 'none' || v.trim() === '') return [];
      const roles = v.split(',').map((s) => s.trim());
      const bad = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
      if (bad.length) ctx.addIssue({ code: 'custom', message: `unknown role: ${bad.join(', ')} (one of ${ROLES.join(', ')})` });
      return roles as Role[];
    }),
});
type IdentityEnv = z.infer<typeof identityEnvSchema>;

export interface LdapSettings {
  url: string;
  bindDn: string | undefined;
  bindPassword: string | undefined;
  baseDn: string;
  userFilter: string;
  groupBaseDn: string;
  groupFilter: string;
  caFile: string | undefined;
  startTls: boolean;
}

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string | undefined;
  groupsClaim: string;
  scopes: string;
  label: { ar: string; en: string };
}

export interface IdentityConfig {
  groups: GroupRule[];
  ldap: LdapSettings | undefined;
  oidc: OidcSettings | undefined;
  /** Roles whose local accounts must have a second factor. */
  totpRequired: Role[];
}

/** How the directory is reached: TLS from the start (ldaps://), upgraded with StartTLS, or in the clear. */
export function ldapTransport(url: string, startTls: boolean): 'ldaps' | 'starttls' | 'plain' {
  return url.startsWith('ldaps:') ? 'ldaps' : startTls ? 'starttls' : 'plain';
}

/** Whether the directory's address is this machine (where plain ldap:// crosses no network). */
export function ldapOnLoopback(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return false;
  }
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The identity settings, checked together; a message that names the fix when they do not agree. */
export function identityConfig(e: IdentityEnv, fail: (message: string) => never): IdentityConfig {
  let ldap: LdapSettings | undefined;
  if (e.DIWAN_LDAP_URL) {
    if (!/^ldaps?:\/\//.test(e.DIWAN_LDAP_URL)) fail('DIWAN_LDAP_URL: ldap://host:389 or ldaps://host:636');
    if (!e.DIWAN_LDAP_BASE_DN) fail('DIWAN_LDAP_URL needs DIWAN_LDAP_BASE_DN (where people are looked up)');
    // Passwords go to the directory: in the clear only to a directory on this machine.
    if (ldapTransport(e.DIWAN_LDAP_URL, e.DIWAN_LDAP_STARTTLS) === 'plain' && !ldapOnLoopback(e.DIWAN_LDAP_URL)) {
      fail(
        'DIWAN_LDAP_URL: ldap:// would send passwords in the clear: use ldaps://host:636, or set DIWAN_LDAP_STARTTLS=1 (plain ldap:// only for a directory on this machine: 127.0.0.1, localhost, ::1)',
      );
    }
    if ((e.DIWAN_LDAP_BIND_DN === undefined) !== (e.DIWAN_LDAP_BIND_PASSWORD === undefined)) {
      fail('DIWAN_LDAP_BIND_DN and DIWAN_LDAP_BIND_PASSWORD go together: set both or neither');
    }
    ldap = {
      url: e.DIWAN_LDAP_URL,
      bindDn: e.DIWAN_LDAP_BIND_DN,
      bindPassword: e.DIWAN_LDAP_BIND_PASSWORD,
      baseDn: e.DIWAN_LDAP_BASE_DN!,
      userFilter: e.DIWAN_LDAP_USER_FILTER,
      groupBaseDn: e.DIWAN_LDAP_GROUP_BASE_DN ?? e.DIWAN_LDAP_BASE_DN!,
      groupFilter: e.DIWAN_LDAP_GROUP_FILTER,
      caFile: e.DIWAN_LDAP_CA_FILE,
      startTls: e.DIWAN_LDAP_STARTTLS,
    };
  }
  let oidc: OidcSettings | undefined;
  if (e.DIWAN_OIDC_ISSUER) {
    if (!e.DIWAN_OIDC_CLIENT_ID) fail('DIWAN_OIDC_ISSUER needs DIWAN_OIDC_CLIENT_ID (this archive at the provider)');
    const { protocol, hostname } = new URL(e.DIWAN_OIDC_ISSUER);
    if (protocol !== 'https:' && !(protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(hostname))) {
      fail('DIWAN_OIDC_ISSUER: an https:// address (plain http only for a provider on this machine: 127.0.0.1, localhost, ::1)');
    }
    oidc = {
      issuer: e.DIWAN_OIDC_ISSUER,
      clientId: e.DIWAN_OIDC_CLIENT_ID!,
      clientSecret: e.DIWAN_OIDC_CLIENT_SECRET,
      groupsClaim: e.DIWAN_OIDC_GROUPS_CLAIM,
      scopes: e.DIWAN_OIDC_SCOPES,
      label: { ar: e.DIWAN_OIDC_LABEL, en: e.DIWAN_OIDC_LABEL_EN },
    };
  }
  if ((ldap || oidc) && e.DIWAN_DIRECTORY_GROUPS.length === 0) {
    fail('directory sign-in needs DIWAN_DIRECTORY_GROUPS: which groups give which role (nobody could sign in without it)');
  }
  return { groups: e.DIWAN_DIRECTORY_GROUPS, ldap, oidc, totpRequired: e.DIWAN_TOTP_REQUIRED };
}
