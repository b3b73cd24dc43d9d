// Pixel loops for OCR preprocessing, in a worker thread: plain JavaScript run
// by Node itself, so they are optimised and never block the main event loop.
// Messages in:
//   { id, op: 'prepare', grey: ArrayBuffer, bg: ArrayBuffer, width, height } (8-bit greyscale page
//     and its blurred background) -> { id, ink: ArrayBuffer (0 = ink, 255 = paper), threshold, angle }
//   { id, op: 'skew', ink: ArrayBuffer, width, height } (8-bit, 0 = ink) -> { id, angle } in degrees
import { parentPort } from 'node:worker_threads';

/** Otsu's threshold: the level that best splits ink from paper. */
function otsu(hist, total) {
  let sum = 0;
  for (let i = 0; i < hist.length; i++) sum += i * hist[i];
  let sumB = 0;
  let wB = 0;
  let best = 0;
  let threshold = 128;
  for (let t = 0; t < hist.length; t++) {
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

/**
 * 3×3 median, edges repeated. Each column's three values are sorted once per
 * row and shared by the three pixels that use them; the median of the nine is
 * then the median of (largest low, median of middles, smallest high).
 */
function median3(src, width, height) {
  const out = new Uint8Array(src.length);
  const lo = new Uint8Array(width);
  const mid = new Uint8Array(width);
  const hi = new Uint8Array(width);
  for (let y = 0; y < height; y++) {
    const up = (y > 0 ? y - 1 : y) * width;
    const row = y * width;
    const down = (y < height - 1 ? y + 1 : y) * width;
    for (let x = 0; x < width; x++) {
      let a = src[up + x];
      let b = src[row + x];
      let c = src[down + x];
      let t;
      if (a > b) {
        t = a;
        a = b;
        b = t;
      }
      if (b > c) {
        t = b;
        b = c;
        c = t;
      }
      if (a > b) {
        t = a;
        a = b;
        b = t;
      }
      lo[x] = a;
      mid[x] = b;
      hi[x] = c;
    }
    for (let x = 0; x < width; x++) {
      const l = x > 0 ? x - 1 : x;
      const r = x < width - 1 ? x + 1 : x;
      const maxLo = Math.max(lo[l], lo[x], lo[r]);
      const minHi = Math.min(hi[l], hi[x], hi[r]);
      let p = mid[l];
      let q = mid[x];
      let s = mid[r];
      let t;
      if (p > q) {
        t = p;
        p = q;
        q = t;
      }
      if (q > s) {
        t = q;
        q = s;
        s = t;
      }
      if (p > q) {
        q = p;
      }
      // median of maxLo, q (median of middles), minHi
      let m1 = maxLo;
      let m2 = q;
      let m3 = minHi;
      if (m1 > m2) {
        t = m1;
        m1 = m2;
        m2 = t;
      }
      if (m2 > m3) {
        m2 = m3;
      }
      out[row + x] = m1 > m2 ? m1 : m2;
    }
  }
  return out;
}

/** Ink of a page shrunk by `f` in both directions (a block is ink when most of it is), for measuring skew. */
function shrinkInk(ink, width, height, f) {
  const w = Math.floor(width / f);
  const h = Math.floor(height / f);
  const out = new Uint8Array(w * h);
  const half = (f * f * 255) / 2;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let sum = 0;
      for (let dy = 0; dy < f; dy++) {
        const row = (y * f + dy) * width + x * f;
        for (let dx = 0; dx < f; dx++) sum += ink[row + dx];
      }
      out[y * w + x] = sum < half ? 0 : 255;
    }
  }
  return { ink: out, width: w, height: h };
}

/** Above this share of the page in ink, a split is taken to lie inside the paper's own grain. */
const MOST_INK = 0.15;

/**
 * The ink/paper threshold: Otsu's, unless it leaves most of the page as ink,
 * which happens on a grainy page with little text (the grain's own spread is
 * then the widest split); the split is then sought again among the darker
 * levels only, at most twice.
 */
function inkThreshold(hist, total) {
  let threshold = otsu(hist, total);
  for (let round = 0; round < 2; round++) {
    let ink = 0;
    for (let v = 0; v <= threshold; v++) ink += hist[v];
    if (ink <= MOST_INK * total || threshold === 0) break;
    const darker = hist.slice(0, threshold + 1);
    threshold = otsu(darker, ink);
  }
  return threshold;
}

function prepare(grey, bg, width, height) {
  const g = median3(grey, width, height);
  const hist = new Uint32Array(256);
  for (let i = 0; i < g.length; i++) {
    // Divide by the paper around the pixel: shadows and uneven grey become white.
    const v = Math.min(255, ((g[i] * 255) / Math.max(bg[i], 1)) | 0);
    g[i] = v;
    hist[v]++;
  }
  const threshold = inkThreshold(hist, g.length);
  for (let i = 0; i < g.length; i++) g[i] = g[i] > threshold ? 255 : 0;
  const small = shrinkInk(g, width, height, Math.max(1, Math.ceil(width / 800)));
  return { ink: g, threshold, angle: skewAngle(small.ink, small.width, small.height) };
}

parentPort.on('message', ({ id, op, grey, bg, ink, width, height }) => {
  try {
    if (op === 'skew') {
      parentPort.postMessage({ id, angle: skewAngle(new Uint8Array(ink), width, height) });
    } else if (op === 'prepare') {
      const out = prepare(new Uint8Array(grey), new Uint8Array(bg), width, height);
      parentPort.postMessage({ id, ink: out.ink.buffer, threshold: out.threshold, angle: out.angle }, [out.ink.buffer]);
    } else {
      parentPort.postMessage({ id, error: `unknown op ${op}` });
    }
  } catch (e) {
    parentPort.postMessage({ id, error: String(e) });
  }
});
