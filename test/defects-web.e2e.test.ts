/**
 * The viewer's door under hostile use: CSRF tokens bound to their session and
 * `__Host-` cookies behind TLS, accounts locked after many wrong passwords from
 * many addresses, and bad input at the door answered without a 5xx.
 */
import crypto from 'node:crypto';
import { TOKEN, isolatedEnv, startTestServer, type TestServer } from './helpers';

let server: TestServer;
const PASSWORD = 'كلمة-سر-طويلة-للاختبار-123';

beforeAll(async () => {
  server = await startTestServer(await isolatedEnv({ DIWAN_TRUST_PROXY: 'loopback' }));
  for (const username of ['clerk-one', 'clerk-two', 'clerk-locked']) {
    const res = await server.api('/api/v1/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, displayName: username, role: 'official', clearance: 'public', password: PASSWORD }),
    });
    expect(res.status).toBe(201);
  }
});

afterAll(async () => {
  await server?.stop();
});

/** Signs in through the form as a browser at `ip` would; `tls` as if behind the TLS proxy. */
async function signIn(username: string, password: string, opts: { ip?: string; tls?: boolean } = {}) {
  const proxy: Record<string, string> = {
    'x-forwarded-for': opts.ip ?? '10.5.0.1',
    ...(opts.tls ? { 'x-forwarded-proto': 'https' } : {}),
  };
  const page = await fetch(`${server.url}/login`, { headers: proxy });
  const pre = /(?:__Host-)?diwan_csrf=([^;]+)/.exec(page.headers.get('set-cookie') ?? '')![1]!;
  const name = opts.tls ? '__Host-diwan_csrf' : 'diwan_csrf';
  const res = await fetch(`${server.url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { ...proxy, 'content-type': 'application/x-www-form-urlencoded', cookie: `${name}=${pre}` },
    body: new URLSearchParams({ username, password, _csrf: pre, next: '/search' }),
  });
  const setCookie = res.headers.get('set-cookie') ?? '';
  return {
    location: res.headers.get('location'),
    setCookie,
    session: /diwan_session=([^;]+)/.exec(setCookie)?.[1],
    csrf: /diwan_csrf=([^;]+)/.exec(setCookie)?.[1],
  };
}

test('#17 a CSRF token is good only for its own session, and cookies carry the __Host- prefix behind TLS', async () => {
  const one = await signIn('clerk-one', PASSWORD);
  const two = await signIn('clerk-two', PASSWORD);
  expect(one.session && two.session && one.csrf && two.csrf).toBeTruthy();
  // A change an official may ask for (reading a document again), on a document that does not exist:
  // the CSRF check comes first (403), then the document is looked for (404).
  const change = async (session: string, cookieCsrf: string, given: string) => {
    const res = await fetch(`${server.url}/api/v1/documents/${crypto.randomUUID()}/reocr`, {
      method: 'POST',
      headers: {
        cookie: `diwan_session=${session}; diwan_csrf=${cookieCsrf}`,
        'content-type': 'application/json',
        'x-csrf-token': given,
      },
      body: JSON.stringify({ layout: 'block', reason: 'csrf' }),
    });
    return `${res.status} ${((await res.json()) as { messageEn: string }).messageEn.includes('CSRF') ? 'csrf' : 'other'}`;
  };
  // A token planted in the cookie and echoed back (double submit) is not the session's: refused.
  expect(await change(one.session!, 'planted-token-0123456789', 'planted-token-0123456789')).toBe('403 csrf');
  // Another session's token: refused.
  expect(await change(one.session!, two.csrf!, two.csrf!)).toBe('403 csrf');
  // Its own: past the check (and the document is not found).
  expect(await change(one.session!, one.csrf!, one.csrf!)).toBe('404 other');

  // Behind TLS the cookies are __Host- (Secure, Path=/, no Domain), and a plain-named session cookie counts for nothing.
  const secure = await signIn('clerk-one', PASSWORD, { tls: true });
  expect(secure.location).toBe('/search');
  const sessionCookie = secure.setCookie.split(/, (?=__Host-)/).find((c) => c.startsWith('__Host-diwan_session='))!;
  expect(sessionCookie.split('; ')).toEqual(expect.arrayContaining(['Path=/', 'HttpOnly', 'Secure', 'SameSite=Strict']));
  expect(secure.setCookie).not.toMatch(/Domain=/i);
  const page = (cookie: string) =>
    fetch(`${server.url}/search`, {
      redirect: 'manual',
      headers: { cookie, 'x-forwarded-proto': 'https', 'x-forwarded-for': '10.5.0.1' },
    });
  expect((await page(`__Host-diwan_session=${secure.session}`)).status).toBe(200);
  expect((await page(`diwan_session=${secure.session}`)).headers.get('location')).toMatch(/^\/login/);
});

test('#22 an account is locked after many wrong passwords from many addresses, and says so', async () => {
  for (let i = 0; i < 10; i++) {
    const bad = await signIn('clerk-locked', 'wrong password', { ip: `10.6.0.${i}` });
    expect(bad.location).toMatch(/^\/login\?failed=1/);
  }
  // The right password, from yet another address: locked all the same.
  const locked = await signIn('clerk-locked', PASSWORD, { ip: '10.6.1.1' });
  expect(locked.location).toMatch(/^\/login\?locked=1/);
  expect(locked.session).toBeUndefined();
  const page = await (await fetch(`${server.url}${locked.location}`)).text();
  expect(page).toContain('أُوقف الدخول إلى هذا الحساب مؤقتًا');
  // Another account is not held back.
  expect((await signIn('clerk-two', PASSWORD, { ip: '10.6.1.2' })).location).toBe('/search');
});

test('#18 a NUL in the sign-in name and an overlong viewer search get a clear answer, never a 5xx', async () => {
  const nul = await signIn('clerk-one\u0000', PASSWORD, { ip: '10.7.0.1' });
  expect(nul.location).toMatch(/^\/login\?failed=1/);
  const one = await signIn('clerk-one', PASSWORD, { ip: '10.7.0.2' });
  const search = await fetch(`${server.url}/search?q=${'ب'.repeat(600)}`, {
    headers: { cookie: `diwan_session=${one.session}`, 'x-forwarded-for': '10.7.0.2' },
  });
  expect(search.status).toBe(200);
  expect(await search.text()).toContain('ب'.repeat(500));
  // And through the API, the same query is refused clearly.
  const api = await fetch(`${server.url}/api/v1/search?q=${'ب'.repeat(600)}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(api.status).toBe(400);
});
