/**
 * What a scanned page shows: a blank back with what scanners leave on it is blank, a page with one short line
 * is not; a label's and a separator's codes are read from rotated, blurred, JPEG-compressed pages.
 */
import sharp from 'sharp';
import { blankBack, letterPage, separatorPage } from '../../scripts/fixtures/stackScans';
import type { GreyPicture } from '../adapters/barcodes';
import { BLANK_INK, inkShare, isBlank } from './blankPage';
import { lookAt } from './stackPages';

async function grey(jpeg: Buffer): Promise<GreyPicture> {
  const { data, info } = await sharp(jpeg).greyscale().raw().toBuffer({ resolveWithObject: true });
  return { grey: data, width: info.width, height: info.height };
}

const FRONT = ['وزارة العمل', 'قرار إداري بشأن تنظيم الأرشيف الإلكتروني', 'يعتمد الديوان حفظ المراسلات الواردة والصادرة'];

test('a blank back with grain, specks, a shadowed edge, punch holes and the other side showing through is blank', async () => {
  for (const page of [await blankBack({ seed: 1 }), await blankBack({ seed: 2, showThrough: FRONT })]) {
    const g = await grey(page);
    expect(inkShare(g)).toBeLessThan(BLANK_INK / 4);
    expect(await lookAt(g)).toEqual({ separator: false, label: null, blank: true });
  }
});

test('a page with one short line of text, or a single word, is not blank', async () => {
  for (const line of ['مع التحية', 'مرفق']) {
    const g = await grey(await letterPage([line], { seed: 3 }));
    expect(inkShare(g)).toBeGreaterThan(BLANK_INK * 2);
    expect(isBlank(g)).toBe(false);
  }
});

test("a label on a letter's first page and a separator sheet are read from scanned-looking pages", async () => {
  const letter = await letterPage(FRONT, { seed: 5, label: 'DIWAN:LABEL:outgoing/2026/000042', tilt: -1.5 });
  expect(await lookAt(await grey(letter))).toEqual({
    separator: false,
    label: { register: 'outgoing', year: 2026, seq: 42 },
    blank: false,
  });
  // Upside down, as a sheet fed the wrong way round.
  const separator = await sharp(await separatorPage({ seed: 6 }))
    .rotate(180)
    .jpeg({ quality: 40 })
    .toBuffer();
  expect(await lookAt(await grey(separator))).toEqual({ separator: true, label: null, blank: false });
  // A foreign QR code (a sender's own link) is neither.
  const foreign = await letterPage(FRONT, { seed: 7, label: 'https://example.org/letters/17' });
  expect(await lookAt(await grey(foreign))).toEqual({ separator: false, label: null, blank: false });
});
