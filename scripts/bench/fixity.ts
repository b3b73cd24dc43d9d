/**
 * Benchmark: how fast does a fixity sweep re-hash the archive?
 *
 * - Starts the embedded services (PostgreSQL, both MinIO servers) and runs the
 *   schema's migrations.
 * - Writes a few GB of scan-sized objects (random bytes, 8 MB each) to local
 *   disk, stores each in both buckets, and registers them as the files of
 *   archived documents.
 * - Runs one unthrottled sweep (storage/fixity.ts: every object read back
 *   from both copies and hashed), and, in the same run, `sha256sum` over the
 *   same files on local disk (twice the bytes, to match both copies).
 * - Prints MB/s of each and the sweep's share of sha256sum's speed.
 *
 * Usage: npm run bench:fixity [-- --gb 2]
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../kernel/log';
import { createDb, migrate } from '../../storage/db';
import { createDocumentsRepo } from '../../storage/repos/documents';
import { sweepFixity } from '../../storage/integrity/fixity';
import { sha256OfFile } from '../../storage/hash';
import { createObjectStore } from '../../storage/objectStore';
import { startEmbeddedServices } from '../../src/runtime/services/embedded';

const run = promisify(execFile);
const OBJECT_MB = 8;

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const log = (m: string) => process.stderr.write(`${m}\n`);

async function main(): Promise<void> {
  const gb = arg('gb', 2);
  const count = Math.max(1, Math.round((gb * 1024) / OBJECT_MB));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-bench-fixity-'));
  fs.chmodSync(dataDir, 0o755);
  const config = loadConfig({ DIWAN_DATA_DIR: dataDir, DIWAN_LOG: 'silent' });
  const services = await startEmbeddedServices(config, createLogger('silent'));
  const c = services.config;
  const db = createDb(c.databaseOwnerUrl ?? c.databaseUrl!, 4);
  try {
    await migrate(db);
    const primary = createObjectStore('primary', c.s3!);
    const offsite = createObjectStore('offsite', c.offsite!);
    await Promise.all([primary.ensureBucket(), offsite.ensureBucket()]);
    const files = path.join(dataDir, 'files');
    fs.mkdirSync(files);
    log(`storing ${count} objects of ${OBJECT_MB} MB (${((count * OBJECT_MB) / 1024).toFixed(1)} GB) in both buckets…`);
    const paths: string[] = [];
    for (let i = 0; i < count; i++) {
      const file = path.join(files, `scan-${String(i).padStart(5, '0')}.tif`);
      fs.writeFileSync(file, crypto.randomBytes(OBJECT_MB * 1024 * 1024));
      paths.push(file);
      const { sha256, size } = await sha256OfFile(file);
      const key = `documents/2026/${String(i + 1).padStart(6, '0')}/original.tif`;
      for (const store of [primary, offsite]) await store.putFile(key, file, 'image/tiff', sha256);
      const doc = await db.query<{ id: string }>(
        `INSERT INTO documents (registry_year, registry_seq, classification, original_name, original_mime, original_ext, original_size,
           original_sha256, status, page_count)
         VALUES (2026, $1, 'public', 'scan.tif', 'image/tiff', 'tif', $2, $3, 'archived', 1) RETURNING id`,
        [i + 1, size, sha256],
      );
      await db.query(
        `INSERT INTO artefacts (document_id, kind, key, sha256, size, content_type) VALUES ($1, 'original', $2, $3, $4, 'image/tiff')`,
        [doc.rows[0]!.id, key, sha256, size],
      );
    }

    log('fixity sweep (both copies)…');
    const report = await sweepFixity({ db, documents: createDocumentsRepo(db), primary, offsite });
    if (report.findings.length > 0)
      throw new Error(`the sweep found problems in fresh data: ${JSON.stringify(report.findings[0])}`);
    const sweepMbs = report.bytes / 1048576 / (report.ms / 1000);

    log('sha256sum over the same files, twice (as many bytes as both copies)…');
    const t0 = performance.now();
    for (let pass = 0; pass < 2; pass++) {
      // Batches keep the command line short; one process at a time, as the sweep reads one object at a time.
      for (let i = 0; i < paths.length; i += 64) await run('sha256sum', paths.slice(i, i + 64), { maxBuffer: 1 << 20 });
    }
    const sumS = (performance.now() - t0) / 1000;
    const sumMbs = (2 * count * OBJECT_MB) / sumS;

    process.stdout.write(
      [
        '',
        `Fixity re-hashing, ${count} objects × ${OBJECT_MB} MB on each of 2 copies (${((report.bytes / 1073741824) * 1).toFixed(2)} GB read), ${os.cpus().length} cores`,
        `${'reader'.padEnd(46)} ${'MB/s'.padStart(8)}`,
        `${'Diwan fixity sweep (MinIO, both copies)'.padEnd(46)} ${sweepMbs.toFixed(1).padStart(8)}`,
        `${'sha256sum, same bytes on local disk'.padEnd(46)} ${sumMbs.toFixed(1).padStart(8)}`,
        `sweep speed: ${((sweepMbs / sumMbs) * 100).toFixed(0)}% of sha256sum`,
        '',
      ].join('\n'),
    );
  } finally {
    await db.end();
    await services.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
