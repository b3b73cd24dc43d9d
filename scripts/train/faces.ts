/**
 * Which typefaces may be rendered for training and which are kept for
 * measuring only. A model tuned on a face and measured on the same face says
 * little about unseen scans, so the held-out faces must never be rendered
 * into training lines: `assertTrainingFace` guards the training renderer.
 */
import fs from 'node:fs';
import path from 'node:path';
import fontkit from '@pdf-lib/fontkit';

export interface Face {
  /** Short name for file names and tables. */
  id: string;
  /** The family name Pango knows the face by. */
  family: string;
  /** Candidate files, first existing one wins (npm copies first, then Debian's). */
  files: string[];
}

/** A file inside an npm package, found from where Node resolves the package (empty when it is absent). */
function npmFile(pkg: string, rel: string): string[] {
  try {
    const main = require.resolve(pkg);
    const root = main.slice(0, main.lastIndexOf(path.join('node_modules', pkg)) + `node_modules/${pkg}`.length);
    return [path.join(root, rel)];
  } catch {
    return [];
  }
}
const kacst = (name: string): Face => ({
  id: name.toLowerCase(),
  family: name,
  files: [`/usr/share/fonts/truetype/kacst/${name}.ttf`],
});
const arabeyes = (file: string, family: string): Face => ({
  id: `ae-${family.toLowerCase()}`,
  family,
  files: [`/usr/share/fonts/truetype/fonts-arabeyes/ae_${file}.ttf`],
});
const noto = (file: string): string => `/usr/share/fonts/truetype/noto/${file}`;

/**
 * The split. `training` is the tuning set; `heldOut` lists every face that
 * must never be rendered for training (Scheherazade New, Noto Kufi Arabic,
 * the Kacst faces other than KacstOffice and KacstBook, all Arabeyes ae_*
 * faces including Furat, and Noto Nastaliq), whether or not it is installed.
 */
export const FACE_SPLIT: { training: readonly Face[]; heldOut: readonly Face[] } = {
  training: [
    {
      id: 'naskh',
      family: 'Noto Naskh Arabic',
      files: [...npmFile('@embedpdf/fonts-arabic', 'fonts/NotoNaskhArabic-Regular.ttf'), noto('NotoNaskhArabic-Regular.ttf')],
    },
    {
      id: 'sans',
      family: 'Noto Sans Arabic',
      files: [...npmFile('@expo-google-fonts/noto-sans-arabic', '400Regular/NotoSansArabic_400Regular.ttf')],
    },
    {
      id: 'amiri',
      family: 'Amiri',
      files: [
        ...npmFile('@expo-google-fonts/amiri', '400Regular/Amiri_400Regular.ttf'),
        '/usr/share/fonts/opentype/fonts-hosny-amiri/Amiri-Regular.ttf',
      ],
    },
    kacst('KacstOffice'),
    kacst('KacstBook'),
    { id: 'dejavu', family: 'DejaVu Sans', files: ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'] },
  ],
  heldOut: [
    {
      id: 'scheherazade',
      family: 'Scheherazade New',
      files: [...npmFile('@expo-google-fonts/scheherazade-new', '400Regular/ScheherazadeNew_400Regular.ttf')],
    },
    {
      id: 'kufi',
      family: 'Noto Kufi Arabic',
      files: [
        ...npmFile('@expo-google-fonts/noto-kufi-arabic', '400Regular/NotoKufiArabic_400Regular.ttf'),
        noto('NotoKufiArabic-Regular.ttf'),
      ],
    },
    ...[
      'KacstLetter',
      'KacstNaskh',
      'KacstDigital',
      'KacstArt',
      'KacstPen',
      'KacstTitle',
      'KacstQurn',
      'KacstScreen',
      'KacstFarsi',
      'KacstDecorative',
      'KacstPoster',
    ].map(kacst),
    ...(
      [
        ['AlArabiya', 'AlArabiya'],
        ['AlBattar', 'AlBattar'],
        ['AlHor', 'AlHor'],
        ['AlManzomah', 'AlManzomah'],
        ['AlYarmook', 'AlYarmook'],
        ['Arab', 'Arab'],
        ['Cortoba', 'Cortoba'],
        ['Dimnah', 'Dimnah'],
        ['Electron', 'Electron'],
        ['Furat', 'Furat'],
        ['Granada', 'Granada'],
        ['Graph', 'Graph'],
        ['Hani', 'Hani'],
        ['Haramain', 'Haramain'],
        ['Hor', 'Hor'],
        ['Japan', 'Japan'],
        ['Jet', 'Jet'],
        ['Kayrawan', 'Kayrawan'],
        ['Khalid', 'Khalid'],
        ['Mashq', 'Mashq'],
        ['Metal', 'Metal'],
        ['Nada', 'Nada'],
        ['Nagham', 'Nagham'],
        ['Nice', 'Nice'],
        ['Ostorah', 'Ostorah'],
        ['Petra', 'Petra'],
        ['Rehan', 'Rehan'],
        ['Salem', 'Salem'],
        ['Shado', 'Shado'],
        ['Sharjah', 'Sharjah'],
        ['Sindbad', 'Sindbad'],
        ['Tarablus', 'Tarablus'],
        ['Tholoth', 'Tholoth'],
      ] as const
    ).map(([file, family]) => arabeyes(file, family)),
    { id: 'nastaliq', family: 'Noto Nastaliq Urdu', files: [noto('NotoNastaliqUrdu-Regular.ttf')] },
  ],
};

/** Held-out faces used for the measurement: plain text faces a letter could be set in. */
export const EVALUATION_FACE_IDS = ['scheherazade', 'kufi', 'kacstnaskh', 'kacstletter', 'ae-furat', 'ae-alarabiya'];

/** The first existing file of a face, or undefined when none is installed. */
export function faceFile(face: Face): string | undefined {
  return face.files.find((f) => fs.existsSync(f));
}

const HELD_OUT_FAMILIES = new Set(FACE_SPLIT.heldOut.map((f) => f.family.toLowerCase()));
const HELD_OUT_FILES = new Set(FACE_SPLIT.heldOut.flatMap((f) => f.files.map((p) => path.basename(p).toLowerCase())));

/** Throws when `face` is, or shares a family or file name with, a held-out face. */
export function assertTrainingFace(face: Face): void {
  const file = faceFile(face);
  if (
    HELD_OUT_FAMILIES.has(face.family.toLowerCase()) ||
    (file !== undefined && HELD_OUT_FILES.has(path.basename(file).toLowerCase()))
  ) {
    throw new Error(`${face.family} is a held-out face and must not be rendered for training`);
  }
}

const coverage = new Map<string, { hasGlyphForCodePoint(cp: number): boolean }>();

/** True when the face's own cmap has a glyph for every character of `text`. */
export function covers(face: Face, text: string): boolean {
  const file = faceFile(face);
  if (!file) return false;
  let font = coverage.get(file);
  if (!font) {
    font = fontkit.create(fs.readFileSync(file)) as unknown as { hasGlyphForCodePoint(cp: number): boolean };
    coverage.set(file, font);
  }
  const f = font;
  return [...text].every((ch) => f.hasGlyphForCodePoint(ch.codePointAt(0) as number));
}
