/**
 * The registry stamp and the page footer as images, shaped by Pango (through
 * sharp), and the colour profile the archive PDF declares.
 */
import { fontFile } from './fonts';
import { sharp } from './sharp';
import { escapeHtml } from '../../kernel/text';

const STAMP_FONT = fontFile('amiri').file;

/**
 * The registry stamp as a PNG: Pango shapes and orders the Arabic text
 * (joining, right-to-left, digits), which a PDF library drawing glyphs left to
 * right cannot be trusted to do. Drawn at 4× so it stays sharp when printed.
 */
export async function renderStamp(
  lines: string[],
  opts: { widthPt: number; scale?: number; /** Index of a line set large and bold (the registry number). */ emphasise?: number },
): Promise<{ png: Buffer; width: number; height: number; lines: string[] }> {
  const scale = opts.scale ?? 4;
  const markup = lines
    .map((l, i) => {
      const size = i === 0 || i === opts.emphasise ? 'large' : i === lines.length - 1 ? 'small' : 'medium';
      const weight = i === opts.emphasise ? ' weight="bold"' : '';
      return `<span foreground="#8c0d0d" size="${size}"${weight}>${escapeHtml(l)}</span>`;
    })
    .join('\n');
  const text = await sharp({
    text: {
      text: markup,
      font: 'Amiri 11',
      fontfile: STAMP_FONT,
      rgba: true,
      dpi: 72 * scale,
      align: 'centre',
      spacing: 2 * scale,
    },
  })
    .png()
    .toBuffer({ resolveWithObject: true });
  const pad = 6 * scale;
  const border = Math.round(1.5 * scale);
  const width = Math.max(text.info.width + 2 * pad, Math.round(opts.widthPt * scale));
  const height = text.info.height + 2 * pad;
  const frame = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<rect x="${border / 2}" y="${border / 2}" width="${width - border}" height="${height - border}" rx="${3 * scale}" ` +
      `fill="white" stroke="#8c0d0d" stroke-width="${border}"/></svg>`,
  );
  const png = await sharp(frame)
    .composite([{ input: text.data, left: Math.round((width - text.info.width) / 2), top: pad }])
    .png()
    .toBuffer();
  return { png, width: width / scale, height: height / scale, lines };
}

/** A line of small grey text (the footer of an archive page), shaped by Pango; size in points. */
export async function renderFooter(
  text: string,
  scale = 4,
): Promise<{ png: Buffer; width: number; height: number; lines: string[] }> {
  const out = await sharp({
    text: {
      text: `<span foreground="#555555">${escapeHtml(text)}</span>`,
      font: 'Amiri 7',
      fontfile: STAMP_FONT,
      rgba: true,
      dpi: 72 * scale,
    },
  })
    // Grey on the page's white, in one channel: the PDF carries it as it is (pdfImages.ts).
    .flatten({ background: '#ffffff' })
    .toColourspace('b-w')
    .png()
    .toBuffer({ resolveWithObject: true });
  return { png: out.data, width: out.info.width / scale, height: out.info.height / scale, lines: [text] };
}

let iccOnce: Promise<Buffer> | undefined;
/** The sRGB ICC profile that comes with libvips, for the archive PDF's output intent. */
export function srgbIccProfile(): Promise<Buffer> {
  iccOnce ??= (async () => {
    const probe = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#ffffff' } })
      .withIccProfile('srgb')
      .jpeg()
      .toBuffer();
    const { icc } = await sharp(probe).metadata();
    if (!icc) throw new Error('sharp gave no sRGB profile');
    return icc;
  })();
  return iccOnce;
}
