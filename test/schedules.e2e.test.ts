/**
 * Schedules run once for the whole cluster, their period counted from the
 * last run recorded in the database: two servers on one archive share one
 * sweep, a server restarted more often than the period still runs a due
 * schedule, and a run held elsewhere (its advisory lock) is not started twice.
 * Processes that each check one copy (fixity where the copy lives) run a
 * fixity schedule of their own.
 */
import pg from 'pg';
import { createDb, type Db } from '../storage/db';
import { listScheduleRuns, SCHEDULE_LOCK_NAMESPACE, type ScheduleRun } from '../storage/schedules';
import { fixityScheduleName, sweepScheduleName } from '../src/runtime/schedules';
import { isolatedEnv, startTestServer, type TestServer } from './helpers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let db: Db | undefined;
const servers: TestServer[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
  await db?.end();
  db = undefined;
});

function gapsMs(runs: ScheduleRun[]): number[] {
  return runs.slice(1).map((r, i) => r.startedAt.getTime() - runs[i]!.startedAt.getTime());
}

test('N processes ran N sweeps: two servers on one archive run one sweep between them per period', async () => {
  const env = await isolatedEnv({ DIWAN_INPROCESS_WORKERS: 'false', DIWAN_SWEEP_SECONDS: '2' });
  servers.push(await startTestServer(env), await startTestServer(env));
  db = createDb(env.DATABASE_URL!, 2);
  const began = Date.now();
  await sleep(9000);
  const elapsed = Date.now() - began;
  const all = await listScheduleRuns(db, sweepScheduleName(servers[0]!.core));
  // Each start swept its spool once; after that, one run per period between both (each alone would have made as many again).
  expect(all.filter((r) => r.atStart)).toHaveLength(2);
  const runs = all.filter((r) => !r.atStart);
  expect(runs.length).toBeGreaterThanOrEqual(3);
  expect(runs.length).toBeLessThanOrEqual(Math.floor(elapsed / 2000) + 2);
  // A scheduled run comes a whole period after the run before it, whichever process made either.
  for (let i = 1; i < all.length; i++) {
    if (!all[i]!.atStart) expect(all[i]!.startedAt.getTime() - all[i - 1]!.startedAt.getTime()).toBeGreaterThanOrEqual(1950);
  }
  // Never two at once: each run started after the one before it ended, and each ended well.
  for (let i = 1; i < runs.length; i++)
    expect(runs[i]!.startedAt.getTime()).toBeGreaterThanOrEqual(runs[i - 1]!.finishedAt!.getTime());
  expect(runs.slice(0, -1).every((r) => r.ok === true && r.finishedAt !== null)).toBe(true);
});

test('a daily run never came when restarted daily: a server restarted more often than the period still runs a due schedule', async () => {
  // A fixity period of 3.6 s; the server is restarted about every 1.5 s, so no process lives a whole period.
  // At least four lives and nine seconds, however slowly a loaded machine starts each server.
  const env = await isolatedEnv({ DIWAN_INPROCESS_WORKERS: 'false', DIWAN_FIXITY_HOURS: '0.001' });
  db = createDb(env.DATABASE_URL!, 2);
  const began = Date.now();
  let lives = 0;
  while (lives < 4 || Date.now() - began < 9000) {
    const s = await startTestServer(env);
    lives++;
    await sleep(1500);
    await s.stop();
  }
  const elapsed = Date.now() - began;
  const firstSeen = await db.query<{ since: Date }>("SELECT since FROM schedules WHERE name = 'fixity sweep'");
  const runs = await listScheduleRuns(db, 'fixity sweep');
  expect(runs.length).toBeGreaterThanOrEqual(1);
  expect(runs.length).toBeLessThanOrEqual(Math.floor(elapsed / 3600));
  // The first run came one period after the schedule was first seen, not one period after some start.
  expect(runs[0]!.startedAt.getTime() - firstSeen.rows[0]!.since.getTime()).toBeGreaterThanOrEqual(3550);
  for (const gap of gapsMs(runs)) expect(gap).toBeGreaterThanOrEqual(3550);
  expect(runs.every((r) => r.ok === true && r.finishedAt !== null && r.error === null)).toBe(true);
});

test('a run could start twice: a schedule whose lock is held elsewhere is not started until it is released', async () => {
  const env = await isolatedEnv({ DIWAN_INPROCESS_WORKERS: 'false', DIWAN_SWEEP_SECONDS: '1' });
  // Another process is running the sweep: it holds the schedule's advisory lock.
  const other = new pg.Client({ connectionString: env.DATABASE_URL });
  await other.connect();
  try {
    const server = await startTestServer(env);
    servers.push(server);
    const name = sweepScheduleName(server.core);
    await other.query('SELECT pg_advisory_lock($1, hashtext($2))', [SCHEDULE_LOCK_NAMESPACE, name]);
    db = createDb(env.DATABASE_URL!, 2);
    const scheduled = async () => (await listScheduleRuns(db!, name)).filter((r) => !r.atStart);
    await sleep(3500);
    expect(await scheduled()).toHaveLength(0);
    // Released (or its process gone): the sweep, long due, runs.
    await other.query('SELECT pg_advisory_unlock($1, hashtext($2))', [SCHEDULE_LOCK_NAMESPACE, name]);
    await sleep(2500);
    const runs = await scheduled();
    expect(runs.length).toBeGreaterThanOrEqual(1);
    expect(runs[0]!.ok).toBe(true);
  } finally {
    await other.end();
  }
});

test('copies checked where they live: processes set to check one copy each run a fixity schedule of their own', async () => {
  const env = await isolatedEnv({ DIWAN_INPROCESS_WORKERS: 'false', DIWAN_FIXITY_HOURS: '0.0005' });
  servers.push(
    await startTestServer({ ...env, DIWAN_FIXITY_TARGETS: 'primary' }),
    await startTestServer({ ...env, DIWAN_FIXITY_TARGETS: 'offsite' }),
  );
  db = createDb(env.DATABASE_URL!, 2);
  await sleep(5000);
  const runs = async (name: string) => (await listScheduleRuns(db!, name)).filter((r) => r.ok === true);
  expect(fixityScheduleName(['offsite'])).toBe('fixity sweep offsite');
  expect((await runs(fixityScheduleName(['primary']))).length).toBeGreaterThanOrEqual(1);
  expect((await runs(fixityScheduleName(['offsite']))).length).toBeGreaterThanOrEqual(1);
  // Neither checks both copies under the cluster's shared schedule.
  expect(await listScheduleRuns(db, fixityScheduleName(undefined))).toHaveLength(0);
});
