/**
 * The end-to-end half of `bench:ocr`: pages uploaded to a running archive
 * (`diwan serve`, embedded services, in-process workers) as multi-page scanned
 * PDFs, timed from the first byte sent to the last document archived (pages,
 * OCR, archive PDF, both copies, index), and the archived text scored against
 * the pages' ground truth.
 */
import fs from 'node:fs';
import { scannedPdf } from '../fixtures/pdfs';
import { descends, processTable, procStat } from './procs';
import { withServer } from './serve';

export interface BenchPage {
  file: string;
  truth: string;
}

export interface EndToEnd {
  /** Pages per minute from the first upload to the last document archived. */
  pagesPerMinute: number;
  seconds: number;
  documents: number;
  /** The archived text of each page, in the order of `pages`. */
  texts: string[];
  /** Pages the server read with confidence below its review threshold. */
  flagged: number;
  /** Seconds spent in each pipeline stage over the batch (summed over documents; stages of two documents overlap). */
  stageSeconds: Record<string, number>;
  /** CPU seconds over the batch by process kind (the server, its PDF reader processes, each embedded service). */
  cpuSeconds: Record<string, number>;
}

export interface LongDocument {
  pages: number;
  seconds: number;
  pagesPerMinute: number;
  /** The server process's CPU time over the wall time: 2 means both cores busy throughout. */
  coresUsed: number;
}

/** Seconds spent so far in each pipeline stage, from the server's /metrics. */
async function stageSeconds(base: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^diwan_pipeline_stage_duration_seconds_sum\{stage="([a-z]+)"\} ([0-9.e+-]+)$/gm))
    out[m[1]!] = Number(m[2]);
  return out;
}

function cpuSeconds(pid: number): number {
  return procStat(pid)?.own ?? 0;
}

/**
 * CPU seconds so far of the server and every process under it, by kind: the
 * server itself, the PDF reader processes it forked and has reaped, and each
 * embedded service (with the children each has reaped).
 */
function cpuByKind(serverPid: number): Record<string, number> {
  const all = processTable();
  const under = (pid: number) => descends(all, pid, serverPid);
  const out: Record<string, number> = {};
  const add = (kind: string, v: number) => (out[kind] = (out[kind] ?? 0) + v);
  for (const [pid, st] of all) {
    if (pid === serverPid) {
      add('diwan (API, workers, OCR)', st.own);
      add('short-lived helpers (PDF reader)', st.children);
    } else if (under(pid)) {
      const kind = /^postgres/.test(st.name)
        ? 'PostgreSQL'
        : /^minio/.test(st.name)
          ? 'MinIO (both)'
          : /^meili/.test(st.name)
            ? 'Meilisearch'
            : st.name;
      add(kind, st.own + st.children);
    }
  }
  return out;
}

interface Api {
  json<T>(method: string, url: string, body?: unknown): Promise<T>;
  upload(batchId: string, name: string, bytes: Buffer): Promise<void>;
}

function api(base: string, token: string): Api {
  const auth = { authorization: `Bearer ${token}` };
  return {
    async json<T>(method: string, url: string, body?: unknown): Promise<T> {
      const res = await fetch(`${base}${url}`, {
        method,
        headers: { ...auth, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
    async upload(batchId, name, bytes) {
      const form = new FormData();
      form.append('files', new Blob([bytes], { type: 'application/pdf' }), name);
      const res = await fetch(`${base}/api/v1/batches/${batchId}/files`, { method: 'POST', body: form, headers: auth });
      if (!res.ok) throw new Error(`upload ${name}: ${res.status} ${await res.text()}`);
    },
  };
}

interface BatchView {
  done: boolean;
  counts: Record<string, number>;
  files: Array<{ documentId: string | null; status: string }>;
}
interface DocumentView {
  pages: Array<{ n: number; text: string; needsReview: boolean }>;
}

/** Uploads each document (a list of JPEG pages) to one new batch and waits until every one is archived. */
async function archive(
  client: Api,
  name: string,
  documents: Buffer[][],
  maxSeconds: number,
): Promise<{ seconds: number; batch: BatchView }> {
  const pdfs = await Promise.all(documents.map((pages) => scannedPdf(pages, 300)));
  const t0 = performance.now();
  const { id } = await client.json<{ id: string }>('POST', '/api/v1/batches', { name });
  for (const [i, pdf] of pdfs.entries()) await client.upload(id, `${name}-${i + 1}.pdf`, pdf);
  for (;;) {
    const batch = await client.json<BatchView>('GET', `/api/v1/batches/${id}`);
    const seconds = (performance.now() - t0) / 1000;
    if (batch.done) {
      if (batch.counts.archived !== documents.length)
        throw new Error(`${name}: not all archived: ${JSON.stringify(batch.counts)}`);
      return { seconds, batch };
    }
    if (seconds > maxSeconds) throw new Error(`${name}: not archived within ${maxSeconds} s: ${JSON.stringify(batch.counts)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Runs a fresh archive, sends `pages` in documents of `perDocument` pages
 * (`runs` times, grouped differently each time, `between` run after each), then (with `longPages` > 0) one document of
 * that many pages alone, with the server's CPU use measured while it is read.
 */
export async function endToEnd(
  pages: BenchPage[],
  opts: {
    perDocument: number;
    runs: number;
    longPages: number;
    maxSeconds: number;
    /** Work run after each end-to-end run while the archive is idle (the OCR-only runs, interleaved so load drifts fall on both). */
    between?: (run: number) => Promise<void>;
    /** Arguments to the server's Node (`--cpu-prof`). */
    nodeArgs?: string[];
  },
): Promise<{ batches: EndToEnd[]; long?: LongDocument }> {
  return withServer('diwan-bench-e2e-', { nodeArgs: opts.nodeArgs }, async ({ base, token, pid }) => {
    const client = api(base, token);
    const jpegs = pages.map((p) => fs.readFileSync(p.file));

    // Warm-up: one page through every stage, so model loading and first-use costs stay out of the figure.
    await archive(client, 'warm-up', [[jpegs[0]!]], 300);

    // Each run groups the pages differently (shifted by the run's number), so no document repeats an earlier one.
    const runs: EndToEnd[] = [];
    for (let r = 0; r < opts.runs; r++) {
      const order = pages.map((_, i) => (i + r) % pages.length);
      const groups: number[][] = [];
      for (let i = 0; i < order.length; i += opts.perDocument) groups.push(order.slice(i, i + opts.perDocument));
      const before = await stageSeconds(base);
      const cpuBefore = cpuByKind(pid);
      const { seconds, batch } = await archive(
        client,
        `pages-${r + 1}`,
        groups.map((g) => g.map((i) => jpegs[i]!)),
        opts.maxSeconds,
      );
      const after = await stageSeconds(base);
      const cpuAfter = cpuByKind(pid);
      const texts: string[] = new Array<string>(pages.length).fill('');
      let flagged = 0;
      for (const [d, f] of batch.files.entries()) {
        const doc = await client.json<DocumentView>('GET', `/api/v1/documents/${f.documentId}`);
        for (const p of doc.pages) {
          texts[groups[d]![p.n - 1]!] = p.text;
          if (p.needsReview) flagged++;
        }
      }
      runs.push({
        pagesPerMinute: (pages.length * 60) / seconds,
        seconds,
        documents: groups.length,
        texts,
        flagged,
        stageSeconds: Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)])),
        cpuSeconds: Object.fromEntries(Object.entries(cpuAfter).map(([k, v]) => [k, v - (cpuBefore[k] ?? 0)])),
      });
      await opts.between?.(r);
    }
    const result: { batches: EndToEnd[]; long?: LongDocument } = { batches: runs };
    if (opts.longPages > 0) {
      const long = Array.from({ length: opts.longPages }, (_, i) => jpegs[i % jpegs.length]!);
      const cpu0 = cpuSeconds(pid);
      const run = await archive(client, 'long', [long], opts.maxSeconds);
      const cpu = cpuSeconds(pid) - cpu0;
      result.long = {
        pages: opts.longPages,
        seconds: run.seconds,
        pagesPerMinute: (opts.longPages * 60) / run.seconds,
        coresUsed: cpu / run.seconds,
      };
    }
    return result;
  });
}
