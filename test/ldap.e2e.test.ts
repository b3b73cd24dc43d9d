/**
 * Sign-in with the ministry's directory, against a real OpenLDAP server
 * (test/ldap/slapd.ts) and a real Diwan: the sign-in form, its CSRF
 * double-submit and the session, as a browser does them. Groups give the role,
 * clearance and departments; what the directory does not vouch for is refused
 * and logged with the reason; the directory away is said so, and local
 * accounts still sign in.
 */
import { createLdapDirectory } from '../src/identity/ldap';
import type { Check } from '../src/runtime/doctor';
import { isolatedEnv, runCliWith, startTestServer, type TestServer } from './helpers';
import { BASE_DN, SERVICE, startSlapd, type Slapd } from './ldap/slapd';

jest.setTimeout(120_000);

const PASSWORDS = {
  huda: 'هدى-كلمة-سر-1',
  omar: 'omar-directory-pw',
  nadia: 'nadia-directory-pw',
  salma: 'salma-pw',
  rania: 'rania-dir-pw',
  layla: 'layla-dir-pw',
  tariq: 'tariq-dir-pw',
  yusuf: 'yusuf-dir-pw',
};
const DIRECTORY_ADMIN_PW = 'the-directory-admin-pw';

let slapd: Slapd;
let server: TestServer;
let env: NodeJS.ProcessEnv;
let client = 0;

beforeAll(async () => {
  slapd = await startSlapd(
    [
      { uid: 'huda', displayName: 'هدى الأنصاري', password: PASSWORDS.huda },
      { uid: 'omar', displayName: 'عمر الحربي', password: PASSWORDS.omar },
      // Groups on the entry only (memberOf, as Active Directory keeps them), in a branch the group search does not cover.
      {
        uid: 'nadia',
        displayName: 'نادية السالم',
        password: PASSWORDS.nadia,
        memberOf: [`cn=diwan-archivists,ou=teams,${BASE_DN}`],
      },
      { uid: 'salma', displayName: 'سلمى القحطاني', password: PASSWORDS.salma },
      // Names that are local accounts' here.
      { uid: 'admin', displayName: 'مدير الدليل', password: DIRECTORY_ADMIN_PW },
      { uid: 'rania', displayName: 'رانية من الدليل', password: PASSWORDS.rania },
      { uid: 'layla', displayName: 'ليلى', password: PASSWORDS.layla },
      // A group named like a mapped one, but outside the group base: it gives nothing.
      { uid: 'tariq', displayName: 'طارق', password: PASSWORDS.tariq, memberOf: [`cn=diwan-clerks,ou=teams,${BASE_DN}`] },
      { uid: 'yusuf', displayName: 'يوسف', password: PASSWORDS.yusuf, memberOf: [`cn=diwan-clerks,ou=groups,${BASE_DN}`] },
    ],
    [
      { cn: 'diwan-admins', members: ['huda', 'admin'] },
      { cn: 'diwan-clerks', members: ['omar', 'rania', 'layla'] },
      { cn: 'visitors', members: ['salma'] },
      { cn: 'yusuf-staff', members: ['yusuf'] },
    ],
  );
  env = await isolatedEnv({
    DIWAN_LDAP_URL: slapd.url,
    DIWAN_LDAP_BIND_DN: SERVICE.dn,
    DIWAN_LDAP_BIND_PASSWORD: SERVICE.password,
    DIWAN_LDAP_BASE_DN: BASE_DN,
    DIWAN_LDAP_GROUP_BASE_DN: `ou=groups,${BASE_DN}`,
    DIWAN_DIRECTORY_GROUPS: JSON.stringify([
      { group: slapd.groupDn('diwan-admins'), role: 'admin', clearance: 'secret' },
      // Outside the group base: named by its full DN (a short name counts only under the base).
      { group: slapd.groupDn('diwan-archivists', 'teams'), role: 'archivist', clearance: 'confidential' },
      { group: 'diwan-clerks', role: 'clerk', clearance: 'internal', departments: ['الصادر', 'الوارد'] },
    ]),
    // Each sign-in comes from its own address (X-Forwarded-For), so the per-client limit of the form does not interfere.
    DIWAN_TRUST_PROXY: 'loopback',
  });
  server = await startTestServer(env);
  // A local account whose name the directory also has.
  const res = await server.api('/api/v1/users', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'rania', displayName: 'رانية', role: 'official', password: 'local-rania-password' }),
  });
  expect(res.status).toBe(201);
});

afterAll(async () => {
  await server?.stop();
  await slapd?.stop();
});

/** The sign-in form as a browser posts it; the session's cookie when signed in. */
async function signIn(username: string, password: string): Promise<{ location: string; cookie: string | undefined }> {
  const page = await fetch(`${server.url}/login`);
  const csrf = /diwan_csrf=([^;]+)/.exec(page.headers.get('set-cookie') ?? '')![1]!;
  const res = await fetch(`${server.url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: `diwan_csrf=${csrf}`,
      'x-forwarded-for': `192.0.2.${++client}`,
    },
    body: new URLSearchParams({ username, password, _csrf: csrf, next: '/search' }),
  });
  expect(res.status).toBe(303);
  const session = /diwan_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
  return { location: res.headers.get('location')!, cookie: session && `diwan_session=${session}` };
}

const me = async (cookie: string) => (await fetch(`${server.url}/api/v1/me`, { headers: { cookie } })).json();

const lastRefusal = async (username: string) =>
  (
    await server.core.db.query<{ reason: string | null }>(
      `SELECT reason FROM access_log WHERE kind = 'login-failed' AND username = $1 ORDER BY at DESC, id DESC LIMIT 1`,
      [username],
    )
  ).rows[0]?.reason;

const account = async (username: string) =>
  (
    await server.core.db.query<{ source: string; external_id: string | null; display_name: string; role: string }>(
      'SELECT source, external_id, display_name, role FROM users WHERE username = $1',
      [username],
    )
  ).rows;

test('directory people sign in with the role, clearance and departments of their groups; roles follow the groups', async () => {
  const huda = await signIn('huda', PASSWORDS.huda);
  expect(huda.location).toBe('/search');
  expect(await me(huda.cookie!)).toMatchObject({
    name: 'huda',
    role: 'admin',
    clearance: 'secret',
    departments: null,
    via: 'session',
  });
  expect((await fetch(`${server.url}/search`, { headers: { cookie: huda.cookie! } })).status).toBe(200);
  // Keyed by the entry's entryUUID, which stays when the entry is moved or renamed.
  expect(await account('huda')).toEqual([
    {
      source: 'ldap',
      external_id: expect.stringMatching(/^entryUUID:[0-9a-f-]{36}$/),
      display_name: 'هدى الأنصاري',
      role: 'admin',
    },
  ]);

  const omar = await signIn('omar', PASSWORDS.omar);
  expect(await me(omar.cookie!)).toMatchObject({ role: 'clerk', clearance: 'internal', departments: ['الصادر', 'الوارد'] });
  // Groups kept only on the entry (memberOf) count too.
  const nadia = await signIn('nadia', PASSWORDS.nadia);
  expect(await me(nadia.cookie!)).toMatchObject({ role: 'archivist', clearance: 'confidential' });

  // Omar joins the administrators in the directory: at his next sign-in he is one here, in the same account.
  await slapd.modify(
    `dn: ${slapd.groupDn('diwan-admins')}\nchangetype: modify\nadd: member\nmember: ${slapd.personDn('omar')}\n`,
  );
  const again = await signIn('OMAR', PASSWORDS.omar);
  expect(await me(again.cookie!)).toMatchObject({ name: 'omar', role: 'admin', clearance: 'secret', departments: null });
  expect(await account('omar')).toHaveLength(1);
  expect(await account('OMAR')).toHaveLength(0);
});

test('refused and logged with the reason: a wrong or empty password, no mapped group, a local name, a disabled account, a filter', async () => {
  const refused = async (username: string, password: string, reason: RegExp) => {
    const r = await signIn(username, password);
    expect(r).toEqual({ location: '/login?failed=1&next=%2Fsearch', cookie: undefined });
    expect(await lastRefusal(username)).toMatch(reason);
  };
  await refused('huda', 'not-her-password', /directory: wrong password/);
  // The directory would take an empty password as an anonymous bind, and answer success.
  await refused('huda', '', /directory: empty password/);
  await refused('salma', PASSWORDS.salma, /no group of DIWAN_DIRECTORY_GROUPS \(groups: cn=visitors,ou=groups/);
  expect(await account('salma')).toHaveLength(0);
  await refused('nobody', 'whatever-password', /directory: no such person/);
  await refused('tariq', PASSWORDS.tariq, /no group of DIWAN_DIRECTORY_GROUPS \(groups: cn=diwan-clerks,ou=teams/);

  // A local account's name is never the directory's: its password is not tried there, the account stays local.
  await refused('admin', DIRECTORY_ADMIN_PW, /local account/);
  await refused('RANIA', PASSWORDS.rania, /the name rania is another account's here/);
  expect(await account('admin')).toMatchObject([{ source: 'local', external_id: null }]);
  expect(await account('rania')).toMatchObject([{ source: 'local', display_name: 'رانية', role: 'official' }]);

  // Disabled here, the directory's word does not bring the account back.
  expect((await signIn('huda', PASSWORDS.huda)).location).toBe('/search');
  const disable = await server.api('/api/v1/users/huda/disable', { method: 'POST' });
  expect(disable.status).toBe(200);
  await refused('huda', PASSWORDS.huda, /disabled here/);

  // Filter injection: the name is a value, never part of the filter.
  await refused('*)(uid=*', PASSWORDS.nadia, /directory: (no such person|the name)/);
  await refused('*', PASSWORDS.nadia, /directory: no such person/);
  const ldap = createLdapDirectory(server.config.identity.ldap!);
  expect(await ldap.check('nad*', PASSWORDS.nadia)).toEqual({ ok: false, reason: 'no such person' });
  expect(await ldap.check('nadia)(uid=nadia', PASSWORDS.nadia)).toEqual({ ok: false, reason: 'no such person' });
  expect(await ldap.check('nadia', PASSWORDS.nadia)).toMatchObject({ ok: true, person: { username: 'nadia' } });
});

const status = async (auth: { cookie: string } | { token: string }) =>
  (
    await fetch(`${server.url}/api/v1/me`, {
      headers: 'cookie' in auth ? { cookie: auth.cookie } : { authorization: `Bearer ${auth.token}` },
    })
  ).status;

async function tokenFor(username: string, role: string): Promise<string> {
  const res = await server.api('/api/v1/tokens', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, name: 'script', role }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

test("the directory takes access away at once: sessions end and tokens stop; a token acts in no more than its user's role", async () => {
  // Omar (an administrator since the first test) loses the admins group: his administrator's token acts as a clerk.
  const omarToken = await tokenFor('omar', 'admin');
  await slapd.modify(
    `dn: ${slapd.groupDn('diwan-admins')}\nchangetype: modify\ndelete: member\nmember: ${slapd.personDn('omar')}\n`,
  );
  expect((await signIn('omar', PASSWORDS.omar)).location).toBe('/search');
  const viaToken = await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${omarToken}` } });
  expect(await viaToken.json()).toMatchObject({ role: 'clerk', via: 'api-token' });

  // Nadia leaves every mapped group: refused, and her session and token stop at once.
  const nadia = { cookie: (await signIn('nadia', PASSWORDS.nadia)).cookie!, token: await tokenFor('nadia', 'archivist') };
  expect([await status({ cookie: nadia.cookie }), await status({ token: nadia.token })]).toEqual([200, 200]);
  await slapd.modify(`dn: ${slapd.personDn('nadia')}\nchangetype: modify\ndelete: memberOf\n`);
  expect((await signIn('nadia', PASSWORDS.nadia)).cookie).toBeUndefined();
  expect(await lastRefusal('nadia')).toMatch(/in no group .*; access withdrawn from nadia/);
  expect([await status({ cookie: nadia.cookie }), await status({ token: nadia.token })]).toEqual([401, 401]);
  expect(await account('nadia')).toMatchObject([{ role: 'clerk' }]);

  // Layla is removed from the directory: the next attempt with her name ends her session.
  const layla = (await signIn('layla', PASSWORDS.layla)).cookie!;
  await slapd.modify(`dn: ${slapd.personDn('layla')}\nchangetype: delete\n`);
  expect((await signIn('Layla', PASSWORDS.layla)).cookie).toBeUndefined();
  expect(await lastRefusal('Layla')).toMatch(/no such person; access withdrawn from layla/);
  expect(await status({ cookie: layla })).toBe(401);
});

test('an entry moved to another OU keeps its account; one keyed by its DN takes the entryUUID; groups by its own name', async () => {
  expect((await signIn('yusuf', PASSWORDS.yusuf)).location).toBe('/search');
  // As an account made before entryUUID was used: keyed by the DN.
  await server.core.db.query(`UPDATE users SET external_id = $1 WHERE username = 'yusuf'`, [slapd.personDn('yusuf')]);
  expect((await signIn('yusuf', PASSWORDS.yusuf)).location).toBe('/search');
  const [before] = await account('yusuf');
  expect(before!.external_id).toMatch(/^entryUUID:/);
  await slapd.modify(`dn: ou=moved,${BASE_DN}\nchangetype: add\nobjectClass: organizationalUnit\nou: moved\n`);
  await slapd.modify(
    `dn: ${slapd.personDn('yusuf')}\nchangetype: modrdn\nnewrdn: uid=yusuf\ndeleteoldrdn: 1\nnewsuperior: ou=moved,${BASE_DN}\n`,
  );
  expect((await signIn('yusuf', PASSWORDS.yusuf)).location).toBe('/search');
  expect(await account('yusuf')).toEqual([before]);

  // Found by another attribute than its name (mail): the group filter gets the entry's own uid, not what was typed.
  await slapd.modify(`dn: uid=yusuf,ou=moved,${BASE_DN}\nchangetype: modify\nadd: mail\nmail: yusuf@diwan.test\n`);
  const byMail = createLdapDirectory({
    ...server.config.identity.ldap!,
    userFilter: '(|(uid={username})(mail={username}))',
    groupFilter: '(cn={username}-staff)',
  });
  expect(await byMail.check('yusuf@diwan.test', PASSWORDS.yusuf)).toMatchObject({
    ok: true,
    person: { username: 'yusuf', groups: expect.arrayContaining([slapd.groupDn('yusuf-staff')]) },
  });
});

test('the lock-out counts a name in any case: alice, Alice and ALICE share ten tries', async () => {
  for (const name of ['zaid', 'Zaid', 'ZAID', ' zaid', 'zAid', 'zaid', 'Zaid', 'ZAID', 'zaiD', 'ZaId']) {
    expect((await signIn(name, 'wrong-password')).location).toBe('/login?failed=1&next=%2Fsearch');
  }
  expect((await signIn('ZaiD', 'wrong-password')).location).toBe('/login?locked=1&next=%2Fsearch');
});

test('TLS: ldaps:// and StartTLS trust the CA of DIWAN_LDAP_CA_FILE, and only it', async () => {
  const plain = server.config.identity.ldap!;
  const ldaps = createLdapDirectory({ ...plain, url: slapd.ldapsUrl, caFile: slapd.caFile });
  expect(await ldaps.check('nadia', PASSWORDS.nadia)).toMatchObject({ ok: true, person: { displayName: 'نادية السالم' } });
  const startTls = createLdapDirectory({ ...plain, startTls: true, caFile: slapd.caFile });
  expect(await startTls.check('nadia', PASSWORDS.nadia)).toMatchObject({ ok: true });
  // Without the CA, the directory's certificate is not trusted: nothing is sent, the directory is unavailable.
  for (const untrusted of [{ url: slapd.ldapsUrl }, { startTls: true }]) {
    await expect(createLdapDirectory({ ...plain, ...untrusted }).ping()).rejects.toThrow(/certificate/);
  }
});

test('the directory away: a clear message, no error page; local accounts still sign in; doctor says so', async () => {
  const doctor = async () => {
    const { out } = await runCliWith(env, ['doctor', '--json']);
    return (JSON.parse(out) as Check[]).find((c) => c.name === 'directory (LDAP)');
  };
  expect(await doctor()).toMatchObject({ state: 'ok', detail: expect.stringContaining(`bound as ${SERVICE.dn}`) });
  await slapd.stop();

  const r = await signIn('omar', PASSWORDS.omar);
  expect(r).toEqual({ location: '/login?directory=away&next=%2Fsearch', cookie: undefined });
  const ar = await fetch(`${server.url}${r.location}`);
  expect(ar.status).toBe(200);
  expect(await ar.text()).toContain('تعذّر الاتصال بدليل المستخدمين في الوزارة');
  const en = await (await fetch(`${server.url}${r.location}&lang=en`)).text();
  expect(en).toContain('user directory could not be reached');
  // An outage is not a wrong password: it does not count toward the account's lock-out.
  expect(await lastRefusal('omar')).toBeUndefined();

  // Break-glass: a local account signs in without the directory.
  const local = await signIn('rania', 'local-rania-password');
  expect(await me(local.cookie!)).toMatchObject({ name: 'rania', role: 'official' });

  expect(await doctor()).toMatchObject({ state: 'fail', fix: expect.stringContaining('DIWAN_LDAP_URL') });
});
