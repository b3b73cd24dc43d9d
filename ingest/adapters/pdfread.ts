/**
 * Reads PDFs through pdf.js (the only place that uses it): inspection (pages,
 * sizes, text layer, limits, encryption), the text layer of a page with word
 * boxes, and a page rendered to PNG; and, through pdf-lib in the same kind of
 * process, a PDF's scanned pages and a plain copy of its pages.
 *
 * Every call runs in its own short-lived Node process (ingest/pdfread.worker.mjs)
 * with a capped heap, a cap on its resident memory and a deadline, and is
 * killed when it passes one; a hostile PDF costs that process, never this one.
 * A process rather than a worker thread, because what a decompression bomb
 * fills (inflated streams, canvases) lies outside a thread's heap limit, much
 * of a thread's memory stays with the process after the thread ends, and a
 * native crash in a thread ends the whole process.
 * The script is plain JavaScript that Node loads itself, since pdf.js is an ES
 * module and this project is CommonJS (under jest as well); it sits in
 * `ingest/` of the package root, which is found by walking up from here, so the
 * same lookup works from the sources and from `dist/`.
 */
import { fork } from 'node:child_process';
import { projectScript } from './files';
import fs from 'node:fs';
import path from 'node:path';
import { DomainError, type ErrorCode } from '../../kernel/errors';
import type { OcrWord } from '../../storage/repos/documents';

/** Bounds on one call, each ending it with a DomainError when passed. */
export interface PdfCallLimits {
  /** Deadline for the whole call (default 60 s): 'decode_timeout'. */
  timeoutMs?: number;
  /** Resident memory the reading process may use (default 1536 MB): 'corrupt_file', as for a decompression bomb. */
  maxMemoryMb?: number;
}

export interface PdfLimits extends PdfCallLimits {
  maxPages: number;
  /** Most pixels a page may have when drawn at 300 dpi. */
  maxPagePixels: number;
}

export interface PdfInspection {
  pages: number;
  /** pages whose text layer has real text */
  textPages: number;
  /** true when most pages carry a usable text layer (born-digital) */
  hasTextLayer: boolean;
  /** page sizes in points */
  sizes: Array<{ width: number; height: number }>;
}

export interface PdfPageText {
  /** The page's text in logical reading order, one line per line of the page. */
  text: string;
  /** Words with boxes in pixels of the page drawn at the requested dpi (origin top left), confidence 100. */
  words: OcrWord[];
  /** Size in pixels of the page drawn at the requested dpi. */
  width: number;
  height: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_MEMORY_MB = 1536;
const MEMORY_CHECK_MS = 50;
const DEFAULT_DPI = 300;
const HEAP_MB = 512;
const WORKER_CODES: ReadonlySet<ErrorCode> = new Set(['corrupt_file', 'encrypted_file', 'too_many_pages', 'too_many_pixels']);

/**
 * Opens the PDF, checks limits (page count, pixel count of each page at 300 dpi
 * against maxPagePixels), detects encryption. A page counts as text when its
 * text layer holds at least 16 letters or digits.
 * Throws DomainError: 'encrypted_file' (password-protected), 'corrupt_file'
 * (cannot be parsed), 'too_many_pages', 'too_many_pixels', 'decode_timeout'.
 */
export async function inspectPdf(file: string, limits: PdfLimits): Promise<PdfInspection> {
  const { maxPages, maxPagePixels } = limits;
  return runWorker<PdfInspection>({ op: 'inspect', file: path.resolve(file), limits: { maxPages, maxPagePixels } }, limits);
}

/**
 * Text layer of page `index` (0-based) in logical reading order as pdf.js
 * extracts it (Arabic presentation forms read as plain letters, a glyph of
 * several letters such as lam-alef «لا» with its letters in order), plus words
 * with boxes in pixel coordinates of the page rendered at `dpi` (origin
 * top-left), confidence 100. A word's box is the box around all its pieces pdf.js
 * reports, in proportion to its characters.
 */
export async function pdfPageText(
  file: string,
  index: number,
  dpi = DEFAULT_DPI,
  opts: PdfCallLimits = {},
): Promise<PdfPageText> {
  return runWorker<PdfPageText>({ op: 'text', file: path.resolve(file), index, dpi }, opts);
}

/** Renders page `index` at `dpi` (default 300) to a PNG buffer (white background). Must respect maxPagePixels. */
export async function renderPdfPage(
  file: string,
  index: number,
  opts: { dpi?: number; maxPagePixels: number } & PdfCallLimits,
): Promise<Buffer> {
  const png = await runWorker<Uint8Array>(
    { op: 'render', file: path.resolve(file), index, dpi: opts.dpi ?? DEFAULT_DPI, maxPagePixels: opts.maxPagePixels },
    opts,
  );
  return Buffer.from(png.buffer, png.byteOffset, png.byteLength);
}

/** A PDF page that is one scanned JPEG over the whole page, copied out to `file` (see pdfscans.mjs). */
export interface ScannedPdfPage {
  file: string;
  /** The image, in pixels, and its colour components (1 or 3). */
  width: number;
  height: number;
  components: number;
  /** The page, in points. */
  widthPt: number;
  heightPt: number;
}

/**
 * For each page of the PDF, its scanned JPEG copied into `outDir` when the page
 * is nothing but that scan, or null when the page must be drawn (renderPdfPage).
 * An empty list when the file cannot be read that way at all.
 */
export async function pdfScans(
  file: string,
  outDir: string,
  opts: { maxPagePixels: number } & PdfCallLimits,
): Promise<Array<ScannedPdfPage | null>> {
  return runWorker<Array<ScannedPdfPage | null>>(
    { op: 'scans', file: path.resolve(file), outDir: path.resolve(outDir), maxPagePixels: opts.maxPagePixels },
    opts,
  );
}

/** Most objects the pages of one original may use in their plain copy (a 500-page scan uses a few thousand). */
const MAX_COPY_OBJECTS = 100_000;

/**
 * The PDF's pages copied into `outFile`: a plain PDF of nothing but what they
 * use, without object streams, within MAX_COPY_OBJECTS objects and four times
 * the original's size (at least 32 MB) (pdfscans.mjs `copyPages`). The compose
 * stage embeds its pages with pdf-lib in the worker itself, which then parses
 * only this bounded copy; the original, however hostile (unused object streams
 * inflating to millions of objects), is parsed in the reading process alone.
 * Throws DomainError 'corrupt_file' when it cannot be copied within the
 * limits, 'decode_timeout'.
 */
export async function copyPdfPages(
  file: string,
  outFile: string,
  opts: PdfCallLimits = {},
): Promise<{ pages: number; objects: number; bytes: number }> {
  return runWorker(
    {
      op: 'copy',
      file: path.resolve(file),
      outFile: path.resolve(outFile),
      maxObjects: MAX_COPY_OBJECTS,
      maxBytes: copyBound(file),
    },
    opts,
  );
}

/**
 * pdfScans and copyPdfPages in one reading process (pdf-lib loaded once), for
 * the pipeline, which needs both of every PDF. `copied` is false when the copy
 * could not be made: the caller then calls copyPdfPages alone, for its error.
 */
export async function pdfScansAndCopy(
  file: string,
  outDir: string,
  outFile: string,
  opts: { maxPagePixels: number } & PdfCallLimits,
): Promise<{ scans: Array<ScannedPdfPage | null>; copied: boolean }> {
  return runWorker(
    {
      op: 'scansAndCopy',
      file: path.resolve(file),
      outDir: path.resolve(outDir),
      maxPagePixels: opts.maxPagePixels,
      outFile: path.resolve(outFile),
      maxObjects: MAX_COPY_OBJECTS,
      maxBytes: copyBound(file),
    },
    opts,
  );
}

/** The most bytes a plain copy of a PDF's pages may take: four times the original, at least 32 MB. */
function copyBound(file: string): number {
  return Math.max(32 * 1024 * 1024, 4 * fs.statSync(file).size);
}

type WorkerRequest =
  | { op: 'inspect'; file: string; limits: { maxPages: number; maxPagePixels: number } }
  | { op: 'text'; file: string; index: number; dpi: number }
  | { op: 'render'; file: string; index: number; dpi: number; maxPagePixels: number }
  | { op: 'scans'; file: string; outDir: string; maxPagePixels: number }
  | { op: 'copy'; file: string; outFile: string; maxObjects: number; maxBytes: number }
  | {
      op: 'scansAndCopy';
      file: string;
      outDir: string;
      maxPagePixels: number;
      outFile: string;
      maxObjects: number;
      maxBytes: number;
    };

type WorkerAnswer =
  | { ok: true; result: unknown }
  | { ok: false; code?: ErrorCode; en?: string; details?: Record<string, unknown>; message: string };

function runWorker<T>(request: WorkerRequest, limits: PdfCallLimits): Promise<T> {
  const timeoutMs = limits.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxMemoryMb = limits.maxMemoryMb ?? DEFAULT_MAX_MEMORY_MB;
  return new Promise<T>((resolve, reject) => {
    const child = fork(workerScript(), [JSON.stringify(request)], {
      execArgv: [`--max-old-space-size=${HEAP_MB}`],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    const timer = setTimeout(() => {
      settle(() => reject(new DomainError('decode_timeout', { en: `(PDF, ${timeoutMs} ms)`, details: { timeoutMs } })));
    }, timeoutMs);
    const memoryWatch = setInterval(() => {
      if (child.pid !== undefined && residentMb(child.pid) > maxMemoryMb) settle(() => reject(tooMuchMemory(maxMemoryMb)));
    }, MEMORY_CHECK_MS);
    let settled = false;
    function settle(outcome: () => void): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(memoryWatch);
      child.kill('SIGKILL');
      outcome();
    }

    child.once('message', (answer: WorkerAnswer) =>
      settle(() => {
        if (answer.ok) resolve(answer.result as T);
        else if (answer.code && WORKER_CODES.has(answer.code)) {
          reject(new DomainError(answer.code, { en: answer.en, ...(answer.details ? { details: answer.details } : {}) }));
        } else reject(new Error(`PDF reader: ${answer.message}`));
      }),
    );
    child.once('error', (e) => settle(() => reject(e)));
    // 'close' rather than 'exit': it comes after the pipes are drained, so an answer already sent is not lost.
    child.once('close', (code, signal) =>
      settle(() => {
        // V8 aborts when the heap limit is reached; the system kills a process it cannot give memory to.
        if ((signal === 'SIGABRT' && /heap out of memory/i.test(stderr)) || signal === 'SIGKILL')
          reject(tooMuchMemory(maxMemoryMb));
        else reject(new Error(`PDF reader stopped (${signal ?? `exit code ${code}`}) before answering: ${stderr.trim()}`));
      }),
    );
  });
}

/** Resident memory of a process in MB, from /proc (0 where there is none, and the cap is then the heap limit alone). */
function residentMb(pid: number): number {
  try {
    const kb = /VmRSS:\s*(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : 0;
  } catch {
    return 0;
  }
}

function tooMuchMemory(maxMemoryMb: number): DomainError {
  return new DomainError('corrupt_file', {
    en: '(reading it needs more memory than allowed)',
    details: { reason: 'memory', maxMemoryMb },
  });
}

const WORKER_FILE = path.join('ingest', 'adapters', 'pdfread.worker.mjs');

/** `<package root>/ingest/adapters/pdfread.worker.mjs`: tsc does not copy .mjs files into dist/, so look upwards for it. */
function workerScript(): string {
  return projectScript(WORKER_FILE);
}
