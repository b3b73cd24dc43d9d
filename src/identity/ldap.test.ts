import net from 'node:net';
import { loadConfig } from '../config';
import type { LdapSettings } from '../configIdentity';
import { createLdapDirectory, DirectoryUnavailable, escapeFilterValue, fillFilter, guidText } from './ldap';

const settings = (url: string): LdapSettings => ({
  url,
  bindDn: 'cn=svc,dc=x',
  bindPassword: 'pw',
  baseDn: 'dc=x',
  userFilter: '(uid={username})',
  groupBaseDn: 'dc=x',
  groupFilter: '(member={dn})',
  caFile: undefined,
  startTls: false,
});

test('filter values are escaped (RFC 4515): a name cannot widen or end the filter', () => {
  expect(escapeFilterValue('*)(uid=*')).toBe('\\2a\\29\\28uid=\\2a');
  expect(escapeFilterValue('a\\b\u0000')).toBe('a\\5cb\\00');
  expect(escapeFilterValue('هدى.o@x')).toBe('هدى.o@x');
  expect(fillFilter('(|(uid={username})(sAMAccountName={username}))', { username: 'x*' })).toBe(
    '(|(uid=x\\2a)(sAMAccountName=x\\2a))',
  );
  expect(fillFilter('(|(member={dn})(memberUid={username}))', { username: 'o', dn: 'cn=a\\,b (x),dc=y' })).toBe(
    '(|(member=cn=a\\5c,b \\28x\\29,dc=y)(memberUid=o))',
  );
});

test('an empty password is refused before the directory is asked', async () => {
  // Nothing listens there: asking would fail as unavailable.
  await expect(createLdapDirectory(settings('ldap://127.0.0.1:1')).check('huda', '')).resolves.toEqual({
    ok: false,
    reason: 'empty password',
  });
});

test('a directory that is down, or answers nothing, is unavailable within the timeouts', async () => {
  await expect(createLdapDirectory(settings('ldap://127.0.0.1:1')).check('huda', 'pw')).rejects.toBeInstanceOf(
    DirectoryUnavailable,
  );
  const silent = net.createServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  try {
    const { port } = silent.address() as net.AddressInfo;
    const dir = createLdapDirectory(settings(`ldap://127.0.0.1:${port}`), { connectMs: 300, operationMs: 300 });
    const t0 = Date.now();
    await expect(dir.check('huda', 'pw')).rejects.toBeInstanceOf(DirectoryUnavailable);
    await expect(dir.ping()).rejects.toThrow(/service account|127\.0\.0\.1/);
    // Well within the default timeouts (10 s an operation): the ones given were kept.
    expect(Date.now() - t0).toBeLessThan(4000);
  } finally {
    silent.close();
  }
});

test('a CA file that cannot be read is named', () => {
  expect(() => createLdapDirectory({ ...settings('ldaps://127.0.0.1:636'), caFile: '/nonexistent/ca.pem' })).toThrow(
    /DIWAN_LDAP_CA_FILE/,
  );
});

test("Active Directory's objectGUID in its usual text form", () => {
  const b = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  expect(guidText(b)).toBe('33221100-5544-7766-8899-aabbccddeeff');
});

test('ldap:// without StartTLS is refused at start, unless the directory is on this machine', () => {
  const env = { DIWAN_LDAP_BASE_DN: 'dc=x', DIWAN_DIRECTORY_GROUPS: '[{"group":"g","role":"clerk"}]' };
  expect(() => loadConfig({ ...env, DIWAN_LDAP_URL: 'ldap://dc1.mof.example' })).toThrow(/DIWAN_LDAP_STARTTLS=1/);
  expect(() => loadConfig({ ...env, DIWAN_LDAP_URL: 'ldap://127.0.0.2.example' })).toThrow(/in the clear/);
  for (const ok of [
    { DIWAN_LDAP_URL: 'ldap://dc1.mof.example', DIWAN_LDAP_STARTTLS: '1' },
    { DIWAN_LDAP_URL: 'ldaps://dc1.mof.example' },
    { DIWAN_LDAP_URL: 'ldap://127.0.0.1:3389' },
    { DIWAN_LDAP_URL: 'ldap://[::1]:3389' },
    { DIWAN_LDAP_URL: 'ldap://localhost' },
  ]) {
    expect(loadConfig({ ...env, ...ok }).identity.ldap?.url).toBe(ok.DIWAN_LDAP_URL);
  }
});
