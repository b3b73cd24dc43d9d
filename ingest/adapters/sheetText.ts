/**
 * Text for printed sheets (a receipt, a page of the registry's book) as
 * pictures shaped by Pango through sharp, like the stamp (stampImage.ts):
 * joining, right-to-left order and mixed digits are Pango's work, which a PDF
 * library drawing glyphs left to right cannot be trusted to do. A block wraps
 * at a given width; a right-to-left paragraph keeps to the right edge.
 */
import { fontFile, type FaceId } from './fonts';
import { sharp } from './sharp';
import { escapeHtml } from '../../kernel/text';

/**
 * Text as a picture: its coverage (one byte of alpha per pixel, row by row), its colour, its size on the
 * sheet in points, and the text itself (laid invisibly over it). The PDF draws the colour through the
 * coverage, so nothing under the text is hidden and no picture format is encoded and decoded again.
 */
export interface TextPicture {
  alpha: Buffer;
  pixels: { width: number; height: number };
  /** The text's colour, 0-255 for red, green and blue. */
  rgb: [number, number, number];
  width: number;
  height: number;
  text: string;
}

export interface TextStyle {
  /** Font size in points. */
  size: number;
  face?: FaceId;
  /** CSS-style colour (#rrggbb). */
  colour?: string;
  /** Wrap at this width, in points; unset: one line. */
  width?: number;
  /** Where wrapped lines sit: at the paragraph's starting edge (the right, for Arabic), or centred. */
  align?: 'start' | 'centre';
  /** Pixels per point of the picture (4: sharp when printed). */
  scale?: number;
}

/** The text drawn in `style`; null for a blank text (nothing to draw). */
export async function textPicture(text: string, style: TextStyle): Promise<TextPicture | null> {
  // Spaces run together; a line break stays one (a new line in the picture).
  const clean = text
    .replace(/[^\S\n]+/g, ' ')
    .replace(/ *\n[\s]*/g, '\n')
    .trim();
  if (clean === '') return null;
  const scale = style.scale ?? 4;
  const face = fontFile(style.face ?? 'naskh');
  const colour = /^#[0-9a-f]{6}$/i.test(style.colour ?? '') ? style.colour! : '#111111';
  const out = await sharp({
    text: {
      text: escapeHtml(clean),
      font: `${face.family} ${style.size}`,
      fontfile: face.file,
      dpi: 72 * scale,
      // Pango's "left" is the paragraph's starting edge: the right for a right-to-left paragraph.
      align: style.align === 'centre' ? 'centre' : 'left',
      ...(style.width ? { width: Math.max(1, Math.floor(style.width * scale)), wrap: 'word-char' as const } : {}),
    },
  })
    // Without rgba, the text comes as one band: how much of each pixel the glyphs cover.
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  const rgb = [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16)) as [number, number, number];
  return {
    alpha: out.data,
    pixels: { width: out.info.width, height: out.info.height },
    rgb,
    width: out.info.width / scale,
    height: out.info.height / scale,
    text: clean.replace(/\n/g, ' '),
  };
}
