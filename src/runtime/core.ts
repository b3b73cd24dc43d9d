/**
 * The composition root: connects to (or starts) every service, applies
 * migrations, and makes the repositories, stores, index and queue that
 * `serve`, `worker`, the CLI and the tests share. Shutdown runs in order:
 * the queue, then connections, then the embedded services.
 */
import fs from 'node:fs';
import { startEmbeddedServices } from './services/embedded';
import type { AcceptDeps } from '../../ingest/intake/accept';
import { createJobQueue, installJobQueue, QUEUE_SCHEMA, type JobQueue } from '../../ingest/adapters/queue';
import { RETRIES } from '../../ingest/worker';
import { createSearchIndex, type SearchIndex } from '../../search/searchIndex';
import { createDb, grantAppRole, migrate, type Db } from '../../storage/db';
import { createBatchesRepo, type BatchesRepo } from '../../storage/repos/batches';
import { createUsersRepo, type UsersRepo } from '../../storage/repos/users';
import { createDocumentsRepo, type DocumentsRepo } from '../../storage/repos/documents';
import { createTextVersionsRepo, type TextVersionsRepo } from '../../storage/repos/textVersions';
import { createObjectStore, type ObjectStore } from '../../storage/objectStore';
import { prepareSigningKey } from '../../storage/integrity/checkpoints';
import { loadKeyRing, type KeyRing } from '../../storage/crypto/keyRing';
import { KeyFileNeededError, KeysMissingError, prepareEncryptionKeys } from '../../storage/crypto/keysAtStart';
import { isKept } from '../../storage/layout';
import { lockUntilForKey } from '../../storage/records/retention';
import { currentRole } from '../../storage/stats';
import { armCrashPoint } from '../../kernel/crashPoints';
import { createLogger, type Logger } from '../../kernel/log';
import { ConfigError, type Config } from '../config';

export interface Core {
  config: Config;
  log: Logger;
  db: Db;
  documents: DocumentsRepo;
  textVersions: TextVersionsRepo;
  batches: BatchesRepo;
  users: UsersRepo;
  primary: ObjectStore;
  offsite: ObjectStore;
  /** The ministry's encryption keys (DIWAN_ENCRYPTION_KEY_FILE) the stores encrypt and decrypt with. */
  keys: KeyRing;
  search: SearchIndex;
  queue: JobQueue;
  stop(): Promise<void>;
}

/**
 * Connects to every service (starting embedded ones when unconfigured) and prepares schema, buckets and index.
 * `signs`: this process signs checkpoints (`diwan serve`), so its signing key must be there; workers and
 * restore never sign and never need it.
 */
export async function startCore(
  configIn: Config,
  log: Logger = createLogger(configIn.log),
  opts: { signs?: boolean } = {},
): Promise<Core> {
  if (configIn.retentionMs <= 0) {
    throw new ConfigError(
      'DIWAN_RETENTION: مدة الحفظ غير القابل للتعديل لا تكون صفرًا؛ اضبطها على مدة (مثل 10y) / ' +
        'DIWAN_RETENTION: the Object Lock retention of kept objects cannot be zero; set a period such as 10y',
    );
  }
  fs.mkdirSync(configIn.dataDir, { recursive: true });
  armCrashPoint(configIn.crashAt);
  const services = await startEmbeddedServices(configIn, log);
  const config = services.config;
  const stops: Array<() => Promise<void>> = [services.stop];
  try {
    // Each running job holds one connection for its document lock, besides what its stages use.
    const db = createDb(config.databaseUrl!, 10 + 2 * Math.max(config.workerConcurrency, config.ocr.workers));
    stops.unshift(() => db.end());
    const separateOwner = await prepareDatabase(config, db, log);
    // Each kept key is locked until its document's retention ends (lock_until), or by the default from its writing.
    const retention = {
      ms: config.retentionMs,
      applies: isKept,
      until: (key: string) => lockUntilForKey(db, key, config.retentionMs),
    };
    const keys = loadKeyRing(config.encryption.keyFile, config.encryption.on);
    const primary = createObjectStore('primary', config.s3!, retention, keys);
    const offsite = createObjectStore('offsite', config.offsite!, retention, keys);
    await primary.ensureBucket();
    // An offsite copy that is away does not keep the archive from starting: replication waits for it.
    await offsite
      .ensureBucket()
      .catch((e: unknown) =>
        log.warn('offsite storage unreachable at start: documents will wait for their offsite copy', { error: String(e) }),
      );
    if (opts.signs) await signingKeyAtStart(config, db, primary, offsite);
    // Only the archive's server (the process that signs and records) may make the key file, on a first start.
    await prepareEncryptionKeys({ db, primary, offsite }, keys, { records: !!opts.signs }).catch((e: unknown) => {
      throw e instanceof KeysMissingError || e instanceof KeyFileNeededError ? new ConfigError(e.message) : e;
    });
    const search = createSearchIndex({ url: config.meili!.url, key: config.meili!.key, index: config.meiliIndex });
    await search.ensureIndex();
    const queue = createJobQueue(config.databaseUrl!, log, { installed: separateOwner, retries: RETRIES });
    await queue.start();
    stops.unshift(() => queue.stop());
    const users = createUsersRepo(db);
    stops.unshift(() => users.close());
    return {
      config,
      log,
      db,
      documents: createDocumentsRepo(db),
      textVersions: createTextVersionsRepo(db),
      batches: createBatchesRepo(db),
      users,
      primary,
      offsite,
      keys,
      search,
      queue,
      async stop() {
        for (const s of stops) await s().catch((e: unknown) => log.warn('shutdown step failed', { error: String(e) }));
      },
    };
  } catch (e) {
    for (const s of stops) await s().catch(() => undefined);
    throw e;
  }
}

/**
 * The checkpoint signing key: made on a truly first start; when checkpoints were
 * signed before and the key is gone, the archive does not start (a new key would
 * leave every earlier checkpoint unverifiable).
 */
async function signingKeyAtStart(config: Config, db: Db, primary: ObjectStore, offsite: ObjectStore): Promise<void> {
  const file = config.checkpoints.keyFile;
  const key = await prepareSigningKey({ db, primary, offsite }, file);
  if (key.state !== 'missing') return;
  const id = key.keyId ? ` (${key.keyId})` : '';
  throw new ConfigError(
    `مفتاح توقيع نقاط التحقق${id} غير موجود في ${file}، وقد وُقّعت به نقاط تحقق في هذا الأرشيف. ` +
      'أعد ملف المفتاح الأصلي إلى هذا المسار (من نسخته المحفوظة) أو اضبط DIWAN_SIGNING_KEY_FILE على مكانه، ثم أعد التشغيل. ' +
      'لا يُنشأ مفتاح جديد تلقائيًا لأن نقاط التحقق السابقة لن تتحقق به.\n' +
      `The checkpoint signing key${id} is missing at ${file}, and this archive has checkpoints signed with it. ` +
      'Put the original key file back there (from its copy in the key safe) or set DIWAN_SIGNING_KEY_FILE to where it is, then start again. ' +
      'No new key is made by itself, since the earlier checkpoints would not verify with it; to rotate the key on purpose, ' +
      'put the new key in that file (docs/production.md, "The signing key").',
  );
}

/**
 * Migrates the schema. With DATABASE_OWNER_URL the owner migrates, installs the
 * job queue and grants the application's role (DATABASE_URL) only what it
 * needs; returns whether it did. Otherwise the application's role migrates itself.
 */
export async function prepareDatabase(config: Config, db: Db, log: Logger): Promise<boolean> {
  if (!config.databaseOwnerUrl) {
    await migrate(db);
    return false;
  }
  const owner = createDb(config.databaseOwnerUrl, 2);
  try {
    const app = await currentRole(db);
    const own = await currentRole(owner);
    await migrate(owner);
    if (app === own) return false;
    await installJobQueue(config.databaseOwnerUrl, log, RETRIES);
    await grantAppRole(owner, app, QUEUE_SCHEMA);
    return true;
  } finally {
    await owner.end();
  }
}

export function acceptDeps(core: Core): AcceptDeps {
  return {
    db: core.db,
    documents: core.documents,
    primary: core.primary,
    offsite: core.offsite,
    queue: core.queue,
    batches: core.batches,
    limits: core.config.limits,
    spoolDir: core.config.spoolDir,
    archive: core.config.archive,
    office: core.config.intake.office,
    log: core.log,
  };
}
