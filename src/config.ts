/**
 * Settings, parsed once from the environment before anything starts.
 * Nothing else in Diwan reads `process.env`; everything receives a `Config`.
 * Unset external settings (DATABASE_URL, S3_*, OFFSITE_S3_*, MEILI_*) mean
 * "start the embedded service for me".
 */
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { ArchiveSettings, IntakeLimits, OcrSettings } from '../ingest/stages/stage';
import type { S3Target } from '../storage/objectStore';
import { parsePeriod, periodMs } from '../kernel/period';
import { identityConfig, identityEnvSchema, type IdentityConfig } from './configIdentity';
import { intakeConfig, intakeEnvSchema, type IntakeConfig } from './configIntake';

export type { S3Target };

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const boolFlag = (dflt: boolean) =>
  z
    .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
    .optional()
    .transform((v) => (v === undefined || v === '' ? dflt : v === '1' || v === 'true' || v === 'yes'));

const ownSchema = z.object({
  /** Where Diwan keeps local state: embedded service data, spool, generated secrets. */
  DIWAN_DATA_DIR: z.string().default('./data'),
  /** Where verified service binaries and OCR language data are unpacked; defaults to <data>/cache. */
  DIWAN_CACHE_DIR: optionalString,
  /** HTTP port of the API and viewer. */
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Interface the HTTP server binds to: loopback unless told otherwise (0.0.0.0 for every interface, behind TLS). */
  DIWAN_HOST: z.string().default('127.0.0.1'),
  /** Administrator bearer token; generated on first start (and kept in the data dir) when unset. */
  DIWAN_ADMIN_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, {
    message: 'DIWAN_ADMIN_TOKEN must be at least 16 characters',
  }),
  /** PostgreSQL connection string of the application's role; unset starts embedded PostgreSQL. */
  DATABASE_URL: optionalString,
  /**
   * The role that owns the schema: migrations run as it, and it grants DATABASE_URL's role only
   * what the application needs (on the ledger: add and read rows, never change or remove them).
   * Unset: DATABASE_URL's role migrates and owns everything (the database triggers still refuse changes).
   */
  DATABASE_OWNER_URL: optionalString,
  /** Primary object storage (any S3 endpoint); unset starts a local MinIO server. */
  S3_ENDPOINT: optionalString,
  S3_ACCESS_KEY: optionalString,
  S3_SECRET_KEY: optionalString,
  S3_BUCKET: z.string().default('diwan'),
  S3_REGION: z.string().default('us-east-1'),
  /** Offsite copy (any S3 endpoint, ideally another site); unset starts a second local MinIO server. */
  OFFSITE_S3_ENDPOINT: optionalString,
  OFFSITE_S3_ACCESS_KEY: optionalString,
  OFFSITE_S3_SECRET_KEY: optionalString,
  OFFSITE_S3_BUCKET: z.string().default('diwan-offsite'),
  OFFSITE_S3_REGION: z.string().default('us-east-1'),
  /** Meilisearch; unset starts the embedded Meilisearch. */
  MEILI_URL: optionalString,
  MEILI_MASTER_KEY: optionalString,
  /** Name of the Meilisearch index holding one record per page. */
  MEILI_INDEX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('pages'),
  /** Number of tesseract.js workers per process (each takes one core while it reads a page); default: one per core. */
  DIWAN_OCR_WORKERS: z.coerce.number().int().min(1).max(64).default(Math.min(8, os.availableParallelism())),
  /** A tesseract.js worker is replaced after this many pages (its memory only grows). */
  DIWAN_OCR_RECYCLE_PAGES: z.coerce.number().int().min(1).default(200),
  /**
   * Pages whose mean word confidence is below this are flagged "needs review". 82 lies between the
   * tuning faces' worst page (CER 8.6% at 80) and their lowest well-read page (84); `npm run eval:ocr`
   * reports how the flag does on held-out faces.
   */
  DIWAN_REVIEW_CONFIDENCE: z.coerce.number().min(0).max(100).default(82),
  /** Tesseract languages, '+'-joined; data comes from @tesseract.js-data packages. */
  DIWAN_OCR_LANGS: z
    .string()
    .regex(/^[a-z_]+(\+[a-z_]+)*$/)
    .default('ara+eng'),
  /**
   * The model that reads numbers again where the page's reading looks wrong (Arabic-Indic registry
   * numbers, dates): the project's own, fine-tuned by `npm run train:ocr` (ingest/models); empty: none.
   */
  DIWAN_OCR_NUMBER_LANG: z
    .string()
    .regex(/^[a-z_]*$/)
    .default('diwan_ara'),
  /** Largest accepted upload, in megabytes. */
  DIWAN_MAX_FILE_MB: z.coerce.number().positive().default(200),
  /** Largest accepted upload request (all files of one request), in megabytes. */
  DIWAN_MAX_REQUEST_MB: z.coerce.number().positive().default(2048),
  /** Most files in one upload request. */
  DIWAN_MAX_FILES_PER_REQUEST: z.coerce.number().int().positive().default(500),
  /** Seconds between sweeps that re-queue unfinished documents. */
  DIWAN_SWEEP_SECONDS: z.coerce.number().positive().default(60),
  /** Largest accepted page, in megapixels (sharp's limitInputPixels). */
  DIWAN_MAX_PAGE_MEGAPIXELS: z.coerce.number().positive().default(100),
  /** Most pages accepted in one document. */
  DIWAN_MAX_PAGES: z.coerce.number().int().positive().default(500),
  /** Whether `diwan serve` also runs pipeline workers in-process. */
  DIWAN_INPROCESS_WORKERS: boolFlag(true),
  /** `diwan worker` answers GET /metrics and /healthz on this port when set (the API server has /metrics itself). */
  DIWAN_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /**
   * Documents one worker process takes through the stages at once; by default twice its OCR workers, so that
   * while one document is stored, stamped or indexed another's pages keep the OCR pool busy.
   */
  DIWAN_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional(),
  /** Server the CLI talks to, and the token it uses (falls back to <data>/admin-token). */
  DIWAN_URL: z.string().url().default('http://127.0.0.1:8080'),
  DIWAN_TOKEN: optionalString,
  /** The name on every registry stamp (Arabic first; the English line follows). */
  DIWAN_ORG_NAME: z.string().trim().min(1).max(120).default('الديوان الإلكتروني'),
  DIWAN_ORG_NAME_EN: z.string().trim().min(1).max(120).default('Electronic Registry'),
  /** The address people reach this archive at: the stamp's QR code points to <url>/verify/... (default: PORT on this host). */
  DIWAN_PUBLIC_URL: z.string().url().optional(),
  /** Time zone of the dates on the stamp (an IANA name). */
  DIWAN_TIMEZONE: z
    .string()
    .default('UTC')
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'not a time zone known to Intl (for example Asia/Riyadh)'),
  /** The Ed25519 key that signs ledger checkpoints (PKCS#8 PEM; made on first start). Keep it off the database host's backups. */
  DIWAN_SIGNING_KEY_FILE: optionalString,
  /** Hours between scheduled ledger checkpoints (0: only on demand). */
  DIWAN_CHECKPOINT_HOURS: z.coerce.number().min(0).default(24),
  /** Minutes between deep checks of the ledger (every row written since the last one re-hashed; 0: none). */
  DIWAN_LEDGER_DEEP_MINUTES: z.coerce.number().min(0).default(60),
  /** Hours between scheduled fixity sweeps (0: none; `diwan fixity` runs one at any time). */
  DIWAN_FIXITY_HOURS: z.coerce.number().min(0).default(24),
  /** How fast a scheduled sweep reads, in MB/s over both copies (0: unthrottled). */
  DIWAN_FIXITY_MB_PER_SECOND: z.coerce.number().min(0).default(50),
  /**
   * S3 Object Lock COMPLIANCE retention of every kept object (originals, archive PDFs, manifests,
   * checkpoints, ledger segments): a number and a unit, y(ears), d(ays), h(ours) or m(inutes).
   */
  DIWAN_RETENTION: z
    .string()
    .trim()
    .regex(/^[0-9]+(y|d|h|m)$/, 'a number and a unit: 10y, 90d, 12h, 5m')
    .default('10y'),
  /** A request must arrive whole within this many seconds (a stalled or trickling upload is cut off). */
  DIWAN_REQUEST_TIMEOUT_SECONDS: z.coerce.number().positive().default(3600),
  /**
   * Behind a proxy that ends TLS: which proxies to trust for the client's address (Express's `trust proxy`:
   * `loopback`, an address or subnet, or a number of hops). Unset: none, req.ip is the connecting peer.
   */
  DIWAN_TRUST_PROXY: optionalString,
  /** Public verification requests allowed per client address per minute. */
  DIWAN_VERIFY_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  /** Test hook: the named crash point (kernel/crashPoints.ts) at which the process kills itself. Never set in production. */
  DIWAN_CRASH_AT: optionalString,
  /** 'silent' keeps logs off (tests); otherwise one JSON line per event on stderr. */
  DIWAN_LOG: z.enum(['info', 'debug', 'silent']).default('info'),
  /** Days within which the scheduled fixity runs check every stored copy once (each run takes its share, oldest checks first). */
  DIWAN_FIXITY_CYCLE_DAYS: z.coerce.number().positive().default(30),
  /** Stored objects a fixity run reads at once (both copies of each are read together). */
  DIWAN_FIXITY_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** Copies a fixity run checks before it writes their state (one transaction per batch; a killed run loses one batch at most). */
  DIWAN_FIXITY_BATCH: z.coerce.number().int().min(1).max(10_000).default(200),
  /**
   * Which copies this process's scheduled fixity runs check, comma-separated (`primary`, `offsite`; unset: both).
   * A process at the offsite site set to `offsite` checks that copy where it lives, under a schedule of its own.
   */
  DIWAN_FIXITY_TARGETS: z
    .string()
    .trim()
    .regex(/^(primary|offsite)(,(primary|offsite))*$/, 'primary, offsite, or primary,offsite')
    .optional(),
  /** Whether this process (`serve` or `worker`) takes long work: fixity sweeps and rebuilds of the search index asked for. */
  DIWAN_JOBS: boolFlag(true),
  /** Seconds without a heartbeat after which a running job is taken as stopped (its process gone) and taken again. */
  DIWAN_JOB_STALE_SECONDS: z.coerce.number().int().min(2).max(3600).default(60),
  /** Days a referral has to be acted on when its due date is not given. */
  DIWAN_REFERRAL_DAYS: z.coerce.number().int().min(1).max(365).default(7),
  /** Whether new objects are encrypted (on by default); objects already encrypted need the key file to be read either way. */
  DIWAN_ENCRYPTION: z
    .enum(['on', 'off', '1', '0', 'true', 'false', 'yes', 'no', ''])
    .optional()
    .transform((v) => v === undefined || v === '' || v === 'on' || v === '1' || v === 'true' || v === 'yes'),
  /** The ministry's encryption keys (JSON, mode 0600; made on a truly first start). Keep it off the buckets and the database's backups. */
  DIWAN_ENCRYPTION_KEY_FILE: optionalString,
  /**
   * A lock of a record kept permanently (or not yet due) is extended when it ends within this: a number and a
   * unit, s, m, h, d, mo or y (a drill: minutes).
   */
  DIWAN_LOCK_EXTEND_BEFORE: z
    .string()
    .trim()
    .refine((v) => parsePeriod(v) !== undefined, 'a number and a unit: 90d, 12h, 2m')
    .default('90d'),
  /** Hours between runs of the lock extension job (0: never by itself; `diwan records extend-locks` runs it). */
  DIWAN_LOCK_EXTEND_HOURS: z.coerce.number().min(0).default(24),
  /**
   * A record kept after its due date (action review, a refused or not yet approved disposal) stays locked,
   * extended by this much at a time (at most DIWAN_RETENTION), so an approved disposal waits at most this long.
   */
  DIWAN_DUE_LOCK_STEP: z
    .string()
    .trim()
    .refine((v) => parsePeriod(v) !== undefined, 'a number and a unit: 30d, 12h, 2m')
    .default('30d'),
});

const envSchema = ownSchema.extend(identityEnvSchema.shape).extend(intakeEnvSchema.shape);

export interface Config {
  dataDir: string;
  cacheDir: string;
  spoolDir: string;
  port: number;
  host: string;
  adminToken: string | undefined;
  databaseUrl: string | undefined;
  databaseOwnerUrl: string | undefined;
  s3: S3Target | undefined;
  offsite: S3Target | undefined;
  s3Bucket: string;
  offsiteBucket: string;
  meili: { url: string; key: string } | undefined;
  meiliIndex: string;
  ocr: OcrSettings;
  limits: IntakeLimits;
  sweepSeconds: number;
  inProcessWorkers: boolean;
  workerConcurrency: number;
  metricsPort: number | undefined;
  client: { url: string; token: string | undefined };
  archive: ArchiveSettings;
  verifyPerMinute: number;
  requestTimeoutMs: number;
  trustProxy: string | number | undefined;
  /** Object Lock retention of kept objects, in milliseconds. */
  retentionMs: number;
  fixity: { everyHours: number; bytesPerSecond: number };
  checkpoints: { keyFile: string; everyHours: number; ledgerDeepMinutes: number };
  log: 'info' | 'debug' | 'silent';
  /** Test hook: the crash point armed in this process, if any. */
  crashAt: string | undefined;
  /** The rolling fixity cycle: its length, objects in flight, copies per batch, and the copies checked here (undefined: both). */
  fixityCycle: { cycleDays: number; concurrency: number; batchSize: number; targets: string[] | undefined };
  /** Long work: whether this process takes it, and when a running job is taken as stopped. */
  jobs: { run: boolean; staleSeconds: number };
  /** Days a referral has to be acted on when its due date is not given. */
  referralDays: number;
  /** Client-side encryption of stored objects: whether new ones are encrypted, and the key file. */
  encryption: { on: boolean; keyFile: string };
  /** The lock extension job: how near a lock's end it is extended, and hours between runs. */
  records: { lockExtendBeforeMs: number; lockExtendHours: number; dueLockStepMs: number };
  /** Sign-in through the ministry's directory, and the local accounts' second factor (src/configIdentity.ts). */
  identity: IdentityConfig;
  /** The scanner room: watched folders, the polled mailbox, the Office converter (src/configIntake.ts). */
  intake: IntakeConfig;
}

export class ConfigError extends Error {}

/** Splits an S3 endpoint URL into the minio client's parts. */
export function parseS3Endpoint(url: string): { endPoint: string; port: number; useSSL: boolean } {
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError(`S3 endpoint must be http(s): ${url}`);
  const useSSL = u.protocol === 'https:';
  return { endPoint: u.hostname, port: u.port ? Number(u.port) : useSSL ? 443 : 80, useSSL };
}

function s3From(
  prefix: string,
  endpoint: string | undefined,
  accessKey: string | undefined,
  secretKey: string | undefined,
  bucket: string,
  region: string,
): S3Target | undefined {
  const given = [endpoint, accessKey, secretKey].filter((v) => v !== undefined).length;
  if (given === 0) return undefined;
  if (given !== 3 || !endpoint || !accessKey || !secretKey) {
    throw new ConfigError(`${prefix}ENDPOINT, ${prefix}ACCESS_KEY and ${prefix}SECRET_KEY go together: set all three or none`);
  }
  return { ...parseS3Endpoint(endpoint), accessKey, secretKey, bucket, region };
}

const UNIT_MS = { y: 365.25 * 24 * 3600_000, d: 24 * 3600_000, h: 3600_000, m: 60_000 } as const;

/** '10y' -> milliseconds. */
export function durationMs(s: string): number {
  const unit = s.slice(-1) as keyof typeof UNIT_MS;
  return Number(s.slice(0, -1)) * UNIT_MS[unit];
}

/** Parses the environment once; throws ConfigError with every problem listed. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid settings:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if ((e.MEILI_URL === undefined) !== (e.MEILI_MASTER_KEY === undefined)) {
    throw new ConfigError('MEILI_URL and MEILI_MASTER_KEY go together: set both or neither');
  }
  if (e.DATABASE_OWNER_URL !== undefined && e.DATABASE_URL === undefined) {
    throw new ConfigError("DATABASE_OWNER_URL needs DATABASE_URL: the owner migrates, DATABASE_URL's role runs the archive");
  }
  // A due record's lock is extended when it ends within half a step: the job must come round before that.
  if (
    e.DIWAN_LOCK_EXTEND_HOURS > 0 &&
    periodMs(parsePeriod(e.DIWAN_DUE_LOCK_STEP)!) / 2 <= e.DIWAN_LOCK_EXTEND_HOURS * 3_600_000
  ) {
    throw new ConfigError(
      'DIWAN_DUE_LOCK_STEP must be more than twice DIWAN_LOCK_EXTEND_HOURS: a longer step, or the job run more often',
    );
  }
  const dataDir = path.resolve(e.DIWAN_DATA_DIR);
  return {
    dataDir,
    cacheDir: path.resolve(e.DIWAN_CACHE_DIR ?? path.join(dataDir, 'cache')),
    spoolDir: path.join(dataDir, 'spool'),
    port: e.PORT,
    host: e.DIWAN_HOST,
    adminToken: e.DIWAN_ADMIN_TOKEN,
    databaseUrl: e.DATABASE_URL,
    databaseOwnerUrl: e.DATABASE_OWNER_URL,
    s3: s3From('S3_', e.S3_ENDPOINT, e.S3_ACCESS_KEY, e.S3_SECRET_KEY, e.S3_BUCKET, e.S3_REGION),
    offsite: s3From(
      'OFFSITE_S3_',
      e.OFFSITE_S3_ENDPOINT,
      e.OFFSITE_S3_ACCESS_KEY,
      e.OFFSITE_S3_SECRET_KEY,
      e.OFFSITE_S3_BUCKET,
      e.OFFSITE_S3_REGION,
    ),
    s3Bucket: e.S3_BUCKET,
    offsiteBucket: e.OFFSITE_S3_BUCKET,
    meili: e.MEILI_URL && e.MEILI_MASTER_KEY ? { url: e.MEILI_URL, key: e.MEILI_MASTER_KEY } : undefined,
    meiliIndex: e.MEILI_INDEX,
    ocr: {
      workers: e.DIWAN_OCR_WORKERS,
      langs: e.DIWAN_OCR_LANGS.split('+'),
      numberLang: e.DIWAN_OCR_NUMBER_LANG || undefined,
      recycleAfterPages: e.DIWAN_OCR_RECYCLE_PAGES,
      reviewBelow: e.DIWAN_REVIEW_CONFIDENCE,
    },
    limits: {
      maxFileBytes: Math.floor(e.DIWAN_MAX_FILE_MB * 1024 * 1024),
      maxRequestBytes: Math.floor(e.DIWAN_MAX_REQUEST_MB * 1024 * 1024),
      maxFilesPerRequest: e.DIWAN_MAX_FILES_PER_REQUEST,
      maxPagePixels: Math.floor(e.DIWAN_MAX_PAGE_MEGAPIXELS * 1_000_000),
      maxPages: e.DIWAN_MAX_PAGES,
    },
    sweepSeconds: e.DIWAN_SWEEP_SECONDS,
    inProcessWorkers: e.DIWAN_INPROCESS_WORKERS,
    workerConcurrency: e.DIWAN_WORKER_CONCURRENCY ?? Math.min(64, 2 * e.DIWAN_OCR_WORKERS),
    metricsPort: e.DIWAN_METRICS_PORT,
    client: { url: e.DIWAN_URL, token: e.DIWAN_TOKEN },
    archive: {
      organisation: e.DIWAN_ORG_NAME,
      organisationEn: e.DIWAN_ORG_NAME_EN,
      publicUrl: (e.DIWAN_PUBLIC_URL ?? `http://${e.DIWAN_HOST === '0.0.0.0' ? '127.0.0.1' : e.DIWAN_HOST}:${e.PORT}`).replace(
        /\/+$/,
        '',
      ),
      timeZone: e.DIWAN_TIMEZONE,
    },
    verifyPerMinute: e.DIWAN_VERIFY_PER_MINUTE,
    requestTimeoutMs: Math.round(e.DIWAN_REQUEST_TIMEOUT_SECONDS * 1000),
    trustProxy: e.DIWAN_TRUST_PROXY && /^\d+$/.test(e.DIWAN_TRUST_PROXY) ? Number(e.DIWAN_TRUST_PROXY) : e.DIWAN_TRUST_PROXY,
    retentionMs: durationMs(e.DIWAN_RETENTION),
    fixity: { everyHours: e.DIWAN_FIXITY_HOURS, bytesPerSecond: e.DIWAN_FIXITY_MB_PER_SECOND * 1024 * 1024 },
    checkpoints: {
      keyFile: path.resolve(e.DIWAN_SIGNING_KEY_FILE ?? path.join(dataDir, 'signing-key.pem')),
      everyHours: e.DIWAN_CHECKPOINT_HOURS,
      ledgerDeepMinutes: e.DIWAN_LEDGER_DEEP_MINUTES,
    },
    log: e.DIWAN_LOG,
    crashAt: e.DIWAN_CRASH_AT,
    fixityCycle: {
      cycleDays: e.DIWAN_FIXITY_CYCLE_DAYS,
      concurrency: e.DIWAN_FIXITY_CONCURRENCY,
      batchSize: e.DIWAN_FIXITY_BATCH,
      targets: e.DIWAN_FIXITY_TARGETS ? [...new Set(e.DIWAN_FIXITY_TARGETS.split(','))] : undefined,
    },
    jobs: { run: e.DIWAN_JOBS, staleSeconds: e.DIWAN_JOB_STALE_SECONDS },
    referralDays: e.DIWAN_REFERRAL_DAYS,
    encryption: {
      on: e.DIWAN_ENCRYPTION,
      keyFile: path.resolve(e.DIWAN_ENCRYPTION_KEY_FILE ?? path.join(dataDir, 'encryption-keys.json')),
    },
    records: {
      lockExtendBeforeMs: periodMs(parsePeriod(e.DIWAN_LOCK_EXTEND_BEFORE)!),
      lockExtendHours: e.DIWAN_LOCK_EXTEND_HOURS,
      dueLockStepMs: periodMs(parsePeriod(e.DIWAN_DUE_LOCK_STEP)!),
    },
    identity: identityConfig(e, (message) => {
      throw new ConfigError(message);
    }),
    intake: intakeConfig(e, (message) => {
      throw new ConfigError(message);
    }),
  };
}
