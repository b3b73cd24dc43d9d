/**
 * Rate limits hold across every process of the archive: two servers on one
 * database count one client's requests together, a refusal says when to come
 * back (Retry-After), and no number of other clients resets a limited one.
 */
import { isolatedEnv, startTestServer, type TestServer } from './helpers';

let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  const env = await isolatedEnv({ DIWAN_VERIFY_PER_MINUTE: '5', DIWAN_TRUST_PROXY: 'loopback' });
  a = await startTestServer(env);
  b = await startTestServer({ ...env, PORT: '0' });
});

afterAll(async () => {
  await a?.stop();
  await b?.stop();
});

/** A public verification request, as the client at `ip` (behind the trusted proxy on loopback). */
const verify = (server: TestServer, ip: string) =>
  fetch(`${server.url}/verify/2026/000001`, { headers: { 'x-forwarded-for': ip, accept: 'application/json' } });

test('#22 the rate limit is shared by every process, answers Retry-After, and is not reset by many other clients', async () => {
  // Counted in one-minute windows: start early in a minute, so that the whole sequence falls in one.
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 40_000) await new Promise((r) => setTimeout(r, 60_500 - intoMinute));
  // 5 a minute for one client, over two servers: 3 on one, 2 on the other pass, the next is refused on either.
  const passed = [];
  for (const server of [a, a, a, b, b]) passed.push((await verify(server, '10.1.1.1')).status);
  expect(passed.every((s) => s !== 429)).toBe(true);
  const refused = await verify(b, '10.1.1.1');
  expect(refused.status).toBe(429);
  const retryAfter = Number(refused.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(((await refused.json()) as { error: string }).error).toBe('rate_limited');
  expect((await verify(a, '10.1.1.1')).status).toBe(429);

  // Ten thousand other clients counted in the same minute (written straight into the counters) change nothing.
  await a.core.db.query(
    `INSERT INTO rate_limits (key, window_start, count)
     SELECT 'verify:10.9.' || (i / 250) || '.' || (i % 250), date_trunc('minute', now()), 1 FROM generate_series(1, 10001) AS i`,
  );
  for (let i = 0; i < 20; i++) await verify(a, `10.2.0.${i}`);
  expect((await verify(a, '10.1.1.1')).status).toBe(429);
  // Another client is not held back by the first.
  expect((await verify(b, '10.3.3.3')).status).not.toBe(429);
});
