/** QR codes (through qrcode-generator, the only file that imports it): the modules, to be drawn as vector squares. */
import qrcode from 'qrcode-generator';

/** The dark modules of a QR code for `text` (byte mode, error correction M: still read with a seventh of it smudged). */
export function qrModules(text: string): boolean[][] {
  const qr = qrcode(0, 'M');
  qr.addData(text, 'Byte');
  qr.make();
  const n = qr.getModuleCount();
  return Array.from({ length: n }, (_, r) => Array.from({ length: n }, (_, c) => qr.isDark(r, c)));
}
