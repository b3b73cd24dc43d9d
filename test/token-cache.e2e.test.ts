/**
 * A person's token is checked from each API process's cache, and a change reaches every process at once: two
 * servers on one archive, a token used on both, then revoked, lowered or disabled through one (or by hand in
 * the database), and the other acts on it at its next request once the change's notice has reached it (sent
 * at commit; a request that reaches a process before it is answered as before the change). A listening
 * connection killed empties its process's cache: requests go on (asking the database) and stay right, and the cache is used again once the
 * connection is back. The cache itself: a lookup begun before a change is not kept, and entries expire and are bounded.
 */
import pg from 'pg';
import { createDb, type Db } from '../storage/db';
import { createTokenCache, TOKEN_LISTENER_NAME, type TokenCache } from '../storage/repos/tokenCache';
import type { PageDoc } from '../search/searchIndex';
import { pageDocId, registryKeys } from '../search/searchIndex';
import { stemmedText } from '../search/normalize';
import { clearanceRank } from '../kernel/clearance';
import { isolatedEnv, startTestServer, TOKEN, type TestServer } from './helpers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let env: NodeJS.ProcessEnv;
let a: TestServer;
let b: TestServer;
let db: Db;

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`still not ${what}`);
    await sleep(20);
  }
}

/** A page of the word «ميزانية» at this classification. */
function page(id: string, n: number, classification: 'public' | 'confidential'): PageDoc {
  const text = `ميزانية الوزارة للعام ${classification === 'public' ? 'المعلنة' : 'المقترحة'}`;
  const registryNo = `2026/00000${n}`;
  return {
    id: pageDocId(id, 1),
    documentId: id,
    registryNo,
    registryKeys: registryKeys(registryNo),
    title: 'ميزانية',
    titleStem: stemmedText('ميزانية'),
    page: 1,
    text,
    textStem: stemmedText(text),
    correspondent: null,
    correspondentStem: '',
    correspondentId: null,
    register: 'incoming',
    externalRef: null,
    externalRefKeys: [],
    referralState: 'none',
    referralDue: null,
    docType: 'report',
    department: 'المالية',
    classification,
    clearance: clearanceRank(classification),
    batchId: null,
    needsReview: false,
    registeredAt: Date.now(),
    registryYear: 2026,
    docDate: null,
  };
}

/** A person made through server A, with a token of theirs: its secret and its id. */
async function person(username: string, role: 'official' | 'auditor', clearance: string): Promise<{ token: string; id: string }> {
  const json = { 'content-type': 'application/json' };
  const made = await a.api('/api/v1/users', {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ username, role, clearance }),
  });
  expect(made.status).toBe(201);
  const t = await a.api('/api/v1/tokens', { method: 'POST', headers: json, body: JSON.stringify({ username, name: 'script' }) });
  expect(t.status).toBe(201);
  return (await t.json()) as { token: string; id: string };
}

/** The token's answer on `server`, by its own token (not the administrator's). */
const me = (server: TestServer, token: string) => server.api('/api/v1/me', { token });

/** Uses the token on `server` until its cache answers it (the listening connection up, the entry kept). */
async function cached(server: TestServer, token: string): Promise<void> {
  // The first token checked opens the process's listening connection.
  expect((await me(server, token)).status).toBe(200);
  await until('listening', () => server.core.users.tokenCacheState().listening);
  await until('answered from the cache', async () => {
    const before = server.core.users.tokenCacheState().hits;
    expect((await me(server, token)).status).toBe(200);
    return server.core.users.tokenCacheState().hits > before;
  });
}

/**
 * Makes a change, and waits until `server` has heard of it: a change takes effect in another process when its
 * notice arrives (sent at commit; well under a millisecond on an idle host, a few on a loaded one).
 */
async function heard(server: TestServer, change: () => Promise<unknown>): Promise<void> {
  const before = server.core.users.tokenCacheState().notices;
  await change();
  await until('heard', () => server.core.users.tokenCacheState().notices > before, 2000);
}

async function hitsOf(server: TestServer, token: string): Promise<Array<{ classification: string }>> {
  const res = await server.api(`/api/v1/search?${new URLSearchParams({ q: 'ميزانية' })}`, { token });
  expect(res.status).toBe(200);
  return ((await res.json()) as { hits: Array<{ classification: string }> }).hits;
}

beforeAll(async () => {
  env = await isolatedEnv({ DIWAN_INPROCESS_WORKERS: 'false' });
  a = await startTestServer(env);
  b = await startTestServer(env);
  db = createDb(env.DATABASE_URL!, 2);
  await a.core.search.addPages([
    page('00000000-0000-4000-8000-000000000001', 1, 'public'),
    page('00000000-0000-4000-8000-000000000002', 2, 'confidential'),
  ]);
});

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await db?.end();
});

test('a token revoked through one process is refused by the other at its next request once the notice is in', async () => {
  const { token, id } = await person('rana', 'official', 'confidential');
  await cached(a, token);
  await cached(b, token);
  await heard(b, async () => expect((await a.api(`/api/v1/tokens/${id}/revoke`, { method: 'POST' })).status).toBe(200));
  expect((await me(b, token)).status).toBe(401);
  expect((await me(a, token)).status).toBe(401);
  // A person disabled through A: their token is refused on B.
  const other = await person('omar', 'auditor', 'internal');
  await cached(b, other.token);
  await heard(b, async () => expect((await a.api('/api/v1/users/omar/disable', { method: 'POST' })).status).toBe(200));
  expect((await me(b, other.token)).status).toBe(401);
  // The administrator's token never was a person's: it goes on.
  expect((await b.api('/api/v1/me', { token: TOKEN })).status).toBe(200);
});

test("a clearance lowered by hand in the database: the other process's next search is filtered by the new one", async () => {
  const { token } = await person('salim', 'official', 'confidential');
  await cached(b, token);
  expect((await hitsOf(b, token)).map((h) => h.classification).sort()).toEqual(['confidential', 'public']);
  // Any writer notifies: here a hand in psql, neither process's own code.
  await heard(b, () => db.query(`UPDATE users SET clearance = 'public' WHERE username = 'salim'`));
  expect((await hitsOf(b, token)).map((h) => h.classification)).toEqual(['public']);
  expect(await (await me(b, token)).json()).toMatchObject({ clearance: 'public' });
  // A role changed to one that covers neither way: the token acts in no role, at once.
  await cached(b, token);
  await heard(b, () => db.query(`UPDATE users SET role = 'clerk' WHERE username = 'salim'`));
  expect((await b.api('/api/v1/search?q=x', { token })).status).toBe(401);
});

test("a token's last use is still written once a minute when it is answered from the cache", async () => {
  const { token, id } = await person('huda', 'auditor', 'internal');
  const usedAt = async () =>
    (await db.query<{ t: Date }>('SELECT last_used_at AS t FROM api_tokens WHERE id = $1', [id])).rows[0]!.t.getTime();
  // Its use recorded 59 s ago: answered from the cache meanwhile, written again once that is a minute old.
  await db.query(`UPDATE api_tokens SET last_used_at = now() - interval '59 seconds' WHERE id = $1`, [id]);
  const recorded = await usedAt();
  await cached(b, token);
  expect(await usedAt()).toBe(recorded);
  await sleep(2500);
  expect((await me(b, token)).status).toBe(200);
  expect(await usedAt()).toBeGreaterThan(recorded + 58_000);
});

test('the listening connection killed: requests go on from the database, stay right, and the cache comes back', async () => {
  const kept = await person('nawal', 'official', 'confidential');
  const other = await person('ziad', 'official', 'public');
  await cached(b, kept.token);
  const losses = b.core.users.tokenCacheState().losses;
  const owner = new pg.Client({ connectionString: env.DATABASE_OWNER_URL });
  await owner.connect();
  try {
    // Killed, and at once a change whose notice that connection will never carry.
    await owner.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`,
      [TOKEN_LISTENER_NAME],
    );
    await owner.query('UPDATE api_tokens SET revoked_at = now() WHERE id = $1', [kept.id]);
  } finally {
    await owner.end();
  }
  await until('the loss noticed', () => b.core.users.tokenCacheState().losses > losses);
  // Meanwhile the database answers every request.
  expect((await me(b, kept.token)).status).toBe(401);
  expect(await (await me(b, other.token)).json()).toMatchObject({ name: 'ziad (token script)', clearance: 'public' });
  // Listening again: the entry of the token revoked unheard is not there (the cache was emptied at the loss).
  await until('listening again', () => b.core.users.tokenCacheState().listening);
  expect((await me(b, kept.token)).status).toBe(401);
  // Back: the cache is used again, and hears of changes again.
  await cached(b, other.token);
  await heard(b, () => db.query(`UPDATE users SET clearance = 'internal' WHERE username = 'ziad'`));
  expect(await (await me(b, other.token)).json()).toMatchObject({ clearance: 'internal' });
  // An operator sees all of it in /metrics (read a moment later: the page is shared for a second).
  await new Promise((r) => setTimeout(r, 1100));
  const metrics = await (await b.api('/metrics')).text();
  const gauge = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(metrics)?.[1]);
  expect(gauge('diwan_token_cache_listening')).toBe(1);
  expect(gauge('diwan_token_cache_losses')).toBeGreaterThan(losses);
  expect(gauge('diwan_token_cache_entries')).toBeGreaterThan(0);
  expect(gauge('diwan_token_cache_lookups\\{result="hit"\\}')).toBe(b.core.users.tokenCacheState().hits);
  expect(gauge('diwan_token_cache_lookups\\{result="miss"\\}')).toBeGreaterThan(0);
});

describe('the cache alone', () => {
  let cache: TokenCache<{ id: string; n: number }> | undefined;
  afterEach(async () => {
    await cache?.stop();
    cache = undefined;
  });
  const alice = '00000000-0000-4000-8000-00000000000a';
  const bob = '00000000-0000-4000-8000-00000000000b';

  test('not used before its connection listens; a lookup begun before a change is not kept', async () => {
    const c = (cache = createTokenCache(db));
    expect(c.ticket()).toBeUndefined();
    c.keep(undefined, 'h1', { id: alice, n: 1 }, 60_000);
    expect(c.get('h1')).toBeUndefined();
    await until('listening', () => c.state().listening);
    const early = c.ticket();
    await db.query(`SELECT pg_notify('diwan_tokens', $1)`, [bob]);
    await until('the notice heard', () => c.ticket() !== early);
    c.keep(early, 'h1', { id: alice, n: 1 }, 60_000);
    expect(c.get('h1')).toBeUndefined();
    // A notice drops only its person's entries; one without a person drops all.
    const now = c.ticket();
    c.keep(now, 'h1', { id: alice, n: 1 }, 60_000);
    c.keep(now, 'h2', { id: bob, n: 2 }, 60_000);
    await db.query(`SELECT pg_notify('diwan_tokens', $1)`, [bob]);
    await until('bob dropped', () => c.get('h2') === undefined);
    expect(c.get('h1')).toEqual({ id: alice, n: 1 });
    await db.query(`SELECT pg_notify('diwan_tokens', '')`);
    await until('all dropped', () => c.state().entries === 0);
  });

  test('entries expire and are bounded, the oldest going first', async () => {
    const c = (cache = createTokenCache(db, { maxEntries: 2, maxAgeMs: 150 }));
    c.ticket();
    await until('listening', () => c.state().listening);
    c.keep(c.ticket(), 'h1', { id: alice, n: 1 }, 60_000);
    c.keep(c.ticket(), 'h2', { id: alice, n: 2 }, 60_000);
    c.keep(c.ticket(), 'h3', { id: alice, n: 3 }, 60_000);
    expect([c.get('h1'), c.get('h2')?.n, c.get('h3')?.n]).toEqual([undefined, 2, 3]);
    await sleep(200);
    expect([c.get('h2'), c.get('h3')]).toEqual([undefined, undefined]);
  });
});
