/**
 * Barcode reading (through zxing-wasm, ZXing's C++ reader built to WebAssembly; the only file that imports it).
 * The WebAssembly module is read from the package's own file, never fetched: the archive runs offline.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';

/**
 * The reader's WebAssembly module as zxing-wasm 3 builds it: its heap, and the function its `readBarcodes` calls
 * with a picture of one byte a pixel (after turning an RGBA ImageData into one, a copy four times the picture's size).
 */
interface ReaderModule {
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(at: number): void;
  readBarcodesFromPixmap?(
    at: number,
    width: number,
    height: number,
    options: Record<string, unknown>,
  ): { size(): number; get(i: number): { isValid: boolean; text: string }; delete(): void };
}

let prepared: Promise<ReaderModule> | undefined;

function prepare(): Promise<ReaderModule> {
  if (!prepared) {
    const wasm = createRequire(__filename).resolve('zxing-wasm/reader/zxing_reader.wasm');
    prepared = prepareZXingModule({
      overrides: { wasmBinary: fs.readFileSync(wasm).buffer as ArrayBuffer },
      fireImmediately: true,
    }) as unknown as Promise<ReaderModule>;
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
 * The registry's sheets are printed dark on light: inverted codes are not searched for (a page without a code,
 * most pages, would be searched twice).
 */
const OPTIONS = { tryHarder: true, tryRotate: true, tryInvert: false, maxNumberOfSymbols: 8 } as const;

/**
 * The reader's options as its module takes them (zxing-wasm 3.1's defaults, enumerations by their index, and
 * OPTIONS): QR codes only, the local-average binarizer, text as printed.
 */
const MODULE_OPTIONS = {
  formats: 'QRCode',
  tryDownscale: true,
  tryDenoise: false,
  binarizer: 0,
  isPure: false,
  downscaleFactor: 3,
  downscaleThreshold: 500,
  minLineCount: 2,
  validateOptionalChecksum: false,
  returnErrors: false,
  eanAddOnSymbol: 0,
  textMode: 2,
  characterSet: 0,
  tryCode39ExtendedMode: true,
  ...OPTIONS,
};

/** Whether the grey bytes go to the reader as they are (the module has the call; else RGBA is made for it). */
export async function readsGreyDirectly(): Promise<boolean> {
  return typeof (await prepare()).readBarcodesFromPixmap === 'function';
}

/**
 * The text of every QR code found on the picture (rotated, skewed, blurred or JPEG-smudged as a scanner leaves
 * it), in the order the reader finds them. Codes whose error correction fails are not returned. The grey bytes
 * go into the reader's heap as they are (a 300-dpi A4 page: 8.7 MB, where RGBA would be 35 MB made and read
 * back in JavaScript); a module without that function is given RGBA through the package's own call.
 */
export async function readQrCodes(picture: GreyPicture): Promise<string[]> {
  const module = await prepare();
  const { grey, width, height } = picture;
  if (module.readBarcodesFromPixmap && grey.length === width * height) {
    const at = module._malloc(grey.length);
    if (!at) throw new Error(`the QR reader could not take ${grey.length} bytes`);
    try {
      module.HEAPU8.set(grey, at);
      const found = module.readBarcodesFromPixmap(at, width, height, MODULE_OPTIONS);
      try {
        const texts: string[] = [];
        for (let i = 0; i < found.size(); i++) {
          const b = found.get(i);
          if (b.isValid) texts.push(b.text);
        }
        return texts;
      } finally {
        found.delete();
      }
    } finally {
      module._free(at);
    }
  }
  // The reader takes RGBA: each grey byte becomes one opaque pixel, written as one 32-bit word (little-endian).
  const words = new Uint32Array(width * height);
  for (let i = 0; i < words.length; i++) words[i] = (0xff000000 | (grey[i]! * 0x010101)) >>> 0;
  const rgba = new Uint8ClampedArray(words.buffer);
  const found = await readBarcodes(
    { data: rgba, width, height, colorSpace: 'srgb' } as unknown as Parameters<typeof readBarcodes>[0],
    { formats: ['QRCode'], ...OPTIONS },
  );
  return found.filter((b) => b.isValid).map((b) => b.text);
}
