import net from 'node:net';
import { isDomainError } from '../../kernel/errors';
import { loadConfig } from '../config';
import { createOidcClient, groupsOf, httpAllowed, usernameFor } from './oidc';

const GROUPS = JSON.stringify([{ group: 'diwan-admins', role: 'admin' }]);

test('a username that fits: preferred_username, else email, else either cleaned, else one made from the subject', () => {
  const verified = { email_verified: true };
  expect(usernameFor({ preferred_username: 'amina', email: 'amina@mof.example', ...verified }, 's')).toBe('amina');
  expect(usernameFor({ preferred_username: 'خالد', email: 'khalid@mof.example', ...verified }, 's')).toBe('khalid@mof.example');
  // An email the provider has not verified is not used.
  for (const email_verified of [false, 'true', undefined]) {
    expect(usernameFor({ preferred_username: 'خالد', email: 'khalid@mof.example', email_verified }, 's')).toMatch(/^sso-/);
  }
  expect(usernameFor({ preferred_username: 'Amina Ali' }, 's')).toBe('AminaAli');
  const made = usernameFor({ preferred_username: 'خالد' }, 'sub-1');
  expect(made).toMatch(/^sso-[0-9a-f]{16}$/);
  expect(usernameFor({}, 'sub-1')).toBe(made);
  expect(usernameFor({}, 'sub-2')).not.toBe(made);
  expect(usernameFor({ preferred_username: 'x'.repeat(80) }, 's')).toHaveLength(64);
});

test('the groups claim: a list, one value, or a dotted name into an object; anything else is no group', () => {
  expect(groupsOf({ groups: ['a', 'b', 3] }, 'groups')).toEqual(['a', 'b']);
  expect(groupsOf({ groups: 'a' }, 'groups')).toEqual(['a']);
  expect(groupsOf({ realm_access: { roles: ['diwan-admins'] } }, 'realm_access.roles')).toEqual(['diwan-admins']);
  expect(groupsOf({ groups: { a: 1 } }, 'groups')).toEqual([]);
  expect(groupsOf({}, 'groups')).toEqual([]);
});

test('plain http only for a provider on this machine, at start and in the client', () => {
  expect(httpAllowed('http://127.0.0.1:9000')).toBe(true);
  expect(httpAllowed('http://localhost:9000/realms/x')).toBe(true);
  expect(httpAllowed('http://[::1]:9000')).toBe(true);
  expect(httpAllowed('http://sso.mof.example')).toBe(false);
  expect(httpAllowed('https://sso.mof.example')).toBe(false);
  const env = { DIWAN_OIDC_CLIENT_ID: 'diwan', DIWAN_DIRECTORY_GROUPS: GROUPS };
  expect(() => loadConfig({ ...env, DIWAN_OIDC_ISSUER: 'http://sso.mof.example' })).toThrow(/https:\/\//);
  expect(loadConfig({ ...env, DIWAN_OIDC_ISSUER: 'https://sso.mof.example' }).identity.oidc?.issuer).toBe(
    'https://sso.mof.example',
  );
  expect(loadConfig({ ...env, DIWAN_OIDC_ISSUER: 'http://127.0.0.1:9000' }).identity.oidc?.issuer).toBe('http://127.0.0.1:9000');
});

test('a provider that does not answer is sso_unavailable (a clear message), not a crash', async () => {
  // A loopback port that was free a moment ago: nobody answers there.
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const settings = loadConfig({
    DIWAN_OIDC_ISSUER: `http://127.0.0.1:${port}`,
    DIWAN_OIDC_CLIENT_ID: 'diwan',
    DIWAN_DIRECTORY_GROUPS: GROUPS,
  }).identity.oidc!;
  const client = createOidcClient(settings, 'http://127.0.0.1:1/login/oidc/callback');
  const e = await client.begin().catch((x: unknown) => x);
  expect(isDomainError(e) && e.code).toBe('sso_unavailable');
  expect(isDomainError(e) && e.messageAr).toContain('تعذّر الوصول إلى بوابة الدخول الموحد');
  await expect(client.ping()).rejects.toMatchObject({ code: 'sso_unavailable' });
});
