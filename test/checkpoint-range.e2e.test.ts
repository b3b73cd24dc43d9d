/**
 * An archive with much archived that the checkpoints' range lacks (an upgrade to it, a restore): asking for
 * a checkpoint does not build the range in the request; it answers 409 naming a job that builds it, with its
 * progress, and once the job is done the checkpoint is signed at once over every document.
 */
import { createDb, type Db } from '../storage/db';
import { seedArchive, seedLedger } from '../scripts/bench/scaleSeed';
import { RANGE_BUILT_IN_REQUEST } from '../storage/integrity/mmrStore';
import { startJobRunner } from '../src/runtime/jobs';
import { isolatedEnv, startTestServer, type JobJson, type TestServer } from './helpers';

jest.setTimeout(180_000);

const DOCUMENTS = RANGE_BUILT_IN_REQUEST + 2_000;
let server: TestServer;
let owner: Db;

beforeAll(async () => {
  // This server takes no jobs by itself: the test starts a runner when it wants the job done.
  server = await startTestServer(await isolatedEnv({ DIWAN_INPROCESS_WORKERS: 'false', DIWAN_JOBS: 'false' }));
  owner = createDb(server.config.databaseOwnerUrl ?? server.config.databaseUrl!, 2);
  await seedArchive(
    owner,
    0,
    DOCUMENTS,
    { primary: server.core.primary.name, offsite: server.core.offsite.name },
    { light: true },
  );
  await seedLedger(owner, 0, DOCUMENTS);
});

afterAll(async () => {
  await owner?.end();
  await server?.stop();
});

test('a checkpoint over a range still to build answers 409 with the job that builds it, then signs at once', async () => {
  const t0 = Date.now();
  const refused = await server.api('/api/v1/audit/checkpoint', { method: 'POST' });
  expect(refused.status).toBe(409);
  const body = (await refused.json()) as { error: string; messageEn: string };
  expect(body.error).toBe('range_building');
  // Answered without building anything in the request.
  expect(Date.now() - t0).toBeLessThan(5_000);
  const id = /job ([0-9a-f-]{36})/.exec(body.messageEn)?.[1];
  expect(id).toBeDefined();
  expect(((await (await server.api(`/api/v1/jobs/${id}`)).json()) as JobJson).state).toBe('queued');

  const runner = startJobRunner({ ...server.core, config: { ...server.config, jobs: { run: true, staleSeconds: 60 } } });
  try {
    const deadline = Date.now() + 150_000;
    let job: JobJson<{ leaves: number }>;
    do {
      await new Promise((r) => setTimeout(r, 300));
      job = (await (await server.api(`/api/v1/jobs/${id}`)).json()) as JobJson<{ leaves: number }>;
    } while (job.state !== 'done' && job.state !== 'failed' && Date.now() < deadline);
    expect(job).toMatchObject({ state: 'done', result: { leaves: DOCUMENTS }, done: DOCUMENTS, total: DOCUMENTS });
  } finally {
    await runner.stop();
  }

  const signed = await server.api('/api/v1/audit/checkpoint', { method: 'POST' });
  expect(signed.status).toBe(201);
  const checkpoint = (await signed.json()) as { body: { format: string; mmrSize: number } };
  expect(checkpoint.body).toMatchObject({ format: 'diwan-checkpoint/2', mmrSize: DOCUMENTS });
  const ledger = (await (await server.api('/api/v1/audit/ledger')).json()) as {
    brokenAt: number | null;
    badCheckpoint: number | null;
  };
  expect(ledger).toMatchObject({ brokenAt: null, badCheckpoint: null });
});
