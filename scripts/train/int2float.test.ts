/**
 * Round-trip guard for the int → float converter, on the best_int `ara`
 * model that ships with @tesseract.js-data/ara:
 *   - the model parses and rewrites byte for byte;
 *   - the float lstm component has exactly the size of the published float
 *     (tessdata_best) one, 11,582,395 bytes;
 *   - with Debian's training tools: `lstmtraining --stop_training
 *     --convert_to_int` on the float model gives back the original int8
 *     weights and scales, and native tesseract reads a rendered Arabic line
 *     identically with the original and the round-tripped model.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { lstmToFloat, traineddataToFloat } from './int2float';
import { readRecognizer, weightMatrices, writeRecognizer, type WeightMatrix } from './lstmModel';
import { Random } from './random';
import { renderLine } from './render';
import { FACE_SPLIT } from './faces';
import { COMPONENT, component, readTraineddata } from './tessdata';
import { missingTools, run } from './tools';

/** Size of the lstm component of tessdata_best's ara.traineddata. */
const PUBLISHED_FLOAT_LSTM_BYTES = 11_582_395;

const npmAra = path.join(path.dirname(require.resolve('@tesseract.js-data/ara')), '4.0.0_best_int', 'ara.traineddata.gz');
const original = zlib.gunzipSync(fs.readFileSync(npmAra));
const originalLstm = component(readTraineddata(original), COMPONENT.lstm, 'lstm');

describe('int2float on the npm best_int ara model', () => {
  test('the lstm component parses and rewrites byte for byte', () => {
    expect(writeRecognizer(readRecognizer(originalLstm)).equals(originalLstm)).toBe(true);
  });

  test('the float lstm component has the published float size and no int mode flag', () => {
    const floatLstm = lstmToFloat(originalLstm);
    expect(floatLstm.length).toBe(PUBLISHED_FLOAT_LSTM_BYTES);
    const rec = readRecognizer(floatLstm);
    expect(rec.trainingFlags & 1).toBe(0);
    expect(weightMatrices(rec.network).every((w) => w.matrix.kind === 'double')).toBe(true);
  });
});

const missing = missingTools();
const withTools = missing.length === 0 ? describe : describe.skip;
if (missing.length > 0) {
  process.stderr.write(`int2float.test: skipping the native round trip, Debian tools missing: ${missing.join(', ')}\n`);
}

withTools(`float → int with Debian's lstmtraining${missing.length ? ` (skipped: missing ${missing.join(', ')})` : ''}`, () => {
  let dir = '';
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-int2float-'));
    fs.writeFileSync(path.join(dir, 'orig.traineddata'), original);
    fs.writeFileSync(path.join(dir, 'float.traineddata'), traineddataToFloat(original));
    fs.writeFileSync(path.join(dir, 'float.lstm'), lstmToFloat(originalLstm));
    run('lstmtraining', [
      '--stop_training',
      '--convert_to_int',
      '--continue_from',
      path.join(dir, 'float.lstm'),
      '--traineddata',
      path.join(dir, 'orig.traineddata'),
      '--model_output',
      path.join(dir, 'back.traineddata'),
    ]);
  });
  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('converting back to int reproduces the original int8 weights and scales', () => {
    const back = readRecognizer(
      component(readTraineddata(fs.readFileSync(path.join(dir, 'back.traineddata'))), COMPONENT.lstm, 'lstm'),
    );
    const before = weightMatrices(readRecognizer(originalLstm).network);
    const after = weightMatrices(back.network);
    expect(after.map((w) => w.path)).toEqual(before.map((w) => w.path));
    const asInt = (m: WeightMatrix) => {
      if (m.kind !== 'int8') throw new Error('expected an int8 matrix');
      return m;
    };
    for (const [i, { matrix }] of before.entries()) {
      const a = asInt(matrix);
      const b = asInt((after[i] as { matrix: WeightMatrix }).matrix);
      expect([b.rows, b.cols]).toEqual([a.rows, a.cols]);
      expect(
        Buffer.from(b.data.buffer, b.data.byteOffset, b.data.length).equals(
          Buffer.from(a.data.buffer, a.data.byteOffset, a.data.length),
        ),
      ).toBe(true);
      // A build with float32 arithmetic may round the recomputed scale in its last bits.
      for (let r = 0; r < a.rows; r++) {
        expect(Math.abs((b.scales[r] as number) - (a.scales[r] as number))).toBeLessThanOrEqual(
          1e-6 * Math.abs(a.scales[r] as number),
        );
      }
    }
  });

  test('native tesseract reads a rendered Arabic line identically with the original and the round-tripped model', async () => {
    const naskh = FACE_SPLIT.training.find((f) => f.id === 'naskh');
    if (!naskh) throw new Error('no Noto Naskh Arabic face');
    const img = await renderLine('يحفظ الديوان نسخة موثقة من كل مراسلة واردة', naskh, new Random(11));
    const png = path.join(dir, 'line.png');
    fs.writeFileSync(png, img.png);
    const read = (lang: string) => run('tesseract', [png, 'stdout', '--tessdata-dir', dir, '-l', lang, '--psm', '7']).trim();
    const fromOriginal = read('orig');
    expect(fromOriginal.length).toBeGreaterThan(10);
    expect(read('back')).toBe(fromOriginal);
  });
});
