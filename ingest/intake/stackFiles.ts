/**
 * The files each letter of a split stack is registered with, made from the stack's file: for a PDF stack a
 * PDF of the letter's pages, copied as they are (pdfPick.ts, from the plain copy the PDF reader's process
 * makes); for an image stack (a multi-page TIFF) a lossless PNG of each page (stackImages.ts), the letter's
 * parts. The same stack and plan always give the same bytes, so a stack split again after a crash finds the
 * letters registered before as duplicates. Each file waits in the spool as an upload in flight does
 * (spool/upload-<random>), so a process that dies holding one leaves nothing the next start does not clear; so
 * does a stored file fetched back to be split again (fetchToSpool).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { toArabicIndic } from '../../kernel/text';
import { copyPdfPages } from '../adapters/pdfread';
import { pickPdfPages } from '../adapters/pdfPick';
import { losslessPage } from '../adapters/stackImages';
import { makeWorkFolder } from '../leftovers';
import type { AcceptDeps, Examined, IncomingPart, SpooledFile } from './accept';
import { spoolStream } from './spoolBytes';
import { SNIFF_BYTES } from './sniff';

/** Makes the letters' files, one letter at a time; `dispose` removes whatever was not taken. */
export interface LetterFiles {
  /** The parts of letter `i` (0-based, in the plan's order). */
  letter(i: number): Promise<IncomingPart[]>;
  dispose(): void;
}

/** The pages a letter holds, as its row in the batch names it: «stack.pdf ٣–٥ / pages 3–5». */
export function letterName(stackName: string | null, pages: number[]): string {
  const list = (digits: (s: string) => string) => {
    const contiguous = pages.every((p, i) => i === 0 || p === pages[i - 1]! + 1);
    const text = pages.length === 1 ? `${pages[0]}` : contiguous ? `${pages[0]}–${pages[pages.length - 1]}` : pages.join(', ');
    return digits(text);
  };
  const word = pages.length === 1 ? 'page' : 'pages';
  return `${stackName ?? 'stack'} ${list(toArabicIndic).replace(/, /g, '، ')} / ${word} ${list((s) => s)}`;
}

/** A file name for a letter's file (the document's original name): the stack's, with the pages it holds. */
function fileName(stackName: string | null, pages: number[], ext: string): string {
  const stem = (stackName ?? 'stack').replace(/\.[A-Za-z0-9]{1,5}$/, '');
  const range = pages.length === 1 ? `p${pages[0]}` : `p${pages[0]}-${pages[pages.length - 1]}`;
  return `${stem} (${range}).${ext}`;
}

function spoolPath(spoolDir: string): string {
  return path.join(spoolDir, `upload-${crypto.randomUUID()}`);
}

/** A file written into the spool, hashed and sized, as an upload would be. */
async function spooled(file: string, name: string | null): Promise<SpooledFile> {
  const hash = crypto.createHash('sha256');
  await pipeline(fs.createReadStream(file), hash);
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(SNIFF_BYTES);
    const n = fs.readSync(fd, head, 0, SNIFF_BYTES, 0);
    return { path: file, size: fs.fstatSync(fd).size, sha256: hash.digest('hex'), head: head.subarray(0, n), originalName: name };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * An object fetched from storage into the spool (as an upload in flight, so a process that dies holding it
 * leaves nothing the next start does not clear), checked against the SHA-256 it was stored with.
 */
export async function fetchToSpool(
  key: string,
  expected: { sha256: string; name: string | null },
  deps: Pick<AcceptDeps, 'primary' | 'spoolDir'>,
): Promise<SpooledFile> {
  const file = await spoolStream(await deps.primary.get(key), expected.name, deps.spoolDir, Number.MAX_SAFE_INTEGER);
  if (file.sha256 !== expected.sha256) {
    fs.rmSync(file.path, { force: true });
    throw new Error(`${key} holds ${file.sha256}, recorded ${expected.sha256}`);
  }
  return file;
}

/** The letters of `groups` (each a list of the stack's pages, 1-based) made from the stack's file. */
export async function letterFiles(
  file: SpooledFile,
  examined: Examined,
  groups: number[][],
  deps: Pick<AcceptDeps, 'limits' | 'spoolDir'>,
): Promise<LetterFiles> {
  const made: string[] = [];
  const dispose = () => made.forEach((f) => fs.rmSync(f, { force: true }));
  if (examined.mime === 'application/pdf') {
    // Every letter at once: the stack's pages are read once, from a bounded copy.
    const work = makeWorkFolder();
    try {
      const copy = path.join(work, 'pages.pdf');
      await copyPdfPages(file.path, copy);
      const picks = groups.map((pages) => ({ indices: pages.map((p) => p - 1), outFile: spoolPath(deps.spoolDir) }));
      made.push(...picks.map((p) => p.outFile));
      await pickPdfPages(copy, picks);
      const parts = await Promise.all(
        picks.map(async (p, i) => ({
          file: await spooled(p.outFile, fileName(file.originalName, groups[i]!, 'pdf')),
          mime: 'application/pdf',
          ext: 'pdf',
          pageCount: groups[i]!.length,
        })),
      );
      return { letter: async (i) => [parts[i]!], dispose };
    } catch (e) {
      dispose();
      throw e;
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }
  return {
    // A letter of an image stack: a PNG of each of its pages.
    async letter(i) {
      const parts: IncomingPart[] = [];
      for (const page of groups[i]!) {
        const out = spoolPath(deps.spoolDir);
        made.push(out);
        fs.writeFileSync(out, await losslessPage(file.path, page - 1, deps.limits), { mode: 0o600 });
        parts.push({
          file: await spooled(out, fileName(file.originalName, [page], 'png')),
          mime: 'image/png',
          ext: 'png',
          pageCount: 1,
        });
      }
      return parts;
    },
    dispose,
  };
}
