/**
 * The .traineddata container: a 32-bit count of component slots, a table of
 * 64-bit offsets (-1 for an absent component), then the components back to
 * back in slot order. Each component's size is the distance to the next
 * present one (or to the end of the file).
 */
import { ByteReader, ByteWriter } from './binary';

/** Slot numbers of the components this folder touches (Tesseract's TessdataType). */
export const COMPONENT = {
  config: 0,
  lstm: 17,
  lstmPuncDawg: 18,
  lstmWordDawg: 19,
  lstmNumberDawg: 20,
  lstmUnicharset: 21,
  lstmRecoder: 22,
  version: 23,
} as const;

/** A parsed container: one Buffer per slot, or undefined where the slot is empty. */
export interface Traineddata {
  components: (Buffer | undefined)[];
}

/** Splits a .traineddata file into its components. */
export function readTraineddata(file: Buffer): Traineddata {
  const r = new ByteReader(file);
  const count = r.i32();
  if (count <= 0 || count > 1000) throw new Error(`not a traineddata file (slot count ${count})`);
  const offsets: number[] = [];
  for (let i = 0; i < count; i++) offsets.push(Number(r.i64()));
  const components: (Buffer | undefined)[] = [];
  for (let i = 0; i < count; i++) {
    const start = offsets[i] as number;
    if (start < 0) {
      components.push(undefined);
      continue;
    }
    let end = file.length;
    for (let j = i + 1; j < count; j++) {
      const next = offsets[j] as number;
      if (next >= 0) {
        end = next;
        break;
      }
    }
    if (start > end || end > file.length) throw new Error(`traineddata slot ${i} has a bad offset`);
    components.push(Buffer.from(file.subarray(start, end)));
  }
  return { components };
}

/** Joins components into a .traineddata file, as combine_tessdata does. */
export function writeTraineddata(td: Traineddata): Buffer {
  const count = td.components.length;
  const w = new ByteWriter();
  w.i32(count);
  let offset = 4 + 8 * count;
  for (const c of td.components) {
    if (!c || c.length === 0) {
      w.i64(-1n);
    } else {
      w.i64(BigInt(offset));
      offset += c.length;
    }
  }
  for (const c of td.components) if (c && c.length > 0) w.bytes(c);
  return w.toBuffer();
}

/** The component in `slot`, or an error naming what is missing. */
export function component(td: Traineddata, slot: number, name: string): Buffer {
  const c = td.components[slot];
  if (!c || c.length === 0) throw new Error(`traineddata has no ${name} component`);
  return c;
}

/** A copy of `td` with `slot` replaced. */
export function withComponent(td: Traineddata, slot: number, data: Buffer): Traineddata {
  const components = td.components.slice();
  while (components.length <= slot) components.push(undefined);
  components[slot] = data;
  return { components };
}
