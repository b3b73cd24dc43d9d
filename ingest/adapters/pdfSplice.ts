/**
 * Writes a PDF to a file with each image's data spliced in where its marker
 * stands (pdfImages.ts): the PDF as built holds only markers, so it is small,
 * and each image's bytes are streamed from its file. The stream's /Length and
 * the cross-reference table are put right for the bytes written; the file's
 * SHA-256 is computed on the way.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';

/** One image's data, waiting in `file` (`length` bytes), to stand where `marker` is. */
export interface Deferred {
  marker: Buffer;
  file: string;
  length: number;
}

interface Edit {
  at: number;
  /** Bytes of the built PDF replaced. */
  removes: number;
  /** What stands there instead: bytes, or a file's contents. */
  with: Buffer | { file: string; length: number };
}

/** The bytes an edit puts in place. */
const size = (e: Edit) => e.with.length;

/** The edits for one image: its stream's /Length, then its marker. */
function editsFor(pdf: Buffer, d: Deferred): Edit[] {
  const at = pdf.indexOf(d.marker);
  if (at < 0 || pdf.indexOf(d.marker, at + 1) >= 0) throw new Error('image marker not found once in the PDF');
  const lengthKey = Buffer.from(`/Length ${d.marker.length}`, 'latin1');
  const lengthAt = pdf.lastIndexOf(lengthKey, at);
  const objectAt = pdf.lastIndexOf(Buffer.from(' obj', 'latin1'), at);
  if (lengthAt < objectAt || lengthAt < 0) throw new Error("image stream's /Length not found");
  return [
    { at: lengthAt, removes: lengthKey.length, with: Buffer.from(`/Length ${d.length}`, 'latin1') },
    { at, removes: d.marker.length, with: { file: d.file, length: d.length } },
  ];
}

/** The cross-reference table at `xrefAt`, its offsets moved by the edits before each. */
function movedXref(pdf: Buffer, xrefAt: number, shift: (offset: number) => number): { text: Buffer; end: number } {
  const trailerAt = pdf.indexOf(Buffer.from('trailer', 'latin1'), xrefAt);
  if (trailerAt < 0) throw new Error('no trailer after the cross-reference table');
  const table = pdf.toString('latin1', xrefAt, trailerAt);
  const moved = table.replace(
    /^(\d{10}) (\d{5}) n/gm,
    (_m, offset: string, gen: string) => `${String(shift(Number(offset))).padStart(10, '0')} ${gen} n`,
  );
  return { text: Buffer.from(moved, 'latin1'), end: trailerAt };
}

/** Writes `pdf` with `deferred` spliced in to `out`; returns the written file's SHA-256 and size. */
export async function writeSpliced(pdf: Buffer, deferred: Deferred[], out: string): Promise<{ sha256: string; size: number }> {
  const edits = deferred.flatMap((d) => editsFor(pdf, d)).sort((a, b) => a.at - b.at);
  const shift = (offset: number) => {
    let moved = offset;
    for (const e of edits) if (e.at < offset) moved += size(e) - e.removes;
    return moved;
  };
  const startxref = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(pdf.toString('latin1', Math.max(0, pdf.length - 64)));
  if (!startxref) throw new Error('no startxref at the end of the PDF');
  const xrefAt = Number(startxref[1]);
  if (edits.some((e) => e.at >= xrefAt)) throw new Error('an image marker after the cross-reference table');
  const xref = movedXref(pdf, xrefAt, shift);

  const hash = crypto.createHash('sha256');
  let written = 0;
  const stream = fs.createWriteStream(out, { mode: 0o600 });
  const write = (b: Buffer) =>
    new Promise<void>((resolve, reject) => {
      hash.update(b);
      written += b.length;
      stream.write(b, (e) => (e ? reject(e) : resolve()));
    });
  try {
    let from = 0;
    for (const e of edits) {
      await write(pdf.subarray(from, e.at));
      if (Buffer.isBuffer(e.with)) await write(e.with);
      else {
        for await (const chunk of fs.createReadStream(e.with.file)) await write(chunk as Buffer);
      }
      from = e.at + e.removes;
    }
    await write(pdf.subarray(from, xrefAt));
    await write(xref.text);
    const tail = pdf.toString('latin1', xref.end).replace(/startxref\s+\d+/, `startxref\n${shift(xrefAt)}`);
    await write(Buffer.from(tail, 'latin1'));
  } finally {
    await new Promise<void>((resolve) => stream.end(resolve));
  }
  return { sha256: hash.digest('hex'), size: written };
}
