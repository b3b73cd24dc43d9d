/**
 * `diwan serve`: the API and viewer on the configured port, with in-process
 * workers (by default), the schedules, long work taken as jobs, and the first
 * administrator made on the first start. Shutdown runs in order: HTTP, schedules, core, workers.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { indexNeedsRebuild } from '../../search/reindex';
import { requestJob } from '../../storage/jobs';
import { loadSigningKey } from '../../storage/integrity/checkpoints';
import { rangeJobNeeded } from '../../storage/integrity/mmrStore';
import { generatePassword } from '../../storage/repos/users';
import type { Logger } from '../../kernel/log';
import { createApp } from '../http/app';
import { resolveAdminToken } from '../auth';
import type { Config } from '../config';
import { acceptDeps, startCore, type Core } from './core';
import {
  startCheckpointSchedule,
  startFixitySchedule,
  startHoldSyncSchedule,
  startLockExtensionSchedule,
  startSweeper,
} from './schedules';
import { startJobRunner } from './jobs';
import { startWorkers } from './workers';
import { startIntakeServices } from './intakeServices';

export interface Server {
  core: Core;
  url: string;
  port: number;
  adminToken: string;
  stop(): Promise<void>;
}

/** `diwan serve`: the API (and, by default, in-process workers) on the configured port. */
export async function startServer(
  config: Config,
  opts: {
    log?: Logger;
    onAdminToken?: (token: string) => void;
    /** The first start makes an administrator for the viewer; its password is given here, once. */
    onFirstAdmin?: (username: string, password: string) => void;
  } = {},
): Promise<Server> {
  const core = await startCore(config, opts.log, { signs: true });
  const { token, generated } = resolveAdminToken(core.config.dataDir, core.config.adminToken);
  if (generated) opts.onAdminToken?.(token);
  if ((await core.users.count()) === 0) {
    const password = generatePassword();
    await core.users.add({
      username: 'admin',
      displayName: 'مدير النظام',
      role: 'admin',
      clearance: 'secret',
      departments: null,
      password,
    });
    opts.onFirstAdmin?.('admin', password);
  }
  const workers = core.config.inProcessWorkers ? await startWorkers(core) : undefined;
  const intake = core.config.inProcessWorkers ? await startIntakeServices(core) : undefined;
  const sweeper = startSweeper(core);
  const fixity = startFixitySchedule(core);
  // The signing key is the server's alone (workers on other machines never need it).
  const signingKey = loadSigningKey(core.config.checkpoints.keyFile);
  const checkpoints = startCheckpointSchedule(core, signingKey);
  const lockExtension = startLockExtensionSchedule(core);
  const holdSync = startHoldSyncSchedule(core);
  // After an upgrade that changed the index's records, rebuild it once, as a job (the old index serves meanwhile).
  if (await indexNeedsRebuild(core.db)) {
    const { job } = await requestJob(core.db, 'reindex', {}, 'diwan');
    core.log.info('the search index is rebuilt in the current format', { job: job.id });
  }
  // Much archived that the checkpoints' range lacks (an upgrade, a restore): built as a job, not in a request.
  await rangeJobNeeded(core.db, 'diwan');
  const jobs = startJobRunner(core);

  const app = createApp({
    ...acceptDeps(core),
    offsite: core.offsite,
    search: core.search,
    adminToken: token,
    users: core.users,
    maxRequestBytes: core.config.limits.maxRequestBytes,
    maxFilesPerRequest: core.config.limits.maxFilesPerRequest,
    reviewBelow: core.config.ocr.reviewBelow,
    verifyPerMinute: core.config.verifyPerMinute,
    textVersions: core.textVersions,
    signingKey,
    archive: core.config.archive,
    trustProxy: core.config.trustProxy,
    log: core.log,
    referralDays: core.config.referralDays,
    identity: core.config.identity,
  });
  // A client that trickles or stalls is cut off; the headers must come within a minute (or the whole timeout, when shorter).
  const server = http.createServer(
    {
      requestTimeout: core.config.requestTimeoutMs,
      headersTimeout: Math.min(60_000, core.config.requestTimeoutMs),
      connectionsCheckingInterval: Math.min(30_000, Math.max(500, core.config.requestTimeoutMs / 4)),
    },
    app,
  );
  const stopRest = async () => {
    await intake?.stop();
    await sweeper.stop();
    await fixity.stop();
    await checkpoints.stop();
    await lockExtension.stop();
    await holdSync.stop();
    await jobs.stop();
    await core.stop();
    await workers?.stop();
  };
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(core.config.port, core.config.host, () => resolve());
    });
  } catch (e) {
    // A port already taken (another archive running): nothing of this one is left running.
    await stopRest();
    throw e;
  }
  const port = (server.address() as AddressInfo).port;
  const shownHost = core.config.host === '0.0.0.0' ? '127.0.0.1' : core.config.host;
  return {
    core,
    port,
    url: `http://${shownHost}:${port}`,
    adminToken: token,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await stopRest();
    },
  };
}
