/**
 * Visual order of a right-to-left line: the order, left to right, in which
 * the renderer (Pango, which follows the Unicode Bidirectional Algorithm)
 * draws its characters. Tesseract's line trainer compares the network's
 * left-to-right output with the transcription as given, so an Arabic line's
 * transcription must be in this order: Arabic reversed, but numbers and Latin
 * words kept left to right (a plain string reversal would turn ٢٠٢٥ into
 * ٥٢٠٢).
 *
 * This is the UBA for one right-to-left paragraph without explicit embedding
 * controls or bracket pairs (rules W1-W7, N1-N2, I2, L1-L2), which is all the
 * generated training text needs; characters outside the classes below count
 * as neutral.
 */

type BidiClass = 'L' | 'R' | 'AL' | 'EN' | 'AN' | 'ES' | 'ET' | 'CS' | 'NSM' | 'WS' | 'ON';

function classOf(ch: string): BidiClass {
  const c = ch.codePointAt(0) as number;
  if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0xc0 && c <= 0x24f)) return 'L';
  if (c >= 0x30 && c <= 0x39) return 'EN';
  if (c >= 0x6f0 && c <= 0x6f9) return 'EN';
  if ((c >= 0x660 && c <= 0x669) || c === 0x66b || c === 0x66c) return 'AN';
  if (c === 0x2b || c === 0x2d) return 'ES';
  if (c === 0x23 || c === 0x24 || c === 0x25 || c === 0x66a || c === 0xb0) return 'ET';
  if (c === 0x2c || c === 0x2e || c === 0x2f || c === 0x3a || c === 0x60c || c === 0xa0) return 'CS';
  if ((c >= 0x64b && c <= 0x65f) || c === 0x670) return 'NSM';
  if (c === 0x20 || c === 0x09) return 'WS';
  if ((c >= 0x600 && c <= 0x6ff) || (c >= 0x750 && c <= 0x77f) || (c >= 0xfb50 && c <= 0xfeff)) return 'AL';
  if (c >= 0x590 && c <= 0x5ff) return 'R';
  return 'ON';
}

/** Embedding level (1: right to left, 2: left to right inside it) of each character. */
export function levels(chars: string[]): number[] {
  const t: BidiClass[] = chars.map(classOf);
  const n = t.length;
  // W1: a non-spacing mark takes the class of the character before it (sos is R).
  for (let i = 0; i < n; i++) if (t[i] === 'NSM') t[i] = i === 0 ? 'R' : (t[i - 1] as BidiClass);
  // W2: European digits after Arabic letters are Arabic numbers.
  let strong: BidiClass = 'R';
  for (let i = 0; i < n; i++) {
    const c = t[i] as BidiClass;
    if (c === 'L' || c === 'R' || c === 'AL') strong = c;
    else if (c === 'EN' && strong === 'AL') t[i] = 'AN';
  }
  // W3: Arabic letters are right-to-left.
  for (let i = 0; i < n; i++) if (t[i] === 'AL') t[i] = 'R';
  // W4: one separator between two numbers of the same kind joins them.
  for (let i = 1; i < n - 1; i++) {
    const before = t[i - 1];
    const after = t[i + 1];
    if (t[i] === 'ES' && before === 'EN' && after === 'EN') t[i] = 'EN';
    else if (t[i] === 'CS' && before === after && (before === 'EN' || before === 'AN')) t[i] = before as BidiClass;
  }
  // W5: terminators (%, #) next to European digits become European digits.
  for (let i = 0; i < n; i++) {
    if (t[i] !== 'ET') continue;
    let j = i;
    while (j < n && t[j] === 'ET') j++;
    if ((i > 0 && t[i - 1] === 'EN') || (j < n && t[j] === 'EN')) for (let k = i; k < j; k++) t[k] = 'EN';
    i = j - 1;
  }
  // W6: remaining separators and terminators are neutral.
  for (let i = 0; i < n; i++) if (t[i] === 'ES' || t[i] === 'ET' || t[i] === 'CS') t[i] = 'ON';
  // W7: European digits after left-to-right text are left-to-right.
  strong = 'R';
  for (let i = 0; i < n; i++) {
    const c = t[i] as BidiClass;
    if (c === 'L' || c === 'R') strong = c;
    else if (c === 'EN' && strong === 'L') t[i] = 'L';
  }
  // N1, N2: neutrals between text of one direction take it (numbers count as R); otherwise the paragraph's (R).
  const dir = (c: BidiClass): 'L' | 'R' => (c === 'L' ? 'L' : 'R');
  for (let i = 0; i < n; i++) {
    if (t[i] !== 'WS' && t[i] !== 'ON') continue;
    let j = i;
    while (j < n && (t[j] === 'WS' || t[j] === 'ON')) j++;
    const before = i === 0 ? 'R' : dir(t[i - 1] as BidiClass);
    const after = j === n ? 'R' : dir(t[j] as BidiClass);
    const resolved: BidiClass = before === after ? before : 'R';
    for (let k = i; k < j; k++) t[k] = resolved;
    i = j - 1;
  }
  // I2 at paragraph level 1: L, EN and AN go one level up.
  const lv = t.map((c) => (c === 'R' ? 1 : 2));
  // L1: trailing whitespace goes back to the paragraph level.
  for (let i = n - 1; i >= 0 && classOf(chars[i] as string) === 'WS'; i--) lv[i] = 1;
  return lv;
}

/** The characters of a logical-order right-to-left line, in the order they appear from left to right. */
export function visualOrder(line: string): string {
  const chars = [...line];
  const lv = levels(chars);
  // L2: reverse every run at level 2, then the whole line (level 1).
  const order = chars.map((_c, i) => i);
  for (let i = 0; i < order.length; i++) {
    if (lv[i] !== 2) continue;
    let j = i;
    while (j < order.length && lv[j] === 2) j++;
    order.splice(i, j - i, ...order.slice(i, j).reverse());
    i = j - 1;
  }
  order.reverse();
  return order.map((i) => chars[i]).join('');
}
