/**
 * The ministry's LDAP / Active Directory, asked whether a username and
 * password are right (search, then bind): a connection bound as the service
 * account (or anonymous) finds the person's entry with DIWAN_LDAP_USER_FILTER
 * and their groups (DIWAN_LDAP_GROUP_FILTER under the group base, and the
 * entry's memberOf); then the same connection binds as the entry with the
 * password given. The only module that speaks LDAP.
 */
import fs from 'node:fs';
import net from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Client, InvalidCredentialsError, ResultCodeError, SizeLimitExceededError } from 'ldapts';
import type { LdapSettings } from '../configIdentity';

/** Who the directory says this is. */
export interface LdapPerson {
  /** The entry's DN (it changes when the entry is moved or renamed). */
  dn: string;
  /**
   * What the account here is keyed by: the entry's entryUUID (OpenLDAP) or objectGUID (Active Directory), which
   * stay when the entry is moved to another OU or renamed; the DN when the directory gives neither.
   */
  externalId: string;
  /** The name as the directory spells it (the uid or sAMAccountName typed, else the entry's first), else as typed. */
  username: string;
  displayName: string;
  /** The DNs of the person's groups. */
  groups: string[];
}

/** Why the directory did not vouch for the person (for the access log; the person is told only "wrong"). */
export type LdapRefusal = 'empty password' | 'no such person' | 'more than one entry' | 'wrong password' | `refused: ${string}`;

export type LdapCheck = { ok: true; person: LdapPerson } | { ok: false; reason: LdapRefusal };

/** The directory could not be asked (down, unreachable, too slow, TLS refused, the service account refused). */
export class DirectoryUnavailable extends Error {
  override name = 'DirectoryUnavailable';
}

export interface LdapDirectory {
  /** Whether this username and password are a person's of the directory, with their groups. */
  check(username: string, password: string): Promise<LdapCheck>;
  /** Binds as the service account (or not at all: anonymous) and reads the base DN; throws DirectoryUnavailable. */
  ping(): Promise<string>;
}

/** How long a connection may take, and each operation after it. */
export const LDAP_TIMEOUTS = { connectMs: 5000, operationMs: 10_000 };

/** An assertion value made safe for a search filter (RFC 4515: \ * ( ) and NUL escaped as hex). */
export function escapeFilterValue(value: string): string {
  // eslint-disable-next-line no-control-regex -- NUL is one of the characters to escape
  return value.replace(/[\\*()\u0000]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** A filter template with {username} and {dn} replaced, each value escaped. */
export function fillFilter(template: string, values: { username: string; dn?: string }): string {
  return template.replace(/\{(username|dn)\}/g, (_m, k: 'username' | 'dn') => escapeFilterValue(values[k] ?? ''));
}

const PERSON_ATTRIBUTES = ['displayName', 'cn', 'memberOf', 'uid', 'sAMAccountName', 'entryUUID', 'objectGUID'];

/** Active Directory's objectGUID (16 bytes, the first three fields little-endian) in its usual text form. */
export function guidText(b: Buffer): string {
  const hex = (from: number, to: number, reverse = false) => {
    const part = [...b.subarray(from, to)];
    return (reverse ? part.reverse() : part).map((x) => x.toString(16).padStart(2, '0')).join('');
  };
  return [hex(0, 4, true), hex(4, 6, true), hex(6, 8, true), hex(8, 10), hex(10, 16)].join('-');
}

/** The entry's lasting identifier: entryUUID, else objectGUID, else (neither given) its DN. */
function lastingId(entry: Record<string, unknown> & { dn: string }): string {
  const uuid = values(entry, 'entryUUID')[0];
  if (uuid) return `entryUUID:${uuid.toLowerCase()}`;
  const key = Object.keys(entry).find((k) => k.toLowerCase() === 'objectguid');
  const raw = key === undefined ? undefined : entry[key];
  const guid = Array.isArray(raw) ? raw[0] : raw;
  if (Buffer.isBuffer(guid) && guid.length === 16) return `objectGUID:${guidText(guid)}`;
  return entry.dn;
}

/** An attribute's values as text, whatever case the server names it in. */
function values(entry: Record<string, unknown>, name: string): string[] {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === name.toLowerCase());
  const v = key === undefined ? undefined : entry[key];
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return list.map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x))).filter((x) => x !== '');
}

export function createLdapDirectory(settings: LdapSettings, timeouts = LDAP_TIMEOUTS): LdapDirectory {
  let tls: ConnectionOptions | undefined;
  if (settings.caFile) {
    try {
      tls = { ca: [fs.readFileSync(settings.caFile)], minVersion: 'TLSv1.2' };
    } catch (e) {
      throw new Error(`DIWAN_LDAP_CA_FILE: ${(e as Error).message}`);
    }
  }
  const host = new URL(settings.url).hostname.replace(/^\[(.*)\]$/, '$1');
  // The certificate is checked against the host; a name (never an address) is also sent as SNI.
  const upgrade = { ...tls, host, ...(net.isIP(host) ? {} : { servername: host }) };

  /** A connection, upgraded with StartTLS when asked, bound as the service account (or anonymous). */
  async function connect(): Promise<Client> {
    const client = new Client({
      url: settings.url,
      connectTimeout: timeouts.connectMs,
      timeout: timeouts.operationMs,
      ...(tls && settings.url.startsWith('ldaps:') ? { tlsOptions: tls } : {}),
    });
    try {
      if (settings.startTls && settings.url.startsWith('ldap:')) await client.startTLS(upgrade);
      if (settings.bindDn) await client.bind(settings.bindDn, settings.bindPassword ?? '');
      return client;
    } catch (e) {
      await client.unbind().catch(() => undefined);
      if (e instanceof ResultCodeError) {
        throw new DirectoryUnavailable(
          `the directory refused the service account (${e.message}): check DIWAN_LDAP_BIND_DN and DIWAN_LDAP_BIND_PASSWORD`,
        );
      }
      throw new DirectoryUnavailable(`${settings.url}: ${(e as Error).message}`);
    }
  }

  /** Runs `work` on a bound connection; any failure that is not the directory's answer means it is unavailable. */
  async function withClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = await connect();
    try {
      return await work(client);
    } catch (e) {
      if (e instanceof DirectoryUnavailable) throw e;
      throw new DirectoryUnavailable(`${settings.url}: ${(e as Error).message}`);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  return {
    async check(username, password) {
      // An empty password is an "unauthenticated bind": the directory answers success without checking anything.
      if (password === '') return { ok: false, reason: 'empty password' };
      return withClient(async (client): Promise<LdapCheck> => {
        let found;
        try {
          found = await client.search(settings.baseDn, {
            scope: 'sub',
            filter: fillFilter(settings.userFilter, { username }),
            attributes: PERSON_ATTRIBUTES,
            explicitBufferAttributes: ['objectGUID'],
            sizeLimit: 2,
          });
        } catch (e) {
          if (e instanceof SizeLimitExceededError) return { ok: false, reason: 'more than one entry' };
          throw e;
        }
        const entries = found.searchEntries;
        if (entries.length === 0) return { ok: false, reason: 'no such person' };
        if (entries.length > 1) return { ok: false, reason: 'more than one entry' };
        const entry = entries[0]!;
        // The name as the directory spells it: the one typed (in any case), else the entry's own (found by another filter).
        const names = [...values(entry, 'uid'), ...values(entry, 'sAMAccountName')];
        const own = names.find((n) => n.toLowerCase() === username.toLowerCase()) ?? names[0] ?? username;
        // The entry's own name in the group filter: memberUid compares exactly, whatever case was typed.
        const groups = await client.search(settings.groupBaseDn, {
          scope: 'sub',
          filter: fillFilter(settings.groupFilter, { username: own, dn: entry.dn }),
          attributes: ['1.1'],
        });
        // Last, the password: this connection is now the person's (and is closed straight after).
        try {
          await client.bind(entry.dn, password);
        } catch (e) {
          if (e instanceof InvalidCredentialsError) return { ok: false, reason: 'wrong password' };
          if (e instanceof ResultCodeError) return { ok: false, reason: `refused: ${e.message}` };
          throw e;
        }
        const displayName = values(entry, 'displayName')[0] ?? values(entry, 'cn')[0] ?? own;
        const dns = [...groups.searchEntries.map((g) => g.dn), ...values(entry, 'memberOf')];
        return {
          ok: true,
          person: { dn: entry.dn, externalId: lastingId(entry), username: own, displayName, groups: [...new Set(dns)] },
        };
      });
    },

    async ping() {
      return withClient(async (client) => {
        // The base itself, read as the service account: the connection, the account and the base DN in one question.
        await client.search(settings.baseDn, { scope: 'base', attributes: ['1.1'] });
        return `${settings.url}: ${settings.bindDn ? `bound as ${settings.bindDn}` : 'anonymous'}, ${settings.baseDn} readable`;
      });
    },
  };
}
