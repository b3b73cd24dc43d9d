/**
 * Starts the embedded services that the settings leave unconfigured, and
 * returns the settings filled in. Production points every setting at real
 * servers and nothing starts here. A service that is needed but whose carried
 * server cannot run on this machine stops the start first, naming its settings.
 */
import fs from 'node:fs';
import type { Config } from '../../config';
import { parseS3Endpoint } from '../../config';
import type { Logger } from '../../../kernel/log';
import { startMeilisearch } from './meilisearch';
import { startMinio } from './minio';
import { startPostgres } from './postgres';
import { loadOrCreateSecrets } from './util';
import { assertEmbeddedRunnable } from './carried';

export interface EmbeddedServices {
  /** The configuration with every service address filled in. */
  config: Config;
  /** Names of what was started here. */
  started: string[];
  stop(): Promise<void>;
}

export async function startEmbeddedServices(config: Config, log: Logger): Promise<EmbeddedServices> {
  const stops: Array<() => Promise<void>> = [];
  const started: string[] = [];
  const filled: Config = { ...config };
  const needs = !config.databaseUrl || !config.s3 || !config.offsite || !config.meili;
  if (!needs) return { config, started, stop: async () => undefined };
  assertEmbeddedRunnable(config);

  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  // The data dir holds secrets and every service's data: no other local user may list or read it. The embedded
  // PostgreSQL runs as another user when we are root: it may enter the data dir (to reach its own), not list it.
  fs.chmodSync(config.dataDir, process.getuid?.() === 0 ? 0o711 : 0o700);
  const secrets = loadOrCreateSecrets(config.dataDir);
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    const tasks: Array<Promise<void>> = [];
    if (!config.databaseUrl) {
      tasks.push(
        startPostgres({
          dataDir: config.dataDir,
          password: secrets.postgresPassword,
          appPassword: secrets.postgresAppPassword,
        }).then((p) => {
          stops.push(p.stop);
          started.push('postgres');
          filled.databaseUrl = p.url;
          filled.databaseOwnerUrl = p.ownerUrl;
        }),
      );
    }
    if (!config.s3) {
      tasks.push(
        startMinio({ name: 'minio-primary', dataDir: config.dataDir, cacheDir: config.cacheDir, ...secrets.minioPrimary }).then(
          (m) => {
            stops.push(m.process.stop);
            started.push('minio-primary');
            filled.s3 = { ...parseS3Endpoint(m.endpoint), ...secrets.minioPrimary, bucket: config.s3Bucket, region: 'us-east-1' };
          },
        ),
      );
    }
    if (!config.offsite) {
      tasks.push(
        startMinio({ name: 'minio-offsite', dataDir: config.dataDir, cacheDir: config.cacheDir, ...secrets.minioOffsite }).then(
          (m) => {
            stops.push(m.process.stop);
            started.push('minio-offsite');
            filled.offsite = {
              ...parseS3Endpoint(m.endpoint),
              ...secrets.minioOffsite,
              bucket: config.offsiteBucket,
              region: 'us-east-1',
            };
          },
        ),
      );
    }
    if (!config.meili) {
      tasks.push(
        startMeilisearch({ dataDir: config.dataDir, cacheDir: config.cacheDir, masterKey: secrets.meiliMasterKey }).then((m) => {
          stops.push(m.process.stop);
          started.push('meilisearch');
          filled.meili = { url: m.url, key: secrets.meiliMasterKey };
        }),
      );
    }
    const results = await Promise.allSettled(tasks);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (e) {
    await stopAll();
    throw e;
  }
  log.info('embedded services started', { started });
  return { config: filled, started, stop: stopAll };
}
