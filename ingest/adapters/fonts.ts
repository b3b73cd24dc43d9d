/**
 * The Arabic faces that come with the project's npm dependencies, each
 * regular and bold: Noto Naskh Arabic (plain Naskh), Amiri (a book Naskh with
 * stacked ligatures), Scheherazade New (traditional Naskh), Noto Sans Arabic
 * (the plain sans of office letters) and Noto Kufi Arabic. Used for the stamp,
 * the digit shapes and the test scans.
 */
import path from 'node:path';

export interface Face {
  /** The TrueType file. */
  file: string;
  /** The Pango font description naming it (family and weight). */
  family: string;
}

// @embedpdf/fonts-arabic exports only its code, so its fonts are found beside it.
const noto = (name: string) => path.join(path.dirname(require.resolve('@embedpdf/fonts-arabic')), '..', 'fonts', name);
const google = (pkg: string, file: string) => require.resolve(`@expo-google-fonts/${pkg}/${file}`);

const FACES = {
  naskh: () => ({ file: noto('NotoNaskhArabic-Regular.ttf'), family: 'Noto Naskh Arabic' }),
  'naskh-bold': () => ({ file: noto('NotoNaskhArabic-Bold.ttf'), family: 'Noto Naskh Arabic Bold' }),
  amiri: () => ({ file: google('amiri', '400Regular/Amiri_400Regular.ttf'), family: 'Amiri' }),
  'amiri-bold': () => ({ file: google('amiri', '700Bold/Amiri_700Bold.ttf'), family: 'Amiri Bold' }),
  scheherazade: () => ({
    file: google('scheherazade-new', '400Regular/ScheherazadeNew_400Regular.ttf'),
    family: 'Scheherazade New',
  }),
  'scheherazade-bold': () => ({
    file: google('scheherazade-new', '700Bold/ScheherazadeNew_700Bold.ttf'),
    family: 'Scheherazade New Bold',
  }),
  sans: () => ({ file: google('noto-sans-arabic', '400Regular/NotoSansArabic_400Regular.ttf'), family: 'Noto Sans Arabic' }),
  'sans-bold': () => ({
    file: google('noto-sans-arabic', '700Bold/NotoSansArabic_700Bold.ttf'),
    family: 'Noto Sans Arabic Bold',
  }),
  kufi: () => ({ file: google('noto-kufi-arabic', '400Regular/NotoKufiArabic_400Regular.ttf'), family: 'Noto Kufi Arabic' }),
  'kufi-bold': () => ({
    file: google('noto-kufi-arabic', '700Bold/NotoKufiArabic_700Bold.ttf'),
    family: 'Noto Kufi Arabic Bold',
  }),
} satisfies Record<string, () => Face>;

export type FaceId = keyof typeof FACES;

export function fontFile(face: FaceId): Face {
  return FACES[face]();
}
