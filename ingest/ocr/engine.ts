/**
 * OCR through tesseract.js (the only file that imports it): a small pool of
 * in-process workers reading Arabic and English. Language data comes from the
 * project's own models (ingest/models/<lang>.traineddata.gz, made by
 * `npm run train:ocr`) or from the @tesseract.js-data npm packages, copied once
 * into the cache dir; nothing is fetched at run time.
 */
import { createWorker, OEM, PSM, type Worker } from 'tesseract.js';
import type { OcrWord } from '../../storage/repos/documents';
import type { PageLayout } from '../../storage/repos/textVersions';
import type { InkImage } from '../adapters/ocrImage';
import { reviseLines, type Line, type LineTrace, type LineWord } from './lines';
import { findTextLines, type Box, type TextLine } from './segment';
import { prepareLanguageData } from './languages';

export interface OcrPage {
  text: string;
  /** Mean word confidence, 0-100. */
  confidence: number;
  words: OcrWord[];
}

export interface OcrEngine {
  /**
   * Reads a binarised page (see prepareForOcr), with automatic page layout unless told otherwise;
   * `trace` is shown what the second look did to each line (for measuring).
   */
  recognize(image: InkImage, opts?: { layout?: PageLayout; trace?: (t: LineTrace) => void }): Promise<OcrPage>;
  /** Pages read, workers replaced after `recycleAfterPages`, pages that timed out, and the pool's size. */
  stats(): { pages: number; recycled: number; timeouts: number; workers: number };
  close(): Promise<void>;
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

/** The recogniser's words, line by line, with bidi marks removed; boxes moved by (dx, dy) when a crop was read. */
function linesOf(blocks: Block[], dx = 0, dy = 0): Line[] {
  const lines: Line[] = [];
  for (const block of blocks) {
    for (const para of block.paragraphs ?? []) {
      (para.lines ?? []).forEach((line, i) => {
        const words = (line.words ?? [])
          .map((w): LineWord => ({
            text: stripMarks(w.text).trim(),
            box: [w.bbox.x0 + dx, w.bbox.y0 + dy, w.bbox.x1 + dx, w.bbox.y1 + dy],
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

/** Taller than this (in pixels, about two inches at 300 dpi) and most of the page, a found region is no line but grain or a picture. */
const TALLEST_REGION = 600;

/** False for a region that covers most of a page: reading it again alone would cost much and mend nothing. */
function plausibleRegion(box: Box, image: InkImage): boolean {
  const h = box[3] - box[1];
  return !(h > TALLEST_REGION && h > 0.5 * image.height);
}

/**
 * Mends the automatic layout's reading with the lines found in the page's ink
 * (segment.ts). The automatic layout reads a page in context and mostly well,
 * but now and then cuts one line into several, reads the pieces out of order
 * or reads a word twice. Each found line that the layout read as more than one
 * line is read again on its own, as one line (a tall region as a block), and
 * that reading takes the pieces' place. Lines the layout read whole stay.
 */
async function mendSplitLines(
  image: InkImage,
  lines: Line[],
  readWith: (psm: PSM, crop: Box) => Promise<Block[]>,
): Promise<Line[]> {
  const found = findTextLines(image);
  const home = (l: Line): number => {
    const ys = l.words.map((w) => (w.box[1] + w.box[3]) / 2).sort((a, b) => a - b);
    const y = ys[Math.floor(ys.length / 2)] as number;
    return found.findIndex((f) => y >= f.box[1] && y < f.box[3]);
  };
  const homes = lines.map(home);
  const count = new Map<number, number>();
  for (const h of homes) if (h >= 0) count.set(h, (count.get(h) ?? 0) + 1);
  const out: Line[] = [];
  const done = new Set<number>();
  for (const [i, line] of lines.entries()) {
    const h = homes[i] as number;
    if (h < 0 || (count.get(h) ?? 0) < 2 || !plausibleRegion((found[h] as TextLine).box, image)) {
      out.push(line);
      continue;
    }
    if (done.has(h)) continue;
    done.add(h);
    const t = found[h] as TextLine;
    const read = linesOf(await readWith(t.block ? PSM.SINGLE_BLOCK : PSM.SINGLE_LINE, t.box), t.box[0], t.box[1]);
    if (t.block) out.push(...read.map((l, k) => ({ ...l, paragraph: k === 0 ? line.paragraph : l.paragraph })));
    else if (read.length > 0)
      out.push({ words: read.flatMap((l) => l.words), text: read.map((l) => l.text).join(' '), paragraph: line.paragraph });
  }
  return out;
}

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
  /** A model that reads numbers (digits of both scripts, `/`), for a second reading of the words that look like numbers. */
  numberLang?: string;
}): Promise<OcrEngine> {
  const langPath = prepareLanguageData(opts.cacheDir, [...opts.langs, ...(opts.numberLang ? [opts.numberLang] : [])]);
  const pageTimeoutMs = opts.pageTimeoutMs ?? 120_000;
  const recycleAfterPages = opts.recycleAfterPages ?? 200;
  const newWorker = async () => {
    const w = await createWorker(opts.langs, OEM.LSTM_ONLY, { langPath, cachePath: langPath, cacheMethod: 'none', gzip: true });
    // Pages come normalised; a resolution read from odd file metadata must not change how text is sized.
    await w.setParameters({ user_defined_dpi: '300' });
    return w;
  };
  const workers: Worker[] = [];
  const pagesRead = new Map<Worker, number>();
  /** The page layout each worker is set to, so that it is set only when it changes. */
  const layoutOf = new Map<Worker, PSM>();
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
    layoutOf.delete(old);
    void old.terminate().catch(() => undefined);
    const fresh = await newWorker();
    workers.push(fresh);
    return fresh;
  };

  /**
   * A recogniser of one language for second readings of short stretches of a
   * line (lines.ts): one worker, started when first needed, one reading at a time.
   * `psm` is how it takes the stretch: as a line it finds in the crop, or (RAW_LINE)
   * as the line itself.
   */
  const secondReader = (lang: string, psm: PSM) => {
    let worker: Promise<Worker> | undefined;
    let queue: Promise<unknown> = Promise.resolve();
    const read = (ink: InkImage, box: Box): Promise<LineWord[]> => {
      const run = async (): Promise<LineWord[]> => {
        worker ??= (async () => {
          const w = await createWorker([lang], OEM.LSTM_ONLY, { langPath, cachePath: langPath, cacheMethod: 'none', gzip: true });
          await w.setParameters({ user_defined_dpi: '300', tessedit_pageseg_mode: psm });
          return w;
        })();
        const w = await worker;
        const pad = Math.round((box[3] - box[1]) * 0.3);
        const crop: Box = [
          Math.max(0, box[0] - pad),
          Math.max(0, box[1] - pad),
          Math.min(ink.width, box[2] + pad),
          Math.min(ink.height, box[3] + pad),
        ];
        const { data } = await w.recognize(pbm(ink, crop), {}, { text: false, blocks: true });
        return linesOf((data.blocks ?? []) as Block[], crop[0], crop[1]).flatMap((l) => l.words);
      };
      const next = queue.then(run, run);
      queue = next.catch(() => undefined);
      return next;
    };
    const close = async () => {
      if (worker) await (await worker).terminate();
    };
    return { read, close };
  };
  const arabic = secondReader('ara', PSM.SINGLE_LINE);
  // The number model takes the suspect line's crop as the line itself: asked to find the line in the crop, it
  // returned nothing at all for some lines of small or widely spaced digits (tuning-face pages).
  const numbers = opts.numberLang ? secondReader(opts.numberLang, PSM.RAW_LINE) : undefined;

  return {
    stats: () => ({ ...stats, workers: workers.length }),
    async recognize(image, opts = {}) {
      let worker = await acquire();
      const layout = opts.layout ?? 'auto';
      /** One reading of the page, or of `crop`, with the given layout; a stuck worker is replaced (and the error passed on). */
      const readWith = async (psm: PSM, crop?: Box): Promise<Block[]> => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new OcrTimeout(`OCR of one page took over ${pageTimeoutMs} ms`)), pageTimeoutMs);
        });
        try {
          if (layoutOf.get(worker) !== psm) {
            layoutOf.delete(worker);
            await worker.setParameters({ tessedit_pageseg_mode: psm });
            layoutOf.set(worker, psm);
          }
          const { data } = await Promise.race([worker.recognize(pbm(image, crop), {}, { text: false, blocks: true }), timeout]);
          return (data.blocks ?? []) as Block[];
        } catch (e) {
          // A stuck worker is replaced, not reused.
          if (e instanceof OcrTimeout) {
            stats.timeouts++;
            worker = await replace(worker);
          }
          throw e;
        } finally {
          clearTimeout(timer);
        }
      };
      try {
        let lines = linesOf(await readWith(SEGMENTATION[layout]));
        if (layout === 'auto') lines = await mendSplitLines(image, lines, readWith);
        stats.pages++;
        const read = (pagesRead.get(worker) ?? 0) + 1;
        pagesRead.set(worker, read);
        if (read >= recycleAfterPages && !closed) {
          stats.recycled++;
          worker = await replace(worker);
        }
        const reread = await reviseLines(
          image,
          lines,
          (box) => arabic.read(image, box),
          numbers && ((box: Box) => numbers.read(image, box)),
          opts.trace,
        );
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
      await arabic.close();
      await numbers?.close();
    },
  };
}
