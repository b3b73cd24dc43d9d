/**
 * The font of the archive PDF's invisible text: a TrueType font made here, in
 * memory, with one empty glyph (no outline) for every character the text layer
 * may write: Arabic and its presentation forms, Latin, digits of both systems,
 * punctuation. Text drawn in it is never seen, only found and copied, so it
 * needs a character for each glyph (for the PDF's ToUnicode map) and nothing
 * to draw. A real face, subset, carried its outlines into every PDF (hundreds
 * of kilobytes) and, cut by the subsetter, outlines that mupdf and FreeType
 * reported as invalid.
 *
 * The same font carries the right-to-left mark (U+200F) the layer writes for
 * poppler (textLayerLine.ts withMarks): pdf-lib's embedding (fontkit's layout)
 * turns a default-ignorable character into a space, so the mark is drawn in a
 * font resource of its own (textLayer.ts markFont) whose ToUnicode map names it.
 */

/** The characters covered, as inclusive code point ranges. */
const RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x0020, 0x007e], // Basic Latin
  [0x00a0, 0x00ff], // Latin-1 supplement
  [0x0600, 0x06ff], // Arabic
  [0x0750, 0x077f], // Arabic supplement
  [0x2000, 0x206f], // General punctuation (dashes, quotes, bidi marks)
  [0x20ac, 0x20ac], // Euro sign
  [0xfb50, 0xfdff], // Arabic presentation forms A
  [0xfe70, 0xfefe], // Arabic presentation forms B
];

const UNITS_PER_EM = 1000;
const ADVANCE = 500;
const ASCENT = 800;
const DESCENT = -200;
const NAME = 'DiwanTextLayer';

/** A big-endian byte writer. */
class Out {
  private readonly parts: Buffer[] = [];
  u8(v: number): this {
    return this.put(1, (b) => b.writeUInt8(v & 0xff));
  }
  u16(v: number): this {
    return this.put(2, (b) => b.writeUInt16BE(v & 0xffff));
  }
  i16(v: number): this {
    return this.put(2, (b) => b.writeInt16BE(v));
  }
  u32(v: number): this {
    return this.put(4, (b) => b.writeUInt32BE(v >>> 0));
  }
  bytes(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
  zeros(n: number): this {
    return this.bytes(Buffer.alloc(n));
  }
  buffer(): Buffer {
    return Buffer.concat(this.parts);
  }
  private put(n: number, write: (b: Buffer) => void): this {
    const b = Buffer.alloc(n);
    write(b);
    this.parts.push(b);
    return this;
  }
}

/** Glyph 0 is .notdef; each covered character gets the next glyph, range after range. */
const GLYPHS = 1 + RANGES.reduce((n, [a, b]) => n + b - a + 1, 0);

function head(): Buffer {
  return new Out()
    .u32(0x00010000)
    .u32(0x00010000) // font revision
    .u32(0) // checksum adjustment (readers do not check it)
    .u32(0x5f0f3cf5)
    .u16(0x000b)
    .u16(UNITS_PER_EM)
    .zeros(16) // created, modified
    .i16(0)
    .i16(DESCENT)
    .i16(ADVANCE)
    .i16(ASCENT)
    .u16(0) // mac style
    .u16(8) // smallest readable size
    .i16(2)
    .i16(1) // long loca offsets
    .i16(0)
    .buffer();
}

function hhea(): Buffer {
  return new Out()
    .u32(0x00010000)
    .i16(ASCENT)
    .i16(DESCENT)
    .i16(0)
    .u16(ADVANCE)
    .i16(0)
    .i16(0)
    .i16(ADVANCE)
    .i16(1)
    .i16(0)
    .i16(0)
    .zeros(8)
    .i16(0)
    .u16(GLYPHS)
    .buffer();
}

function maxp(): Buffer {
  return new Out().u32(0x00010000).u16(GLYPHS).u16(0).u16(0).u16(0).u16(0).u16(2).zeros(16).buffer();
}

function hmtx(): Buffer {
  const out = new Out();
  for (let g = 0; g < GLYPHS; g++) out.u16(ADVANCE).i16(0);
  return out.buffer();
}

/** Every glyph empty: all offsets zero. */
function loca(): Buffer {
  return Buffer.alloc(4 * (GLYPHS + 1));
}

/** Format 4, one segment per range, each mapping its characters to consecutive glyphs by a delta. */
function cmap(): Buffer {
  const segments = [...RANGES.map(([a, b]) => [a, b] as const), [0xffff, 0xffff] as const];
  const deltas: number[] = [];
  let glyph = 1;
  for (const [a, b] of RANGES) {
    deltas.push((glyph - a + 0x10000) % 0x10000);
    glyph += b - a + 1;
  }
  deltas.push(1);
  const n = segments.length;
  const search = 2 ** Math.floor(Math.log2(n));
  const sub = new Out()
    .u16(4)
    .u16(16 + 8 * n)
    .u16(0)
    .u16(2 * n)
    .u16(2 * search)
    .u16(Math.log2(search))
    .u16(2 * n - 2 * search);
  for (const [, b] of segments) sub.u16(b);
  sub.u16(0);
  for (const [a] of segments) sub.u16(a);
  for (const d of deltas) sub.u16(d);
  for (let i = 0; i < n; i++) sub.u16(0);
  return new Out().u16(0).u16(1).u16(3).u16(1).u32(12).bytes(sub.buffer()).buffer();
}

function post(): Buffer {
  return new Out().u32(0x00030000).u32(0).i16(-100).i16(50).u32(0).zeros(16).buffer();
}

function os2(): Buffer {
  return new Out()
    .u16(4)
    .i16(ADVANCE)
    .u16(400)
    .u16(5)
    .u16(0) // installable: may be embedded
    .zeros(16) // sub- and superscript sizes and offsets
    .zeros(4) // strikeout
    .i16(0)
    .zeros(10) // panose
    .zeros(16) // unicode ranges
    .bytes(Buffer.from('DIWN', 'latin1'))
    .u16(0x40)
    .u16(0x20)
    .u16(0xfefe)
    .i16(ASCENT)
    .i16(DESCENT)
    .i16(0)
    .u16(ASCENT)
    .u16(-DESCENT)
    .zeros(8) // code page ranges
    .i16(500)
    .i16(700)
    .u16(0)
    .u16(0x20)
    .u16(0)
    .buffer();
}

function name(): Buffer {
  const records: Array<[number, string]> = [
    [1, NAME],
    [2, 'Regular'],
    [4, NAME],
    [6, NAME],
  ];
  const strings = records.map(([, s]) => Buffer.from(s, 'utf16le').swap16());
  const out = new Out()
    .u16(0)
    .u16(records.length)
    .u16(6 + 12 * records.length);
  let offset = 0;
  records.forEach(([id], i) => {
    out.u16(3).u16(1).u16(0x409).u16(id).u16(strings[i]!.length).u16(offset);
    offset += strings[i]!.length;
  });
  for (const s of strings) out.bytes(s);
  return out.buffer();
}

let made: Buffer | undefined;

/** The font's bytes (made once). */
export function textLayerFont(): Buffer {
  if (made) return made;
  const tables: Array<[string, Buffer]> = [
    ['OS/2', os2()],
    ['cmap', cmap()],
    ['glyf', Buffer.alloc(4)],
    ['head', head()],
    ['hhea', hhea()],
    ['hmtx', hmtx()],
    ['loca', loca()],
    ['maxp', maxp()],
    ['name', name()],
    ['post', post()],
  ];
  const search = 2 ** Math.floor(Math.log2(tables.length));
  const dir = new Out()
    .u32(0x00010000)
    .u16(tables.length)
    .u16(16 * search)
    .u16(Math.log2(search))
    .u16(16 * tables.length - 16 * search);
  let offset = 12 + 16 * tables.length;
  const body = new Out();
  for (const [tag, data] of tables) {
    const padded = Buffer.concat([data, Buffer.alloc((4 - (data.length % 4)) % 4)]);
    let sum = 0;
    for (let i = 0; i < padded.length; i += 4) sum = (sum + padded.readUInt32BE(i)) >>> 0;
    dir.bytes(Buffer.from(tag, 'latin1')).u32(sum).u32(offset).u32(data.length);
    body.bytes(padded);
    offset += padded.length;
  }
  made = Buffer.concat([dir.buffer(), body.buffer()]);
  return made;
}

/** The glyph of a covered character (1 + its place in RANGES), undefined when it is not covered. */
function glyphOf(code: number): number | undefined {
  let glyph = 1;
  for (const [a, b] of RANGES) {
    if (code >= a && code <= b) return glyph + code - a;
    glyph += b - a + 1;
  }
  return undefined;
}

/** The right-to-left mark's glyph, as a two-byte code in hexadecimal (the marks' font is Identity-H). */
export const MARK_GLYPH = (glyphOf(0x200f) ?? 0).toString(16).toUpperCase().padStart(4, '0');

/** The font's metrics (every glyph alike), for a font dictionary that carries it. */
export const TEXT_FONT_METRICS = { advance: ADVANCE, ascent: ASCENT, descent: DESCENT } as const;
