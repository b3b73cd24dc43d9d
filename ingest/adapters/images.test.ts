import sharp from 'sharp';
import { renderArabicScan } from '../../scripts/fixtures/arabicScan';
import { normalisePage, pagePng } from './images';
import { boxOnPage, inkPng, measureSkew, prepareForOcr, prepareForOcrWithGeometry } from './ocrImage';

test('OCR input: grain and a grey shadow vanish, ink stays, only black and white remain', async () => {
  const width = 600;
  const height = 400;
  // Paper darkening from left (white) to right (grey), sparse specks, and one block of ink.
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="g"><stop offset="0" stop-color="#f4f4f4"/><stop offset="1" stop-color="#9a9a9a"/></linearGradient></defs>
    <rect width="${width}" height="${height}" fill="url(#g)"/>
    <rect x="420" y="150" width="120" height="40" fill="#202020"/>
    <rect x="100" y="100" width="1" height="1" fill="#555"/><rect x="300" y="300" width="1" height="1" fill="#555"/>
  </svg>`;
  const page = await sharp(Buffer.from(svg)).greyscale().png().toBuffer();
  const { data, ...info } = await prepareForOcr(page);
  expect([info.width, info.height]).toEqual([width, height]);
  const at = (x: number, y: number) => data[y * info.width + x]!;
  expect(new Set(data).size).toBeLessThanOrEqual(2);
  expect(at(480, 170)).toBe(0); // ink in the shadowed part stays black
  expect(at(560, 350)).toBe(255); // the grey paper under the shadow is white
  expect(at(20, 20)).toBe(255);
  expect(at(100, 100)).toBe(255); // a speck is gone
});

test('a page scanned 4° askew comes out level for the recogniser', async () => {
  const lines = ['وزارة العمل', 'تعميم بشأن ساعات الدوام الرسمي', 'يعتمد الديوان حفظ المراسلات'];
  const tilted = await normalisePage(await renderArabicScan(lines, { seed: 5, tilt: 4 }), 200, {
    maxPagePixels: 1e8,
    maxPages: 1,
  });
  const level = await normalisePage(await renderArabicScan(lines, { seed: 5, tilt: 0 }), 200, {
    maxPagePixels: 1e8,
    maxPages: 1,
  });
  const before = await measureSkew(
    await sharp(await pagePng(tilted))
      .threshold(128)
      .png()
      .toBuffer(),
  );
  expect(Math.abs(before)).toBeGreaterThan(3);
  expect(Math.abs(await measureSkew(await prepareForOcr(tilted)))).toBeLessThan(0.3);
  expect(Math.abs(await measureSkew(await prepareForOcr(level)))).toBeLessThan(0.3);
});

test('OCR input: a page darkening towards the bottom keeps white paper and only its ink black', async () => {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="800">
    <defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#f4f4f4"/><stop offset="1" stop-color="#777"/></linearGradient></defs>
    <rect width="600" height="800" fill="url(#g)"/><rect x="100" y="700" width="200" height="30" fill="#111"/></svg>`;
  const { data } = await prepareForOcr(await sharp(Buffer.from(svg)).png().toBuffer());
  const black = data.reduce((n, v) => n + (v < 128 ? 1 : 0), 0);
  expect(black / data.length).toBeCloseTo((200 * 30) / (600 * 800), 3);
});

test("word boxes found on the straightened image land back on the scan's own pixels", async () => {
  // Text-like bars, and one square far from them whose place we follow.
  const bars = Array.from(
    { length: 8 },
    (_, i) => `<rect x="150" y="${120 + i * 60}" width="900" height="22" fill="#111"/>`,
  ).join('');
  const level = `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="900"><rect width="1200" height="900" fill="#fff"/>${bars}<rect x="1000" y="760" width="30" height="30" fill="#000"/></svg>`;
  const scan = await sharp(Buffer.from(level))
    .rotate(3, { background: '#ffffff' })
    .flatten({ background: '#ffffff' })
    .png()
    .toBuffer();
  const input = await prepareForOcrWithGeometry(scan);
  expect(Math.abs(input.turned + 3)).toBeLessThan(0.3);

  /** Centre of the ink inside a window of a greyscale image. */
  const inkCentre = async (png: Buffer, win: [number, number, number, number]) => {
    const { data, info } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
    const px = new Uint8Array(data.buffer, data.byteOffset, data.length);
    let sx = 0;
    let sy = 0;
    let n = 0;
    for (let y = win[1]; y < win[3]; y++)
      for (let x = win[0]; x < win[2]; x++)
        if (px[y * info.width + x]! < 128) {
          sx += x;
          sy += y;
          n++;
        }
    return [sx / n, sy / n] as const;
  };
  const onScan = await inkCentre(scan, [900, 700, 1150, 900]);
  const onTurned = await inkCentre(await inkPng(input.ink), [
    900,
    700,
    Math.min(1150, input.turnedWidth),
    Math.min(900, input.turnedHeight),
  ]);
  const [x0, y0, x1, y1] = boxOnPage([onTurned[0] - 15, onTurned[1] - 15, onTurned[0] + 15, onTurned[1] + 15], input);
  expect(Math.abs((x0 + x1) / 2 - onScan[0])).toBeLessThan(3);
  expect(Math.abs((y0 + y1) / 2 - onScan[1])).toBeLessThan(3);
});

test('OCR input: a grainy page with little, faint text keeps its text as ink and its grain as paper', async () => {
  const width = 1240;
  const height = 1754;
  const text = await sharp({
    text: {
      text: '<span foreground="#606060">وزارة التربية والتعليم\nرقم القيد ٢٠٢٤/٣٣٠\nالموضوع معادلة الشهادة\nقرار رقم 318/2017</span>',
      dpi: 150,
      font: 'sans 12',
      rgba: true,
    },
  })
    .png()
    .toBuffer({ resolveWithObject: true });
  const box = { top: 120, left: width - 120 - text.info.width, width: text.info.width, height: text.info.height };
  // Faint, slightly blurred text on grey paper, then heavy grain (σ 22 grey levels), as a poor scanner gives.
  const clean = await sharp({ create: { width, height, channels: 3, background: '#d8d8d8' } })
    .composite([{ input: text.data, top: box.top, left: box.left }])
    .blur(1.3)
    .greyscale()
    .raw()
    .toBuffer();
  let seed = 7;
  const uniform = () => ((seed = (seed * 1103515245 + 12345) >>> 0) + 1) / 4294967297;
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  for (let i = 0; i < clean.length; i++) clean[i] = Math.max(0, Math.min(255, Math.round(clean[i]! + 22 * normal())));
  const page = await sharp(clean, { raw: { width, height, channels: 1 } })
    .jpeg({ quality: 35 })
    .toBuffer();
  const { data } = await prepareForOcr(page);
  let ink = 0;
  let inkInText = 0;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      if (data[y * width + x]! >= 128) continue;
      ink++;
      if (y >= box.top && y < box.top + box.height && x >= box.left && x < box.left + box.width) inkInText++;
    }
  expect(ink / data.length).toBeLessThan(0.02); // not the grain itself taken for ink
  expect(inkInText / ink).toBeGreaterThan(0.9); // what is ink is the text
  expect(inkInText).toBeGreaterThan(1500);
});
