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
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const v = grey[i]!;
    rgba[4 * i] = v;
    rgba[4 * i + 1] = v;
    rgba[4 * i + 2] = v;
    rgba[4 * i + 3] = 255;
  }
  const found = await readBarcodes(
    { data: rgba, width, height, colorSpace: 'srgb' } as unknown as Parameters<typeof readBarcodes>[0],
    { formats: ['QRCode'], tryHarder: true, tryRotate: true, maxNumberOfSymbols: 8 },
  );
  return found.filter((b) => b.isValid).map((b) => b.text);
}
