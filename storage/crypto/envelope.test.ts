import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import {
  decryptBuffer,
  decryptStream,
  DecryptionError,
  encryptBuffer,
  encryptedSize,
  encryptStream,
  keyIdOf,
  MissingKeyError,
  type MasterKey,
} from './envelope';

const master: MasterKey = { id: 'k20260101-test', key: crypto.randomBytes(32) };
const ring = { get: (id: string) => (id === master.id ? master.key : undefined) };

async function streamed(plain: Buffer, pieces: number): Promise<Buffer> {
  const step = Math.max(1, Math.ceil(plain.length / pieces));
  const parts: Buffer[] = [];
  for (let i = 0; i < plain.length; i += step) parts.push(plain.subarray(i, i + step));
  const out: Buffer[] = [];
  for await (const c of Readable.from(parts).pipe(encryptStream(master))) out.push(c as Buffer);
  return Buffer.concat(out);
}

test.each([0, 1, 65535, 65536, 65537, 200_000])('round trip of %i bytes, whole and streamed, at the computed size', async (n) => {
  const plain = crypto.randomBytes(n);
  for (const sealed of [encryptBuffer(plain, master), await streamed(plain, 7)]) {
    expect(sealed.length).toBe(encryptedSize(n, master.id));
    expect(keyIdOf(sealed)).toBe(master.id);
    expect((await decryptBuffer(sealed, ring, 'x')).equals(plain)).toBe(true);
  }
});

test('the same bytes encrypt differently each time, and hold none of the plaintext', () => {
  const plain = Buffer.from('%PDF-1.7 طلب استقدام '.repeat(100));
  const a = encryptBuffer(plain, master);
  const b = encryptBuffer(plain, master);
  expect(a.equals(b)).toBe(false);
  expect(a.includes(Buffer.from('%PDF'))).toBe(false);
  expect(a.includes(Buffer.from('استقدام'))).toBe(false);
});

test('a cut-short object fails, at a chunk boundary too', async () => {
  const plain = crypto.randomBytes(3 * 65536 + 10);
  const sealed = encryptBuffer(plain, master);
  await expect(decryptBuffer(sealed.subarray(0, sealed.length - 1), ring, 'x')).rejects.toThrow(DecryptionError);
  const header = sealed.length - plain.length - 4 * 16;
  const twoChunks = header + 2 * (65536 + 16);
  await expect(decryptBuffer(sealed.subarray(0, twoChunks), ring, 'x')).rejects.toThrow(DecryptionError);
  await expect(decryptBuffer(sealed.subarray(0, 20), ring, 'x')).rejects.toThrow(DecryptionError);
  await expect(decryptBuffer(Buffer.concat([sealed, Buffer.from('more')]), ring, 'x')).rejects.toThrow(DecryptionError);
});

test('a tampered byte, body or tag or header, fails', async () => {
  const plain = crypto.randomBytes(100_000);
  const sealed = encryptBuffer(plain, master);
  for (const at of [sealed.length - 1, sealed.length - 20, 200, 40, 12]) {
    const bad = Buffer.from(sealed);
    bad[at] = bad[at]! ^ 1;
    await expect(decryptBuffer(bad, ring, 'x')).rejects.toThrow();
  }
});

test('a wrong key of the same id fails at the header; a missing key names its id', async () => {
  const sealed = encryptBuffer(Buffer.from('text'), master);
  const other = { get: () => crypto.randomBytes(32) };
  await expect(decryptBuffer(sealed, other, 'x')).rejects.toThrow(DecryptionError);
  const none = { get: () => undefined };
  await expect(decryptBuffer(sealed, none, 'x')).rejects.toThrow(MissingKeyError);
  await expect(decryptBuffer(sealed, none, 'x')).rejects.toThrow(master.id);
});

test('bytes written before encryption pass as they are', async () => {
  for (const plain of [Buffer.alloc(0), Buffer.from('DIW'), Buffer.from('%PDF-1.7 plain'), crypto.randomBytes(70_000)]) {
    expect((await decryptBuffer(plain, ring, 'x')).equals(plain)).toBe(true);
  }
});

test('bytes of an object written encrypted never pass as plaintext: a damaged magic or a substitute is refused', async () => {
  const opened = (stored: Buffer) =>
    new Promise<Buffer>((resolve, reject) => {
      const d = decryptStream(ring, 'x', undefined, true);
      const out: Buffer[] = [];
      d.on('data', (c: Buffer) => out.push(c));
      d.on('error', reject);
      d.on('end', () => resolve(Buffer.concat(out)));
      d.end(stored);
    });
  const plain = crypto.randomBytes(1000);
  const sealed = encryptBuffer(plain, master);
  expect((await opened(sealed)).equals(plain)).toBe(true);
  const flipped = Buffer.from(sealed);
  flipped[3] = flipped[3]! ^ 0x01;
  await expect(opened(flipped)).rejects.toThrow(DecryptionError);
  await expect(opened(Buffer.from('%PDF-1.7 substitute'))).rejects.toThrow(/header is not DIWANENC/);
  await expect(opened(Buffer.from('DIW'))).rejects.toThrow(DecryptionError);
});
