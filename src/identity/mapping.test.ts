import { grantFor } from './mapping';

const rules = [
  {
    group: 'cn=diwan-admins,ou=groups,dc=example,dc=org',
    role: 'admin' as const,
    clearance: 'secret' as const,
    departments: null,
  },
  { group: 'registry', role: 'clerk' as const, clearance: 'internal' as const, departments: ['الموارد البشرية'] },
];

test('the first rule whose group the person is in decides', () => {
  expect(grantFor(rules, ['CN=Diwan-Admins, OU=Groups, DC=example, DC=org', 'cn=registry,dc=example,dc=org'])).toEqual({
    role: 'admin',
    clearance: 'secret',
    departments: null,
  });
  expect(grantFor(rules, ['cn=registry,ou=groups,dc=example,dc=org'])?.role).toBe('clerk');
  expect(grantFor(rules, ['registry'])?.departments).toEqual(['الموارد البشرية']);
});

test('no matching group: no grant', () => {
  expect(grantFor(rules, ['cn=finance,dc=example,dc=org'])).toBeUndefined();
  expect(grantFor(rules, [])).toBeUndefined();
});

test('for LDAP, a short name matches only groups under the group base; a full DN matches wherever it is', () => {
  const base = 'OU=Groups, DC=example, DC=org';
  expect(grantFor(rules, ['cn=registry,ou=groups,dc=example,dc=org'], base)?.role).toBe('clerk');
  // A group of the same name made in another branch (or a memberOf value from anywhere) gives nothing.
  expect(grantFor(rules, ['cn=registry,ou=guests,dc=example,dc=org'], base)).toBeUndefined();
  expect(grantFor(rules, ['cn=registry,dc=example,dc=org'], base)).toBeUndefined();
  expect(grantFor(rules, ['cn=registry,ou=groups,dc=example,dc=org.evil'], base)).toBeUndefined();
  const full = [{ ...rules[0]!, group: 'cn=diwan-admins,ou=elsewhere,dc=example,dc=org' }];
  expect(grantFor(full, ['cn=diwan-admins,ou=elsewhere,dc=example,dc=org'], base)?.role).toBe('admin');
});
