/**
 * The rate limit as the API contract promises it: every answer of a limited
 * call carries the standard RateLimit and RateLimit-Policy headers, the
 * request past the limit is 429 as problem details (RFC 9457) with
 * Retry-After, and two Diwan servers on one database count one client's
 * requests together (the counts are in PostgreSQL, not in a process).
 */
import { isolatedEnv, startTestServer, type TestServer } from './helpers';

const LIMIT = 3;
let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  const env = await isolatedEnv({ DIWAN_VERIFY_PER_MINUTE: String(LIMIT), DIWAN_TRUST_PROXY: 'loopback' });
  a = await startTestServer(env);
  b = await startTestServer({ ...env, PORT: '0' });
});

afterAll(async () => {
  await a?.stop();
  await b?.stop();
});

/** A transaction's status asked by the client at `ip` (behind the trusted proxy on loopback): no such number, 404. */
const ask = (server: TestServer, ip: string) =>
  fetch(`${server.url}/api/v1/status?no=2026/000001&code=AAAA-BBBB-CCCC`, { headers: { 'x-forwarded-for': ip } });

/** The remaining count the draft-8 RateLimit header gives ("status"; r=2; t=41). */
const remaining = (res: Response) => Number(/r=(\d+)/.exec(res.headers.get('ratelimit') ?? '')?.[1]);

/**
 * LIMIT requests from one client, spread over both servers, and one more. A
 * window that ends in the middle (the remaining count goes up again) is tried
 * again with another client.
 */
async function overTheLimit(): Promise<{ ip: string; passed: Response[]; refused: Response }> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const ip = `10.7.${attempt}.1`;
    const passed: Response[] = [];
    for (let i = 0; i < LIMIT; i++) passed.push(await ask(i % 2 === 0 ? a : b, ip));
    const refused = await ask(b, ip);
    const counts = passed.map(remaining);
    if (counts.every((n, i) => n === LIMIT - 1 - i)) return { ip, passed, refused };
  }
  throw new Error('the window ended during every attempt');
}

test('#22 a limited call sends RateLimit headers, refuses the request past the limit as problem+json with Retry-After, and both servers share the count', async () => {
  const { ip, passed, refused } = await overTheLimit();
  for (const res of passed) {
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('ratelimit')).toMatch(/^"status"; r=\d+; t=\d+$/);
    expect(res.headers.get('ratelimit-policy')).toMatch(new RegExp(`^"status"; q=${LIMIT}; w=60; pk=:[^:]+:$`));
  }
  // The third request went to the second server, which had seen one: it counted the first server's too.
  expect(refused.status).toBe(429);
  expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const retryAfter = Number(refused.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(remaining(refused)).toBe(0);
  const body = (await refused.json()) as Record<string, unknown>;
  expect(body).toMatchObject({
    type: '/api/docs#error-rate_limited',
    title: 'Too many requests; try again in a minute.',
    status: 429,
    instance: '/api/v1/status',
    error: 'rate_limited',
    details: { retryAfterSeconds: expect.any(Number) },
  });
  expect(body.message).toMatch(/[\u0600-\u06FF]/);
  expect(body.detail).toBe(body.messageEn);

  // Refused on the first server as well; another client is not held back.
  expect((await ask(a, ip)).status).toBe(429);
  expect((await ask(a, '10.8.8.8')).status).toBe(404);
});
