/**
 * Turns an integer ("fast" / "best_int") Tesseract LSTM model into a float
 * model that lstmtraining will continue training from.
 *
 * lstmtraining refuses integer models, and the float ("best") models cannot
 * be fetched offline. But an int8 weight matrix keeps, for each output row,
 * the scale it was quantised with (WeightMatrix::ConvertToInt divides each row
 * by max|w| / 127 and rounds), so w ≈ int8 × scale restores a double matrix
 * that quantises back to exactly the same int8 values. Everything else in the
 * model is copied as is; only the recognizer's TF_INT_MODE flag is cleared.
 *
 * Usage: node dist/scripts/train/int2float.js IN OUT
 *   IN  an integer .traineddata (optionally .gz) or a bare .lstm component
 *   OUT a .traineddata (IN's other components are kept) or, for any other
 *       extension, the bare float .lstm component
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { type FloatMatrix, type Layer, type Recognizer, type WeightMatrix, TF_INT_MODE } from './lstmModel';
import { readRecognizer, writeRecognizer } from './lstmModel';
import { COMPONENT, component, readTraineddata, withComponent, writeTraineddata } from './tessdata';

/** w[r][c] = int8[r][c] × scale[r]; a float matrix is returned unchanged. */
export function matrixToFloat(m: WeightMatrix): FloatMatrix {
  if (m.kind === 'double') return m;
  const data = new Float64Array(m.rows * m.cols);
  for (let r = 0; r < m.rows; r++) {
    const scale = m.scales[r] as number;
    const base = r * m.cols;
    for (let c = 0; c < m.cols; c++) data[base + c] = (m.data[base + c] as number) * scale;
  }
  return { kind: 'double', adam: m.adam, rows: m.rows, cols: m.cols, empty: m.empty, data };
}

/** A copy of the layer tree with every weight matrix in double form. */
export function layerToFloat(layer: Layer): Layer {
  switch (layer.kind) {
    case 'fc':
      return { ...layer, weights: matrixToFloat(layer.weights) };
    case 'lstm':
      return {
        ...layer,
        gates: layer.gates.map(matrixToFloat),
        ...(layer.softmax ? { softmax: layerToFloat(layer.softmax) } : {}),
      };
    case 'plumbing':
      return { ...layer, children: layer.children.map(layerToFloat) };
    default:
      return layer;
  }
}

/** The float recognizer: double weights, TF_INT_MODE cleared. */
export function recognizerToFloat(rec: Recognizer): Recognizer {
  return { ...rec, network: layerToFloat(rec.network), trainingFlags: rec.trainingFlags & ~TF_INT_MODE };
}

/** Converts a bare lstm component. */
export function lstmToFloat(lstm: Buffer): Buffer {
  return writeRecognizer(recognizerToFloat(readRecognizer(lstm)));
}

/** Converts the lstm component of a .traineddata file, keeping all its other components. */
export function traineddataToFloat(file: Buffer): Buffer {
  const td = readTraineddata(file);
  const lstm = component(td, COMPONENT.lstm, 'lstm');
  component(td, COMPONENT.lstmUnicharset, 'lstm-unicharset');
  component(td, COMPONENT.lstmRecoder, 'lstm-recoder');
  return writeTraineddata(withComponent(td, COMPONENT.lstm, lstmToFloat(lstm)));
}

/** Reads a file, gunzipping it when it starts with the gzip magic bytes. */
export function readMaybeGzip(file: string): Buffer {
  const buf = fs.readFileSync(file);
  return buf[0] === 0x1f && buf[1] === 0x8b ? zlib.gunzipSync(buf) : buf;
}

/** True when `buf` looks like a .traineddata container rather than a bare lstm component. */
export function isTraineddata(buf: Buffer): boolean {
  // A container starts with a small slot count; an lstm component starts with a zero byte and a type name.
  const count = buf.length >= 4 ? buf.readInt32LE(0) : 0;
  return count > 0 && count < 1000;
}

function main(argv: string[]): void {
  const [input, output] = argv;
  if (!input || !output) {
    process.stderr.write('usage: node dist/scripts/train/int2float.js IN.traineddata[.gz]|IN.lstm OUT.traineddata|OUT.lstm\n');
    process.exit(2);
  }
  const buf = readMaybeGzip(input);
  const container = isTraineddata(buf);
  if (output.endsWith('.traineddata') && !container) throw new Error('a .traineddata output needs a .traineddata input');
  const floatLstm = lstmToFloat(container ? component(readTraineddata(buf), COMPONENT.lstm, 'lstm') : buf);
  const out = output.endsWith('.traineddata') ? traineddataToFloat(buf) : floatLstm;
  fs.writeFileSync(output, out);
  process.stdout.write(`${output}: ${out.length} bytes (float lstm component: ${floatLstm.length} bytes)\n`);
}

if (require.main === module) main(process.argv.slice(2));
