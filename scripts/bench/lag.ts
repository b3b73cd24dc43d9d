/**
 * Benchmark: how far behind is the offsite copy of the originals when the
 * archive takes in documents as fast as it can archive them?
 *
 * `diwan serve` (in-process workers) against embedded services started here,
 * so the records can be read straight from PostgreSQL. Each round:
 * 1. capacity: a burst of --burst one-page scans uploaded at once; documents
 *    archived a second, from the first upload to the last archived;
 * 2. steady ingest at 100% of that capacity: one scan every 1/capacity
 *    seconds for --seconds, each sent when due (not when the last was
 *    answered), then the archive is left to finish;
 * 3. per document, from the records: the lag of its original, from the
 *    original stored in the primary bucket (its artefact row, written at
 *    upload) to its copy verified offsite (its replica row, written by the
 *    replicate stage after reading the copy back); and whether that copy was
 *    verified before the document was archived (replicate is the pipeline's
 *    last stage, so "archived" implies "replicated").
 * The p95 of the lag over the steady documents is the figure; the reference
 * is the aim itself (10 s) at the measured capacity. Median of --rounds rounds.
 *
 * Usage: npm run bench:lag [-- --burst 16 --seconds 60 --rounds 3]
 */
import os from 'node:os';
import pg from 'pg';
import { renderArabicScan, SAMPLE_LINES } from '../fixtures/arabicScan';
import { withServices } from './serve';
import { median, numberArg, percentile, targetLine, withSpread } from './stats';

const log = (m: string) => process.stderr.write(`${m}\n`);
const AIM_SECONDS = 10;

interface Client {
  batch(name: string): Promise<string>;
  upload(batchId: string, name: string, scan: Buffer): Promise<void>;
  done(batchId: string): Promise<{ done: boolean; counts: Record<string, number> }>;
}

function client(base: string, token: string): Client {
  const auth = { authorization: `Bearer ${token}` };
  return {
    async batch(name) {
      const res = await fetch(`${base}/api/v1/batches`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
      if (!res.ok) throw new Error(`batch: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { id: string }).id;
    },
    async upload(batchId, name, scan) {
      const form = new FormData();
      form.append('files', new Blob([scan], { type: 'image/jpeg' }), name);
      const res = await fetch(`${base}/api/v1/batches/${batchId}/files`, { method: 'POST', body: form, headers: auth });
      if (!res.ok) throw new Error(`upload ${name}: ${res.status} ${await res.text()}`);
    },
    async done(batchId) {
      return (await (await fetch(`${base}/api/v1/batches/${batchId}`, { headers: auth })).json()) as {
        done: boolean;
        counts: Record<string, number>;
      };
    },
  };
}

async function waitDone(c: Client, batchId: string, maxSeconds: number): Promise<Record<string, number>> {
  const until = Date.now() + maxSeconds * 1000;
  for (;;) {
    const b = await c.done(batchId);
    if (b.done) return b.counts;
    if (Date.now() > until) throw new Error(`batch not archived within ${maxSeconds} s: ${JSON.stringify(b.counts)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** One-page scans, each different (its own lines and noise), so none is a duplicate of another. */
async function scans(count: number, from: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let i = from; i < from + count; i++) {
    const lines = [SAMPLE_LINES[i % SAMPLE_LINES.length]!, SAMPLE_LINES[(i * 7 + 3) % SAMPLE_LINES.length]!, `مراسلة رقم ${i}`];
    out.push(await renderArabicScan(lines, { seed: i }));
  }
  return out;
}

interface Lags {
  /** Seconds from the original stored to its offsite copy verified, one per document, ascending. */
  seconds: number[];
  /** Documents archived before every original was verified offsite (0 when replication comes first). */
  archivedFirst: number;
  /** For each pipeline stage, the median seconds from the original stored to the stage done. */
  stages: Record<string, number>;
}

async function lagsOf(db: pg.Pool, batchId: string): Promise<Lags> {
  const { rows } = await db.query<{ lag: number; archived_first: boolean; stored: Date; stages: Record<string, string> }>(
    `SELECT extract(epoch FROM max(r.verified_at - a.created_at))::float8 AS lag,
            bool_or(r.verified_at > (d.stages->>'replicate')::timestamptz) AS archived_first,
            min(a.created_at) AS stored, d.stages
     FROM batch_files f
     JOIN documents d ON d.id = f.document_id
     JOIN artefacts a ON a.document_id = d.id AND a.kind = 'original'
     JOIN replicas r ON r.document_id = d.id AND r.key = a.key AND r.sha256 = a.sha256
     WHERE f.batch_id = $1 AND d.status = 'archived'
     GROUP BY d.id, d.stages`,
    [batchId],
  );
  const stages: Record<string, number> = {};
  for (const stage of Object.keys(rows[0]?.stages ?? {})) {
    const after = rows.flatMap((r) => (r.stages[stage] ? [(Date.parse(r.stages[stage]) - r.stored.getTime()) / 1000] : []));
    stages[stage] = median(after);
  }
  return {
    seconds: rows.map((r) => r.lag).sort((a, b) => a - b),
    archivedFirst: rows.filter((r) => r.archived_first).length,
    stages,
  };
}

interface Round {
  capacity: number;
  offered: number;
  documents: number;
  p50: number;
  p95: number;
  max: number;
  archivedFirst: number;
  drainSeconds: number;
  stages: Record<string, number>;
}

async function main(): Promise<void> {
  const burst = numberArg('burst', 16);
  const seconds = numberArg('seconds', 60);
  const rounds = Math.max(1, numberArg('rounds', 3));
  const results: Round[] = [];
  await withServices('diwan-bench-lag-', {}, async (s) => {
    const db = new pg.Pool({ connectionString: s.config.databaseUrl!, max: 2 });
    const c = client(s.base, s.token);
    let next = 0;
    try {
      log('warm-up: one document through every stage');
      const warm = await c.batch('warm-up');
      await c.upload(warm, 'warm.jpg', (await scans(1, next++))[0]!);
      await waitDone(c, warm, 300);
      for (let r = 0; r < rounds; r++) {
        const burstScans = await scans(burst, next);
        next += burst;
        log(`round ${r + 1}: capacity, a burst of ${burst} one-page scans`);
        const b1 = await c.batch(`capacity ${r + 1}`);
        const t0 = performance.now();
        await Promise.all(burstScans.map((scan, i) => c.upload(b1, `burst-${i}.jpg`, scan)));
        await waitDone(c, b1, 900);
        const capacity = burst / ((performance.now() - t0) / 1000);

        const count = Math.max(2, Math.round(capacity * seconds));
        const steadyScans = await scans(count, next);
        next += count;
        log(`round ${r + 1}: ${count} scans at ${capacity.toFixed(2)} a second (100% of capacity) for ${seconds} s`);
        const b2 = await c.batch(`steady ${r + 1}`);
        const start = performance.now();
        const sent: Array<Promise<void>> = [];
        let lastSent = start;
        for (const [i, scan] of steadyScans.entries()) {
          const wait = start + (i * 1000) / capacity - performance.now();
          if (wait > 1) await new Promise((res) => setTimeout(res, wait));
          lastSent = performance.now();
          sent.push(c.upload(b2, `steady-${i}.jpg`, scan));
        }
        await Promise.all(sent);
        const counts = await waitDone(c, b2, 900);
        if (counts.archived !== count) throw new Error(`not every document archived: ${JSON.stringify(counts)}`);
        const lags = await lagsOf(db, b2);
        results.push({
          capacity,
          offered: (count - 1) / ((lastSent - start) / 1000),
          documents: lags.seconds.length,
          p50: percentile(lags.seconds, 50),
          p95: percentile(lags.seconds, 95),
          max: lags.seconds.at(-1) ?? NaN,
          archivedFirst: lags.archivedFirst,
          drainSeconds: (performance.now() - lastSent) / 1000,
          stages: lags.stages,
        });
      }
    } finally {
      await db.end();
    }
  });
  const col = (f: (x: Round) => number, digits = 1) => withSpread(results.map(f), digits);
  const p95 = median(results.map((x) => x.p95));
  process.stdout.write(
    [
      '',
      `Replication lag of originals at 100% of measured ingest capacity: one-page scans, ${os.cpus().length} cores, median of ${rounds} rounds (range)`,
      `measured capacity (burst of ${burst}, upload to archived)         ${col((x) => x.capacity, 2)} documents/s`,
      `offered in the steady ingest                                   ${col((x) => x.offered, 2)} documents/s for ${seconds} s`,
      `lag of the original, stored → verified offsite: p50            ${col((x) => x.p50)} s`,
      `                                                 p95            ${col((x) => x.p95)} s`,
      `                                                 max            ${col((x) => x.max)} s`,
      `after the last upload, until all were archived                 ${col((x) => x.drainSeconds)} s`,
      `documents per round: ${results.map((x) => x.documents).join(', ')}; archived before their original was verified offsite: ${results.reduce((n, x) => n + x.archivedFirst, 0)}` +
        ' (the copy is verified by the last stage, before a document is archived)',
      `where the lag goes (median document, seconds after its original was stored, each stage done): ${Object.keys(
        results[0]?.stages ?? {},
      )
        .map((k) => [k, median(results.map((x) => x.stages[k] ?? NaN))] as const)
        .filter(([, v]) => Number.isFinite(v) && v >= 0)
        .sort((a, b) => a[1] - b[1])
        .map(([k, v]) => `${k} ${v.toFixed(1)}`)
        .join(', ')}`,
      targetLine({
        name: 'replication lag of originals, p95 at 100% of ingest capacity',
        figure: `${p95.toFixed(1)} s`,
        reference: `aim ${AIM_SECONDS} s`,
        ratio: p95,
        aim: { atMost: AIM_SECONDS },
        unit: ' s',
      }),
      '',
    ].join('\n'),
  );
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
