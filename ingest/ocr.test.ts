import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { normalizeArabic } from '../search/normalize';
import { normalisePage, prepareForOcr } from './images';
import { createOcrEngine } from './ocr';

const limits = { maxPagePixels: 100_000_000, maxPages: 10 };

test('the pool reads known words, and replaces a worker after its page budget without losing a page', async () => {
  const engine = await createOcrEngine({
    cacheDir: process.env.DIWAN_CACHE_DIR!,
    langs: ['ara', 'eng'],
    workers: 1,
    recycleAfterPages: 1,
  });
  try {
    const lines = [
      ['وزارة العمل', 'تعميم بشأن ساعات الدوام'],
      ['ديوان المحاسبة', 'طلب إجازة سنوية'],
    ];
    for (const [i, l] of lines.entries()) {
      const scan = await renderArabicScan(l, { seed: 50 + i, width: 1000, height: 700 });
      const page = await normalisePage(scan, 200, limits);
      const result = await engine.recognize(await prepareForOcr(page.png));
      const text = normalizeArabic(result.text);
      for (const line of l) for (const word of normalizeArabic(line).split(' ')) expect(text).toContain(word);
      expect(result.words.length).toBeGreaterThanOrEqual(4);
      expect(result.confidence).toBeGreaterThan(70);
    }
    expect(engine.stats()).toMatchObject({ pages: 2, recycled: 2, timeouts: 0, workers: 1 });
  } finally {
    await engine.close();
  }
});
