/** The registry number a document is known by: its year and its place in that year's sequence. */
export interface RegistryRef {
  year: number;
  seq: number;
}

/** As stored and typed: "2026/000123". */
export function registryNo(ref: RegistryRef): string {
  return `${ref.year}/${String(ref.seq).padStart(6, '0')}`;
}
