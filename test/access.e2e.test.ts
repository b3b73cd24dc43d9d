/**
 * Who may do what, enforced by the server: every role against every kind of
 * call and every clearance, unauthenticated callers, revoked tokens and
 * disabled people, sign-in sessions (CSRF, idle and absolute expiry, logout,
 * rate limit), and search that never leaks a snippet, title or thumbnail of a
 * document above the caller's clearance or outside their departments.
 */
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { TOKEN, startTestServer, type DocumentJson, type TestServer } from './helpers';

jest.setTimeout(600_000);

let server: TestServer;
/** One API token per person, made through the API by the installation's administrator token. */
const tokens: Record<string, string> = {};
const docs: Record<'pub' | 'conf' | 'secret' | 'clerks', string> = { pub: '', conf: '', secret: '', clerks: '' };
const MARKER = 'الاستثمار';

const PEOPLE = [
  { username: 'clerk', role: 'clerk', clearance: 'internal' },
  { username: 'official-internal', role: 'official', clearance: 'internal' },
  { username: 'official-secret', role: 'official', clearance: 'secret' },
  { username: 'official-finance', role: 'official', clearance: 'secret', departments: ['المالية'] },
  { username: 'auditor', role: 'auditor', clearance: 'internal' },
  { username: 'admin2', role: 'admin', clearance: 'secret' },
] as const;

const as = (who: string | null) => (who === null ? null : tokens[who]!);

async function upload(
  lines: string[],
  seed: number,
  fields: Record<string, string>,
  token: string | null = TOKEN,
): Promise<string> {
  const res = await server.upload(await renderArabicScan(lines, { seed }), `وثيقة-${seed}.jpg`, fields, token);
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

beforeAll(async () => {
  server = await startTestServer();
  for (const p of PEOPLE) {
    const res = await server.api('/api/v1/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...p, password: `كلمة-سر-${p.username}-123` }),
    });
    expect(res.status).toBe(201);
    const t = await server.api('/api/v1/tokens', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: p.username, name: 'tests' }),
    });
    expect(t.status).toBe(201);
    tokens[p.username] = ((await t.json()) as { token: string }).token;
  }
  docs.pub = await upload(['تعميم عام للموظفين', 'بشأن مواعيد الدوام'], 101, { classification: 'public', department: 'المالية' });
  docs.conf = await upload(['مذكرة داخلية مقيدة', 'بشأن تقييم الأداء'], 102, {
    classification: 'confidential',
    department: 'الموارد البشرية',
  });
  docs.secret = await upload(['كتاب سري للغاية', `خطة ${MARKER} الوطنية`], 103, {
    classification: 'secret',
    department: 'المالية',
  });
  docs.clerks = await upload(['طلب إجازة مقدم من موظف'], 104, { classification: 'public', department: 'الخدمات' }, as('clerk'));
  for (const id of Object.values(docs)) expect((await server.waitFor(id)).status).toBe('archived');
});

afterAll(async () => {
  await server?.stop();
});

type Who = 'nobody' | (typeof PEOPLE)[number]['username'];
const WHO: Who[] = ['nobody', ...PEOPLE.map((p) => p.username)];

/** [label, method, path (docs resolved at run time), body maker, expected status per caller]. */
function matrix(): Array<[string, string, string, (() => RequestInit['body']) | undefined, Record<Who, number>]> {
  const form = () => {
    const f = new FormData();
    f.append('file', new Blob([Buffer.from('not a scan at all')]), 'x.txt');
    return f;
  };
  const json = () => JSON.stringify({ name: 'دفعة اختبار' });
  //                                                    nobody clerk off-int off-sec off-fin auditor admin2
  const row = (...s: number[]): Record<Who, number> => Object.fromEntries(WHO.map((w, i) => [w, s[i]!])) as Record<Who, number>;
  return [
    ['who am I', 'GET', '/api/v1/me', undefined, row(401, 200, 200, 200, 200, 200, 200)],
    // Upload: allowed roles get past the door and are told the file is not a scan (415).
    ['upload', 'POST', '/api/v1/documents', form, row(401, 415, 403, 403, 403, 403, 415)],
    ['new batch', 'POST', '/api/v1/batches', json, row(401, 201, 403, 403, 403, 403, 201)],
    ['search', 'GET', `/api/v1/search?q=${encodeURIComponent('تعميم')}`, undefined, row(401, 403, 200, 200, 200, 200, 200)],
    ['list documents', 'GET', '/api/v1/documents', undefined, row(401, 403, 200, 200, 200, 200, 200)],
    ['public document', 'GET', `/api/v1/documents/${docs.pub}`, undefined, row(401, 403, 200, 200, 200, 200, 200)],
    ["a clerk's own upload", 'GET', `/api/v1/documents/${docs.clerks}`, undefined, row(401, 200, 200, 200, 403, 200, 200)],
    ['confidential document', 'GET', `/api/v1/documents/${docs.conf}`, undefined, row(401, 403, 403, 200, 403, 403, 200)],
    [
      'confidential original',
      'GET',
      `/api/v1/documents/${docs.conf}/original`,
      undefined,
      row(401, 403, 403, 200, 403, 403, 200),
    ],
    [
      'confidential archive PDF',
      'GET',
      `/api/v1/documents/${docs.conf}/archive.pdf`,
      undefined,
      row(401, 403, 403, 200, 403, 403, 200),
    ],
    [
      'secret page image',
      'GET',
      `/api/v1/documents/${docs.secret}/pages/1/image`,
      undefined,
      row(401, 403, 403, 200, 200, 403, 200),
    ],
    [
      'secret thumbnail',
      'GET',
      `/api/v1/documents/${docs.secret}/pages/1/thumb`,
      undefined,
      row(401, 403, 403, 200, 200, 403, 200),
    ],
    [
      'secret text versions',
      'GET',
      `/api/v1/documents/${docs.secret}/text-versions`,
      undefined,
      row(401, 403, 403, 200, 200, 403, 200),
    ],
    // Verifying fingerprints reveals no content: an auditor verifies any document.
    ['verify a document', 'GET', `/api/v1/documents/${docs.secret}/verify`, undefined, row(401, 403, 403, 403, 403, 200, 200)],
    ['identify a file', 'POST', '/api/v1/verify', form, row(401, 403, 403, 403, 403, 200, 200)],
    ['audit report', 'GET', '/api/v1/audit/report', undefined, row(401, 403, 403, 403, 403, 200, 200)],
    ['ledger check', 'GET', '/api/v1/audit/ledger', undefined, row(401, 403, 403, 403, 403, 200, 200)],
    ['replication status', 'GET', '/api/v1/replication', undefined, row(401, 403, 403, 403, 403, 200, 200)],
    ['long work and its progress', 'GET', '/api/v1/jobs', undefined, row(401, 403, 403, 403, 403, 200, 200)],
    ['users', 'GET', '/api/v1/users', undefined, row(401, 403, 403, 403, 403, 403, 200)],
    ['tokens', 'GET', '/api/v1/tokens', undefined, row(401, 403, 403, 403, 403, 403, 200)],
    ['rebuild the index', 'POST', '/api/v1/reindex', () => '{}', row(401, 403, 403, 403, 403, 403, 202)],
    // Nobody deletes an archived document through the API.
    ['delete a document', 'DELETE', `/api/v1/documents/${docs.pub}`, undefined, row(401, 405, 405, 405, 405, 405, 405)],
    [
      'delete its original',
      'DELETE',
      `/api/v1/documents/${docs.pub}/original`,
      undefined,
      row(401, 405, 405, 405, 405, 405, 405),
    ],
  ];
}

test('every role × every kind of call × clearance: the expected status', async () => {
  const got: string[] = [];
  const want: string[] = [];
  for (const [label, method, path, body, expected] of matrix()) {
    for (const who of WHO) {
      const b = body?.();
      const headers: Record<string, string> = typeof b === 'string' ? { 'content-type': 'application/json' } : {};
      const res = await server.api(path, { method, body: b, headers, token: who === 'nobody' ? null : as(who) });
      await res.arrayBuffer();
      got.push(`${label} as ${who}: ${res.status}`);
      want.push(`${label} as ${who}: ${expected[who]}`);
    }
  }
  expect(got).toEqual(want);
  // The installation's own administrator token still does everything, and nothing is deleted.
  expect((await server.api(`/api/v1/documents/${docs.pub}`, { method: 'DELETE' })).status).toBe(405);
  expect((await server.api(`/api/v1/documents/${docs.pub}`)).status).toBe(200);
});

test('search never leaks a snippet, title or thumbnail of a document above the caller’s clearance or outside their departments', async () => {
  const search = async (who: string) => {
    const res = await server.api(`/api/v1/search?q=${encodeURIComponent(MARKER)}`, { token: as(who) });
    expect(res.status).toBe(200);
    return {
      text: await res.clone().text(),
      body: (await res.json()) as { total: number; hits: Array<{ id: string; snippet: string }> },
    };
  };
  // The marker is there to be found: a cleared official finds the secret document by it.
  const cleared = await search('official-secret');
  expect(cleared.body.hits.map((h) => h.id)).toEqual([docs.secret]);
  expect(cleared.body.hits[0]!.snippet).toContain(`<mark>${MARKER}</mark>`);
  // Nobody below its clearance learns anything of it: no hit, no count, no snippet, no title.
  for (const who of ['official-internal', 'auditor']) {
    const r = await search(who);
    expect(r.body.total).toBe(0);
    expect(r.body.hits).toEqual([]);
    expect(r.text).not.toContain(MARKER);
    expect(r.text).not.toContain(docs.secret);
  }
  // Department scoping: the finance official sees the finance secret, not the HR confidential memo.
  expect((await search('official-finance')).body.hits.map((h) => h.id)).toEqual([docs.secret]);
  const hr = (await (
    await server.api(`/api/v1/search?q=${encodeURIComponent('تقييم الأداء')}`, { token: as('official-finance') })
  ).json()) as {
    total: number;
  };
  expect(hr.total).toBe(0);
  // Listing documents follows the same rule.
  const list = (await (await server.api('/api/v1/documents?limit=100', { token: as('official-internal') })).json()) as {
    items: Array<{ id: string }>;
  };
  expect(list.items.map((d) => d.id).sort()).toEqual([docs.pub, docs.clerks].sort());
});

test('a revoked token and a disabled person are refused at once', async () => {
  const t = await server.api('/api/v1/tokens', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'official-secret', name: 'to revoke' }),
  });
  const { token, id } = (await t.json()) as { token: string; id: string };
  expect((await server.api('/api/v1/me', { token })).status).toBe(200);
  expect((await server.api(`/api/v1/tokens/${id}/revoke`, { method: 'POST' })).status).toBe(200);
  expect((await server.api('/api/v1/me', { token })).status).toBe(401);
  const listed = (await (await server.api('/api/v1/tokens')).json()) as {
    tokens: Array<{ id: string; lastUsedAt: string | null; revokedAt: string | null }>;
  };
  expect(listed.tokens.find((x) => x.id === id)).toMatchObject({ lastUsedAt: expect.any(String), revokedAt: expect.any(String) });
  // A token is stored only as a hash.
  const stored = await server.core.db.query<{ n: number }>('SELECT count(*)::int AS n FROM api_tokens WHERE token_hash = $1', [
    token,
  ]);
  expect(stored.rows[0]!.n).toBe(0);

  expect((await server.api('/api/v1/users/auditor/disable', { method: 'POST' })).status).toBe(200);
  expect((await server.api('/api/v1/me', { token: as('auditor') })).status).toBe(401);
  expect((await server.api('/api/v1/users/auditor/enable', { method: 'POST' })).status).toBe(200);
  // Disabling revoked the person's tokens: enabling them again does not bring the old ones back.
  expect((await server.api('/api/v1/me', { token: as('auditor') })).status).toBe(401);
});

/** Signs in through the viewer's form as a browser would (the CSRF cookie first). */
async function signIn(
  username: string,
  password: string,
): Promise<{ status: number; location: string | null; cookie: string; csrf: string }> {
  const page = await fetch(`${server.url}/login`);
  const csrf = /diwan_csrf=([^;]+)/.exec(page.headers.get('set-cookie') ?? '')![1]!;
  const res = await fetch(`${server.url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `diwan_csrf=${csrf}` },
    body: new URLSearchParams({ username, password, _csrf: csrf, next: '/search' }),
  });
  const session = /diwan_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
  // Signed in, the CSRF token is the session's own (#17), given in a new cookie.
  const own = /diwan_csrf=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1] ?? csrf;
  return {
    status: res.status,
    location: res.headers.get('location'),
    cookie: `diwan_csrf=${own}; diwan_session=${session ?? ''}`,
    csrf: own,
  };
}

test('viewer sessions: http-only same-site cookie, CSRF, idle and absolute expiry, logout, failed sign-ins logged', async () => {
  const bad = await signIn('official-secret', 'wrong password');
  expect(bad.location).toMatch(/^\/login\?failed=1/);
  const log = await server.core.db.query<{ kind: string; username: string }>(
    `SELECT kind, username FROM access_log WHERE kind = 'login-failed'`,
  );
  expect(log.rows).toContainEqual({ kind: 'login-failed', username: 'official-secret' });

  const page = await fetch(`${server.url}/login`);
  expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
  const ok = await signIn('official-secret', 'كلمة-سر-official-secret-123');
  expect(ok.location).toBe('/search');
  const login = await fetch(`${server.url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `diwan_csrf=${ok.csrf}` },
    body: new URLSearchParams({ username: 'official-secret', password: 'كلمة-سر-official-secret-123', _csrf: ok.csrf }),
  });
  expect(login.headers.get('set-cookie')).toMatch(/diwan_session=[^;]+;.*HttpOnly;.*SameSite=Strict/i);

  const get = (p: string, cookie = ok.cookie) => fetch(`${server.url}${p}`, { redirect: 'manual', headers: { cookie } });
  expect((await get('/search')).status).toBe(200);
  // An official has no audit page, and is told so; the refusal is logged.
  expect((await get('/audit')).status).toBe(403);
  // A change through the API with the session cookie needs the CSRF token.
  const post = (headers: Record<string, string>) =>
    fetch(`${server.url}/api/v1/documents/${docs.pub}/reocr`, {
      method: 'POST',
      headers: { cookie: ok.cookie, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ layout: 'block', reason: 'test' }),
    });
  expect((await post({})).status).toBe(403);
  expect((await post({ 'x-csrf-token': ok.csrf })).status).toBe(202);

  // Idle for longer than allowed: back to the sign-in page.
  const secret = /diwan_session=([^;]+)/.exec(ok.cookie)![1]!;
  const hash = (await import('node:crypto')).createHash('sha256').update(secret).digest('hex');
  await server.core.db.query(`UPDATE sessions SET last_seen_at = now() - interval '31 minutes' WHERE id_hash = $1`, [hash]);
  expect((await get('/search')).headers.get('location')).toMatch(/^\/login/);
  // Past the absolute end, even when active.
  const again = await signIn('official-secret', 'كلمة-سر-official-secret-123');
  const hash2 = (await import('node:crypto'))
    .createHash('sha256')
    .update(/diwan_session=([^;]+)/.exec(again.cookie)![1]!)
    .digest('hex');
  expect((await get('/search', again.cookie)).status).toBe(200);
  await server.core.db.query(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id_hash = $1`, [hash2]);
  expect((await get('/search', again.cookie)).headers.get('location')).toMatch(/^\/login/);
  // Logout ends the session on the server, not only in the browser.
  const third = await signIn('official-secret', 'كلمة-سر-official-secret-123');
  const out = await fetch(`${server.url}/logout`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: third.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: third.csrf }),
  });
  expect(out.status).toBe(303);
  expect((await get('/search', third.cookie)).headers.get('location')).toMatch(/^\/login/);
  const denied = await server.core.db.query(`SELECT 1 FROM access_log WHERE kind = 'denied' AND path = '/audit'`);
  expect(denied.rowCount).toBe(1);
});

test('sign-in is rate-limited per client', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 12; i++) {
    const res = await fetch(`${server.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'x', password: 'y' }),
    });
    statuses.push(res.status);
  }
  expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
});

test('the first start made an administrator for the viewer, with a password shown once and kept only as a hash', async () => {
  const admin = await server.core.db.query<{ role: string; password_hash: string }>(
    `SELECT role, password_hash FROM users WHERE username = 'admin'`,
  );
  expect(admin.rows[0]!.role).toBe('admin');
  expect(admin.rows[0]!.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
  const doc = (await (await server.api(`/api/v1/documents/${docs.pub}`)).json()) as DocumentJson;
  expect(doc.status).toBe('archived');
});
