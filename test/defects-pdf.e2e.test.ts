/**
 * #5: the archive PDF of a long bilevel scan is composed page by page, its
 * pictures streamed to the file instead of held: memory does not grow with the
 * document's pixels, and a bilevel page stays one bit a pixel in the PDF.
 * Measured in a child process (the compose adapter from dist/, as a worker runs it).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { multiPageTiff } from '../scripts/fixtures/multiPageTiff';

jest.setTimeout(300_000);

const DIST = path.resolve(__dirname, '..', 'dist');
let dir: string;
let tiff: string;

/** Composes `pages` pages of the TIFF into a PDF; the child's peak memory over its own start, and the PDF. */
function compose(pages: number): { peakMB: number; out: string } {
  const out = path.join(dir, `archive-${pages}.pdf`);
  const script = `
    const { archiveImage } = require(${JSON.stringify(path.join(DIST, 'ingest/adapters/images.js'))});
    const { renderFooter, renderStamp, srgbIccProfile } = require(${JSON.stringify(path.join(DIST, 'ingest/adapters/stampImage.js'))});
    const { writeArchivePdf } = require(${JSON.stringify(path.join(DIST, 'ingest/adapters/pdf.js'))});
    (async () => {
      const stamp = await renderStamp(['الديوان', 'رقم القيد: ١'], { widthPt: 220, emphasise: 1 });
      const info = { title: 't', registryNo: '2026/000001', registeredAt: new Date(0), originalSha256: 'a'.repeat(64),
        organisation: 'o', verifyUrl: 'http://x', iccProfile: await srgbIccProfile() };
      const limits = { maxPagePixels: 1e8, maxPages: 1000 };
      const page = (i) => async () => ({ source: await archiveImage(${JSON.stringify(tiff)}, i, 'image/tiff', 500, limits), words: [], wordsDpi: 300 });
      const footers = [];
      for (let i = 0; i < ${pages}; i++) footers.push(await renderFooter('صفحة ' + (i + 1)));
      // Warm: fonts, the profile, the libraries' own buffers, then the baseline.
      await writeArchivePdf([page(0)], { text: stamp, qr: [[true]] }, footers.slice(0, 1), info, ${JSON.stringify(out)} + '.warm');
      global.gc();
      const base = process.memoryUsage().rss;
      let peak = base;
      const t = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
      await writeArchivePdf(Array.from({ length: ${pages} }, (_, i) => page(i)), { text: stamp, qr: [[true]] }, footers, info, ${JSON.stringify(out)});
      clearInterval(t);
      process.stdout.write(JSON.stringify({ peakMB: (peak - base) / 1048576 }));
    })();`;
  const run = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (run.status !== 0) throw new Error(run.stderr);
  return { ...(JSON.parse(run.stdout) as { peakMB: number }), out };
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-pdf-memory-'));
  // A dense page of text, scanned bilevel (fax-like, Group 4), 500 times over.
  const lines = Array.from({ length: 16 }, (_, i) => `السطر ${i + 1}: كتاب وارد من وزارة المالية بخصوص الميزانية`);
  const scan = await renderArabicScan(lines, { seed: 5 });
  const onePage = await sharp(scan)
    .greyscale()
    .threshold(128)
    .toColourspace('b-w')
    .tiff({ compression: 'ccittfax4', bitdepth: 1 })
    .toBuffer();
  tiff = path.join(dir, 'stack.tif');
  fs.writeFileSync(tiff, multiPageTiff(onePage, 500));
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const hasPoppler = spawnSync('pdfinfo', ['-v']).status === 0;

test('#5 a 500-page bilevel TIFF is composed in bounded memory, each page one bit a pixel', () => {
  const small = compose(50);
  const large = compose(500);
  // One page's pixels decoded are 3.7 MiB (1654 × 2339, 8 bits). 450 more pages may add only the
  // PDF's own structure (page objects, footers' text), well under a tenth of one page's pixels each.
  const perPage = (large.peakMB - small.peakMB) / 450;
  process.stderr.write(`#5 memory: 50 pages +${small.peakMB.toFixed(0)} MiB, 500 pages +${large.peakMB.toFixed(0)} MiB\n`);
  expect({ perPageMB: Math.round(perPage * 1000) / 1000, under: perPage < 0.25 }).toEqual(
    expect.objectContaining({ under: true }),
  );
  expect(large.peakMB).toBeLessThan(400);
  if (!hasPoppler) return;
  expect(execFileSync('pdfinfo', [large.out], { encoding: 'utf8' })).toMatch(/Pages:\s+500\n/);
  const images = execFileSync('pdfimages', ['-list', '-f', '1', '-l', '500', large.out], { encoding: 'utf8' })
    .split('\n')
    .slice(2)
    .map((l) => l.trim().split(/\s+/))
    .filter((c) => c[3] === '1654');
  expect(images).toHaveLength(500);
  // Every scan: grey, one component, one bit a pixel.
  expect(new Set(images.map((c) => `${c[5]} ${c[6]} ${c[7]}`))).toEqual(new Set(['gray 1 1']));
});
