/**
 * `node dist/scripts/train/compare.js A.traineddata[.gz] B.traineddata[.gz] [--lines N] [--seed N] [--exclude-dir DIR]`:
 * which of two models reads better, judged on fresh lines set in the TUNING
 * faces only, so that choosing a model never looks at the held-out faces that
 * measure it. Lines already used for training (the .gt.txt files under
 * --exclude-dir, default scripts/train/out/work/lines) are left out. Prints
 * CER and exact numbers for both, strict and with Extended Arabic-Indic
 * digits folded.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { unicharsetChars } from './dataset';
import { buildEvalSet, formatScore, recognise, score } from './measure';
import { COMPONENT, component, readTraineddata } from './tessdata';
import { DEBIAN_TESSDATA } from './tools';

function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** Training texts found under `dir` (each line image's .gt.txt). */
function trainingTexts(dir: string): Set<string> {
  const out = new Set<string>();
  if (!fs.existsSync(dir)) return out;
  for (const f of fs.readdirSync(dir)) if (f.endsWith('.gt.txt')) out.add(fs.readFileSync(path.join(dir, f), 'utf8').trim());
  return out;
}

/** A model put in a tessdata folder of its own under the name `lang`. */
function installed(file: string, dir: string, lang: string): Buffer {
  const bytes = fs.readFileSync(file);
  const model = file.endsWith('.gz') ? zlib.gunzipSync(bytes) : bytes;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${lang}.traineddata`), model);
  return model;
}

async function main(argv: string[]): Promise<void> {
  const [a, b] = argv.filter((x, i) => !x.startsWith('--') && !argv[i - 1]?.startsWith('--'));
  if (!a || !b)
    throw new Error('usage: compare A.traineddata[.gz] B.traineddata[.gz] [--lines N] [--seed N] [--exclude-dir DIR]');
  const lines = Number(option(argv, 'lines') ?? 200);
  const seed = Number(option(argv, 'seed') ?? 104_729);
  const excludeDir = option(argv, 'exclude-dir') ?? path.join(process.cwd(), 'scripts', 'train', 'out', 'work', 'lines');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-compare-'));
  try {
    const dirA = path.join(work, 'a');
    const dirB = path.join(work, 'b');
    installed(a, dirA, 'model');
    installed(b, dirB, 'model');
    // Lines only in characters both models can write (the base model's set; a tuned model keeps it).
    const base = readTraineddata(fs.readFileSync(path.join(DEBIAN_TESSDATA, 'Arabic.traineddata')));
    const chars = unicharsetChars(component(base, COMPONENT.lstmUnicharset, 'lstm-unicharset').toString('utf8'));
    const set = await buildEvalSet({
      dir: path.join(work, 'lines'),
      count: lines,
      seed,
      exclude: trainingTexts(excludeDir),
      chars,
      split: 'tuning',
    });
    process.stdout.write(`${set.length} fresh lines in tuning faces: ${[...new Set(set.map((l) => l.face))].join(', ')}\n`);
    process.stdout.write(`${formatScore(path.basename(a), score(set, recognise(set, dirA, 'model', work)))}\n`);
    process.stdout.write(`${formatScore(path.basename(b), score(set, recognise(set, dirB, 'model', work)))}\n`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
