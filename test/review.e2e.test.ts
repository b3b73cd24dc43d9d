/**
 * A page the engine cannot read is flagged "needs review", so a clerk can
 * rescan it; a clean page is not. The list of documents can be filtered to those.
 */
import sharp from 'sharp';
import { renderArabicScan } from '../scripts/fixtures/arabicScan';
import { startTestServer, type TestServer } from './helpers';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.stop();
});

test('an unreadable page is flagged for review and listed; a clean one is not', async () => {
  // Blotches and scratches, no letters: nothing to read.
  const blots = Array.from(
    { length: 40 },
    (_, i) => `<circle cx="${(i * 137) % 1000}" cy="${(i * 71) % 700}" r="${6 + (i % 9)}" fill="#333"/>`,
  );
  const unreadable = await sharp(
    Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="700"><rect width="1000" height="700" fill="#eee"/>${blots.join('')}</svg>`,
    ),
  )
    .jpeg()
    .toBuffer();
  const clean = await renderArabicScan(['كتاب واضح', 'بشأن المراسلات'], { seed: 61, width: 1000, height: 700 });

  const a = (await (await server.upload(unreadable, 'بقع.jpg')).json()) as { id: string };
  const b = (await (await server.upload(clean, 'واضح.jpg')).json()) as { id: string };
  const bad = (await server.waitFor(a.id)) as unknown as { needsReview: boolean; pages: Array<{ needsReview: boolean }> };
  const good = (await server.waitFor(b.id)) as unknown as { needsReview: boolean; pages: Array<{ needsReview: boolean }> };
  expect(bad.needsReview).toBe(true);
  expect(bad.pages[0]!.needsReview).toBe(true);
  expect(good.needsReview).toBe(false);

  const listed = (await (await server.api('/api/v1/documents?needsReview=true')).json()) as {
    total: number;
    items: Array<{ id: string }>;
  };
  expect(listed.items.map((d) => d.id)).toEqual([a.id]);
  const all = (await (await server.api('/api/v1/documents')).json()) as { total: number };
  expect(all.total).toBe(2);
});
