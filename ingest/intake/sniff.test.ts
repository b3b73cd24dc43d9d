import { sniff } from './sniff';

const bytes = (...b: number[]) => Buffer.from([...b, ...new Array(16).fill(0)]);

describe('sniff', () => {
  test('knows scans by their first bytes', () => {
    expect(sniff(bytes(0xff, 0xd8, 0xff, 0xe0))?.mime).toBe('image/jpeg');
    expect(sniff(bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a))?.mime).toBe('image/png');
    expect(sniff(bytes(0x49, 0x49, 0x2a, 0x00))?.mime).toBe('image/tiff');
    expect(sniff(bytes(0x4d, 0x4d, 0x00, 0x2a))?.mime).toBe('image/tiff');
    expect(sniff(Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 ', 'latin1'))?.mime).toBe('image/webp');
    expect(sniff(Buffer.from('%PDF-1.7\n', 'latin1'))?.mime).toBe('application/pdf');
  });

  test('does not trust names: text, zip and empty files are unknown', () => {
    expect(sniff(Buffer.from('hello, this is not a scan'))).toBeUndefined();
    expect(sniff(Buffer.from([0x50, 0x4b, 0x03, 0x04]))).toBeUndefined();
    expect(sniff(Buffer.alloc(0))).toBeUndefined();
  });
});
