// Pixel loops for OCR preprocessing, in a worker thread: plain JavaScript run
// by Node itself, so they are optimised and never block the main event loop.
// Message in: { id, grey: ArrayBuffer, bg: ArrayBuffer } (8-bit greyscale page
// and its blurred background). Message out: { id, flat: ArrayBuffer, threshold }.
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

parentPort.on('message', ({ id, grey, bg }) => {
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
