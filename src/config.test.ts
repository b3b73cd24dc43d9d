import { ConfigError, loadConfig, parseS3Endpoint } from './config';

describe('loadConfig', () => {
  test('empty environment: embedded services, defaults', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.dataDir).toMatch(/\/data$/);
    expect(c.databaseUrl).toBeUndefined();
    expect(c.s3).toBeUndefined();
    expect(c.offsite).toBeUndefined();
    expect(c.meili).toBeUndefined();
    expect(c.ocr.langs).toEqual(['ara', 'eng']);
    expect(c.inProcessWorkers).toBe(true);
  });

  test('a worker takes twice as many documents at once as it has OCR workers, unless told', () => {
    expect(loadConfig({ DIWAN_OCR_WORKERS: '2' }).workerConcurrency).toBe(4);
    expect(loadConfig({ DIWAN_OCR_WORKERS: '8' }).workerConcurrency).toBe(16);
    expect(loadConfig({ DIWAN_OCR_WORKERS: '8', DIWAN_WORKER_CONCURRENCY: '3' }).workerConcurrency).toBe(3);
  });

  test('external services are taken as given', () => {
    const c = loadConfig({
      PORT: '9000',
      DATABASE_URL: 'postgres://u:p@db:5432/diwan',
      S3_ENDPOINT: 'https://s3.example.org',
      S3_ACCESS_KEY: 'a',
      S3_SECRET_KEY: 'b',
      S3_BUCKET: 'archive',
      OFFSITE_S3_ENDPOINT: 'http://offsite.example.org:9000',
      OFFSITE_S3_ACCESS_KEY: 'c',
      OFFSITE_S3_SECRET_KEY: 'd',
      MEILI_URL: 'http://search:7700',
      MEILI_MASTER_KEY: 'k'.repeat(32),
      DIWAN_INPROCESS_WORKERS: 'false',
    });
    expect(c.port).toBe(9000);
    expect(c.s3).toMatchObject({ endPoint: 's3.example.org', port: 443, useSSL: true, bucket: 'archive' });
    expect(c.offsite).toMatchObject({ endPoint: 'offsite.example.org', port: 9000, useSSL: false, bucket: 'diwan-offsite' });
    expect(c.meili).toEqual({ url: 'http://search:7700', key: 'k'.repeat(32) });
    expect(c.inProcessWorkers).toBe(false);
  });

  test('Object Lock retention: years by default, minutes for a drill; the owner URL needs the application URL', () => {
    expect(loadConfig({}).retentionMs).toBe(10 * 365.25 * 24 * 3600_000);
    expect(loadConfig({ DIWAN_RETENTION: '5m' }).retentionMs).toBe(300_000);
    expect(loadConfig({ DIWAN_RETENTION: '90d' }).retentionMs).toBe(90 * 24 * 3600_000);
    expect(() => loadConfig({ DIWAN_RETENTION: 'forever' })).toThrow(/DIWAN_RETENTION: a number and a unit/);
    expect(() => loadConfig({ DATABASE_OWNER_URL: 'postgres://o:p@db/diwan' })).toThrow(/DATABASE_OWNER_URL needs DATABASE_URL/);
  });

  test('half-set services and bad values fail fast with a clear message', () => {
    expect(() => loadConfig({ S3_ENDPOINT: 'http://x:9000' })).toThrow(
      /S3_ENDPOINT, S3_ACCESS_KEY and S3_SECRET_KEY go together/,
    );
    expect(() => loadConfig({ MEILI_URL: 'http://x' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ DIWAN_ADMIN_TOKEN: 'short' })).toThrow(/at least 16/);
  });

  test('parseS3Endpoint', () => {
    expect(parseS3Endpoint('http://127.0.0.1:9000')).toEqual({ endPoint: '127.0.0.1', port: 9000, useSSL: false });
    expect(() => parseS3Endpoint('ftp://x')).toThrow(ConfigError);
  });
});
