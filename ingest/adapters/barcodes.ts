/**
 * Barcode reading (through zxing-wasm, ZXing's C++ reader built to WebAssembly; the only file that imports it).
 * The WebAssembly module is read from the package's own file, never fetched: the archive runs offline.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';

let prepared: Promise<unknown> | undefined;

function prepare(): Promise<unknown> {
  if (!prepared) {
    const wasm = createRequire(__filename).resolve('zxing-wasm/reader/zxing_reader.wasm');
    prepared = prepareZXingModule({
      overrides: { wasmBinary: fs.readFileSync(wasm).buffer as ArrayBuffer },
      fireImmediately: true,
    });
  }
  return prepared;
}

/** A greyscale picture, one byte a pixel, row by row. */
export interface GreyPicture {
  grey: Buffer;
  width: number;
  height: number;
}

/**
 * The text of every QR code found on the picture (rotated, skewed, blurred or JPEG-smudged as a scanner leaves
 * it), in the order the reader finds them. Codes whose error correction fails are not returned.
 */
export async function readQrCodes(picture: GreyPicture): Promise<string[]> {
  await prepare();
  const { grey, width, height } = picture;
  // The reader takes RGBA: each grey byte becomes one opaque pixel, written as one 32-bit word (little-endian).
  const words = new Uint32Array(width * height);
  for (let i = 0; i < words.length; i++) words[i] = (0xff000000 | (grey[i]! * 0x010101)) >>> 0;
  const rgba = new Uint8ClampedArray(words.buffer);
  const found = await readBarcodes(
    { data: rgba, width, height, colorSpace: 'srgb' } as unknown as Parameters<typeof readBarcodes>[0],
    // The registry's sheets are printed dark on light: inverted codes are not searched for (a page without a
    // code, most pages, would be searched twice).
    { formats: ['QRCode'], tryHarder: true, tryRotate: true, tryInvert: false, maxNumberOfSymbols: 8 },
  );
  return found.filter((b) => b.isValid).map((b) => b.text);
}
