/**
 * OCR through tesseract.js (the only file that imports it): a small pool of
 * in-process workers reading Arabic and English. Language data comes from the
 * @tesseract.js-data npm packages, copied once into the cache dir; nothing is
 * fetched at run time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createWorker, OEM, PSM, type Worker } from 'tesseract.js';
import type { OcrWord } from '../storage/documents';

export interface OcrPage {
  text: string;
  /** Mean word confidence, 0-100. */
  confidence: number;
  words: OcrWord[];
}

export interface OcrEngine {
  recognize(image: Buffer): Promise<OcrPage>;
  /** Pages read, workers replaced after `recycleAfterPages`, pages that timed out, and the pool's size. */
  stats(): { pages: number; recycled: number; timeouts: number; workers: number };
  close(): Promise<void>;
}

/** Copies the traineddata of each language from its npm package into `<cacheDir>/tessdata`. */
export function prepareLanguageData(cacheDir: string, langs: string[]): string {
  const dir = path.join(cacheDir, 'tessdata');
  fs.mkdirSync(dir, { recursive: true });
  for (const lang of langs) {
    const dest = path.join(dir, `${lang}.traineddata.gz`);
    if (fs.existsSync(dest)) continue;
    let pkgDir: string;
    try {
      pkgDir = path.dirname(require.resolve(`@tesseract.js-data/${lang}/package.json`));
    } catch {
      throw new Error(`OCR language "${lang}" is not installed: add the npm package @tesseract.js-data/${lang}`);
    }
    const src = path.join(pkgDir, '4.0.0_best_int', `${lang}.traineddata.gz`);
    fs.copyFileSync(src, `${dest}.partial-${process.pid}`);
    fs.renameSync(`${dest}.partial-${process.pid}`, dest);
  }
  return dir;
}

interface Block {
  paragraphs?: Array<{
    lines?: Array<{
      words?: Array<{ text: string; confidence: number; bbox: { x0: number; y0: number; x1: number; y1: number } }>;
    }>;
  }>;
}

export class OcrTimeout extends Error {}

/**
 * A pool of tesseract.js workers, created once and reused. A worker that
 * takes longer than `pageTimeoutMs` on a page is terminated and replaced; a
 * worker is also replaced after `recycleAfterPages` pages, because its
 * WebAssembly memory grows with use and is never given back.
 */
export async function createOcrEngine(opts: {
  cacheDir: string;
  langs: string[];
  workers: number;
  pageTimeoutMs?: number;
  recycleAfterPages?: number;
}): Promise<OcrEngine> {
  const langPath = prepareLanguageData(opts.cacheDir, opts.langs);
  const pageTimeoutMs = opts.pageTimeoutMs ?? 120_000;
  const recycleAfterPages = opts.recycleAfterPages ?? 200;
  const newWorker = async () => {
    const w = await createWorker(opts.langs, OEM.LSTM_ONLY, { langPath, cachePath: langPath, cacheMethod: 'none', gzip: true });
    // Pages come normalised; a resolution read from odd file metadata must not change how text is sized.
    // Automatic page layout: a letter is a few blocks of lines on a mostly empty page, not one uniform block.
    await w.setParameters({ user_defined_dpi: '300', tessedit_pageseg_mode: PSM.AUTO });
    return w;
  };
  const workers: Worker[] = [];
  const pagesRead = new Map<Worker, number>();
  for (let i = 0; i < opts.workers; i++) workers.push(await newWorker());
  const idle = [...workers];
  const waiting: Array<(w: Worker) => void> = [];
  let closed = false;
  const stats = { pages: 0, recycled: 0, timeouts: 0 };
  const acquire = (): Promise<Worker> =>
    new Promise((resolve) => {
      const w = idle.pop();
      if (w) resolve(w);
      else waiting.push(resolve);
    });
  const release = (w: Worker) => {
    const next = waiting.shift();
    if (next) next(w);
    else idle.push(w);
  };
  /** Terminates `old` and returns a fresh worker in its place in the pool. */
  const replace = async (old: Worker): Promise<Worker> => {
    workers.splice(workers.indexOf(old), 1);
    pagesRead.delete(old);
    void old.terminate().catch(() => undefined);
    const fresh = await newWorker();
    workers.push(fresh);
    return fresh;
  };

  return {
    stats: () => ({ ...stats, workers: workers.length }),
    async recognize(image) {
      let worker = await acquire();
      try {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new OcrTimeout(`OCR of one page took over ${pageTimeoutMs} ms`)), pageTimeoutMs);
        });
        let data;
        try {
          ({ data } = await Promise.race([worker.recognize(image, {}, { text: true, blocks: true }), timeout]));
        } catch (e) {
          if (e instanceof OcrTimeout) {
            // A stuck worker is replaced, not reused.
            stats.timeouts++;
            worker = await replace(worker);
          }
          throw e;
        } finally {
          clearTimeout(timer);
        }
        stats.pages++;
        const read = (pagesRead.get(worker) ?? 0) + 1;
        pagesRead.set(worker, read);
        if (read >= recycleAfterPages && !closed) {
          stats.recycled++;
          worker = await replace(worker);
        }
        const words: OcrWord[] = [];
        for (const block of (data.blocks ?? []) as Block[]) {
          for (const para of block.paragraphs ?? []) {
            for (const line of para.lines ?? []) {
              for (const w of line.words ?? []) {
                const t = w.text.trim();
                if (t) words.push([t, w.bbox.x0, w.bbox.y0, w.bbox.x1, w.bbox.y1, Math.round(w.confidence)]);
              }
            }
          }
        }
        return { text: data.text.replace(/[\u200E\u200F]/g, '').trim(), confidence: Math.round(data.confidence), words };
      } finally {
        release(worker);
      }
    },
    async close() {
      closed = true;
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
