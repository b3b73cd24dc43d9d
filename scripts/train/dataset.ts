/**
 * Builds Tesseract line-training data: for each generated line a PNG, its
 * transcription in logical order (.gt.txt), a WordStr box file holding the
 * transcription in visual order (what the line trainer compares the network's
 * left-to-right output with), and the .lstmf that `tesseract ... lstm.train`
 * makes from the image and the box file.
 *
 * Only training faces are rendered. A line is set in a face only when the
 * face, or DejaVu Sans (itself a training face) as the one allowed fallback,
 * has every glyph it needs, so Pango never falls back to another face.
 */
import fs from 'node:fs';
import path from 'node:path';
import { visualOrder } from './bidi';
import { FACE_SPLIT, type Face, assertTrainingFace, covers, faceFile } from './faces';
import { Random } from './random';
import { renderLine } from './render';
import { makeLines } from './texts';
import { DEBIAN_TESSDATA, run } from './tools';

export interface Sample {
  /** Path without extension; `.png`, `.gt.txt`, `.box` and `.lstmf` sit beside it. */
  base: string;
  text: string;
  face: string;
}

/** The characters a model's lstm-unicharset can encode (one per line after the count). */
export function unicharsetChars(unicharsetText: string): Set<string> {
  const chars = new Set<string>();
  for (const line of unicharsetText.split('\n').slice(1)) {
    const ch = line.split(' ')[0];
    if (ch) chars.add(ch);
  }
  return chars;
}

/** True when every character of `text` (other than spaces) is in the model's character set. */
export function encodable(text: string, chars: Set<string>): boolean {
  return [...text].every((c) => c === ' ' || chars.has(c));
}

/** The WordStr box file for a one-line image: the whole image is one box holding the visual-order text. */
export function wordStrBox(text: string, width: number, height: number): string {
  return `WordStr 0 0 ${width} ${height} 0 #${visualOrder(text)}\n\t ${width} 0 ${width + 1} ${height} 0\n`;
}

/** The installed training faces. */
export function trainingFaces(): Face[] {
  const faces = FACE_SPLIT.training.filter((f) => faceFile(f) !== undefined);
  faces.forEach(assertTrainingFace);
  if (faces.length === 0) throw new Error('no training face is installed');
  return faces;
}

/**
 * Renders `count` training lines into `dir` and makes their .lstmf files with
 * the `lang` model found in Debian's tessdata. Returns the samples made.
 */
export async function buildTrainingSet(opts: {
  dir: string;
  count: number;
  seed: number;
  lang: string;
  chars: Set<string>;
  log?: (msg: string) => void;
}): Promise<Sample[]> {
  fs.mkdirSync(opts.dir, { recursive: true });
  const faces = trainingFaces();
  const dejavu = faces.find((f) => f.id === 'dejavu');
  const r = new Random(opts.seed);
  const lines = makeLines(opts.count, r).filter((l) => encodable(l, opts.chars));
  const samples: Sample[] = [];
  for (const [i, text] of lines.entries()) {
    // Faces take turns; a face that cannot set the line (even with the fallback) passes it on.
    const usable = (f: Face) => [...text].every((c) => covers(f, c) || (dejavu !== undefined && covers(dejavu, c)));
    let face: Face | undefined;
    for (let k = 0; k < faces.length && !face; k++) {
      const f = faces[(i + k) % faces.length] as Face;
      if (usable(f)) face = f;
    }
    if (!face) continue;
    assertTrainingFace(face);
    const base = path.join(opts.dir, `line-${String(i).padStart(5, '0')}-${face.id}`);
    const img = await renderLine(text, face, r, { ...(dejavu ? { fallback: dejavu } : {}) });
    fs.writeFileSync(`${base}.png`, img.png);
    fs.writeFileSync(`${base}.gt.txt`, `${text}\n`);
    fs.writeFileSync(`${base}.box`, wordStrBox(text, img.width, img.height));
    run('tesseract', [`${base}.png`, base, '--tessdata-dir', DEBIAN_TESSDATA, '-l', opts.lang, '--psm', '13', 'lstm.train']);
    if (!fs.existsSync(`${base}.lstmf`)) throw new Error(`tesseract made no ${base}.lstmf`);
    samples.push({ base, text, face: face.id });
    if (opts.log && (samples.length % 50 === 0 || samples.length === lines.length)) {
      opts.log(`  ${samples.length}/${lines.length} training lines`);
    }
  }
  return samples;
}
