/**
 * What the QR codes on the registry's printed sheets say (scripts and the reader agree here, nowhere else):
 * a separator sheet, where one letter of a scanned stack ends and the next begins, and a registry label,
 * a registry number given out in advance and stuck on a letter's first page.
 */
import { parseRegistryNo, registryNo, type RegistryRef } from '../../kernel/registry';

/** The separator sheet's code: a fixed marker. */
export const SEPARATOR_CODE = 'DIWAN:SEPARATOR:1';

const LABEL_PREFIX = 'DIWAN:LABEL:';

export type SheetCode = { kind: 'separator' } | { kind: 'label'; ref: Required<RegistryRef> } | { kind: 'other' };

/** A label's code: the marker and the registry number as stored ("2026/000017", "outgoing/2026/000001"). */
export function labelCode(ref: RegistryRef): string {
  return `${LABEL_PREFIX}${registryNo(ref)}`;
}

/** What one code read from a page is; any other code (a stamp's verification link, a sender's own) is 'other'. */
export function parseSheetCode(text: string): SheetCode {
  const t = text.trim();
  if (t === SEPARATOR_CODE) return { kind: 'separator' };
  if (t.startsWith(LABEL_PREFIX)) {
    const ref = parseRegistryNo(t.slice(LABEL_PREFIX.length));
    if (ref) return { kind: 'label', ref };
  }
  return { kind: 'other' };
}
