// Pixel loops for OCR preprocessing, in a worker thread: plain JavaScript run
// by Node itself, so they are optimised and never block the main event loop.
// Messages in:
//   { id, op: 'flatten', grey: ArrayBuffer, bg: ArrayBuffer } (8-bit greyscale page and its
//     blurred background) -> { id, flat: ArrayBuffer, threshold }
//   { id, op: 'skew', ink: ArrayBuffer, width, height } (8-bit, 0 = ink) -> { id, angle } in degrees
import { parentPort } from 'node:worker_threads';

/** Otsu's threshold: the level that best splits ink from paper. */
function otsu(hist, total) {
  let sum = 0;
  for (let i = 0; i < 256; i++) sum += i * hist[i];
  let sumB = 0;
  let wB = 0;
  let best = 0;
  let threshold = 128;
  for (let t = 0; t < 256; t++) {
    wB += hist[t];
    if (wB === 0) continue;
    const wF = total - wB;
    if (wF === 0) break;
    sumB += t * hist[t];
    const mB = sumB / wB;
    const mF = (sum - sumB) / wF;
    const between = wB * wF * (mB - mF) * (mB - mF);
    if (between > best) {
      best = between;
      threshold = t;
    }
  }
  return threshold;
}

/**
 * The skew of the text lines: the angle (±5°, in steps of 0.1°) at which the
 * ink, projected onto rows, gives the sharpest profile (lines and gaps most
 * distinct, measured by the sum of squared row counts).
 */
function skewAngle(ink, width, height) {
  const xs = [];
  const ys = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x] < 128) {
        xs.push(x);
        ys.push(y);
      }
    }
  }
  if (xs.length < 50) return 0;
  const rows = new Float64Array(height * 2 + width);
  let best = -1;
  let bestAngle = 0;
  for (let tenth = -50; tenth <= 50; tenth++) {
    const a = (tenth / 10) * (Math.PI / 180);
    const sin = Math.sin(a);
    const cos = Math.cos(a);
    rows.fill(0);
    for (let i = 0; i < xs.length; i++) {
      const r = Math.round(ys[i] * cos - xs[i] * sin) + width;
      rows[r] += 1;
    }
    let score = 0;
    for (let r = 0; r < rows.length; r++) score += rows[r] * rows[r];
    if (score > best) {
      best = score;
      bestAngle = tenth / 10;
    }
  }
  return bestAngle;
}

parentPort.on('message', ({ id, op, grey, bg, ink, width, height }) => {
  if (op === 'skew') {
    try {
      parentPort.postMessage({ id, angle: skewAngle(new Uint8Array(ink), width, height) });
    } catch (e) {
      parentPort.postMessage({ id, error: String(e) });
    }
    return;
  }
  try {
    const g = new Uint8Array(grey);
    const b = new Uint8Array(bg);
    const flat = new Uint8Array(g.length);
    const hist = new Uint32Array(256);
    for (let i = 0; i < g.length; i++) {
      // Divide by the paper around the pixel: shadows and uneven grey become white.
      const v = Math.min(255, ((g[i] * 255) / Math.max(b[i], 1)) | 0);
      flat[i] = v;
      hist[v]++;
    }
    parentPort.postMessage({ id, flat: flat.buffer, threshold: otsu(hist, g.length) }, [flat.buffer]);
  } catch (e) {
    parentPort.postMessage({ id, error: String(e) });
  }
});
