/**
 * `diwan doctor` against real services: what is right is said to be right,
 * and a wrong key or an unmigrated schema is named with what to do about it.
 */
import { isolatedEnv, runCliWith, startTestServer } from './helpers';
import type { Check } from '../src/runtime/doctor';

jest.setTimeout(300_000);

const doctor = async (env: NodeJS.ProcessEnv) => {
  const { code, out } = await runCliWith(env, ['doctor', '--json']);
  const checks = JSON.parse(out) as Check[];
  return { code, byName: Object.fromEntries(checks.map((c) => [c.name, c])) };
};

test('a fresh database is named unmigrated; after a start everything answers, and the ledger is safe from the archive itself', async () => {
  const env = await isolatedEnv({}, { emptyDatabase: true });
  const before = await doctor(env);
  expect(before.code).toBe(0);
  expect(before.byName['PostgreSQL']).toMatchObject({ state: 'warn', fix: expect.stringContaining('migrate') });
  const server = await startTestServer(env);
  await server.stop();
  const after = await doctor(env);
  expect(after.code).toBe(0);
  expect(after.byName['PostgreSQL']).toMatchObject({
    state: 'ok',
    detail: expect.stringContaining('can only add to the ledger'),
  });
  expect(after.byName['primary storage']).toMatchObject({ state: 'ok', detail: expect.stringContaining('Object Lock on') });
  expect(after.byName['offsite storage']).toMatchObject({ state: 'ok' });
  expect(after.byName['Meilisearch']).toMatchObject({ state: 'ok', detail: expect.stringMatching(/version 1\.\d+/) });
  expect(after.byName['OCR language ara']).toMatchObject({ state: 'ok' });
  // Stamps pointing at loopback are a warning, not an error.
  expect(after.byName['public address']).toMatchObject({ state: 'warn', fix: expect.stringContaining('DIWAN_PUBLIC_URL') });
});

test('wrong keys are failures, each with what to fix, and the exit status says so', async () => {
  const env = await isolatedEnv();
  const bad = await doctor({
    ...env,
    MEILI_MASTER_KEY: 'not-the-key-not-the-key-not-the-key',
    S3_SECRET_KEY: 'wrong-secret-wrong-secret',
  });
  expect(bad.code).toBe(1);
  expect(bad.byName['Meilisearch']).toMatchObject({ state: 'fail', fix: 'check MEILI_URL and MEILI_MASTER_KEY' });
  expect(bad.byName['primary storage']).toMatchObject({ state: 'fail', fix: expect.stringContaining('S3_SECRET_KEY') });
  // The offsite copy is reachable with its own keys (its bucket is made at first start: until then, a warning).
  expect(bad.byName['offsite storage']!.state).not.toBe('fail');
});
