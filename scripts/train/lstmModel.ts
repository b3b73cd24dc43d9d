/**
 * Reads and writes the `lstm` component of a .traineddata file: Tesseract's
 * LSTMRecognizer, i.e. a tree of network layers followed by a short trailer
 * (the network spec string, training flags, iteration counters, the CTC null
 * label and the optimiser settings).
 *
 * Every layer starts with the same header (Network::Serialize): a zero byte,
 * the layer type's name, the training state, the needs-backprop byte, the
 * network flags, the input and output widths, the weight count and the layer
 * name. What follows depends on the type:
 *   - Input: its static shape (batch, height, width, depth, loss type);
 *   - Convolve, Maxpool, Reconfig: two 32-bit sizes;
 *   - Series, Parallel and the Reversed family ("plumbing"): a child count,
 *     the children, and per-layer learning rates when the flags ask for them;
 *   - FullyConnected types (Tanh, Softmax, Relu, ...): one weight matrix;
 *   - LSTM types: the gate count `na`, four gate matrices (five for a 2-D
 *     LSTM), and for LSTMSoftmax* a FullyConnected softmax layer.
 *
 * A weight matrix starts with a mode byte (1: int8, 4: Adam, 128: the
 * "double" format every current model uses). In int8 mode it holds an int8
 * matrix and one double scale per output row (the file may pad the scale list
 * to a SIMD-friendly length); otherwise a double matrix, followed, when the
 * owning layer is training, by the momentum matrix and (Adam) the
 * squared-gradient sums. Matrices are stored row-major with their two
 * dimensions and an "empty" filler value first.
 *
 * This module assumes the unicharset and recoder live in their own
 * traineddata components (as in every published model), so they are not
 * embedded in the lstm component.
 */
import { ByteReader, ByteWriter } from './binary';

export const MODE_INT8 = 1;
export const MODE_ADAM = 4;
export const MODE_DOUBLE = 128;

/** LSTMRecognizer training flag: the weights are int8. */
export const TF_INT_MODE = 1;

/** Network::training_ value meaning "training enabled". */
export const TS_ENABLED = 1;

/** An int8 weight matrix: w[r][c] = data[r * cols + c] × scales[r]. */
export interface IntMatrix {
  kind: 'int8';
  adam: boolean;
  rows: number;
  cols: number;
  empty: number;
  data: Int8Array;
  /** As stored: one per row, possibly padded with extra entries. */
  scales: Float64Array;
}

/** A double weight matrix, with the training state when its layer is training. */
export interface FloatMatrix {
  kind: 'double';
  adam: boolean;
  rows: number;
  cols: number;
  empty: number;
  data: Float64Array;
  /** Momentum (present when the owning layer was training). */
  updates?: Float64Array;
  /** Adam's squared-gradient sums (training with Adam only). */
  squares?: Float64Array;
}

export type WeightMatrix = IntMatrix | FloatMatrix;

/** The fields every layer starts with. */
export interface LayerHeader {
  type: string;
  training: number;
  needsBackprop: number;
  flags: number;
  ni: number;
  no: number;
  numWeights: number;
  name: string;
}

export type Layer =
  | { kind: 'input'; header: LayerHeader; shape: [number, number, number, number, number] }
  | { kind: 'sizes'; header: LayerHeader; x: number; y: number }
  | { kind: 'plumbing'; header: LayerHeader; children: Layer[]; learningRates?: number[] }
  | { kind: 'fc'; header: LayerHeader; weights: WeightMatrix }
  | { kind: 'lstm'; header: LayerHeader; na: number; gates: WeightMatrix[]; softmax?: Layer };

/** The whole lstm component. */
export interface Recognizer {
  network: Layer;
  spec: string;
  trainingFlags: number;
  trainingIteration: number;
  sampleIteration: number;
  nullChar: number;
  adamBeta: number;
  learningRate: number;
  momentum: number;
}

const PLUMBING = new Set([
  'Parallel',
  'Replicated',
  'ParBidiLSTM',
  'DepParUDLSTM',
  'Par2dLSTM',
  'Series',
  'RTLReversed',
  'TTBReversed',
  'XYTranspose',
]);
const LSTM_TYPES = new Set(['LSTM', 'SummLSTM', 'LSTMSoftmax', 'LSTMBinarySoftmax']);
const FC_TYPES = new Set(['Logistic', 'LinLogistic', 'LinTanh', 'Tanh', 'Relu', 'Linear', 'Softmax', 'SoftmaxNoCTC']);
const SIZE_TYPES = new Set(['Convolve', 'Maxpool', 'Reconfig']);
/** Network flag: Plumbing layers carry their own learning rates. */
const NF_LAYER_SPECIFIC_LR = 64;
/** LSTM gate slots in file order; the last (GFS) exists only in 2-D LSTMs. */
const GATE_COUNT = 5;

// ---- reading -------------------------------------------------------------

function readHeader(r: ByteReader): LayerHeader {
  const marker = r.i8();
  if (marker !== 0) throw new Error(`unsupported pre-4.0 layer encoding (type byte ${marker})`);
  return {
    type: r.string(),
    training: r.i8(),
    needsBackprop: r.i8(),
    flags: r.i32(),
    ni: r.i32(),
    no: r.i32(),
    numWeights: r.i32(),
    name: r.string(),
  };
}

function readDoubles(r: ByteReader, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = r.f64();
  return out;
}

function readDoubleArray(r: ByteReader): { rows: number; cols: number; empty: number; data: Float64Array } {
  const rows = r.u32();
  const cols = r.u32();
  const empty = r.f64();
  return { rows, cols, empty, data: readDoubles(r, rows * cols) };
}

function readMatrix(r: ByteReader, training: boolean): WeightMatrix {
  const mode = r.u8();
  if ((mode & MODE_DOUBLE) === 0) throw new Error('unsupported old-format weight matrix');
  const adam = (mode & MODE_ADAM) !== 0;
  if ((mode & MODE_INT8) !== 0) {
    const rows = r.u32();
    const cols = r.u32();
    const empty = r.i8();
    const data = new Int8Array(r.bytes(rows * cols));
    const scales = readDoubles(r, r.u32());
    if (scales.length < rows) throw new Error(`int8 matrix has ${scales.length} scales for ${rows} rows`);
    return { kind: 'int8', adam, rows, cols, empty, data, scales };
  }
  const m: FloatMatrix = { kind: 'double', adam, ...readDoubleArray(r) };
  if (training) {
    m.updates = readDoubleArray(r).data;
    if (adam) m.squares = readDoubleArray(r).data;
  }
  return m;
}

function ceilLog2(n: number): number {
  let bits = 0;
  while (1 << bits < n) bits++;
  return bits;
}

function readLayer(r: ByteReader): Layer {
  const header = readHeader(r);
  const t = header.type;
  const training = header.training === TS_ENABLED;
  if (t === 'Input') {
    return { kind: 'input', header, shape: [r.i32(), r.i32(), r.i32(), r.i32(), r.i32()] };
  }
  if (SIZE_TYPES.has(t)) return { kind: 'sizes', header, x: r.i32(), y: r.i32() };
  if (PLUMBING.has(t)) {
    const count = r.u32();
    const children: Layer[] = [];
    for (let i = 0; i < count; i++) children.push(readLayer(r));
    const layer: Layer = { kind: 'plumbing', header, children };
    if (header.flags & NF_LAYER_SPECIFIC_LR) {
      const n = r.u32();
      layer.learningRates = [];
      for (let i = 0; i < n; i++) layer.learningRates.push(r.f32());
    }
    return layer;
  }
  if (FC_TYPES.has(t)) return { kind: 'fc', header, weights: readMatrix(r, training) };
  if (LSTM_TYPES.has(t)) {
    const na = r.i32();
    const nf = t === 'LSTMSoftmax' ? header.no : t === 'LSTMBinarySoftmax' ? ceilLog2(header.no) : 0;
    const gates: WeightMatrix[] = [];
    let is2d = false;
    for (let g = 0; g < GATE_COUNT; g++) {
      if (g === GATE_COUNT - 1 && !is2d) continue;
      const m = readMatrix(r, training);
      gates.push(m);
      if (g === 0) is2d = na - nf === header.ni + 2 * m.rows;
    }
    const layer: Layer = { kind: 'lstm', header, na, gates };
    if (t === 'LSTMSoftmax' || t === 'LSTMBinarySoftmax') layer.softmax = readLayer(r);
    return layer;
  }
  throw new Error(`unsupported layer type ${t}`);
}

/** Parses an lstm component (without embedded charsets). */
export function readRecognizer(buf: Buffer): Recognizer {
  const r = new ByteReader(buf);
  const rec: Recognizer = {
    network: readLayer(r),
    spec: r.string(),
    trainingFlags: r.i32(),
    trainingIteration: r.i32(),
    sampleIteration: r.i32(),
    nullChar: r.i32(),
    adamBeta: r.f32(),
    learningRate: r.f32(),
    momentum: r.f32(),
  };
  if (r.remaining !== 0) {
    throw new Error(`${r.remaining} unexpected bytes after the lstm trailer (embedded charsets are not supported)`);
  }
  return rec;
}

// ---- writing -------------------------------------------------------------

function writeHeader(w: ByteWriter, h: LayerHeader): void {
  w.i8(0);
  w.string(h.type);
  w.i8(h.training);
  w.i8(h.needsBackprop);
  w.i32(h.flags);
  w.i32(h.ni);
  w.i32(h.no);
  w.i32(h.numWeights);
  w.string(h.name);
}

function writeDoubleArray(w: ByteWriter, rows: number, cols: number, empty: number, data: Float64Array): void {
  w.u32(rows);
  w.u32(cols);
  w.f64(empty);
  w.f64Array(data);
}

function writeMatrix(w: ByteWriter, m: WeightMatrix, training: boolean): void {
  const mode = (m.kind === 'int8' ? MODE_INT8 : 0) | (m.adam ? MODE_ADAM : 0) | MODE_DOUBLE;
  w.u8(mode);
  if (m.kind === 'int8') {
    w.u32(m.rows);
    w.u32(m.cols);
    w.i8(m.empty);
    w.bytes(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength));
    w.u32(m.scales.length);
    w.f64Array(m.scales);
    return;
  }
  writeDoubleArray(w, m.rows, m.cols, m.empty, m.data);
  if (!training) return;
  const zeros = () => new Float64Array(m.rows * m.cols);
  writeDoubleArray(w, m.rows, m.cols, 0, m.updates ?? zeros());
  if (m.adam) writeDoubleArray(w, m.rows, m.cols, 0, m.squares ?? zeros());
}

function writeLayer(w: ByteWriter, layer: Layer): void {
  writeHeader(w, layer.header);
  const training = layer.header.training === TS_ENABLED;
  switch (layer.kind) {
    case 'input':
      for (const v of layer.shape) w.i32(v);
      return;
    case 'sizes':
      w.i32(layer.x);
      w.i32(layer.y);
      return;
    case 'plumbing':
      w.u32(layer.children.length);
      for (const c of layer.children) writeLayer(w, c);
      if (layer.header.flags & NF_LAYER_SPECIFIC_LR) {
        const rates = layer.learningRates ?? [];
        w.u32(rates.length);
        for (const v of rates) w.f32(v);
      }
      return;
    case 'fc':
      writeMatrix(w, layer.weights, training);
      return;
    case 'lstm':
      w.i32(layer.na);
      for (const g of layer.gates) writeMatrix(w, g, training);
      if (layer.softmax) writeLayer(w, layer.softmax);
      return;
  }
}

/** Serialises a recognizer back into an lstm component. */
export function writeRecognizer(rec: Recognizer): Buffer {
  const w = new ByteWriter();
  writeLayer(w, rec.network);
  w.string(rec.spec);
  w.i32(rec.trainingFlags);
  w.i32(rec.trainingIteration);
  w.i32(rec.sampleIteration);
  w.i32(rec.nullChar);
  w.f32(rec.adamBeta);
  w.f32(rec.learningRate);
  w.f32(rec.momentum);
  return w.toBuffer();
}

// ---- walking -------------------------------------------------------------

/** Every weight matrix in file order, with the path of layer names leading to it. */
export function weightMatrices(layer: Layer, path = ''): { path: string; matrix: WeightMatrix }[] {
  const here = path ? `${path}/${layer.header.name}` : layer.header.name;
  switch (layer.kind) {
    case 'fc':
      return [{ path: here, matrix: layer.weights }];
    case 'lstm':
      return [
        ...layer.gates.map((matrix, i) => ({ path: `${here}#${i}`, matrix })),
        ...(layer.softmax ? weightMatrices(layer.softmax, here) : []),
      ];
    case 'plumbing':
      return layer.children.flatMap((c) => weightMatrices(c, here));
    default:
      return [];
  }
}
