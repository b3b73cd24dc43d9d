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
import type { PageLayout } from '../storage/textVersions';
import type { InkImage } from './images';
import { reviseLines, type Line, type LineWord } from './lines';

export interface OcrPage {
  text: string;
  /** Mean word confidence, 0-100. */
  confidence: number;
  words: OcrWord[];
}

export interface OcrEngine {
  /** Reads a binarised page (see prepareForOcr), with automatic page layout unless told otherwise. */
  recognize(image: InkImage, opts?: { layout?: PageLayout }): Promise<OcrPage>;
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
      text: string;
      words?: Array<{ text: string; confidence: number; bbox: { x0: number; y0: number; x1: number; y1: number } }>;
    }>;
  }>;
}

const stripMarks = (s: string) => s.replace(/[\u200E\u200F]/g, '');

/**
 * The page as a 1-bit PBM file: a few bytes of header and the bits, no
 * compression to spend time on, and a format the recogniser reads natively.
 */
function pbm(ink: InkImage, crop: [number, number, number, number] = [0, 0, ink.width, ink.height]): Buffer {
  const [x0, y0, x1, y1] = crop;
  const width = x1 - x0;
  const height = y1 - y0;
  // Rows whole bytes wide, padded with paper on the right: the recogniser's PBM reader
  // misplaces pixels when a row ends inside a byte.
  const rowBytes = Math.ceil(width / 8);
  const header = Buffer.from(`P4\n${rowBytes * 8} ${height}\n`, 'ascii');
  const out = Buffer.alloc(header.length + rowBytes * height);
  header.copy(out);
  for (let y = 0; y < height; y++) {
    const src = (y + y0) * ink.width + x0;
    const dst = header.length + y * rowBytes;
    for (let x = 0; x < width; x++)
      if ((ink.data[src + x] as number) < 128) out[dst + (x >> 3)] = (out[dst + (x >> 3)] as number) | (0x80 >> (x & 7));
  }
  return out;
}

const SEGMENTATION: Record<PageLayout, PSM> = {
  auto: PSM.AUTO,
  column: PSM.SINGLE_COLUMN,
  block: PSM.SINGLE_BLOCK,
  sparse: PSM.SPARSE_TEXT,
};

/** A page read with a mean word confidence below this is read again as one block of text. */
const RETRY_AS_BLOCK_BELOW = 75;

/** The recogniser's words, line by line, with bidi marks removed. */
function linesOf(blocks: Block[]): Line[] {
  const lines: Line[] = [];
  for (const block of blocks) {
    for (const para of block.paragraphs ?? []) {
      (para.lines ?? []).forEach((line, i) => {
        const words = (line.words ?? [])
          .map((w): LineWord => ({
            text: stripMarks(w.text).trim(),
            box: [w.bbox.x0, w.bbox.y0, w.bbox.x1, w.bbox.y1],
            confidence: w.confidence,
          }))
          .filter((w) => w.text !== '');
        if (words.length > 0) lines.push({ words, text: stripMarks(line.text).trim(), paragraph: i === 0 });
      });
    }
  }
  return lines;
}

/** Mean word confidence, 0 for a page without words. */
function meanConfidence(lines: Line[]): number {
  const words = lines.flatMap((l) => l.words);
  return words.length === 0 ? 0 : words.reduce((s, w) => s + w.confidence, 0) / words.length;
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

  // One Arabic-only recogniser for second readings of short stretches of a line (lines.ts), started when first needed.
  let arabic: Promise<Worker> | undefined;
  let arabicQueue: Promise<unknown> = Promise.resolve();
  const readArabic = (ink: InkImage, box: [number, number, number, number]): Promise<LineWord[]> => {
    const run = async (): Promise<LineWord[]> => {
      arabic ??= (async () => {
        const w = await createWorker(['ara'], OEM.LSTM_ONLY, { langPath, cachePath: langPath, cacheMethod: 'none', gzip: true });
        await w.setParameters({ user_defined_dpi: '300', tessedit_pageseg_mode: PSM.SINGLE_LINE });
        return w;
      })();
      const w = await arabic;
      const pad = Math.round((box[3] - box[1]) * 0.3);
      const crop: [number, number, number, number] = [
        Math.max(0, box[0] - pad),
        Math.max(0, box[1] - pad),
        Math.min(ink.width, box[2] + pad),
        Math.min(ink.height, box[3] + pad),
      ];
      const { data } = await w.recognize(pbm(ink, crop), {}, { text: false, blocks: true });
      const words: LineWord[] = [];
      for (const block of (data.blocks ?? []) as Block[])
        for (const para of block.paragraphs ?? [])
          for (const line of para.lines ?? [])
            for (const word of line.words ?? []) {
              const t = stripMarks(word.text).trim();
              if (t) {
                const b = word.bbox;
                words.push({
                  text: t,
                  box: [b.x0 + crop[0], b.y0 + crop[1], b.x1 + crop[0], b.y1 + crop[1]],
                  confidence: word.confidence,
                });
              }
            }
      return words;
    };
    const next = arabicQueue.then(run, run);
    arabicQueue = next.catch(() => undefined);
    return next;
  };

  return {
    stats: () => ({ ...stats, workers: workers.length }),
    async recognize(image, opts = {}) {
      let worker = await acquire();
      const layout = opts.layout ?? 'auto';
      /** One reading with the given layout; a stuck worker is replaced (and the error passed on). */
      const readWith = async (psm: PSM): Promise<Block[]> => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new OcrTimeout(`OCR of one page took over ${pageTimeoutMs} ms`)), pageTimeoutMs);
        });
        try {
          if (psm !== PSM.AUTO) await worker.setParameters({ tessedit_pageseg_mode: psm });
          const { data } = await Promise.race([worker.recognize(pbm(image), {}, { text: false, blocks: true }), timeout]);
          if (psm !== PSM.AUTO) await worker.setParameters({ tessedit_pageseg_mode: PSM.AUTO });
          return (data.blocks ?? []) as Block[];
        } catch (e) {
          // A stuck worker, or one whose layout could not be put back, is replaced, not reused.
          if (e instanceof OcrTimeout) stats.timeouts++;
          if (e instanceof OcrTimeout || psm !== PSM.AUTO) worker = await replace(worker);
          throw e;
        } finally {
          clearTimeout(timer);
        }
      };
      try {
        let lines = linesOf(await readWith(SEGMENTATION[layout]));
        // The automatic layout now and then cuts a line in two or takes a line for a column rule
        // (the whole page then reads badly); a weak page is read again as one block, and the better reading kept.
        if (layout === 'auto' && meanConfidence(lines) < RETRY_AS_BLOCK_BELOW) {
          const block = linesOf(await readWith(PSM.SINGLE_BLOCK));
          if (meanConfidence(block) > meanConfidence(lines)) lines = block;
        }
        stats.pages++;
        const read = (pagesRead.get(worker) ?? 0) + 1;
        pagesRead.set(worker, read);
        if (read >= recycleAfterPages && !closed) {
          stats.recycled++;
          worker = await replace(worker);
        }
        const reread = await reviseLines(image, lines, (box) => readArabic(image, box));
        const words = reread.flatMap((l) => l.words.map((w): OcrWord => [w.text, ...w.box, Math.round(w.confidence)]));
        const text = reread.map((l, i) => (l.paragraph && i > 0 ? `\n${l.text}` : l.text)).join('\n');
        return { text, confidence: Math.round(meanConfidence(reread)), words };
      } finally {
        release(worker);
      }
    },
    async close() {
      closed = true;
      await Promise.all(workers.map((w) => w.terminate()));
      if (arabic) await (await arabic).terminate();
    },
  };
}
