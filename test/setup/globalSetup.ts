/**
 * Starts the real services once per test run, from the same npm-carried
 * binaries `npm start` uses: PostgreSQL, two MinIO servers and Meilisearch, on
 * loopback, in a temporary data dir. Test files get their addresses through
 * the environment and make their own databases, buckets and indexes in them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../kernel/log';
import { startEmbeddedServices } from '../../src/runtime/services/embedded';
import { prepareDatabase } from '../../src/runtime/core';
import { createDb } from '../../storage/db';
import { TEMPLATE_DATABASE } from './template';

export const TEST_CACHE_DIR = path.resolve(__dirname, '..', '..', 'node_modules', '.cache', 'diwan-test');

export default async function globalSetup(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-test-services-'));
  fs.chmodSync(dataDir, 0o755);
  const config = loadConfig({ DIWAN_DATA_DIR: dataDir, DIWAN_CACHE_DIR: TEST_CACHE_DIR, DIWAN_LOG: 'silent' });
  const services = await startEmbeddedServices(config, createLogger('silent'));
  const c = services.config;
  const s3 = (t: NonNullable<typeof c.s3>) => `${t.useSSL ? 'https' : 'http'}://${t.endPoint}:${t.port}`;
  Object.assign(process.env, {
    DIWAN_TEST_SERVICES_DIR: dataDir,
    DIWAN_CACHE_DIR: TEST_CACHE_DIR,
    DATABASE_URL: c.databaseUrl!,
    DATABASE_OWNER_URL: c.databaseOwnerUrl!,
    S3_ENDPOINT: s3(c.s3!),
    S3_ACCESS_KEY: c.s3!.accessKey,
    S3_SECRET_KEY: c.s3!.secretKey,
    OFFSITE_S3_ENDPOINT: s3(c.offsite!),
    OFFSITE_S3_ACCESS_KEY: c.offsite!.accessKey,
    OFFSITE_S3_SECRET_KEY: c.offsite!.secretKey,
    MEILI_URL: c.meili!.url,
    MEILI_MASTER_KEY: c.meili!.key,
  });
  (globalThis as { __diwanServices?: typeof services }).__diwanServices = services;
  await prepareTemplate(c.databaseUrl!, c.databaseOwnerUrl!);
}

/**
 * A database migrated once, with the job queue installed and the application's role granted, that each test
 * archive's database is copied from (CREATE DATABASE ... TEMPLATE): the same schema a first start makes, without
 * every test archive running the migrations again.
 */
async function prepareTemplate(appUrl: string, ownerUrl: string): Promise<void> {
  const admin = createDb(ownerUrl, 1);
  try {
    await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  } finally {
    await admin.end();
  }
  const within = (base: string) => Object.assign(new URL(base), { pathname: `/${TEMPLATE_DATABASE}` }).toString();
  const config = loadConfig({ DATABASE_URL: within(appUrl), DATABASE_OWNER_URL: within(ownerUrl), DIWAN_LOG: 'silent' });
  const db = createDb(config.databaseUrl!, 2);
  try {
    await prepareDatabase(config, db, createLogger('silent'));
  } finally {
    await db.end();
  }
}
