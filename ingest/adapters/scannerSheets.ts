/**
 * The scanner room's printed sheets, as PDF (drawn like the receipt, ingest/receipt.ts):
 *
 * - the separator sheet: one A4 page put between letters of a stack before it is scanned. Two large QR codes
 *   of SEPARATOR_CODE (one can be folded, stamped over or smudged and the other still read), each 6 cm across
 *   so it survives a poor scan, and a line saying what the page is for. The stack's reader splits the stack
 *   there and does not archive the page (ingest/intake/stack.ts).
 * - sheets of registry labels: A4 sheets of the common 3 × 8 sticker stock (70 × 37 mm, 24 a sheet), each
 *   label with its registry number as a QR code (labelCode) and as people write it («و ٢٠٢٦/١٧», "IN 2026/17"),
 *   and its register's name. A letter whose first page bears one is registered under that number.
 *
 * The same input and creation date give the same bytes.
 */
import { qrModules } from './qr';
import { sheetPdf, type SheetItem, type SheetPage } from './sheetPdf';
import { textPicture, type TextPicture, type TextStyle } from './sheetText';
import { labelCode, SEPARATOR_CODE } from '../intake/sheetCodes';
import { registryLabel, registryNo, type RegisterNames, type RegistryRef } from '../../kernel/registry';

/** Points in a millimetre. */
const MM = 72 / 25.4;
const A4 = { width: 210 * MM, height: 297 * MM };

/** The separator's codes: 6 cm across (a poor scan at 150 dpi still gives each module ten pixels). */
const SEPARATOR_QR = 60 * MM;

/** The label stock: columns, rows, a label's size, and the blank kept inside its edge. */
export const LABEL_GRID = { columns: 3, rows: 8, width: 70 * MM, height: 37 * MM, inset: 5 * MM } as const;
export const LABELS_PER_SHEET = LABEL_GRID.columns * LABEL_GRID.rows;

export interface SheetOptions {
  /** Written in the PDF as its creation date (the same sheets made twice are the same file). */
  createdAt: Date;
  /** The organisation, as the PDF's author. */
  organisation?: string;
}

/** A picture of `text` (never blank here). */
async function picture(text: string, style: TextStyle): Promise<TextPicture> {
  const p = await textPicture(text, style);
  if (!p) throw new Error(`nothing to draw for ${JSON.stringify(text)}`);
  return p;
}

/** The separator sheet: one A4 page. */
export async function separatorSheetPdf(opts: SheetOptions): Promise<Buffer> {
  const items: SheetItem[] = [];
  const margin = 20 * MM;
  const inner = A4.width - 2 * margin;
  let y = margin;
  const centred = async (text: string, style: TextStyle, after: number) => {
    const p = await picture(text, { align: 'centre', width: inner, ...style });
    items.push({ kind: 'text', picture: p, x: (A4.width - p.width) / 2, y });
    y += p.height + after;
  };
  const code = qrModules(SEPARATOR_CODE);
  const qr = (top: number) =>
    items.push({ kind: 'qr', modules: code, x: (A4.width - SEPARATOR_QR) / 2, y: top, size: SEPARATOR_QR });
  // Black bands at the head and the foot: a clerk sees the sheet in a stack at a glance.
  items.push({ kind: 'box', x: 0, y: 0, width: A4.width, height: 8 * MM, fill: 0 });
  items.push({ kind: 'box', x: 0, y: A4.height - 8 * MM, width: A4.width, height: 8 * MM, fill: 0 });

  await centred('صفحة فاصلة', { size: 30, face: 'naskh-bold' }, 0);
  await centred('Separator sheet', { size: 15, face: 'sans' }, 8 * MM);
  qr(y);
  y += SEPARATOR_QR + 8 * MM;
  await centred('صفحة فاصلة — ضعها بين الرسائل عند المسح؛ لا تُؤرشف', { size: 16, face: 'naskh' }, 2);
  await centred('Separator sheet — put it between letters when scanning; it is not archived', { size: 10.5, face: 'sans' }, 0);
  // The second code, lower on the page, clear of the first by more than a code's width of folds and stamps.
  qr(A4.height - 18 * MM - SEPARATOR_QR);

  return sheetPdf([{ ...A4, items }], {
    title: 'صفحة فاصلة · Separator sheet',
    author: opts.organisation ?? 'Diwan',
    subject: SEPARATOR_CODE,
    lang: 'ar',
    createdAt: opts.createdAt,
  });
}

/**
 * A QR code as a picture (black through a mask of its modules, `PX` pixels a module, two modules of quiet zone),
 * `size` points across. A label sheet has hundreds of codes: one image each is drawn and written many times
 * faster than the same codes as vector squares, and prints as sharp (the PDF asks for no smoothing).
 */
function qrPicture(text: string, size: number): TextPicture {
  const PX = 4;
  const QUIET = 2;
  const modules = qrModules(text);
  const side = (modules.length + 2 * QUIET) * PX;
  const alpha = Buffer.alloc(side * side);
  modules.forEach((row, r) => {
    row.forEach((dark, c) => {
      if (!dark) return;
      for (let dy = 0; dy < PX; dy++) {
        const start = ((r + QUIET) * PX + dy) * side + (c + QUIET) * PX;
        alpha.fill(255, start, start + PX);
      }
    });
  });
  // No text of its own: nothing is written invisibly over it.
  return { alpha, pixels: { width: side, height: side }, rgb: [0, 0, 0], width: size, height: size, text: '' };
}

/** One label's items, its top left corner at (x, y). */
async function labelItems(
  ref: Required<RegistryRef>,
  names: RegisterNames,
  registerName: TextPicture,
  x: number,
  y: number,
): Promise<SheetItem[]> {
  const { width, height, inset } = LABEL_GRID;
  const qrSize = height - 2 * inset;
  const right = x + width - inset;
  const textWidth = width - 2 * inset - qrSize - 3 * MM;
  const written = registryLabel(ref, names);
  const ar = await picture(written.ar, { size: 14, face: 'naskh-bold', width: textWidth, scale: 3 });
  const en = await picture(written.en, { size: 9.5, face: 'sans', width: textWidth, scale: 3 });
  const block = registerName.height + 2 + ar.height + en.height;
  let top = y + (height - block) / 2;
  const items: SheetItem[] = [{ kind: 'text', picture: qrPicture(labelCode(ref), qrSize), x: x + inset, y: y + inset }];
  for (const [p, after] of [
    [registerName, 2],
    [ar, 0],
    [en, 0],
  ] as const) {
    items.push({ kind: 'text', picture: p, x: right - p.width, y: top });
    top += p.height + after;
  }
  return items;
}

/**
 * Sheets of labels for `refs` (numbers of the register `names` describes), in order: left to right along the
 * label stock's rows as it comes off the printer, top to bottom, 24 to a sheet.
 */
export async function labelSheetsPdf(
  refs: ReadonlyArray<Required<RegistryRef>>,
  names: RegisterNames,
  opts: SheetOptions,
): Promise<Buffer> {
  if (refs.length === 0) throw new Error('no labels to draw');
  const { columns, rows, width, height } = LABEL_GRID;
  const left = (A4.width - columns * width) / 2;
  const top = (A4.height - rows * height) / 2;
  const registerName = await picture(names.nameAr, { size: 8, face: 'naskh', colour: '#444444', width: 30 * MM, scale: 3 });
  const pages: SheetPage[] = [];
  for (let first = 0; first < refs.length; first += LABELS_PER_SHEET) {
    const items: SheetItem[] = [];
    for (const [i, ref] of refs.slice(first, first + LABELS_PER_SHEET).entries()) {
      const [row, column] = [Math.floor(i / columns), i % columns];
      items.push(...(await labelItems(ref, names, registerName, left + column * width, top + row * height)));
    }
    pages.push({ ...A4, items });
  }
  const span = `${registryNo(refs[0]!)} – ${registryNo(refs.at(-1)!)}`;
  return sheetPdf(pages, {
    title: `ملصقات أرقام القيد · Registry labels ${span}`,
    author: opts.organisation ?? 'Diwan',
    subject: span,
    lang: 'ar',
    createdAt: opts.createdAt,
  });
}
