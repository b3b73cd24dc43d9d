/**
 * A second reading of numbers. Tesseract's Arabic model reads Arabic-Indic
 * digits (٠١٢٣٤٥٦٧٨٩) badly, and with English loaded beside it a registry
 * number such as ٢٠٢٥/٤٨٧ comes out as Latin letters ("Y-YO LAV"). Digits are
 * easy for a small classifier, though: each is one separate stroke, never
 * joined to its neighbours. So the words that look like numbers or like Latin
 * misreadings inside an Arabic line are cut into connected components on the
 * binarised page and each component is matched against digit shapes rendered
 * from the project's fonts. When every mark in the word is confidently a
 * digit (or a slash), the word is replaced by the number it shows.
 */
import fs from 'node:fs';
import { fontFile, type FaceId } from '../adapters/fonts';
import { renderTextInk, type InkImage } from '../adapters/ocrImage';
import { ARABIC_INDIC_DIGITS } from '../../kernel/text';

const GRID = 16;
const ARABIC_INDIC = ARABIC_INDIC_DIGITS;
const LATIN = '0123456789';

interface Component {
  x0: number;
  y0: number;
  x1: number; // exclusive
  y1: number; // exclusive
  area: number;
  /** Ink mask of the component's bounding box, row by row. */
  mask: Uint8Array;
}

interface Shape {
  grid: Float32Array;
  logAspect: number;
  relHeight: number;
  relCentre: number;
}

interface Template extends Shape {
  label: string;
}

/** 8-connected components of ink inside [x0, x1) × [y0, y1). */
function components(img: InkImage, x0: number, y0: number, x1: number, y1: number): Component[] {
  const w = x1 - x0;
  const h = y1 - y0;
  if (w <= 0 || h <= 0) return [];
  const label = new Int32Array(w * h);
  const found: Component[] = [];
  const stack: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (label[i] !== 0 || (img.data[(y + y0) * img.width + x + x0] as number) >= 128) continue;
      const id = found.length + 1;
      const pixels: number[] = [];
      let cx0 = x;
      let cx1 = x;
      let cy0 = y;
      let cy1 = y;
      label[i] = id;
      stack.push(i);
      while (stack.length > 0) {
        const p = stack.pop() as number;
        pixels.push(p);
        const px = p % w;
        const py = (p - px) / w;
        if (px < cx0) cx0 = px;
        if (px > cx1) cx1 = px;
        if (py < cy0) cy0 = py;
        if (py > cy1) cy1 = py;
        for (let dy = -1; dy <= 1; dy++) {
          const ny = py + dy;
          if (ny < 0 || ny >= h) continue;
          for (let dx = -1; dx <= 1; dx++) {
            const nx = px + dx;
            if (nx < 0 || nx >= w) continue;
            const q = ny * w + nx;
            if (label[q] !== 0 || (img.data[(ny + y0) * img.width + nx + x0] as number) >= 128) continue;
            label[q] = id;
            stack.push(q);
          }
        }
      }
      const cw = cx1 - cx0 + 1;
      const mask = new Uint8Array(cw * (cy1 - cy0 + 1));
      for (const p of pixels) {
        const px = p % w;
        const py = (p - px) / w;
        mask[(py - cy0) * cw + (px - cx0)] = 1;
      }
      found.push({ x0: cx0 + x0, y0: cy0 + y0, x1: cx1 + x0 + 1, y1: cy1 + y0 + 1, area: pixels.length, mask });
    }
  }
  return found;
}

/** The typical digit height of a group of marks: the median height of the tall ones. */
function referenceHeight(comps: Component[]): { height: number; middle: number } {
  const tallest = Math.max(...comps.map((c) => c.y1 - c.y0));
  const tall = comps.filter((c) => c.y1 - c.y0 >= tallest / 2).sort((a, b) => a.y1 - a.y0 - (b.y1 - b.y0));
  const mid = tall[Math.floor(tall.length / 2)] as Component;
  const middles = tall.map((c) => (c.y0 + c.y1) / 2).sort((a, b) => a - b);
  return { height: mid.y1 - mid.y0, middle: middles[Math.floor(middles.length / 2)] as number };
}

/** The component scaled into a GRID × GRID square (aspect kept, centred), plus its proportions and place on the line. */
function shape(c: Component, ref: { height: number; middle: number }): Shape {
  const w = c.x1 - c.x0;
  const h = c.y1 - c.y0;
  const side = Math.max(w, h);
  const ox = (side - w) / 2;
  const oy = (side - h) / 2;
  const grid = new Float32Array(GRID * GRID);
  const count = new Float32Array(GRID * GRID);
  // Each source pixel lands in the cell under its centre; cells average their pixels.
  for (let y = 0; y < h; y++) {
    const gy = Math.min(GRID - 1, Math.floor(((y + oy + 0.5) * GRID) / side));
    for (let x = 0; x < w; x++) {
      const gx = Math.min(GRID - 1, Math.floor(((x + ox + 0.5) * GRID) / side));
      grid[gy * GRID + gx] = (grid[gy * GRID + gx] as number) + (c.mask[y * w + x] as number);
      count[gy * GRID + gx] = (count[gy * GRID + gx] as number) + 1;
    }
  }
  for (let i = 0; i < grid.length; i++) if ((count[i] as number) > 0) grid[i] = (grid[i] as number) / (count[i] as number);
  return {
    grid,
    logAspect: Math.log(w / h),
    relHeight: h / ref.height,
    relCentre: ((c.y0 + c.y1) / 2 - ref.middle) / ref.height,
  };
}

function distance(a: Shape, b: Shape): number {
  let d = 0;
  for (let i = 0; i < a.grid.length; i++) {
    const e = (a.grid[i] as number) - (b.grid[i] as number);
    d += e * e;
  }
  d /= a.grid.length;
  return (
    d + 0.03 * (a.logAspect - b.logAspect) ** 2 + 0.3 * (a.relHeight - b.relHeight) ** 2 + 0.2 * (a.relCentre - b.relCentre) ** 2
  );
}

/** Marks too small to be a digit, even ٠: specks the binarisation left. */
function isSpeck(c: Component, refHeight: number): boolean {
  return c.y1 - c.y0 < refHeight * 0.15 && c.x1 - c.x0 < refHeight * 0.15;
}

/**
 * The faces digit shapes are drawn from: tuning faces only. Scheherazade New and
 * Noto Kufi Arabic are held out of everything fitted to glyphs (see
 * scripts/train/faces.ts), so that the OCR evaluation measures them as unseen faces.
 */
const TEMPLATE_FACES: FaceId[] = ['naskh', 'naskh-bold', 'amiri', 'amiri-bold', 'sans', 'sans-bold'];

/** Renders the digits and the slash in the tuning faces, sizes and stroke weights, as shapes to match against. */
async function buildTemplates(): Promise<Template[]> {
  const templates: Template[] = [];
  const runs = [ARABIC_INDIC, LATIN, '١/١', '١-١'];
  for (const face of TEMPLATE_FACES) {
    const { file, family } = fontFile(face);
    if (!fs.existsSync(file)) continue;
    for (const pt of [10, 13, 16]) {
      for (const threshold of [60, 128, 200]) {
        for (const run of runs) {
          const img = await renderTextInk(run, file, family, pt, threshold);
          const comps = components(img, 0, 0, img.width, img.height).sort((a, b) => a.x0 - b.x0);
          const chars = [...run];
          if (comps.length !== chars.length) continue; // a glyph broke apart at this weight: skip the run
          const ref = referenceHeight(comps);
          comps.forEach((c, i) => {
            const label = chars[i] as string;
            if ((run.startsWith('١') && run.length === 3 && i !== 1) || label === '٠') return; // ٠ is known by its size
            templates.push({ label, ...shape(c, ref) });
          });
        }
      }
    }
  }
  if (!templates.some((t) => t.label === '٩')) throw new Error('digit templates could not be rendered');
  return templates;
}

let templatesOnce: Promise<Template[]> | undefined;
function templates(): Promise<Template[]> {
  templatesOnce ??= buildTemplates();
  return templatesOnce;
}

/**
 * Joins pieces of one glyph: pieces one above the other (a dot over a stroke),
 * and two small pieces side by side at different heights that together are as
 * tall as a digit (a ٦ whose head came loose). Two ٠ side by side stay apart:
 * they sit at the same height.
 */
function mergePieces(marks: Component[], refHeight: number): Component[] {
  const out: Component[] = [];
  for (const c of marks) {
    const prev = out[out.length - 1];
    if (!prev) {
      out.push(c);
      continue;
    }
    const overlapX = Math.min(prev.x1, c.x1) - Math.max(prev.x0, c.x0);
    const stacked = overlapX > Math.min(prev.x1 - prev.x0, c.x1 - c.x0) / 2;
    const small = (m: Component) => m.y1 - m.y0 < refHeight * 0.6;
    const overlapY = Math.min(prev.y1, c.y1) - Math.max(prev.y0, c.y0);
    const brokenDigit =
      small(prev) &&
      small(c) &&
      c.x0 - prev.x1 < refHeight * 0.2 &&
      overlapY < Math.min(prev.y1 - prev.y0, c.y1 - c.y0) * 0.3 &&
      Math.max(prev.y1, c.y1) - Math.min(prev.y0, c.y0) > refHeight * 0.7;
    if (stacked || brokenDigit) out[out.length - 1] = union(prev, c);
    else out.push(c);
  }
  return out;
}

function union(a: Component, b: Component): Component {
  const x0 = Math.min(a.x0, b.x0);
  const y0 = Math.min(a.y0, b.y0);
  const x1 = Math.max(a.x1, b.x1);
  const y1 = Math.max(a.y1, b.y1);
  const w = x1 - x0;
  const mask = new Uint8Array(w * (y1 - y0));
  for (const c of [a, b]) {
    const cw = c.x1 - c.x0;
    for (let y = c.y0; y < c.y1; y++)
      for (let x = c.x0; x < c.x1; x++) if (c.mask[(y - c.y0) * cw + (x - c.x0)]) mask[(y - y0) * w + (x - x0)] = 1;
  }
  return { x0, y0, x1, y1, area: a.area + b.area, mask };
}

/** The part of a component between columns [from, to), trimmed to its ink; undefined when empty. */
function columns(c: Component, from: number, to: number): Component | undefined {
  const cw = c.x1 - c.x0;
  const ch = c.y1 - c.y0;
  let y0 = ch;
  let y1 = -1;
  let area = 0;
  for (let y = 0; y < ch; y++)
    for (let x = from; x < to; x++)
      if (c.mask[y * cw + x]) {
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
        area++;
      }
  if (area === 0) return undefined;
  const w = to - from;
  const mask = new Uint8Array(w * (y1 - y0 + 1));
  for (let y = y0; y <= y1; y++) for (let x = from; x < to; x++) mask[(y - y0) * w + (x - from)] = c.mask[y * cw + x] as number;
  return { x0: c.x0 + from, y0: c.y0 + y0, x1: c.x0 + to, y1: c.y0 + y1 + 1, area, mask };
}

interface Read {
  label: string;
  distance: number;
}

/** One mark as an Arabic-Indic digit or a slash, or undefined when it is neither (or looks Latin). */
function classify(c: Component, ref: { height: number; middle: number }, all: Template[]): Read[] | undefined {
  const s = shape(c, ref);
  if (s.relHeight < 0.6) {
    // The only small digit is ٠, and faces draw it differently (dot, diamond, flat oval, high or low):
    // it is known by its size and by sitting within the digits' height.
    // Not a colon (two dots one over the other, mostly empty) nor a dash (long and flat).
    const fill = c.area / ((c.x1 - c.x0) * (c.y1 - c.y0));
    if (s.relCentre < -0.6 || s.relCentre > 0.35 || s.logAspect > 1.2 || s.logAspect < -0.5 || fill < 0.4) return undefined;
    return [{ label: '٠', distance: 0 }];
  }
  let best: Template | undefined;
  let bestD = Infinity;
  for (const t of all) {
    const d = distance(s, t);
    if (d < bestD) {
      bestD = d;
      best = t;
    }
  }
  if (!best || bestD > ACCEPT || !(ARABIC_INDIC.includes(best.label) || best.label === '/')) return undefined;
  return [{ label: best.label, distance: bestD }];
}

/** Two digits that touch (blur, heavy ink): cut at the thinnest column in the middle and read both halves. */
function splitTouching(c: Component, ref: { height: number; middle: number }, all: Template[]): Read[] | undefined {
  const w = c.x1 - c.x0;
  if (w < ref.height * 0.7) return undefined;
  const ink = new Array<number>(w).fill(0);
  for (let y = 0; y < c.y1 - c.y0; y++) for (let x = 0; x < w; x++) ink[x] = (ink[x] as number) + (c.mask[y * w + x] as number);
  let cut = -1;
  for (let x = Math.round(w * 0.25); x < Math.round(w * 0.75); x++)
    if (cut < 0 || (ink[x] as number) < (ink[cut] as number)) cut = x;
  const left = columns(c, 0, cut);
  const right = columns(c, cut, w);
  if (!left || !right) return undefined;
  const a = classify(left, ref, all);
  const b = a && classify(right, ref, all);
  return a && b ? [...a, ...b] : undefined;
}

export interface NumberReading {
  /** The number in Arabic-Indic digits, left to right as printed (which is also its logical order). */
  text: string;
  /** 0-100, from how closely the worst mark matched. */
  confidence: number;
  /** Where the number is: all its marks, which may reach past the box it was looked for in. */
  box: [number, number, number, number];
}

/** How far a mark may be from its nearest template and still count as that digit. */
const ACCEPT = 0.13;

/**
 * Reads the number the recogniser saw in the box [x0, y0, x1, y1]. The box is
 * only a hint (the recogniser often boxes part of a number, or a number and a
 * half): the marks in it must all be Arabic-Indic digits or a slash, and the
 * number is then followed left and right along its line while the next mark,
 * close by, is one too. Undefined when the box holds anything else (Latin
 * digits are left to the recogniser, which reads them well).
 */
export async function readArabicIndicNumber(
  img: InkImage,
  box: [number, number, number, number],
): Promise<NumberReading | undefined> {
  const all = await templates();
  const [bx0, by0, bx1, by1] = box;
  const h = by1 - by0;
  const x0 = Math.max(0, bx0 - 4 * h);
  const x1 = Math.min(img.width, bx1 + 4 * h);
  const y0 = Math.max(0, by0 - Math.round(h * 0.3));
  const y1 = Math.min(img.height, by1 + Math.round(h * 0.3));
  const onLine = components(img, x0, y0, x1, y1).filter((c) => {
    const cy = (c.y0 + c.y1) / 2;
    return cy >= by0 && cy <= by1;
  });
  const inBox = (c: Component) => {
    const cx = (c.x0 + c.x1) / 2;
    return cx >= bx0 && cx <= bx1;
  };
  const seed = onLine.filter(inBox);
  if (seed.length < 1) return undefined;
  const ref = referenceHeight(seed);
  if (ref.height < 8) return undefined;
  const marks = mergePieces(
    onLine.filter((c) => !isSpeck(c, ref.height)).sort((a, b) => a.x0 - b.x0),
    ref.height,
  );
  const reads = new Map<number, Read[] | undefined>();
  const read = (i: number) => {
    if (!reads.has(i)) reads.set(i, classify(marks[i] as Component, ref, all) ?? splitTouching(marks[i] as Component, ref, all));
    return reads.get(i);
  };
  let lo = marks.findIndex(inBox);
  let hi = marks.findLastIndex(inBox);
  if (lo < 0) return undefined;
  for (let i = lo; i <= hi; i++) if (!read(i)) return undefined;
  const near = (a: Component, b: Component) => b.x0 - a.x1 < ref.height * 0.8;
  while (hi + 1 < marks.length && near(marks[hi] as Component, marks[hi + 1] as Component) && read(hi + 1)) hi++;
  while (lo > 0 && near(marks[lo - 1] as Component, marks[lo] as Component) && read(lo - 1)) lo--;
  // A slash at either end belongs to the text around the number, not to it.
  while (lo < hi && read(lo)?.[0]?.label === '/') lo++;
  while (hi > lo && read(hi)?.at(-1)?.label === '/') hi--;
  let text = '';
  let worst = 0;
  let digits = 0;
  for (let i = lo; i <= hi; i++) {
    for (const r of read(i) as Read[]) {
      if (r.label !== '/') digits++;
      worst = Math.max(worst, r.distance);
      text += r.label;
    }
  }
  if (digits < 2 || text.startsWith('/') || text.endsWith('/') || text.includes('//')) return undefined;
  const span = marks.slice(lo, hi + 1);
  return {
    text,
    confidence: Math.round(100 * (1 - worst / ACCEPT) * 0.5 + 50),
    box: [span[0]!.x0, Math.min(...span.map((m) => m.y0)), span.at(-1)!.x1, Math.max(...span.map((m) => m.y1))],
  };
}
