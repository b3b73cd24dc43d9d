/**
 * Benchmark: how fast does fixity re-hash the archive, beside what the disks and
 * the hash can do at their best on the same objects, in the same run?
 *
 * - Starts the embedded services (PostgreSQL, both MinIO servers, buckets under
 *   Object Lock as in production) and runs the schema's migrations.
 * - Stores a realistic mix in both buckets (random bytes: many 20-200 KB pages,
 *   some 1-5 MB PDFs, a few 20 MB scans), registered as archived documents' files.
 * - Three readers over the same objects, each cold (page cache dropped before,
 *   `sync; echo 3 > /proc/sys/vm/drop_caches`) and warm (straight after), three
 *   times each, median and spread:
 *   - Diwan: a run of the rolling fixity cycle over every copy, unpaced
 *     (storage/integrity/fixityCycle.ts: both copies read and hashed, retention
 *     checked, state written batch by batch);
 *   - the same run with stores that skip the retention check, to show its cost;
 *   - raw parallel reads: plain GETs of both copies of every object from both
 *     MinIO servers, the same objects in flight, no hashing;
 *   - `openssl dgst -sha256` over the files the MinIO servers keep for both
 *     buckets (the same bytes on disk), as many processes as streams above.
 * - Diwan's MB/s beside the lesser of the two references: the aim is ≥ 0.8×.
 * - All of it twice: the mix stored in the clear, then encrypted (the default,
 *   DIWAN_ENCRYPTION on: each copy decrypted as it is read, its stored bytes
 *   hashed beside its plaintext), each on services of its own.
 *
 * Usage: npm run bench:fixity [-- --scale 1] [-- --concurrency 4] [-- --runs 3] [-- --mode clear|encrypted|both]
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../kernel/log';
import { createDb, migrate, type Db } from '../../storage/db';
import { runFixityCycle } from '../../storage/integrity/fixity';
import { isKept } from '../../storage/layout';
import { createObjectStore, s3Client, type ObjectStore } from '../../storage/objectStore';
import { loadKeyRing, makeKeyFile, type KeyRing } from '../../storage/crypto/keyRing';
import { startEmbeddedServices } from '../../src/runtime/services/embedded';
import { choiceArg, lanes, median, numberArg, targetLine, withSpread } from './stats';

const run = promisify(execFile);
const log = (m: string) => process.stderr.write(`${m}\n`);
const MB = 1048576;

interface Obj {
  key: string;
  size: number;
}

/** The mix, by a seeded generator so that every run stores the same sizes. */
function mix(scale: number): Array<{ kind: string; size: number; type: string }> {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 100_000) / 100_000;
  const between = (lo: number, hi: number) => Math.round(lo + rand() * (hi - lo));
  const out: Array<{ kind: string; size: number; type: string }> = [];
  for (let i = 0; i < Math.round(1200 * scale); i++)
    out.push({ kind: 'page', size: between(20_000, 200_000), type: 'image/webp' });
  for (let i = 0; i < Math.round(40 * scale); i++)
    out.push({ kind: 'archive', size: between(1 * MB, 5 * MB), type: 'application/pdf' });
  for (let i = 0; i < Math.max(1, Math.round(4 * scale)); i++) out.push({ kind: 'original', size: 20 * MB, type: 'image/tiff' });
  return out;
}

async function seed(db: Db, stores: ObjectStore[], scale: number): Promise<Obj[]> {
  const items = mix(scale);
  const objects: Obj[] = [];
  let doc: string | undefined;
  let seq = 0;
  await lanes(items, 4, async (item, i) => {
    const key = `documents/2026/${String(Math.floor(i / 4) + 1).padStart(6, '0')}/${item.kind}-${i}.bin`;
    const data = crypto.randomBytes(item.size);
    for (const s of stores) await s.putBufferOnce(key, data, item.type);
    objects[i] = { key, size: item.size };
  });
  // Four objects a document, registered once their bytes are in both buckets (as the pipeline does).
  for (let i = 0; i < items.length; i++) {
    if (i % 4 === 0) {
      const r = await db.query<{ id: string }>(
        `INSERT INTO documents (registry_year, registry_seq, classification, original_name, original_mime, original_ext, original_size,
           original_sha256, status, page_count)
         VALUES (2026, $1, 'public', 'scan.tif', 'image/tiff', 'tif', 1, $2, 'archived', 1) RETURNING id`,
        [++seq, crypto.randomBytes(32).toString('hex')],
      );
      doc = r.rows[0]!.id;
    }
    const o = objects[i]!;
    const sha = (await stores[0]!.hash(o.key)).sha256;
    await db.query(`INSERT INTO artefacts (document_id, kind, key, sha256, size, content_type) VALUES ($1, $2, $3, $4, $5, $6)`, [
      doc,
      items[i]!.kind,
      o.key,
      sha,
      o.size,
      items[i]!.type,
    ]);
  }
  return objects;
}

/** Drops the page cache (false when this machine does not allow it). */
async function dropCaches(): Promise<boolean> {
  try {
    await run('sync');
    fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

type Mode = 'clear' | 'encrypted';

async function main(): Promise<void> {
  const scale = numberArg('scale', 1);
  const concurrency = numberArg('concurrency', loadConfig({}).fixityCycle.concurrency);
  const runs = numberArg('runs', 3);
  const asked = choiceArg('mode', ['both', 'clear', 'encrypted'] as const);
  const modes: Mode[] = asked === 'both' ? ['clear', 'encrypted'] : [asked];
  for (const mode of modes) process.stdout.write(await measure(mode, scale, concurrency, runs));
}

/** The whole measurement on services of its own, the mix stored in the clear or encrypted. */
async function measure(mode: Mode, scale: number, concurrency: number, runs: number): Promise<string> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-bench-fixity-'));
  fs.chmodSync(dataDir, 0o755);
  const config = loadConfig({ DIWAN_DATA_DIR: dataDir, DIWAN_LOG: 'silent' });
  const services = await startEmbeddedServices(config, createLogger('silent'));
  const c = services.config;
  const db = createDb(c.databaseOwnerUrl ?? c.databaseUrl!, 4);
  try {
    await migrate(db);
    const retention = { ms: 24 * 3600_000, applies: isKept };
    let keys: KeyRing | undefined;
    if (mode === 'encrypted') {
      const file = path.join(dataDir, 'bench-keys.json');
      makeKeyFile(file);
      keys = loadKeyRing(file, true);
    }
    const primary = createObjectStore('primary', c.s3!, retention, keys);
    const offsite = createObjectStore('offsite', c.offsite!, retention, keys);
    await Promise.all([primary.ensureBucket(), offsite.ensureBucket()]);
    log(`storing the mix (scale ${scale}) in both buckets…`);
    const objects = await seed(db, [primary, offsite], scale);
    const bytes = 2 * objects.reduce((a, o) => a + o.size, 0);
    const { rows } = await db.query<{ key: string }>('SELECT key FROM fixity_cycle ORDER BY document_id, key, target');
    const order = [...new Set(rows.map((r) => r.key))].map((k) => objects.find((o) => o.key === k)!);
    const files = [
      ...filesUnder(path.join(dataDir, 'minio-primary', c.s3!.bucket)),
      ...filesUnder(path.join(dataDir, 'minio-offsite', c.offsite!.bucket)),
    ];
    const fileBytes = files.reduce((a, f) => a + fs.statSync(f).size, 0);

    // The reference's bare GETs of the bytes as stored (no decryption, no hashing), on clients kept for every run as the stores keep theirs.
    const bare = [
      { client: s3Client(c.s3!), bucket: c.s3!.bucket },
      { client: s3Client(c.offsite!), bucket: c.offsite!.bucket },
    ];
    const readers: Record<string, () => Promise<{ bytes: number; ms: number }>> = {
      diwan: async () => {
        await db.query(`UPDATE fixity_cycle SET checked_at = '-infinity'`);
        const r = await runFixityCycle(
          { db, primary, offsite },
          { periodHours: 24, cycleDays: 30, limit: 2 * objects.length, concurrency },
        );
        const damage = r.findings.filter((f) => f.problem !== 'retention');
        if (damage.length > 0 || r.errors.length > 0 || r.copies !== 2 * objects.length)
          throw new Error(
            `fixity run went wrong: ${JSON.stringify({ damage: damage[0], error: r.errors[0], copies: r.copies })}`,
          );
        return { bytes: r.bytes, ms: r.ms };
      },
      // The same run with stores that skip the retention check (what the check costs, beside the references).
      hashOnly: async () => {
        await db.query(`UPDATE fixity_cycle SET checked_at = '-infinity'`);
        const stores = {
          primary: createObjectStore('primary', c.s3!, undefined, keys),
          offsite: createObjectStore('offsite', c.offsite!, undefined, keys),
        };
        const r = await runFixityCycle(
          { db, ...stores },
          { periodHours: 24, cycleDays: 30, limit: 2 * objects.length, concurrency },
        );
        return { bytes: r.bytes, ms: r.ms };
      },
      raw: async () => {
        let read = 0;
        const drain = async (b: (typeof bare)[number], key: string) => {
          for await (const chunk of await b.client.getObject(b.bucket, key)) read += (chunk as Buffer).length;
        };
        const ms = await lanes(order, concurrency, async (o) => {
          await Promise.all(bare.map((b) => drain(b, o.key)));
        });
        return { bytes: read, ms };
      },
      openssl: async () => {
        // As many processes as streams above, each given files of about the same total size.
        const groups: string[][] = Array.from({ length: 2 * concurrency }, () => []);
        const sizes = new Array<number>(groups.length).fill(0);
        for (const f of [...files].sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)) {
          const g = sizes.indexOf(Math.min(...sizes));
          groups[g]!.push(f);
          sizes[g]! += fs.statSync(f).size;
        }
        const t0 = performance.now();
        await Promise.all(
          groups.filter((g) => g.length > 0).map((g) => run('openssl', ['dgst', '-sha256', ...g], { maxBuffer: 64 << 20 })),
        );
        return { bytes: fileBytes, ms: performance.now() - t0 };
      },
    };
    const results: Record<string, { cold: number[]; warm: number[] }> = {};
    let cold = true;
    for (let k = 0; k < runs; k++) {
      for (const [name, read] of Object.entries(readers)) {
        const r = (results[name] ??= { cold: [], warm: [] });
        cold = (await dropCaches()) && cold;
        const a = await read();
        r.cold.push(a.bytes / MB / (a.ms / 1000));
        const b = await read();
        r.warm.push(b.bytes / MB / (b.ms / 1000));
        log(`run ${k + 1} ${name}: cold ${r.cold[k]!.toFixed(0)} MB/s, warm ${r.warm[k]!.toFixed(0)} MB/s`);
      }
    }

    const counts = mix(scale).reduce<Record<string, number>>((a, m) => ({ ...a, [m.kind]: (a[m.kind] ?? 0) + 1 }), {});
    const lines = [
      '',
      `Fixity of copies stored ${mode === 'clear' ? 'in the clear (DIWAN_ENCRYPTION=off)' : 'encrypted (the default): each decrypted as it is read, its stored bytes hashed too'}:`,
      `a mix of ${objects.length} objects (${counts.page} pages of 20-200 KB, ${counts.archive} PDFs of 1-5 MB, ${counts.original} scans of 20 MB),`,
      `${(bytes / MB).toFixed(0)} MB over both copies; ${concurrency} objects in flight (both copies each); ${os.cpus().length} cores;`,
      `median of ${runs} runs (min–max). ${cold ? 'Cold: page cache dropped before each run.' : 'Cold runs NOT cold: this machine refused to drop the page cache.'}`,
      '',
      `${'reader'.padEnd(58)} ${'cold MB/s'.padStart(20)} ${'warm MB/s'.padStart(20)}`,
      `${'Diwan fixity cycle (both copies read and hashed, retention)'.padEnd(58)} ${withSpread(results.diwan!.cold).padStart(20)} ${withSpread(results.diwan!.warm).padStart(20)}`,
      `${'  the same, without the retention check (hashing only)'.padEnd(58)} ${withSpread(results.hashOnly!.cold).padStart(20)} ${withSpread(results.hashOnly!.warm).padStart(20)}`,
      `${`raw parallel GETs of both copies (${concurrency} objects in flight)`.padEnd(58)} ${withSpread(results.raw!.cold).padStart(20)} ${withSpread(results.raw!.warm).padStart(20)}`,
      `${`openssl dgst -sha256, MinIO's files, ${2 * concurrency} processes`.padEnd(58)} ${withSpread(results.openssl!.cold).padStart(20)} ${withSpread(results.openssl!.warm).padStart(20)}`,
      '',
    ];
    for (const temp of ['cold', 'warm'] as const) {
      const diwan = median(results.diwan![temp]);
      const raw = median(results.raw![temp]);
      const ssl = median(results.openssl![temp]);
      const lesser = Math.min(raw, ssl);
      lines.push(
        targetLine({
          name: mode === 'clear' ? `fixity, ${temp}` : `fixity of encrypted copies (the default), ${temp}`,
          figure: `${diwan.toFixed(0)} MB/s`,
          reference: `${raw <= ssl ? 'raw reads' : 'openssl'} ${lesser.toFixed(0)} MB/s (the lesser; ${raw <= ssl ? 'openssl' : 'raw reads'} ${Math.max(raw, ssl).toFixed(0)})`,
          ratio: diwan / lesser,
          aim: { atLeast: 0.8 },
        }),
      );
    }
    const paced = loadConfig({}).fixity.bytesPerSecond;
    const perCopyMs = (name: string) => (bytes / MB / median(results[name]!.warm) / (2 * objects.length)) * 1000;
    lines.push(
      '',
      `The retention check (a HEAD and a GetObjectRetention on each copy) adds ${(perCopyMs('diwan') - perCopyMs('hashOnly')).toFixed(2)} ms of wall time per copy (warm),`,
      `${(((perCopyMs('diwan') - perCopyMs('hashOnly')) / perCopyMs('diwan')) * 100).toFixed(0)}% of Diwan's time on this mix; raw reads take ${perCopyMs('raw').toFixed(2)} ms per copy.`,
      `At the default pace (${(paced / MB).toFixed(0)} MB/s over both copies) a 30-day cycle checks ${((paced * 30 * 86400) / 1e12 / 2).toFixed(0)} TB per copy.`,
      '',
    );
    return lines.join('\n');
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
