import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OWNER } from '../leftovers';
import { conversionFailure, convertToPdf, OFFICE_DEFAULTS, sofficeVersion } from './libreoffice';

const limits = { timeoutMs: 5000, memoryMb: 1024 };
const run = (r: Partial<Parameters<typeof conversionFailure>[0]>) =>
  conversionFailure({ code: 0, signal: null, stderr: '', timedOut: false, ...r }, limits);

describe('how a LibreOffice run is judged', () => {
  test('a clean run is no failure (the PDF is looked for next)', () => {
    expect(run({})).toBeUndefined();
  });

  test('past the time limit, or out of memory under its limit: office_timeout, saying which', () => {
    expect(run({ timedOut: true, signal: 'SIGKILL' })).toMatchObject({ code: 'office_timeout', details: { reason: 'time' } });
    // What LibreOffice prints when it cannot load a library within the limit, and its abort when an allocation fails.
    const noMap = 'soffice.bin: error while loading shared libraries: libX11.so.6: failed to map segment from shared object';
    expect(run({ code: 127, stderr: noMap })).toMatchObject({ code: 'office_timeout', details: { reason: 'memory' } });
    expect(run({ code: 134, stderr: 'Fatal exception: Signal 6' })).toMatchObject({ code: 'office_timeout' });
  });

  test('another crash or error is unreadable; the program missing is unavailable', () => {
    expect(run({ code: 139, stderr: 'Fatal exception: Signal 11' })?.code).toBe('office_unreadable');
    expect(run({ code: 1 })?.code).toBe('office_unreadable');
  });
});

describe('a LibreOffice that is not there', () => {
  test('a conversion is refused with office_unavailable and leaves no working folder', async () => {
    const input = path.join(os.tmpdir(), `office-missing-${process.pid}.docx`);
    fs.writeFileSync(input, 'x');
    const ours = () => fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(`diwan-work-${OWNER}-`));
    try {
      const settings = { ...OFFICE_DEFAULTS, soffice: '/nonexistent/soffice' };
      await expect(convertToPdf(input, 'docx', settings)).rejects.toMatchObject({ code: 'office_unavailable' });
      expect(ours()).toEqual([]);
    } finally {
      fs.rmSync(input, { force: true });
    }
  });

  test('its version is unknown', async () => {
    expect(await sofficeVersion('/nonexistent/soffice')).toBeUndefined();
  });
});
