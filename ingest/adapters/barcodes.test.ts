/**
 * The QR reader against the sheets as a scanner gives them back: the separator sheet and a registry label
 * (stuck on a letter's first page) are drawn from their PDFs at 150 dpi, then made to look scanned (tilted,
 * turned, blurred, JPEG-smudged, on grey and speckled paper, and all of those at once), and each code must
 * come back exactly. A letter with no code, and one with a code of its own (a link), give no separator and
 * no label.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { renderArabicScan } from '../../scripts/fixtures/arabicScan';
import { labelCode, parseSheetCode, SEPARATOR_CODE } from '../intake/sheetCodes';
import { readBarcodes } from 'zxing-wasm/reader';
import { readQrCodes, readsGreyDirectly, type GreyPicture } from './barcodes';
import { renderPdfPage } from './pdfread';
import { qrModules } from './qr';
import { LABEL_GRID, labelSheetsPdf, separatorSheetPdf } from './scannerSheets';

const DPI = 150;
const AT = { createdAt: new Date('2026-03-01T09:00:00Z') };
const LABEL = { register: 'outgoing', year: 2026, seq: 4817 };
const NAMES = { nameAr: 'الصادر', nameEn: 'Outgoing', letterAr: 'ص', letterEn: 'OUT' };

let separator: Buffer;
/** A letter's first page with the label stuck at its top left. */
let labelled: Buffer;

async function pdfPage(pdf: Buffer): Promise<Buffer> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-sheets-')), 'sheet.pdf');
  fs.writeFileSync(file, pdf);
  return renderPdfPage(file, 0, { dpi: DPI, maxPagePixels: 100_000_000 });
}

beforeAll(async () => {
  separator = await pdfPage(await separatorSheetPdf(AT));
  const labels = await pdfPage(await labelSheetsPdf([LABEL], NAMES, AT));
  // The first label cut out of its sheet, as the sticker peeled off it.
  const px = (pt: number) => Math.round((pt * DPI) / 72);
  const top = px((297 * 72) / 25.4 / 2 - (LABEL_GRID.rows * LABEL_GRID.height) / 2);
  const sticker = await sharp(labels)
    .extract({ left: 0, top, width: px(LABEL_GRID.width), height: px(LABEL_GRID.height) })
    .toBuffer();
  const letter = await renderArabicScan(['وزارة المالية', 'الموضوع: طلب اعتماد الموازنة'], {
    width: 1240,
    height: 1754,
    seed: 5,
  });
  labelled = await sharp(letter)
    .composite([{ input: sticker, top: 60, left: 70 }])
    .png()
    .toBuffer();
}, 60_000);

/** Grey, one byte a pixel, as the reader takes it. */
async function grey(image: sharp.Sharp): Promise<GreyPicture> {
  const { data, info } = await image.greyscale().raw().toBuffer({ resolveWithObject: true });
  return { grey: data, width: info.width, height: info.height };
}

/** Grey paper with speckles: contrast lowered, deterministic noise added. */
async function greyedAndSpeckled(png: Buffer): Promise<Buffer> {
  const g = await grey(sharp(png));
  // Clamped bytes; xorshift kept to 32-bit integers (fast).
  const out = new Uint8ClampedArray(g.grey.length);
  let x = 0x2545f491;
  for (let i = 0; i < out.length; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    out[i] = 70 + g.grey[i]! * 0.6 + ((x & 63) - 32);
  }
  return sharp(Buffer.from(out.buffer), { raw: { width: g.width, height: g.height, channels: 1 } })
    .png()
    .toBuffer();
}

const WHITE = { r: 255, g: 255, b: 255 };

/** The ways a page comes back from a scanner, each made from the page's PNG. */
const SCANS: Array<[string, (png: Buffer) => Promise<sharp.Sharp>]> = [
  ['as printed', async (png) => sharp(png)],
  ['tilted 3°', async (png) => sharp(png).rotate(3, { background: WHITE })],
  ['turned 90°', async (png) => sharp(png).rotate(90)],
  ['upside down', async (png) => sharp(png).rotate(180)],
  ['blurred (sigma 1.5)', async (png) => sharp(png).blur(1.5)],
  ['JPEG quality 30', async (png) => sharp(await sharp(png).jpeg({ quality: 30 }).toBuffer())],
  [
    'grey speckled paper',
    async (png) =>
      sharp(
        await sharp(await greyedAndSpeckled(png))
          .jpeg({ quality: 50 })
          .toBuffer(),
      ),
  ],
  [
    'all at once',
    async (png) => {
      const tilted = await sharp(png).rotate(-2.5, { background: WHITE }).blur(1.2).png().toBuffer();
      return sharp(
        await sharp(await greyedAndSpeckled(tilted))
          .jpeg({ quality: 30 })
          .toBuffer(),
      );
    },
  ],
];

/** What the codes read on a picture say. */
async function sheetCodes(image: sharp.Sharp) {
  return (await readQrCodes(await grey(image))).map(parseSheetCode);
}

test.each(SCANS)('the separator sheet is read %s', async (how, scan) => {
  const codes = await sheetCodes(await scan(separator));
  // Both copies of the code (one is enough to split a stack, where a scan spoils the other).
  expect(codes).toEqual(
    how === 'as printed' ? [{ kind: 'separator' }, { kind: 'separator' }] : expect.arrayContaining([{ kind: 'separator' }]),
  );
  expect(codes.every((c) => c.kind === 'separator')).toBe(true);
});

test.each(SCANS)("a label on a letter's first page is read %s", async (_, scan) => {
  const texts = await readQrCodes(await grey(await scan(labelled)));
  expect(texts).toEqual([labelCode(LABEL)]);
  expect(parseSheetCode(texts[0]!)).toEqual({ kind: 'label', ref: LABEL });
});

test('a letter with no code, and one with a code of its own, give no separator and no label', async () => {
  const plain = await renderArabicScan(['تعميم بشأن ساعات الدوام'], { width: 1240, height: 1754, seed: 9 });
  expect(await sheetCodes(sharp(plain))).toEqual([]);

  const link = 'https://portal.example.gov/letters/2026/4817';
  const modules = qrModules(link);
  const cell = 6;
  const squares = modules.flatMap((row, r) =>
    row.flatMap((dark, c) =>
      dark ? [`<rect x="${(c + 4) * cell}" y="${(r + 4) * cell}" width="${cell}" height="${cell}"/>`] : [],
    ),
  );
  const side = (modules.length + 8) * cell;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${side}" height="${side}"><rect width="${side}" height="${side}" fill="white"/>${squares.join('')}</svg>`;
  const withLink = sharp(plain).composite([{ input: Buffer.from(svg), top: 1400, left: 100 }]);
  const read = await readQrCodes(await grey(sharp(await withLink.png().toBuffer())));
  expect(read).toEqual([link]);
  expect(read.map(parseSheetCode)).toEqual([{ kind: 'other' }]);
  // Codes that look like the registry's but are not: other.
  for (const t of [
    'DIWAN:SEPARATOR:2',
    'DIWAN:LABEL:',
    'DIWAN:LABEL:2026/0',
    'DIWAN:LABEL:Outgoing/2026/1',
    'x DIWAN:SEPARATOR:1',
  ]) {
    expect(parseSheetCode(t)).toEqual({ kind: 'other' });
  }
  expect(parseSheetCode(` ${SEPARATOR_CODE}\n`)).toEqual({ kind: 'separator' });
});

test("the grey bytes go to the reader as they are, and it finds what the package's own RGBA call finds", async () => {
  expect(await readsGreyDirectly()).toBe(true);
  for (const [, scan] of SCANS) {
    for (const page of [separator, labelled]) {
      const g = await grey(await scan(page));
      const rgba = new Uint8ClampedArray(g.grey.length * 4);
      for (let i = 0; i < g.grey.length; i++) {
        rgba.fill(g.grey[i]!, 4 * i, 4 * i + 3);
        rgba[4 * i + 3] = 255;
      }
      const own = await readBarcodes(
        { data: rgba, width: g.width, height: g.height, colorSpace: 'srgb' } as unknown as Parameters<typeof readBarcodes>[0],
        {
          formats: ['QRCode'],
          tryHarder: true,
          tryRotate: true,
          tryInvert: false,
          maxNumberOfSymbols: 8,
        },
      );
      expect(await readQrCodes(g)).toEqual(own.filter((b) => b.isValid).map((b) => b.text));
    }
  }
}, 120_000);
