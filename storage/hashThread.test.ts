import crypto from 'node:crypto';
import { sha256OfBuffer, sha256OnThread } from './hashThread';

const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

async function* pieces(b: Buffer, step: number, copy = false): AsyncGenerator<Buffer> {
  for (let i = 0; i < b.length; i += step) {
    const p = b.subarray(i, i + step);
    // `copy`: each piece its own memory, as a socket's reads are (handed to the thread, not copied).
    yield copy ? Buffer.from(p) : p;
  }
}

test('a stream hashed on the thread hashes as it does here, whether its pieces share memory or own it', async () => {
  const data = crypto.randomBytes(300_000);
  expect(await sha256OnThread(pieces(data, 7000))).toEqual({ sha256: sha(data), size: data.length });
  expect(await sha256OnThread(pieces(data, 65536, true))).toEqual({ sha256: sha(data), size: data.length });
  expect(await sha256OnThread(pieces(Buffer.alloc(0), 1))).toEqual({ sha256: sha(Buffer.alloc(0)), size: 0 });
});

test('many streams at once, larger than the window, each get their own hash', async () => {
  const datas = Array.from({ length: 6 }, (_, i) => crypto.randomBytes(3_000_000 + i * 1_500_000));
  const got = await Promise.all(datas.map((d, i) => sha256OnThread(pieces(d, 65536, i % 2 === 0))));
  expect(got).toEqual(datas.map((d) => ({ sha256: sha(d), size: d.length })));
});

test('a stream that fails midway fails its hash, and the thread goes on with the others', async () => {
  async function* broken(): AsyncGenerator<Buffer> {
    yield crypto.randomBytes(1000);
    throw new Error('connection reset');
  }
  await expect(sha256OnThread(broken())).rejects.toThrow('connection reset');
  const data = crypto.randomBytes(100_000);
  expect((await sha256OnThread(pieces(data, 4096, true))).sha256).toBe(sha(data));
});

test('a buffer held whole is hashed on the thread from a copy: the caller keeps it as it was', async () => {
  for (const n of [0, 1000, 5_000_000]) {
    const b = crypto.randomBytes(n);
    const before = sha(b);
    expect(await sha256OfBuffer(b)).toBe(before);
    expect(b.length).toBe(n);
    expect(sha(b)).toBe(before);
  }
});
