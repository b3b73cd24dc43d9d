/**
 * The second factor of local accounts, over HTTP as a browser sends it (cookies, CSRF, redirects): an
 * administrator must set one up before the first session (read from the page's QR code, as an app does);
 * a code is good once; wrong codes are refused and count toward the lock-out; a clerk without one signs in
 * with the password alone, and once they set one up of their own accord they are asked for it; an
 * administrator's reset makes the person set it up again; a sign-in left half done runs out.
 */
import jsQR from 'jsqr';
import sharp from 'sharp';
import { totpCode, totpStep } from '../src/identity/totp';
import { runDoctor } from '../src/runtime/doctor';
import { isolatedEnv, runCli, startTestServer, type TestServer } from './helpers';

let server: TestServer;
const PASSWORD = 'كلمة-سر-طويلة-للخطوتين-123';
let ip = 0;

beforeAll(async () => {
  // Each visitor below comes from its own address (behind the loopback proxy), so the per-address rate limits stay out of the way.
  server = await startTestServer(await isolatedEnv({ DIWAN_TRUST_PROXY: 'loopback' }));
  for (const [username, role] of [
    ['salma', 'admin'],
    ['fahd', 'admin'],
    ['khalid', 'clerk'],
    ['mona', 'clerk'],
  ] as const) {
    const res = await server.api('/api/v1/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, role, clearance: 'internal', password: PASSWORD }),
    });
    expect(res.status).toBe(201);
  }
});

afterAll(async () => {
  await server?.stop();
});

/** A browser: its cookies, its own address, redirects seen one by one. */
class Visitor {
  readonly jar = new Map<string, string>();
  private readonly ip = `10.22.0.${++ip}`;

  async go(path: string, form?: Record<string, string>): Promise<Response> {
    const headers: Record<string, string> = {
      'x-forwarded-for': this.ip,
      cookie: [...this.jar].map(([k, v]) => `${k}=${v}`).join('; '),
    };
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(`${server.url}${path}`, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers,
      body: form && new URLSearchParams({ ...form, _csrf: this.jar.get('diwan_csrf') ?? '' }),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [name, value] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)];
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(c)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }

  /** The password step: where it leads. */
  async signIn(username: string, password = PASSWORD): Promise<string | null> {
    await this.go('/login');
    return (await this.go('/login', { username, password, next: '/search' })).headers.get('location');
  }

  async code(path: '/login/code' | '/login/enrol' | '/account/second-factor', code: string): Promise<string | null> {
    return (await this.go(path, { code })).headers.get('location');
  }

  /** Whether this browser has a session that opens a signed-in page. */
  async signedIn(): Promise<boolean> {
    return (await this.go('/account')).status === 200;
  }
}

/** The key of the set-up page, read from its QR code as an authenticator app does, checked against the key in text. */
async function keyFromPage(page: string, account: string): Promise<string> {
  const svg = /<svg\s+class="qr"[\s\S]*?<\/svg>/.exec(page)![0];
  const img = await sharp(Buffer.from(svg))
    .resize(400, 400, { kernel: 'nearest' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const qr = jsQR(new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.length), img.info.width, img.info.height);
  const uri = new URL(qr!.data);
  expect(uri.protocol).toBe('otpauth:');
  expect(decodeURIComponent(uri.pathname)).toBe(`/Electronic Registry:${account}`);
  expect(uri.searchParams.get('digits')).toBe('6');
  expect(uri.searchParams.get('period')).toBe('30');
  const secret = uri.searchParams.get('secret')!;
  // The same key for typing by hand, left to right, in groups of four.
  const typed = /<code id="totp-secret" dir="ltr">([A-Z2-7 ]+)<\/code>/.exec(page)![1]!;
  expect(typed.replace(/ /g, '')).toBe(secret);
  return secret;
}

/** The code of the next step not yet used for this key (a code is good once). */
const used = new Map<string, number>();
function nextCode(secret: string): string {
  const step = Math.max(totpStep(), (used.get(secret) ?? -1) + 1);
  used.set(secret, step);
  return totpCode(secret, step);
}
const wrong = (secret: string) => String((Number(totpCode(secret)) + 500_000) % 1_000_000).padStart(6, '0');

async function failures(username: string, reason = 'wrong or reused second-factor code'): Promise<number> {
  const r = await server.core.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM access_log WHERE kind = 'login-failed' AND username = $1 AND reason = $2`,
    [username, reason],
  );
  return r.rows[0]!.n;
}

const keys = new Map<string, string>();

test('an administrator sets up a second factor before the first session; the key is sealed in the database', async () => {
  const b = new Visitor();
  expect(await b.signIn('salma')).toBe('/login/enrol');
  expect(b.jar.has('diwan_session')).toBe(false);
  // The password alone opens nothing.
  expect(await b.signedIn()).toBe(false);
  const page = await (await b.go('/login/enrol')).text();
  const secret = await keyFromPage(page, 'salma');
  keys.set('salma', secret);
  // A wrong code: refused, logged, still no session.
  expect(await b.code('/login/enrol', wrong(secret))).toBe('/login/enrol?wrong=1');
  expect(await failures('salma')).toBe(1);
  expect(await b.signedIn()).toBe(false);
  expect(await (await b.go('/login/enrol?wrong=1')).text()).toContain('الرمز غير صحيح');
  // The right code: the factor is confirmed and the session starts, going where the sign-in was headed.
  expect(await b.code('/login/enrol', nextCode(secret))).toBe('/search');
  expect(await b.signedIn()).toBe(true);
  const row = await server.core.db.query<{ secret_sealed: string; confirmed_at: Date | null }>(
    `SELECT secret_sealed, confirmed_at FROM second_factors f JOIN users u ON u.id = f.user_id WHERE u.username = 'salma'`,
  );
  expect(row.rows[0]!.confirmed_at).not.toBeNull();
  expect(row.rows[0]!.secret_sealed).toMatch(/^s1:/);
  expect(row.rows[0]!.secret_sealed).not.toContain(secret);
  expect(Buffer.from(row.rows[0]!.secret_sealed.slice(3), 'base64url').toString('latin1')).not.toContain(secret);
  // The installation's administrator token (break-glass) is not asked for a code.
  expect((await server.api('/search')).status).toBe(200);
});

test('a code is accepted once: the same code again is refused, the next one opens', async () => {
  const secret = keys.get('salma')!;
  const b = new Visitor();
  expect(await b.signIn('salma')).toBe('/login/code');
  expect(await (await b.go('/login/code')).text()).toContain('data-account="salma"');
  // The code that confirmed the set-up, once more: a replay.
  const last = used.get(secret)!;
  expect(await b.code('/login/code', totpCode(secret, last))).toBe('/login/code?wrong=1');
  expect(await b.signedIn()).toBe(false);
  const code = nextCode(secret);
  expect(await b.code('/login/code', code)).toBe('/search');
  expect(await b.signedIn()).toBe(true);
  // The same code in another browser, with the right password: refused.
  const other = new Visitor();
  expect(await other.signIn('salma')).toBe('/login/code');
  expect(await other.code('/login/code', code)).toBe('/login/code?wrong=1');
  expect(await other.signedIn()).toBe(false);
  expect(await failures('salma')).toBe(3);
});

test('wrong codes count toward the lock-out: after ten, the right code is refused too', async () => {
  const b = new Visitor();
  expect(await b.signIn('fahd')).toBe('/login/enrol');
  const secret = await keyFromPage(await (await b.go('/login/enrol')).text(), 'fahd');
  for (let i = 0; i < 10; i++) {
    // From another address each time: the account's lock-out counts them all, wherever they come from.
    const from = new Visitor();
    for (const [k, v] of b.jar) from.jar.set(k, v);
    expect(await from.code('/login/enrol', wrong(secret))).toBe('/login/enrol?wrong=1');
  }
  expect(await failures('fahd')).toBe(10);
  expect(await b.code('/login/enrol', nextCode(secret))).toBe('/login?locked=1&next=%2Fsearch');
  expect(await b.signedIn()).toBe(false);
  // Locked at the password too.
  expect(await new Visitor().signIn('fahd')).toBe('/login?locked=1&next=%2Fsearch');
});

test('a clerk without a second factor signs in with the password alone; once they set one up, they are asked', async () => {
  const b = new Visitor();
  expect(await b.signIn('khalid')).toBe('/search');
  expect(await b.signedIn()).toBe(true);
  const account = await (await b.go('/account')).text();
  expect(account).toContain('غير مفعّل');
  const page = await (await b.go('/account/second-factor')).text();
  const secret = await keyFromPage(page, 'khalid');
  // The page shows the same key on a reload (the app may have read it already).
  expect(await keyFromPage(await (await b.go('/account/second-factor')).text(), 'khalid')).toBe(secret);
  expect(await b.code('/account/second-factor', wrong(secret))).toBe('/account/second-factor?wrong=1');
  expect(await b.code('/account/second-factor', nextCode(secret))).toBe('/account?done=1');
  expect(await (await b.go('/account?done=1')).text()).toContain('فُعّل التحقق بخطوتين');

  const again = new Visitor();
  expect(await again.signIn('khalid')).toBe('/login/code');
  expect(await again.signedIn()).toBe(false);
  expect(await again.code('/login/code', nextCode(secret))).toBe('/search');
  expect(await again.signedIn()).toBe(true);
  // Another clerk, who never set one up, is still not asked.
  expect(await new Visitor().signIn('mona')).toBe('/search');
});

test("an administrator resets a person's second factor: they set up a new one at the next sign-in", async () => {
  const clerk = (await server.core.users.createToken((await server.core.users.byUsername('mona'))!.id, 't', 'clerk')).token;
  expect((await server.api('/api/v1/users/salma/reset-totp', { method: 'POST', token: clerk })).status).toBe(403);
  expect((await server.api('/api/v1/users/nobody/reset-totp', { method: 'POST' })).status).toBe(404);
  const reset = await server.api('/api/v1/users/salma/reset-totp', { method: 'POST' });
  expect(await reset.json()).toEqual({ username: 'salma', removed: true });

  const b = new Visitor();
  expect(await b.signIn('salma')).toBe('/login/enrol');
  const fresh = await keyFromPage(await (await b.go('/login/enrol')).text(), 'salma');
  expect(fresh).not.toBe(keys.get('salma'));
  expect(await b.code('/login/enrol', nextCode(keys.get('salma')!))).toBe('/login/enrol?wrong=1');
  expect(await b.code('/login/enrol', nextCode(fresh))).toBe('/search');
  keys.set('salma', fresh);

  // The same from the command line, for the clerk who set one up.
  const cli = await runCli(server, ['users', 'reset-totp', 'khalid', '--json']);
  expect(cli.code).toBe(0);
  expect(JSON.parse(cli.out)).toEqual({ username: 'khalid', removed: true });
  expect(await new Visitor().signIn('khalid')).toBe('/search');
});

test('a sign-in left half done runs out: the code comes too late and the password is asked again', async () => {
  const b = new Visitor();
  expect(await b.signIn('salma')).toBe('/login/code');
  await server.core.db.query(
    `UPDATE pending_sign_ins SET expires_at = now() - interval '1 second'
      WHERE user_id = (SELECT id FROM users WHERE username = 'salma')`,
  );
  // The right code, too late.
  expect(await b.code('/login/code', nextCode(keys.get('salma')!))).toBe('/login?expired=1');
  expect(b.jar.has('diwan_pending')).toBe(false);
  expect(await b.signedIn()).toBe(false);
  expect(await (await b.go('/login?expired=1')).text()).toContain('انتهت مهلة الخطوة الثانية');
  // Without the cookie at all: back to the password, no word of expiry.
  const stranger = new Visitor();
  await stranger.go('/login');
  expect(await stranger.code('/login/code', '000000')).toBe('/login');
});

test('pages with a key or asking for a code are never kept; a second factor that no longer opens is said so, not a 500', async () => {
  const mona = new Visitor();
  expect(await mona.signIn('mona')).toBe('/search');
  for (const path of ['/account', '/account/second-factor']) {
    expect((await mona.go(path)).headers.get('cache-control')).toBe('no-store');
  }
  const b = new Visitor();
  expect(await b.signIn('salma')).toBe('/login/code');
  expect((await b.go('/login/code')).headers.get('cache-control')).toBe('no-store');
  // As after the signing key was replaced: the sealed secret no longer opens.
  await server.core.db.query(
    `UPDATE second_factors SET secret_sealed = 's1:' || repeat('A', 60) WHERE user_id = (SELECT id FROM users WHERE username = 'salma')`,
  );
  const res = await b.go('/login/code', { code: nextCode(keys.get('salma')!) });
  expect(res.status).toBe(409);
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(await res.text()).toContain('اطلب من مدير النظام إعادة ضبط خطوتك الثانية');
  expect(await b.signedIn()).toBe(false);
  expect((await runDoctor(server.config)).find((c) => c.name === 'second factors')).toMatchObject({
    state: 'fail',
    detail: expect.stringContaining('salma'),
  });
});
