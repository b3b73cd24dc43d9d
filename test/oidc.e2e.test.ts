/**
 * Single sign-on through a real OpenID Connect provider (oidc-provider, a child process on a loopback port:
 * test/oidc/provider.mjs) and a real Diwan: the authorization code flow with PKCE, state and nonce; the
 * provider's `groups` claim mapped to a role; the account made at the first sign-in and brought up to date at
 * the next. Over HTTP with a cookie jar, and once in Chromium, where the provider is another site than the
 * archive (localhost against 127.0.0.1), so the browser's same-site cookie rules apply as in production.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { signInWithOidc } from '../src/identity/oidcSignIn';
import { runDoctor } from '../src/runtime/doctor';
import { isolatedEnv, startTestServer, type TestServer } from './helpers';
import { freePort, HttpBrowser, startProvider, type ProviderProcess } from './oidc/fixture';

jest.setTimeout(120_000);

const CLIENT = { id: 'diwan-archive', secret: crypto.randomBytes(16).toString('hex') };
const GROUPS = [
  { group: 'diwan-admins', role: 'admin', clearance: 'secret' },
  { group: 'diwan-clerks', role: 'clerk', clearance: 'internal', departments: ['الصادر'] },
];

let server: TestServer;
let provider: ProviderProcess | undefined;
let providerPort: number;
let issuer: string;

beforeAll(async () => {
  providerPort = await freePort();
  issuer = `http://localhost:${providerPort}`;
  const env = await isolatedEnv({
    PORT: String(await freePort()),
    DIWAN_OIDC_ISSUER: issuer,
    DIWAN_OIDC_CLIENT_ID: CLIENT.id,
    DIWAN_OIDC_CLIENT_SECRET: CLIENT.secret,
    DIWAN_DIRECTORY_GROUPS: JSON.stringify(GROUPS),
  });
  server = await startTestServer(env);
});

afterAll(async () => {
  await provider?.stop();
  await server?.stop();
});

/** Signs in at the provider as `username`: the archive's callback address the provider sends the browser to (not yet visited). */
async function throughProvider(b: HttpBrowser, username: string, password: string): Promise<string> {
  const begin = await b.request(`${server.url}/login/oidc?next=%2Fsearch`);
  expect(begin.status).toBe(303);
  const auth = new URL(begin.headers.get('location')!);
  expect(auth.origin).toBe(issuer);
  expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
  const { url: form } = await b.follow(auth.href, (u) => u.pathname.startsWith('/interaction/'));
  expect((await b.request(form)).status).toBe(200);
  const posted = await b.request(`${form}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password }),
  });
  expect(posted.status).toBe(303);
  const { url } = await b.follow(new URL(posted.headers.get('location')!, form).href, (u) => u.origin === server.url);
  return url;
}

/** Who the browser's session says it is. */
async function me(b: HttpBrowser): Promise<{ name: string; role: string; clearance: string; departments: string[] | null }> {
  const res = await b.request(`${server.url}/api/v1/me`);
  expect(res.status).toBe(200);
  return (await res.json()) as { name: string; role: string; clearance: string; departments: string[] | null };
}

/** The accounts here of the provider's subject `sub` (one, or none). */
async function accounts(sub: string): Promise<Array<{ username: string; display_name: string; role: string }>> {
  const r = await server.core.db.query<{ username: string; display_name: string; role: string }>(
    `SELECT username, display_name, role FROM users WHERE source = 'oidc' AND external_id = $1`,
    [sub],
  );
  return r.rows;
}

async function signIn(username: string, password: string): Promise<{ b: HttpBrowser; res: Response }> {
  const b = new HttpBrowser();
  const res = await b.request(await throughProvider(b, username, password));
  return { b, res };
}

test('the provider away: the sign-in button leads to a clear message, not a 500; it works once the provider is back', async () => {
  const login = await (await fetch(`${server.url}/login`)).text();
  expect(login).toContain('href="/login/oidc?next=%2Fsearch"');
  expect(login).toContain('بوابة الدخول الموحد');
  const away = await fetch(`${server.url}/login/oidc`, { redirect: 'manual' });
  expect(away.status).toBe(503);
  const page = await away.text();
  expect(page).toContain('تعذّر الوصول إلى بوابة الدخول الموحد');
  expect(page).toContain('The single sign-on provider cannot be reached');
  const sso = async () => (await runDoctor(server.config)).find((c) => c.name === 'single sign-on (OpenID Connect)');
  expect(await sso()).toMatchObject({ state: 'fail', detail: expect.stringContaining(issuer) });

  provider = await startProvider({
    port: providerPort,
    issuer,
    clientId: CLIENT.id,
    clientSecret: CLIENT.secret,
    redirectUri: `${server.url}/login/oidc/callback`,
  });
  expect((await fetch(`${server.url}/login/oidc`, { redirect: 'manual' })).status).toBe(303);
  expect(await sso()).toMatchObject({ state: 'ok' });
});

test('a person in the admins group signs in through the provider as an administrator', async () => {
  const { b, res } = await signIn('amina', 'amina-pass');
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toBe('/login/oidc/onward?next=%2Fsearch');
  expect(b.cookie('localhost', 'diwan_sso')).toBeUndefined(); // the pending sign-in serves once
  expect(await me(b)).toMatchObject({ name: 'amina', role: 'admin', clearance: 'secret', departments: null });
  expect(await accounts('sub-amina')).toEqual([{ username: 'amina', display_name: 'أمينة الراشد', role: 'admin' }]);
  const onward = await b.request(`${server.url}/login/oidc/onward?next=%2Fsearch`);
  expect(await onward.text()).toMatch(/<meta http-equiv="refresh" content="0;url=\/search"/);
  // A tab (dropped by browsers) or a backslash would make "/\t/evil.example" another site: the search page instead.
  for (const away of ['%2F%09%2Fevil.example', '%2F%5Cevil.example', '%2F%0A%2Fevil.example']) {
    const page = await (await fetch(`${server.url}/login/oidc/onward?next=${away}`)).text();
    expect(page).toContain('content="0;url=/search"');
    expect(page).not.toContain('evil.example');
  }
  expect((await b.request(`${server.url}/search`)).status).toBe(200);
});

test('a person in the clerks group is a clerk, with the mapped clearance and departments, under a username that fits', async () => {
  // Their preferred_username is Arabic (خالد), which no username here may be: their email is used.
  const { b } = await signIn('khalid', 'khalid-pass');
  expect(await me(b)).toMatchObject({
    name: 'khalid@mof.example',
    role: 'clerk',
    clearance: 'internal',
    departments: ['الصادر'],
  });
  expect(await accounts('sub-khalid')).toEqual([{ username: 'khalid@mof.example', display_name: 'خالد العمري', role: 'clerk' }]);
});

test('a person in no mapped group is refused with a clear page, and the refusal is logged', async () => {
  const { b, res } = await signIn('salma', 'salma-pass');
  expect(res.status).toBe(403);
  const page = await res.text();
  expect(page).toContain('ليس في أي مجموعة مخوَّلة بالدخول إلى الديوان');
  expect(page).toContain('in no group allowed into the archive');
  expect(b.cookie('127.0.0.1', 'diwan_session')).toBeUndefined();
  const logged = await server.core.db.query<{ reason: string }>(
    `SELECT reason FROM access_log WHERE kind = 'login-failed' AND username = 'salma' ORDER BY id DESC LIMIT 1`,
  );
  expect(logged.rows[0]?.reason).toContain('in no group of DIWAN_DIRECTORY_GROUPS (groups: staff)');
});

test('a tampered state is refused, and so is an answer this browser did not ask for', async () => {
  const b = new HttpBrowser();
  const back = new URL(await throughProvider(b, 'amina', 'amina-pass'));
  expect(back.searchParams.get('code')).toBeTruthy();
  const tampered = new URL(back);
  tampered.searchParams.set('state', `${back.searchParams.get('state')}x`);
  const refused = await b.request(tampered.href);
  expect(refused.status).toBe(400);
  expect(await refused.text()).toContain('لم يكتمل الدخول الموحد');
  expect(b.cookie('127.0.0.1', 'diwan_session')).toBeUndefined();
  // The genuine answer, in another browser (no pending sign-in of its own): refused too.
  const other = await new HttpBrowser().request(back.href);
  expect(other.status).toBe(400);
});

test('the same person signing in again is brought up to date (name, role), not made twice', async () => {
  await provider!.change('sub-amina', { name: 'أمينة سالم الراشد', groups: ['diwan-clerks'] });
  try {
    const { b } = await signIn('amina', 'amina-pass');
    expect(await me(b)).toMatchObject({ name: 'amina', role: 'clerk', clearance: 'internal', departments: ['الصادر'] });
    expect(await accounts('sub-amina')).toEqual([{ username: 'amina', display_name: 'أمينة سالم الراشد', role: 'clerk' }]);
  } finally {
    await provider!.change('sub-amina', { name: 'أمينة الراشد', groups: ['diwan-admins'] });
  }
});

test('taken out of every mapped group: refused, and the sessions and tokens the account had stop at once', async () => {
  const { b } = await signIn('amina', 'amina-pass');
  const made = await server.api('/api/v1/tokens', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'amina', name: 'script', role: 'admin' }),
  });
  const { token } = (await made.json()) as { token: string };
  const byToken = async () => (await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status;
  expect(await byToken()).toBe(200);
  await provider!.change('sub-amina', { groups: ['staff'] });
  try {
    expect((await signIn('amina', 'amina-pass')).res.status).toBe(403);
    expect((await b.request(`${server.url}/api/v1/me`)).status).toBe(401);
    expect(await byToken()).toBe(401);
    expect(await accounts('sub-amina')).toMatchObject([{ username: 'amina', role: 'clerk' }]);
  } finally {
    await provider!.change('sub-amina', { groups: ['diwan-admins'] });
  }
});

test("an account keeps the username it was made with: a provider's new preferred_username does not rename it", async () => {
  const person = { subject: 'sub-rename', username: 'first-name', displayName: 'س', groups: ['diwan-clerks'] };
  const first = await signInWithOidc(server.core.db, server.config.identity.groups, person);
  const again = await signInWithOidc(server.core.db, server.config.identity.groups, { ...person, username: 'reused-name' });
  expect(['user' in first && first.user.username, 'user' in again && again.user.username]).toEqual(['first-name', 'first-name']);
  expect(await accounts('sub-rename')).toMatchObject([{ username: 'first-name' }]);
});

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const inBrowser = fs.existsSync(CHROMIUM) ? test : test.skip;

inBrowser('in Chromium: the sign-in button, the provider, and back to the search page signed in', async () => {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}/search`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.click('#sso-button');
    await page.waitForURL((u) => u.origin === issuer && u.pathname.startsWith('/interaction/'));
    await page.fill('input[name=username]', 'amina');
    await page.fill('input[name=password]', 'amina-pass');
    await page.click('button[type=submit]');
    await page.waitForURL((u) => u.origin === server.url && u.pathname === '/search', { timeout: 15_000 });
    // Signed in: the top bar has the sign-out button and the administrator's sections.
    await page.locator('form[action="/logout"]').waitFor({ timeout: 5000 });
    expect(await page.locator('nav a[href="/audit"]').count()).toBe(1);
    // The session cookie stayed Strict; the pending sign-in's cookie is gone.
    const cookies = await page.context().cookies(server.url);
    expect(cookies.find((c) => c.name === 'diwan_session')?.sameSite).toBe('Strict');
    expect(cookies.find((c) => c.name === 'diwan_sso')).toBeUndefined();
  } finally {
    await browser.close();
  }
});
