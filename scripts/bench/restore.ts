/**
 * Benchmark: how fast does the archive come back from the offsite bucket, and at
 * what memory? (The offsite copy's lag under ingest is scripts/bench/lag.ts.)
 *
 * Restore (embedded services: one MinIO server for the primary, another for the offsite copy):
 * - Seeds archived documents into the offsite bucket as the pipeline leaves them: original,
 *   archive PDF, one image per page, ocr.json and a format-2 manifest per document (3 pages,
 *   7 objects, about 1.5 MB), with their ledger entries chained in a source database and
 *   exported as ledger segments.
 * - The reference, in the same run and between the same two servers: `rclone sync` of the
 *   same bucket (documents and ledger segments) into an empty bucket on the primary server with
 *   Object Lock and a default COMPLIANCE retention (so every object is retained as restore's
 *   are, the server doing it), with as many transfers in flight as restore has objects in flight.
 * - `diwan restore`'s work (restoreArchive) in a process of its own, into an empty database
 *   and an empty primary bucket: every object hashed as read, copied, the ledger and every
 *   record rebuilt. Its peak RSS (getrusage) is read by that process.
 * - Each is run --runs times, alternating which goes first; the median and the spread
 *   (min-max) are printed, and their ratio. Then restore alone at --memory-docs documents
 *   (the same documents and more) for its peak RSS beside the smaller archive's: memory flat.
 *
 * Usage: npm run bench:restore [-- --docs 300 --memory-docs 3000 --runs 3 --concurrency 8 --profile DIR]
 * (--profile: each restoring process writes a V8 CPU profile into DIR, to see where its time goes.)
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import * as Minio from 'minio';
import pg from 'pg';
import { serialiseOcrFile } from '../../storage/ocrFile';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../kernel/log';
import { rebuildIndex } from '../../search/reindex';
import { createSearchIndex } from '../../search/searchIndex';
import { createDb, migrate, type Db } from '../../storage/db';
import { createDocumentsRepo } from '../../storage/repos/documents';
import { advanceRegistrySequence } from '../../storage/repos/documentRegistration';
import { canonicalJson, sha256 } from '../../storage/hash';
import { keys } from '../../storage/layout';
import { buildManifest } from '../../storage/manifest';
import { appendLedger, ledgerForDocument } from '../../storage/integrity/ledger';
import { exportLedgerSegments } from '../../storage/integrity/ledgerExport';
import { createObjectStore, s3Client, type ObjectStore, type S3Target } from '../../storage/objectStore';
import { loadKeyRing, makeKeyFile } from '../../storage/crypto/keyRing';
import { restoreArchive, RESTORE_CONCURRENCY, type RestoreReport } from '../../storage/restore/restore';
import { SAMPLE_LINES } from '../fixtures/arabicScan';
import { startEmbeddedServices } from '../../src/runtime/services/embedded';
import { numberArg, targetLine } from './stats';

const log = (m: string) => process.stderr.write(`${m}\n`);
/** The value after `--name` on the command line, if any. */
const stringArg = (name: string): string | undefined => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
};
const pad = (s: string, n: number) => s.padEnd(n);

/** The sizes of one seeded document's objects, in bytes, and its page count. */
export interface SeedSizes {
  original: number;
  archivePdf: number;
  pageImage: number;
  pages: number;
}

/** A three-page scanned letter: 7 objects, about 1.5 MB (ocr.json and the manifest are what they are). */
export const LETTER: SeedSizes = { original: 600 * 1024, archivePdf: 700 * 1024, pageImage: 60 * 1024, pages: 3 };

/**
 * Seeds documents `from` to `to` (inclusive) into `offsite` as the pipeline leaves them, with their
 * rows and chained ledger entries in `db`, and exports the ledger's segments. Numbered in `year`.
 */
export async function seedOffsite(
  db: Db,
  offsite: ObjectStore,
  range: { from: number; to: number; year?: number },
  sizes: SeedSizes,
): Promise<{ objects: number; bytes: number }> {
  const documents = createDocumentsRepo(db);
  const year = range.year ?? 2026;
  let objects = 0;
  let bytes = 0;
  const put = async (key: string, data: Buffer, type: string) => {
    const stored = await offsite.putBufferOnce(key, data, type);
    objects++;
    bytes += data.length;
    return stored;
  };
  for (let i = range.from; i <= range.to; i++) {
    // Each original unique (random bytes), sized like a scan.
    const original = crypto.randomBytes(sizes.original);
    const ref = { year, seq: i };
    const fingerprint = sha256(original);
    const row = await db.query<{ id: string }>(
      `INSERT INTO documents (registry_year, registry_seq, title, classification, original_name, original_mime, original_ext,
         original_size, original_sha256, status, page_count, department, doc_type)
       VALUES ($1, $2, $3, 'public', $4, 'image/jpeg', 'jpg', $5, $6, 'archived', $7, 'الشؤون الإدارية', 'كتاب') RETURNING id`,
      [year, i, `كتاب رقم ${i}`, `scan-${i}.jpg`, original.length, fingerprint, sizes.pages],
    );
    const id = row.rows[0]!.id;
    const originalKey = keys.original(ref, 'jpg');
    await db.query(
      `INSERT INTO document_parts (document_id, n, key, sha256, size, mime, ext, original_name, page_count)
       VALUES ($1, 1, $2, $3, $4, 'image/jpeg', 'jpg', $5, $6)`,
      [id, originalKey, fingerprint, original.length, `scan-${i}.jpg`, sizes.pages],
    );
    await appendLedger(db, 'registered', id, {
      registryNo: `${year}/${String(i).padStart(6, '0')}`,
      fingerprint,
      files: [{ path: 'original.jpg', sha256: fingerprint, size: original.length, name: `scan-${i}.jpg` }],
    });
    const words: Array<[string, number, number, number, number, number]> = [['كتاب', 100, 100, 200, 140, 92]];
    const pages = Array.from({ length: sizes.pages }, (_, k) => ({
      n: k + 1,
      width: 1654,
      height: 2339,
      text: `${SAMPLE_LINES[(i + k) % SAMPLE_LINES.length]} ${i}`,
      confidence: 91,
      words,
    }));
    for (const page of pages) {
      await db.query(
        `INSERT INTO pages (document_id, n, width, height, text, confidence, words) VALUES ($1, $2, 1654, 2339, $3, 91, $4)`,
        [id, page.n, page.text, JSON.stringify(words)],
      );
    }
    const doc = (await documents.get(id))!;
    const files: Array<[string, string, Buffer, string]> = [
      ['original', originalKey, original, 'image/jpeg'],
      ['archive-pdf', keys.archivePdf(ref), crypto.randomBytes(sizes.archivePdf), 'application/pdf'],
      ...pages.map((p): [string, string, Buffer, string] => [
        'page-image',
        keys.pageImage(ref, p.n),
        crypto.randomBytes(sizes.pageImage),
        'image/webp',
      ]),
      ['ocr-json', keys.ocrJson(ref), serialiseOcrFile(doc, pages, { version: 1, source: 'ocr' }), 'application/json'],
    ];
    const stored = await Promise.all(files.map(([, key, data, type]) => put(key, data, type)));
    for (const [k, [kind, , , type]] of files.entries()) {
      await documents.saveArtefact(id, { kind, ...stored[k]!, contentType: type });
    }
    const manifest = buildManifest({
      doc,
      pages,
      artefacts: await documents.artefacts(id),
      parts: await documents.parts(id),
      batch: null,
      ledger: await ledgerForDocument(db, id),
    });
    const m = await put(keys.manifest(ref), Buffer.from(canonicalJson(manifest)), 'application/json');
    await appendLedger(db, 'archived', id, { registryNo: doc.registryNo, manifestSha256: m.sha256 });
    await appendLedger(db, 'replicated', id, { target: 'offsite', files: files.length + 1 });
    if (i % 500 === 0) log(`  seeded ${i}/${range.to}`);
  }
  await exportLedgerSegments(db, [offsite]);
  await advanceRegistrySequence(db, { year, seq: range.to });
  return { objects, bytes };
}

/** What the restoring process reports back. */
export interface ChildResult {
  report: RestoreReport;
  /** Peak resident set of the restoring process, from getrusage, in bytes. */
  peakRss: number;
  /** Peak V8 heap in use, sampled every 100 ms, in bytes. */
  peakHeap: number;
}

/** What the restoring process restores: from `source` into the empty database and bucket `other`. */
export interface ChildJob {
  database: string;
  concurrency: number;
  source: S3Target;
  other: S3Target;
  /** The encryption key file the seeded objects are under (none: they are in the clear). */
  keyFile?: string;
  /** A folder for the restoring process's CPU profile (none: not profiled). */
  profileDir?: string;
}

/** The restoring process: restoreArchive alone, then its report and its peak memory on standard output. */
async function child(job: ChildJob): Promise<void> {
  let peakHeap = 0;
  const sample = setInterval(() => (peakHeap = Math.max(peakHeap, v8.getHeapStatistics().used_heap_size)), 100);
  const retention = { ms: 60_000, applies: () => true };
  const keys = job.keyFile ? loadKeyRing(job.keyFile, true) : undefined;
  const db = createDb(job.database, 4);
  try {
    const report = await restoreArchive({
      db,
      source: createObjectStore('offsite', job.source, retention, keys),
      other: createObjectStore('primary', job.other, retention, keys),
      offsiteName: 'offsite',
      concurrency: job.concurrency,
    });
    clearInterval(sample);
    const result: ChildResult = { report, peakRss: process.resourceUsage().maxRSS * 1024, peakHeap };
    process.stdout.write(JSON.stringify(result));
  } finally {
    await db.end();
  }
}

/** Runs restoreArchive in a process of its own (this file with --child) and returns its report and peak memory. */
export function runRestoreChild(job: ChildJob): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const profile = job.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${job.profileDir}`] : [];
    const p = spawn(process.execPath, [...profile, __filename, '--child', JSON.stringify(job)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as ChildResult) : reject(new Error(`restore exited ${code}`))));
  });
}

/** rclone's settings for one S3 endpoint, as environment variables (no configuration file). */
function rcloneRemote(name: string, t: S3Target): Record<string, string> {
  const p = `RCLONE_CONFIG_${name.toUpperCase()}_`;
  return {
    [`${p}TYPE`]: 's3',
    [`${p}PROVIDER`]: 'Minio',
    [`${p}ACCESS_KEY_ID`]: t.accessKey,
    [`${p}SECRET_ACCESS_KEY`]: t.secretKey,
    [`${p}ENDPOINT`]: `${t.useSSL ? 'https' : 'http'}://${t.endPoint}:${t.port}`,
    [`${p}REGION`]: t.region,
  };
}

/**
 * An empty bucket with Object Lock whose objects are retained (COMPLIANCE) from the moment they are
 * written, with no request of the writer's own: the server does the work restore asks of it per object.
 */
async function lockedByDefault(t: S3Target): Promise<void> {
  await createObjectStore('primary', t).ensureBucket();
  const client = s3Client(t);
  await client.setObjectLockConfig(t.bucket, {
    mode: Minio.RETENTION_MODES.COMPLIANCE,
    unit: Minio.RETENTION_VALIDITY_UNITS.DAYS,
    validity: 1,
  });
}

/** `rclone sync` of `from` into `to` (an empty bucket), timed. */
function rcloneSync(from: S3Target, to: S3Target, transfers: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(
      'rclone',
      ['sync', `src:${from.bucket}`, `dst:${to.bucket}`, '--transfers', String(transfers), '--checkers', String(2 * transfers)],
      {
        env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), ...rcloneRemote('src', from), ...rcloneRemote('dst', to) },
        stdio: 'inherit',
      },
    );
    p.on('exit', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`rclone exited ${code}`))));
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const spread = (xs: number[], f: (x: number) => string) => `${f(Math.min(...xs))}-${f(Math.max(...xs))}`;
const mib = (b: number) => b / 1048576;

async function restoreBench(
  docs: number,
  memoryDocs: number,
  runs: number,
  concurrency: number,
  profileDir?: string,
): Promise<string[]> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-bench-restore-'));
  fs.chmodSync(dataDir, 0o755);
  const config = loadConfig({ DIWAN_DATA_DIR: dataDir, DIWAN_LOG: 'silent', DIWAN_RETENTION: '1m' });
  const services = await startEmbeddedServices(config, createLogger('silent'));
  const c = services.config;
  const owner = c.databaseOwnerUrl!;
  const source = createDb(owner, 4);
  const retention = { ms: 60_000, applies: () => true };
  const admin = new pg.Client({ connectionString: owner.replace(/\/diwan$/, '/postgres') });
  await admin.connect();
  try {
    await migrate(source);
    // Encrypted as the archive stores them: restore decrypts every object and encrypts it again.
    makeKeyFile(c.encryption.keyFile);
    const offsite = createObjectStore('offsite', c.offsite!, retention, loadKeyRing(c.encryption.keyFile, true));
    await offsite.ensureBucket();
    log(`seeding ${docs} archived documents into the offsite bucket…`);
    const seeded = await seedOffsite(source, offsite, { from: 1, to: docs }, LETTER);
    const ledgerObjects = (await offsite.list('ledger/')).length;
    const objects = seeded.objects + ledgerObjects;

    /** A new empty database and primary bucket for one restore. */
    const target = async (name: string): Promise<{ database: string; bucket: S3Target }> => {
      await admin.query(`CREATE DATABASE ${name}`);
      const database = owner.replace(/\/diwan$/, `/${name}`);
      const db = createDb(database, 2);
      await migrate(db);
      await db.end();
      const bucket = { ...c.s3!, bucket: name.replace(/_/g, '-') };
      await createObjectStore('primary', bucket).ensureBucket();
      return { database, bucket };
    };
    const diwanRun = async (name: string): Promise<ChildResult & { database: string }> => {
      const t = await target(name);
      const r = await runRestoreChild({
        database: t.database,
        concurrency,
        source: c.offsite!,
        other: t.bucket,
        keyFile: c.encryption.keyFile,
        profileDir,
      });
      if (r.report.problems.length > 0 || r.report.documents.failed > 0) {
        throw new Error(
          `restore was not clean: ${JSON.stringify({ documents: r.report.documents, problems: r.report.problems.slice(0, 3) })}`,
        );
      }
      return { ...r, database: t.database };
    };

    const rcloneMs: number[] = [];
    const diwan: Array<ChildResult & { database: string }> = [];
    for (let k = 1; k <= runs; k++) {
      // Alternating which goes first, so neither always meets a warmer page cache.
      const order = k % 2 ? ['rclone', 'diwan'] : ['diwan', 'rclone'];
      for (const which of order) {
        if (which === 'rclone') {
          log(`run ${k}: rclone sync offsite -> an empty bucket on the primary server…`);
          const dest = { ...c.s3!, bucket: `rclone-${k}` };
          await lockedByDefault(dest);
          rcloneMs.push(await rcloneSync(c.offsite!, dest, concurrency));
        } else {
          log(`run ${k}: diwan restore into an empty database and primary bucket…`);
          diwan.push(await diwanRun(`restored_${k}`));
        }
      }
    }

    log('search index rebuilt from the first restored database…');
    const db = createDb(diwan[0]!.database, 4);
    let indexLine = '';
    try {
      const search = createSearchIndex({ url: c.meili!.url, key: c.meili!.key, index: 'restored' });
      await search.ensureIndex();
      const t0 = performance.now();
      const index = await rebuildIndex({ db, documents: createDocumentsRepo(db), search, reviewBelow: 60 });
      indexLine = `${pad('search index rebuilt afterwards (not in either figure)', 52)} ${(index.documents / ((performance.now() - t0) / 1000)).toFixed(1).padStart(9)} docs/s`;
    } finally {
      await db.end();
    }

    let memory: ChildResult | undefined;
    if (memoryDocs > docs) {
      log(`seeding up to ${memoryDocs} documents for the memory run…`);
      await seedOffsite(source, offsite, { from: docs + 1, to: memoryDocs }, LETTER);
      log(`diwan restore of ${memoryDocs} documents…`);
      memory = await diwanRun('restored_large');
    }

    const diwanMs = diwan.map((r) => r.report.ms);
    const mb = mib(seeded.bytes);
    const perS = (n: number) => (ms: number) => n / (ms / 1000);
    const row = (what: string, ms: number[]) => {
      const obj = ms.map(perS(objects));
      const mbs = ms.map(perS(mb));
      return `${pad(what, 52)} ${median(obj).toFixed(1).padStart(9)} ${spread(obj, (x) => x.toFixed(0)).padStart(11)} ${median(mbs).toFixed(1).padStart(8)} ${spread(mbs, (x) => x.toFixed(0)).padStart(9)}`;
    };
    const ratio = median(rcloneMs) / median(diwanMs);
    const rss = diwan.map((r) => mib(r.peakRss));
    const lines = [
      `Restore from offsite: ${docs} documents, ${objects} objects (${ledgerObjects} ledger segments), ${mb.toFixed(0)} MB, ${os.cpus().length} cores; median of ${runs} runs (spread min-max)`,
      `${pad('what', 52)} ${'objects/s'.padStart(9)} ${'spread'.padStart(11)} ${'MB/s'.padStart(8)} ${'spread'.padStart(9)}`,
      row(`rclone sync, same servers, ${concurrency} transfers (reference)`, rcloneMs),
      row(`diwan restore, ${concurrency} objects in flight (hash, copy, records)`, diwanMs),
      indexLine,
      `restore throughput: ${ratio.toFixed(2)}x rclone sync (objects/s and MB/s alike: the same objects)`,
      targetLine({
        name: 'restore beside rclone sync, same servers',
        figure: `${median(diwanMs.map(perS(objects))).toFixed(1)} objects/s`,
        reference: `${median(rcloneMs.map(perS(objects))).toFixed(1)} objects/s`,
        ratio,
        aim: { atLeast: 0.8 },
      }),
      `ledger ${diwan[0]!.report.ledger.entries} entries, chain ${diwan[0]!.report.ledger.brokenAt === null ? 'intact' : 'BROKEN'}`,
      '',
      `Memory of the restoring process (its own process; peak RSS from getrusage, peak V8 heap sampled every 100 ms)`,
      `${pad('archive', 52)} ${'peak RSS MB'.padStart(12)} ${'peak heap MB'.padStart(13)}`,
      `${pad(`${docs} documents (median of ${runs}; spread ${spread(rss, (x) => x.toFixed(0))})`, 52)} ${median(rss).toFixed(0).padStart(12)} ${median(
        diwan.map((r) => mib(r.peakHeap)),
      )
        .toFixed(0)
        .padStart(13)}`,
    ];
    if (memory) {
      lines.push(
        `${pad(`${memoryDocs} documents`, 52)} ${mib(memory.peakRss).toFixed(0).padStart(12)} ${mib(memory.peakHeap).toFixed(0).padStart(13)}`,
        `peak RSS at ${memoryDocs / docs}x the documents: ${(memory.peakRss / median(diwan.map((r) => r.peakRss))).toFixed(2)}x; restore of ${memoryDocs} took ${(memory.report.ms / 1000).toFixed(0)} s (${(memory.report.objects.verified / (memory.report.ms / 1000)).toFixed(0)} objects/s)`,
      );
    }
    return lines;
  } finally {
    await admin.end();
    await source.end();
    await services.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const childAt = process.argv.indexOf('--child');
  if (childAt >= 0) return child(JSON.parse(process.argv[childAt + 1]!) as ChildJob);
  const restore = await restoreBench(
    numberArg('docs', 300),
    numberArg('memory-docs', 3000),
    numberArg('runs', 3),
    numberArg('concurrency', RESTORE_CONCURRENCY),
    stringArg('profile'),
  );
  process.stdout.write(['', ...restore, ''].join('\n'));
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
