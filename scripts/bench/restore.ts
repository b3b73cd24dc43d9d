/**
 * Benchmark: how fast does the archive come back from the offsite bucket, and
 * how far does the offsite copy fall behind under a steady ingest?
 *
 * Restore (embedded services):
 * - Seeds a few thousand archived documents into the offsite bucket as the
 *   pipeline leaves them: original, archive PDF, page image, ocr.json and a
 *   format-2 manifest per document, with their ledger entries chained in a
 *   source database and exported as ledger segments. Sizes are those of a
 *   one-page scan (about 250 KB original, 300 KB PDF, 60 KB page image).
 * - The reference, in the same run: a raw copy of the same objects from the
 *   offsite bucket to an empty one (list, read, write; no hashing, no database).
 * - Then `restoreArchive` into an empty database and an empty primary bucket
 *   (every object re-hashed on the offsite copy, copied, read back, hashed
 *   again; the ledger and every record rebuilt), and the search index rebuilt.
 *
 * Replication lag (`diwan serve` as a child, its own embedded services):
 * - One document alone, upload to archived: the pipeline's own time.
 * - Then one scan every --every seconds for --ingest-seconds, /readyz sampled
 *   every second for the pending count and the age of the oldest pending file.
 *
 * Usage: npm run bench:restore [-- --docs 2000 --ingest-seconds 120 --every 4]
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { serialiseOcrFile } from '../../storage/ocrFile';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../kernel/log';
import { rebuildIndex } from '../../search/reindex';
import { createSearchIndex } from '../../search/searchIndex';
import { createDb, migrate, type Db } from '../../storage/db';
import { createDocumentsRepo } from '../../storage/repos/documents';
import { canonicalJson, sha256 } from '../../storage/hash';
import { keys } from '../../storage/layout';
import { buildManifest } from '../../storage/manifest';
import { appendLedger, ledgerForDocument } from '../../storage/integrity/ledger';
import { exportLedgerSegments } from '../../storage/integrity/ledgerExport';
import { createObjectStore, type ObjectStore } from '../../storage/objectStore';
import { restoreArchive } from '../../storage/restore/restore';
import { renderArabicScan, SAMPLE_LINES } from '../fixtures/arabicScan';
import { startEmbeddedServices } from '../../src/runtime/services/embedded';
import { withServer } from './serve';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const log = (m: string) => process.stderr.write(`${m}\n`);
const pad = (s: string, n: number) => s.padEnd(n);

async function seed(db: Db, offsite: ObjectStore, count: number): Promise<{ objects: number; bytes: number }> {
  const documents = createDocumentsRepo(db);
  const scan = await renderArabicScan(SAMPLE_LINES.slice(0, 6), { seed: 3 });
  let objects = 0;
  let bytes = 0;
  const put = async (key: string, data: Buffer, type: string) => {
    const stored = await offsite.putBufferOnce(key, data, type);
    objects++;
    bytes += data.length;
    return stored;
  };
  for (let i = 1; i <= count; i++) {
    // Each original unique (a different tail), sized like a one-page scan.
    const original = Buffer.concat([scan, crypto.randomBytes(8)]);
    const ref = { year: 2026, seq: i };
    const fingerprint = sha256(original);
    const row = await db.query<{ id: string }>(
      `INSERT INTO documents (registry_year, registry_seq, title, classification, original_name, original_mime, original_ext,
         original_size, original_sha256, status, page_count, department, doc_type)
       VALUES (2026, $1, $2, 'public', $3, 'image/jpeg', 'jpg', $4, $5, 'archived', 1, 'الشؤون الإدارية', 'كتاب') RETURNING id`,
      [i, `كتاب رقم ${i}`, `scan-${i}.jpg`, original.length, fingerprint],
    );
    const id = row.rows[0]!.id;
    const originalKey = keys.original(ref, 'jpg');
    await db.query(
      `INSERT INTO document_parts (document_id, n, key, sha256, size, mime, ext, original_name, page_count)
       VALUES ($1, 1, $2, $3, $4, 'image/jpeg', 'jpg', $5, 1)`,
      [id, originalKey, fingerprint, original.length, `scan-${i}.jpg`],
    );
    await appendLedger(db, 'registered', id, {
      registryNo: `2026/${String(i).padStart(6, '0')}`,
      fingerprint,
      files: [{ path: 'original.jpg', sha256: fingerprint, size: original.length, name: `scan-${i}.jpg` }],
    });
    const words: Array<[string, number, number, number, number, number]> = [['كتاب', 100, 100, 200, 140, 92]];
    const page = {
      n: 1,
      width: 1654,
      height: 2339,
      text: `${SAMPLE_LINES[i % SAMPLE_LINES.length]} ${i}`,
      confidence: 91,
      words,
    };
    await db.query(
      `INSERT INTO pages (document_id, n, width, height, text, confidence, words) VALUES ($1, 1, 1654, 2339, $2, 91, $3)`,
      [id, page.text, JSON.stringify(words)],
    );
    const doc = (await documents.get(id))!;
    const files: Array<[string, string, Buffer, string]> = [
      ['original', originalKey, original, 'image/jpeg'],
      ['archive-pdf', keys.archivePdf(ref), crypto.randomBytes(300 * 1024), 'application/pdf'],
      ['page-image', keys.pageImage(ref, 1), crypto.randomBytes(60 * 1024), 'image/webp'],
      ['ocr-json', keys.ocrJson(ref), serialiseOcrFile(doc, [page], { version: 1, source: 'ocr' }), 'application/json'],
    ];
    for (const [kind, key, data, type] of files) {
      const s = await put(key, data, type);
      await documents.saveArtefact(id, { kind, ...s, contentType: type });
    }
    const manifest = buildManifest({
      doc,
      pages: [page],
      artefacts: await documents.artefacts(id),
      parts: await documents.parts(id),
      batch: null,
      ledger: await ledgerForDocument(db, id),
    });
    const m = await put(keys.manifest(ref), Buffer.from(canonicalJson(manifest)), 'application/json');
    await appendLedger(db, 'archived', id, { registryNo: doc.registryNo, manifestSha256: m.sha256 });
    await appendLedger(db, 'replicated', id, { target: 'offsite', files: 5 });
    if (i % 500 === 0) log(`  seeded ${i}/${count}`);
  }
  await exportLedgerSegments(db, [offsite]);
  await db.query(`INSERT INTO registry_sequences (year, last_seq) VALUES (2026, $1)`, [count]);
  return { objects, bytes };
}

async function rawCopy(from: ObjectStore, to: ObjectStore): Promise<{ objects: number; ms: number }> {
  const t0 = performance.now();
  const all = [...(await from.list('documents/')), ...(await from.list('ledger/'))];
  for (const key of all) {
    const s = (await from.stat(key))!;
    // No fingerprint check: the copy only moves bytes (a dummy hash, since the store wants one).
    await to.putStream(key, await from.get(key), s.size, s.contentType ?? 'application/octet-stream', s.sha256 ?? 'raw');
  }
  return { objects: all.length, ms: performance.now() - t0 };
}

async function restoreBench(count: number): Promise<string[]> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-bench-restore-'));
  fs.chmodSync(dataDir, 0o755);
  const config = loadConfig({ DIWAN_DATA_DIR: dataDir, DIWAN_LOG: 'silent', DIWAN_RETENTION: '1m' });
  const services = await startEmbeddedServices(config, createLogger('silent'));
  const c = services.config;
  const owner = c.databaseOwnerUrl!;
  const source = createDb(owner, 4);
  const retention = { ms: 60_000, applies: () => true };
  try {
    await migrate(source);
    const offsite = createObjectStore('offsite', c.offsite!, retention);
    await offsite.ensureBucket();
    log(`seeding ${count} archived documents into the offsite bucket…`);
    const seeded = await seed(source, offsite, count);

    log('reference: raw copy of the same objects to an empty bucket…');
    const scratch = createObjectStore('scratch', { ...c.s3!, bucket: 'raw-copy' });
    await scratch.ensureBucket();
    const raw = await rawCopy(offsite, scratch);

    log('restore into an empty database and an empty primary bucket…');
    const admin = new pg.Client({ connectionString: owner.replace(/\/diwan$/, '/postgres') });
    await admin.connect();
    await admin.query('CREATE DATABASE restored');
    await admin.end();
    const db = createDb(owner.replace(/\/diwan$/, '/restored'), 4);
    try {
      await migrate(db);
      const primary = createObjectStore('primary', { ...c.s3!, bucket: 'restored' }, retention);
      await primary.ensureBucket();
      const report = await restoreArchive({ db, source: offsite, other: primary, offsiteName: 'offsite' });
      if (report.problems.length > 0 || report.documents.restored !== count) {
        throw new Error(
          `restore was not clean: ${JSON.stringify({ documents: report.documents, problems: report.problems.slice(0, 3) })}`,
        );
      }
      const search = createSearchIndex({ url: c.meili!.url, key: c.meili!.key, index: 'restored' });
      await search.ensureIndex();
      const t0 = performance.now();
      const index = await rebuildIndex({ db, documents: createDocumentsRepo(db), search, reviewBelow: 60 }, { clear: true });
      const indexMs = performance.now() - t0;
      const restoreDps = count / (report.ms / 1000);
      const rawDps = count / (raw.ms / 1000);
      return [
        `Restore from offsite: ${count} documents, ${seeded.objects} objects, ${(seeded.bytes / 1048576).toFixed(0)} MB, ${os.cpus().length} cores`,
        `${pad('what', 58)} ${'docs/s'.padStart(8)} ${'MB/s'.padStart(8)}`,
        `${pad('diwan restore (verify, copy, verify again, rebuild records)', 58)} ${restoreDps.toFixed(1).padStart(8)} ${(seeded.bytes / 1048576 / (report.ms / 1000)).toFixed(1).padStart(8)}`,
        `${pad('raw bucket copy of the same objects (reference)', 58)} ${rawDps.toFixed(1).padStart(8)} ${(seeded.bytes / 1048576 / (raw.ms / 1000)).toFixed(1).padStart(8)}`,
        `${pad('search index rebuilt afterwards', 58)} ${(index.documents / (indexMs / 1000)).toFixed(1).padStart(8)}`,
        `restore speed: ${((restoreDps / rawDps) * 100).toFixed(0)}% of a raw copy; ledger ${report.ledger.entries} entries, chain ${report.ledger.brokenAt === null ? 'intact' : 'BROKEN'}`,
      ];
    } finally {
      await db.end();
    }
  } finally {
    await source.end();
    await services.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

interface ReadyBody {
  replication: { pending: number; oldestPendingSeconds: number; bytesPending: number } | null;
}

async function lagBench(ingestSeconds: number, every: number): Promise<string[]> {
  return withServer('diwan-bench-lag-', async ({ base, token }) => {
    const auth = { authorization: `Bearer ${token}` };
    const upload = async (i: number): Promise<string> => {
      const form = new FormData();
      const scan = await renderArabicScan([SAMPLE_LINES[i % SAMPLE_LINES.length]!, `كتاب رقم ${i}`], { seed: 1000 + i });
      form.append('file', new Blob([scan]), `scan-${i}.jpg`);
      const res = await fetch(`${base}/api/v1/documents`, { method: 'POST', body: form, headers: auth });
      return ((await res.json()) as { id: string }).id;
    };
    const archived = async (id: string) => {
      const d = (await (await fetch(`${base}/api/v1/documents/${id}`, { headers: auth })).json()) as { status: string };
      return d.status === 'archived';
    };
    const ready = async () => ((await (await fetch(`${base}/readyz`)).json()) as ReadyBody).replication!;

    log('one document alone, upload to archived…');
    let t0 = performance.now();
    const first = await upload(0);
    while (!(await archived(first))) await new Promise((r) => setTimeout(r, 200));
    const aloneS = (performance.now() - t0) / 1000;

    log(`steady ingest: one scan every ${every} s for ${ingestSeconds} s…`);
    const samples: Array<{ pending: number; oldest: number }> = [];
    let uploads = 0;
    t0 = performance.now();
    let nextUpload = 0;
    while ((performance.now() - t0) / 1000 < ingestSeconds) {
      const now = (performance.now() - t0) / 1000;
      if (now >= nextUpload) {
        void upload(++uploads);
        nextUpload += every;
      }
      const r = await ready();
      samples.push({ pending: r.pending, oldest: r.oldestPendingSeconds });
      await new Promise((res) => setTimeout(res, 1000));
    }
    log('waiting for the offsite copy to catch up…');
    const drain0 = performance.now();
    for (;;) {
      const r = await ready();
      samples.push({ pending: r.pending, oldest: r.oldestPendingSeconds });
      if (r.pending === 0) break;
      if ((performance.now() - drain0) / 1000 > 900) throw new Error('replication did not catch up within 15 minutes');
      await new Promise((res) => setTimeout(res, 1000));
    }
    const drainS = (performance.now() - drain0) / 1000;
    const oldest = samples.map((s) => s.oldest).sort((a, b) => a - b);
    const q = (p: number) => oldest[Math.min(oldest.length - 1, Math.floor(p * oldest.length))]!;
    return [
      `Replication lag under a steady ingest: ${uploads} one-page scans, one every ${every} s, ${os.cpus().length} cores`,
      `${pad('measure', 58)} ${'seconds'.padStart(8)}`,
      `${pad('one document alone, upload to archived (reference)', 58)} ${aloneS.toFixed(1).padStart(8)}`,
      `${pad('oldest file not yet offsite, median of samples', 58)} ${String(q(0.5)).padStart(8)}`,
      `${pad('oldest file not yet offsite, p95', 58)} ${String(q(0.95)).padStart(8)}`,
      `${pad('oldest file not yet offsite, max', 58)} ${String(oldest.at(-1)).padStart(8)}`,
      `${pad('catch-up after the last upload', 58)} ${drainS.toFixed(1).padStart(8)}`,
      `most documents pending at once: ${Math.max(...samples.map((s) => s.pending))}`,
    ];
  });
}

async function main(): Promise<void> {
  const restore = await restoreBench(arg('docs', 2000));
  const lag = await lagBench(arg('ingest-seconds', 120), arg('every', 4));
  process.stdout.write(['', ...restore, '', ...lag, ''].join('\n'));
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
