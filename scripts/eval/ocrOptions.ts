/** The options of `npm run eval:ocr` (scripts/eval/ocr.ts), parsed once, and where the OCR evaluations keep their models. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectScript } from '../../ingest/adapters/files';
import { loadConfig } from '../../src/config';
import { realLinesDir } from './real';
import type { Split } from './report';

export interface Options {
  pages: number;
  seed: number;
  out: string;
  real: string;
  report: string;
  /** Which faces the pages are rendered in. */
  split: 'all' | Split;
  /** False with `--real none`: the real lines are left out (they are never read while choosing a change). */
  withReal: boolean;
  /** False with `--native none`: native Tesseract is not run. */
  withNative: boolean;
  /** False with `--pdf none`: no archive PDF is composed and extracted. */
  withPdf: boolean;
  /** `--keep-pages`: a page image already in the pages folder (made earlier with the same seed) is read again, not made anew. */
  keepPages: boolean;
  /** The engine's languages, '+'-joined (default: the archive's default, DIWAN_OCR_LANGS). */
  langs: string[];
  /** The number model (default: the archive's, DIWAN_OCR_NUMBER_LANG; `--number-lang none` for none). */
  numberLang?: string;
}

export function parseArgs(argv: string[]): Options {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const pages = Number(value('pages') ?? 36);
  const seed = Number(value('seed') ?? 1);
  if (!Number.isInteger(pages) || pages < 1) throw new Error('--pages must be a positive integer');
  if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');
  const split = value('split') ?? 'all';
  if (split !== 'all' && split !== 'tuning' && split !== 'held-out') throw new Error('--split must be all, tuning or held-out');
  const out = value('out') ?? fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-ocr-eval-'));
  const root = path.resolve(__dirname, '..', '..', '..');
  return {
    pages,
    seed,
    out: path.resolve(out),
    real: realLinesDir(value('real'), root),
    withReal: value('real') !== 'none',
    withNative: value('native') !== 'none',
    withPdf: value('pdf') !== 'none',
    keepPages: argv.includes('--keep-pages'),
    split,
    report: path.resolve(value('report') ?? path.join(root, 'docs', 'ocr-evaluation.md')),
    langs: (value('langs') ?? loadConfig({}).ocr.langs.join('+')).split('+'),
    numberLang: value('number-lang') === 'none' ? undefined : (value('number-lang') ?? loadConfig({}).ocr.numberLang),
  };
}

/**
 * Where this checkout's evaluations keep their copies of the OCR models: a folder of its own (named by the
 * checkout's path), so that two checkouts measuring different models at once never load each other's. The number
 * model is loaded when first needed, so a shared copy replaced mid-run would be read in place of this checkout's.
 * Each folder holds a few MB and stays in the temporary directory after the checkout is gone.
 */
export function evalCacheDir(root = path.dirname(projectScript('package.json'))): string {
  const id = crypto.createHash('sha256').update(path.resolve(root)).digest('hex').slice(0, 12);
  return path.join(os.tmpdir(), `diwan-ocr-eval-cache-${id}`);
}
