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
