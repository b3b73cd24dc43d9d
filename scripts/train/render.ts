/**
 * Renders one text line as a lightly degraded greyscale line image, the
 * shape Tesseract's line trainer and `--psm 7` recognition expect: the line
 * on plain paper with a small margin, at a random size, then a slight tilt,
 * scanner blur, grain and a JPEG round trip, all drawn from a seeded source.
 *
 * Text goes through sharp's Pango renderer, which shapes Arabic and applies
 * the bidirectional algorithm itself; the paragraph direction comes from the
 * first strong character, which the generated lines make Arabic.
 */
import sharp from 'sharp';
import { type Face, faceFile } from './faces';
import type { Random } from './random';

/** Rendered line: a greyscale PNG marked with its resolution. */
export interface LineImage {
  png: Buffer;
  width: number;
  height: number;
}

export interface RenderOptions {
  /** A second face Pango may use for characters the first lacks (it must cover them). */
  fallback?: Face;
}

function escapeMarkup(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Renders `text` in `face` and degrades it with draws from `r`. */
export async function renderLine(text: string, face: Face, r: Random, opts: RenderOptions = {}): Promise<LineImage> {
  const file = faceFile(face);
  if (!file) throw new Error(`${face.family} is not installed`);
  const dpi = r.pick([200, 240, 300]);
  const size = r.int(10, 15);
  const ink = r.int(0, 60).toString(16).padStart(2, '0');
  const paper = r.int(225, 255);
  const families = opts.fallback && opts.fallback.family !== face.family ? `${face.family},${opts.fallback.family}` : face.family;
  const glyphs = await sharp({
    text: {
      text: `<span foreground="#${ink}${ink}${ink}">${escapeMarkup(text)}</span>`,
      font: `${families} ${size}`,
      fontfile: file,
      rgba: true,
      dpi,
    },
  })
    .png()
    .toBuffer({ resolveWithObject: true });
  const mx = r.int(12, 40);
  const my = r.int(8, 24);
  const width = glyphs.info.width + 2 * mx;
  const height = glyphs.info.height + 2 * my;
  const background = { r: paper, g: paper, b: paper };
  let img = sharp(
    await sharp({ create: { width, height, channels: 3, background } })
      .composite([{ input: glyphs.data, left: mx, top: my }])
      .png({ compressionLevel: 1 })
      .toBuffer(),
  );
  const tilt = r.range(-0.8, 0.8);
  if (Math.abs(tilt) > 0.1) img = img.rotate(tilt, { background });
  const blur = r.chance(0.7) ? r.range(0.3, 1.1) : 0;
  if (blur >= 0.3) img = img.blur(blur);
  const raw = await img.greyscale().raw().toBuffer({ resolveWithObject: true });
  addGrain(raw.data, r.range(0, 9), r);
  const jpeg = await sharp(raw.data, { raw: { width: raw.info.width, height: raw.info.height, channels: 1 } })
    .jpeg({ quality: r.int(55, 92) })
    .toBuffer();
  const png = await sharp(jpeg).greyscale().withMetadata({ density: dpi }).png().toBuffer();
  return { png, width: raw.info.width, height: raw.info.height };
}

/** Gaussian grain of standard deviation `sigma` grey levels, in place. */
function addGrain(px: Buffer, sigma: number, r: Random): void {
  if (sigma < 0.5) return;
  for (let i = 0; i < px.length; i++) {
    const v = (px[i] as number) + sigma * r.gauss();
    px[i] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
  }
}
