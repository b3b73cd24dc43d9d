import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { encryptBuffer, MAGIC, MissingKeyError, type MasterKey } from './envelope';
import { hashBoth, openStored, UNDECRYPTABLE } from './objectBytes';

const master: MasterKey = { id: 'k20260101-test', key: crypto.randomBytes(32) };
const ring = { get: (id: string) => (id === master.id ? master.key : undefined) };
const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

/** `bytes` as a GET would give them, in pieces of `step` bytes (1: the magic arrives a byte at a time). */
function body(bytes: Buffer, step: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += step) parts.push(bytes.subarray(i, i + step));
  return Readable.from(parts, { objectMode: false });
}

const noSecondRead = () => Promise.reject(new Error('a second read was not expected'));

test.each([
  [0, 1],
  [3, 1],
  [200_000, 1000],
  [200_000, 65536],
])('an object in the clear (%i bytes, pieces of %i) hashes to its bytes, stored and plain alike', async (n, step) => {
  const plain = crypto.randomBytes(n);
  const h = await hashBoth(body(plain, step), ring, 'o', undefined, noSecondRead);
  expect(h).toEqual({ sha256: sha(plain), size: n, stored: { sha256: sha(plain), size: n } });
});

test('a short object in the clear that begins like the magic is still its own plaintext', async () => {
  const plain = MAGIC.subarray(0, 5);
  const h = await hashBoth(body(plain, 1), ring, 'o', undefined, noSecondRead);
  expect(h.sha256).toBe(sha(plain));
});

test.each([5, 4096, 65536])(
  'a sealed object (pieces of %i) gives its plaintext fingerprint and its stored bytes',
  async (step) => {
    const plain = crypto.randomBytes(150_000);
    const sealed = encryptBuffer(plain, master);
    const h = await hashBoth(body(sealed, step), ring, 'o', undefined, noSecondRead);
    expect(h).toEqual({ sha256: sha(plain), size: plain.length, stored: { sha256: sha(sealed), size: sealed.length } });
  },
);

test.each([
  [
    'a damaged byte in its last chunk',
    (b: Buffer) =>
      Buffer.concat([b.subarray(0, b.length - 100), Buffer.from([b[b.length - 100]! ^ 1]), b.subarray(b.length - 99)]),
  ],
  [
    'a damaged byte in its first chunk',
    (b: Buffer) => Buffer.concat([b.subarray(0, 200), Buffer.from([b[200]! ^ 1]), b.subarray(201)]),
  ],
  ['its body cut short', (b: Buffer) => b.subarray(0, b.length - 5000)],
  ['its body cut at a chunk boundary', (b: Buffer) => b.subarray(0, b.length - (100_000 - 65_536) - 16)],
  ['its body extended', (b: Buffer) => Buffer.concat([b, crypto.randomBytes(20)])],
])('a sealed object with %s is undecryptable, with its stored bytes hash', async (_what, spoil) => {
  const sealed = spoil(encryptBuffer(crypto.randomBytes(100_000), master));
  const h = await hashBoth(body(sealed, 4096), ring, 'o', undefined, () => Promise.resolve(body(sealed, 4096)));
  expect(h).toEqual({ sha256: UNDECRYPTABLE, size: 0, stored: { sha256: sha(sealed), size: sealed.length } });
});

test('bytes in the clear where the metadata says written encrypted are refused, not taken as plaintext', async () => {
  const plain = crypto.randomBytes(5000);
  const h = await hashBoth(body(plain, 512), ring, 'o', undefined, () => Promise.resolve(body(plain, 512)), true);
  expect(h.sha256).toBe(UNDECRYPTABLE);
  expect(h.stored.sha256).toBe(sha(plain));
});

test('a key the ring lacks throws', async () => {
  const other: MasterKey = { id: 'k-elsewhere', key: crypto.randomBytes(32) };
  const sealed = encryptBuffer(crypto.randomBytes(1000), other);
  await expect(hashBoth(body(sealed, 100), ring, 'o', undefined, noSecondRead)).rejects.toBeInstanceOf(MissingKeyError);
});

test('a read given up on before its end closes the GET it came from', async () => {
  const sealed = encryptBuffer(crypto.randomBytes(300_000), master);
  sealed[100] = sealed[100]! ^ 1; // the first chunk does not authenticate
  const get = body(sealed, 4096);
  const h = await hashBoth(get, ring, 'o', undefined, () => Promise.resolve(body(sealed, 4096)));
  expect(h.sha256).toBe(UNDECRYPTABLE);
  expect(get.destroyed).toBe(true);
});

test('a header whose data key does not open: the read is given up, the GET closed, the stored hash read again', async () => {
  const sealed = encryptBuffer(crypto.randomBytes(300_000), master);
  sealed[11 + master.id.length + 20] = sealed[11 + master.id.length + 20]! ^ 1; // inside the wrapped data key
  const get = body(sealed, 4096);
  let again = 0;
  const h = await hashBoth(get, ring, 'o', undefined, () => {
    again++;
    return Promise.resolve(body(sealed, 4096));
  });
  expect(h).toEqual({ sha256: UNDECRYPTABLE, size: 0, stored: { sha256: sha(sealed), size: sealed.length } });
  expect(again).toBe(1);
  expect(get.destroyed).toBe(true);
});

test('a sealed object cut short inside its header is undecryptable', async () => {
  const sealed = encryptBuffer(crypto.randomBytes(1000), master).subarray(0, 30);
  const h = await hashBoth(body(sealed, 7), ring, 'o', undefined, () => Promise.resolve(body(sealed, 7)));
  expect(h).toEqual({ sha256: UNDECRYPTABLE, size: 0, stored: { sha256: sha(sealed), size: 30 } });
});

test('many sealed objects at once, of sizes around the chunk size, each open to its own plaintext', async () => {
  const sizes = [0, 1, 65_535, 65_536, 65_537, 2 * 65_536, 1_000_000];
  const plains = sizes.map((n) => crypto.randomBytes(n));
  const hs = await Promise.all(
    plains.map((p, i) =>
      hashBoth(body(encryptBuffer(p, master), [1000, 65536, 70000][i % 3]!), ring, 'o', undefined, noSecondRead),
    ),
  );
  expect(hs.map((h) => [h.sha256, h.size])).toEqual(plains.map((p) => [sha(p), p.length]));
});

describe('openStored: an object read whole as stored, opened (what restore copies as it is)', () => {
  test('an encrypted object gives its plaintext, both fingerprints and the key it names', async () => {
    const plain = crypto.randomBytes(200_000);
    const sealed = encryptBuffer(plain, master);
    const o = await openStored(sealed, ring, 'o', undefined, true);
    expect(o.plain.equals(plain)).toBe(true);
    expect(o).toMatchObject({ sha256: sha(plain), size: plain.length, keyId: master.id });
    expect(o.stored).toEqual({ sha256: sha(sealed), size: sealed.length });
  });

  test('an object in the clear is its own plaintext, under no key', async () => {
    const plain = crypto.randomBytes(1000);
    const o = await openStored(plain, ring, 'o', undefined);
    expect(o).toMatchObject({ sha256: sha(plain), size: 1000, keyId: null, stored: { sha256: sha(plain), size: 1000 } });
  });

  test('a damaged byte, a cut header, or plain bytes where the metadata says encrypted: undecryptable, never plaintext', async () => {
    const sealed = encryptBuffer(crypto.randomBytes(100_000), master);
    const damaged = Buffer.from(sealed);
    damaged[damaged.length - 100]! ^= 1;
    const cut = sealed.subarray(0, MAGIC.length + 4);
    const clear = crypto.randomBytes(5000);
    for (const [bytes, written] of [
      [damaged, true],
      [cut, false],
      [clear, true],
    ] as const) {
      const o = await openStored(bytes, ring, 'o', undefined, written);
      expect({ sha256: o.sha256, plain: o.plain.length }).toEqual({ sha256: UNDECRYPTABLE, plain: 0 });
      expect(o.stored.sha256).toBe(sha(bytes));
    }
  });

  test('a key the ring lacks throws, naming it', async () => {
    const other: MasterKey = { id: 'k20990101-gone', key: crypto.randomBytes(32) };
    await expect(openStored(encryptBuffer(Buffer.from('x'), other), ring, 'o', undefined, true)).rejects.toThrow(MissingKeyError);
  });
});
