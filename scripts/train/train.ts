/**
 * `npm run train:ocr`: reproducible fine-tuning of Tesseract's Arabic script
 * model on synthetic registry lines.
 *
 *  1. Converts Debian's integer `Arabic.traineddata` (script model: Arabic and
 *     Extended Arabic-Indic digits, Latin) to a float model (int2float.ts).
 *  2. Renders training lines from the training faces and training text only
 *     (faces.ts, texts.ts) and makes their .lstmf files (dataset.ts).
 *  3. Runs lstmtraining from the float model for at most --minutes of wall
 *     clock, on one core, stopping at a checkpoint boundary.
 *  4. Converts the last checkpoint back to an integer .traineddata (what
 *     tesseract.js loads), keeping the original dictionaries.
 *  5. Measures the stock and the tuned model on fresh lines set in held-out
 *     faces (measure.ts) and writes the figures to report.txt (JSON).
 *
 * Everything goes to scripts/train/out/ (git-ignored). Options:
 *   --minutes N      training wall-clock budget (default 40)
 *   --lines N        training lines to render (default 3000)
 *   --seed N         seed for text, faces and degradation (default 1)
 *   --eval-lines N   held-out lines to measure on (default 100; 0 skips)
 *   --iterations N   optional cap on training iterations
 *   --from FILE      start from this traineddata (plain or .gz, e.g. the shipped
 *                    ingest/models/diwan_ara.traineddata.gz) instead of Debian's
 *                    Arabic; its character set and recoder must equal Debian's,
 *                    which stays the --traineddata (charset, recoder, word lists)
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { buildTrainingSet, unicharsetChars } from './dataset';
import { lstmToFloat } from './int2float';
import { buildEvalSet, formatScore, recognise, score } from './measure';
import { COMPONENT, type Traineddata, component, readTraineddata } from './tessdata';
import { DEBIAN_TESSDATA, missingTools, run, start } from './tools';

const BASE_LANG = 'Arabic';
const TUNED_LANG = 'Arabic-tuned';
/** The name the archive loads it by (DIWAN_OCR_NUMBER_LANG). */
const SHIPPED_LANG = 'diwan_ara';

interface Options {
  minutes: number;
  lines: number;
  seed: number;
  evalLines: number;
  iterations: number;
  /** The traineddata to start from; Debian's Arabic when undefined. */
  from?: string;
}

export function parseOptions(argv: string[]): Options {
  const opts: Options = { minutes: 40, lines: 3000, seed: 1, evalLines: 100, iterations: 1_000_000 };
  const names: Record<string, Exclude<keyof Options, 'from'>> = {
    '--minutes': 'minutes',
    '--lines': 'lines',
    '--seed': 'seed',
    '--eval-lines': 'evalLines',
    '--iterations': 'iterations',
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = (argv[i] as string).split('=');
    if (flag === '--from') {
      const file = inline ?? argv[++i];
      if (!file) throw new Error('--from needs a file');
      opts.from = file;
      continue;
    }
    const key = names[flag as string];
    if (!key) throw new Error(`unknown option ${argv[i]} (known: ${[...Object.keys(names), '--from'].join(', ')})`);
    const value = Number(inline ?? argv[++i]);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${flag} needs a non-negative number`);
    opts[key] = value;
  }
  return opts;
}

/** The project root: the nearest folder above this file with a package.json. */
function projectRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('project root not found');
    dir = up;
  }
  return dir;
}

const log = (msg: string): void => void process.stdout.write(`${msg}\n`);

/**
 * Runs lstmtraining until it finishes or the budget is spent. When the budget
 * runs out it waits for the next progress line (printed just after a
 * checkpoint is written) before stopping the trainer, so the checkpoint on
 * disk is whole.
 */
function trainFor(args: string[], minutes: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = start('lstmtraining', args);
    const deadline = Date.now() + minutes * 60_000;
    const progress: string[] = [];
    let buffered = '';
    let stopping = false;
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (!line.startsWith('At iteration')) continue;
        progress.push(line);
        log(`  ${line}`);
        if (Date.now() >= deadline && !stopping && child.pid !== undefined) {
          stopping = true;
          process.kill(child.pid, 'SIGTERM');
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    // A last resort if no progress line comes within two minutes of the deadline.
    const guard = setInterval(() => {
      if (!stopping && Date.now() > deadline + 120_000 && child.pid !== undefined) {
        stopping = true;
        process.kill(child.pid, 'SIGTERM');
      }
    }, 5_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearInterval(guard);
      if (code === 0 || (stopping && signal === 'SIGTERM')) resolve(progress);
      else reject(new Error(`lstmtraining exited ${code ?? signal}`));
    });
  });
}

/**
 * The model as the archive ships it: the network, its character set and its
 * recoder, without the word lists (8.9 MB of the 9.3; the number model reads
 * digits and short words, and on tuning-face pages the lists changed its
 * error rate by 0.2 points), gzipped for tesseract.js: `<out>/diwan_ara.traineddata.gz`.
 */
function shippedModel(tuned: string, dir: string, out: string): string {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const prefix = path.join(dir, `${SHIPPED_LANG}.`);
  run('combine_tessdata', ['-u', tuned, prefix]);
  for (const list of ['lstm-punc-dawg', 'lstm-word-dawg', 'lstm-number-dawg']) fs.rmSync(`${prefix}${list}`, { force: true });
  run('combine_tessdata', [prefix]);
  const file = path.join(out, `${SHIPPED_LANG}.traineddata.gz`);
  fs.writeFileSync(file, zlib.gzipSync(fs.readFileSync(`${prefix}traineddata`), { level: 9 }));
  return file;
}

/**
 * The --from model, checked to share Debian's character set and recoder, so
 * that its network's outputs mean the same codes and Debian's file can stay
 * the --traineddata (it also holds the word lists the shipped form drops).
 */
export function startingModel(file: string, base: Traineddata): Traineddata {
  if (!fs.existsSync(file)) throw new Error(`--from ${file} not found`);
  const raw = fs.readFileSync(file);
  const td = readTraineddata(raw[0] === 0x1f && raw[1] === 0x8b ? zlib.gunzipSync(raw) : raw);
  const slots: [number, string][] = [
    [COMPONENT.lstmUnicharset, 'lstm-unicharset'],
    [COMPONENT.lstmRecoder, 'lstm-recoder'],
  ];
  for (const [slot, name] of slots) {
    if (!component(td, slot, name).equals(component(base, slot, name))) {
      throw new Error(`--from ${file}: its ${name} differs from ${BASE_LANG}.traineddata's`);
    }
  }
  return td;
}

async function main(argv: string[]): Promise<void> {
  const opts = parseOptions(argv);
  const missing = missingTools();
  if (missing.length) throw new Error(`missing Tesseract tools: ${missing.join(', ')} (apt-get install tesseract-ocr)`);
  const baseFile = path.join(DEBIAN_TESSDATA, `${BASE_LANG}.traineddata`);
  if (!fs.existsSync(baseFile)) throw new Error(`${baseFile} not found (apt-get install tesseract-ocr-script-arab)`);

  const out = path.join(projectRoot(), 'scripts', 'train', 'out');
  const work = path.join(out, 'work');
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(path.join(work, 'ckpt'), { recursive: true });
  const started = Date.now();

  const base = readTraineddata(fs.readFileSync(baseFile));
  const startFile = opts.from ? path.resolve(opts.from) : baseFile;
  const startModel = opts.from ? startingModel(startFile, base) : base;
  log(`1. converting ${startFile} to a float model`);
  const floatLstm = path.join(work, `${opts.from ? 'from' : BASE_LANG}.float.lstm`);
  fs.writeFileSync(floatLstm, lstmToFloat(component(startModel, COMPONENT.lstm, 'lstm')));
  const chars = unicharsetChars(component(base, COMPONENT.lstmUnicharset, 'lstm-unicharset').toString('utf8'));

  log(`2. rendering ${opts.lines} training lines (seed ${opts.seed})`);
  const samples = await buildTrainingSet({
    dir: path.join(work, 'lines'),
    count: opts.lines,
    seed: opts.seed,
    lang: BASE_LANG,
    chars,
    log,
  });
  const listFile = path.join(work, 'train.list');
  fs.writeFileSync(listFile, samples.map((s) => `${s.base}.lstmf`).join('\n') + '\n');

  log(`3. training for at most ${opts.minutes} min`);
  const model = path.join(work, 'ckpt', 'tuned');
  const progress = await trainFor(
    [
      '--continue_from',
      floatLstm,
      '--traineddata',
      baseFile,
      '--model_output',
      model,
      '--train_listfile',
      listFile,
      '--max_iterations',
      String(opts.iterations),
      '--debug_interval',
      '0',
    ],
    opts.minutes,
  );
  const checkpoint = `${model}_checkpoint`;
  if (!fs.existsSync(checkpoint)) throw new Error('training wrote no checkpoint (too short a budget?)');

  log('4. converting the checkpoint to an integer model');
  const tuned = path.join(out, `${TUNED_LANG}.traineddata`);
  run('lstmtraining', [
    '--stop_training',
    '--convert_to_int',
    '--continue_from',
    checkpoint,
    '--traineddata',
    baseFile,
    '--model_output',
    tuned,
  ]);
  log(`   ${tuned}: ${fs.statSync(tuned).size} bytes`);
  // Keep the last checkpoint (to continue from); drop the many "best so far" snapshots.
  for (const f of fs.readdirSync(path.dirname(model))) {
    if (/^tuned_[0-9.]+_\d+_\d+\.checkpoint$/.test(f)) fs.rmSync(path.join(path.dirname(model), f));
  }

  const shipped = shippedModel(tuned, path.join(work, 'ship'), out);
  log(`   shipped form (no word lists): ${shipped}, ${fs.statSync(shipped).size} bytes; copy it to ingest/models/ to use it`);

  const report: Record<string, unknown> = {
    from: startFile,
    seed: opts.seed,
    trainingLines: samples.length,
    faces: [...new Set(samples.map((s) => s.face))],
    lastProgress: progress[progress.length - 1] ?? null,
    model: tuned,
    modelBytes: fs.statSync(tuned).size,
  };
  if (opts.evalLines > 0) {
    log(`5. measuring on ${opts.evalLines} held-out-face lines`);
    const evalDir = path.join(work, 'eval');
    const lines = await buildEvalSet({
      dir: evalDir,
      count: opts.evalLines,
      seed: opts.seed + 7_919,
      exclude: new Set(samples.map((s) => s.text)),
      chars,
    });
    const stock = score(lines, recognise(lines, DEBIAN_TESSDATA, BASE_LANG, evalDir));
    const tunedScore = score(lines, recognise(lines, out, TUNED_LANG, evalDir));
    log(formatScore(`stock ${BASE_LANG}`, stock));
    log(formatScore(TUNED_LANG, tunedScore));
    Object.assign(report, { evalFaces: [...new Set(lines.map((l) => l.face))], stock, tuned: tunedScore });
  }
  report.minutes = Number(((Date.now() - started) / 60_000).toFixed(1));
  // Plain text, so that formatters checking the source tree leave it alone.
  const reportFile = path.join(out, 'report.txt');
  fs.writeFileSync(reportFile, `${JSON.stringify(report, null, 2)}\n`);
  log(`done in ${report.minutes} min; model ${tuned}, report ${reportFile}`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
