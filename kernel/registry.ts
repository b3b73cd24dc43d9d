import { toArabicIndic, toLatinDigits } from './text';

/** The register a number without a register's code belongs to: the incoming book (every number before registers existed). */
export const INCOMING = 'incoming';

/** A register's code: an ASCII slug. */
export const REGISTER_CODE = /^[a-z][a-z0-9-]{1,30}$/;

/**
 * The registry number a document is known by: its register (the book; absent
 * means incoming), its year and its place in that register's sequence for the year.
 */
export interface RegistryRef {
  register?: string;
  year: number;
  seq: number;
}

/** The register of a reference, incoming when it names none. */
export function registerOf(ref: RegistryRef): string {
  return ref.register ?? INCOMING;
}

/** As stored and typed: "2026/000123" in the incoming book, "outgoing/2026/000001" in any other. */
export function registryNo(ref: RegistryRef): string {
  const n = `${ref.year}/${String(ref.seq).padStart(6, '0')}`;
  const register = registerOf(ref);
  return register === INCOMING ? n : `${register}/${n}`;
}

/**
 * Reads a registry number as people type it: "2026/000123", "2026/123", "outgoing/2026/1",
 * Arabic-Indic digits allowed. Undefined when it is not one.
 */
export function parseRegistryNo(input: string): Required<RegistryRef> | undefined {
  const m = /^(?:([a-z][a-z0-9-]{1,30})\/)?(\d{4})\/(\d{1,9})$/.exec(toLatinDigits(input.trim()));
  if (!m) return undefined;
  const seq = Number(m[3]);
  if (seq < 1) return undefined;
  return { register: m[1] ?? INCOMING, year: Number(m[2]), seq };
}

/**
 * Why a label's number was not given to the letter bearing it (it got the next number instead): never printed
 * here, used on another letter already, printed for another register than the letter's, or printed in an
 * earlier year (a registry number is of the year it is given in).
 */
export const LABEL_REFUSALS = ['label_unknown', 'label_used', 'label_other_register', 'label_expired'] as const;
export type LabelRefusal = (typeof LABEL_REFUSALS)[number];

/** What a register is called and the letter written beside its numbers. */
export interface RegisterNames {
  nameAr: string;
  nameEn: string;
  letterAr: string;
  letterEn: string;
}

/**
 * The number as people write it, the register's letter beside it and no padding:
 * «ص ٢٠٢٦/١» in Arabic (Arabic-Indic digits), "OUT 2026/1" in English.
 */
export function registryLabel(ref: RegistryRef, names: Pick<RegisterNames, 'letterAr' | 'letterEn'>): { ar: string; en: string } {
  const n = `${ref.year}/${ref.seq}`;
  return { ar: `${names.letterAr} ${toArabicIndic(n)}`, en: `${names.letterEn} ${n}` };
}
