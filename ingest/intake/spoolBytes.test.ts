import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { spoolStream } from './spoolBytes';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diwan-spool-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a stream is spooled whole, hashed and sized', async () => {
  const bytes = crypto.randomBytes(200_000);
  const f = await spoolStream(Readable.from([bytes.subarray(0, 70_000), bytes.subarray(70_000)]), 'a.jpg', dir, 1e9);
  expect(fs.readFileSync(f.path).equals(bytes)).toBe(true);
  expect(f.sha256).toBe(crypto.createHash('sha256').update(bytes).digest('hex'));
  expect(f.size).toBe(bytes.length);
  expect(f.originalName).toBe('a.jpg');
});

test('a stream that fails at once leaves no file behind, even a moment later', async () => {
  // An upload cut off at its first bytes (a form that never ends): the failure comes before the file could be opened.
  for (let i = 0; i < 50; i++) {
    const source = new Readable({ read() {} });
    process.nextTick(() => source.destroy(new Error('Unexpected end of form')));
    await expect(spoolStream(source, 'a.jpg', dir, 1e9)).rejects.toThrow('Unexpected end of form');
  }
  await new Promise((r) => setTimeout(r, 200));
  expect(fs.readdirSync(dir)).toEqual([]);
});

test('past its limit a stream is read to its end, kept short and marked too large', async () => {
  const f = await spoolStream(Readable.from([Buffer.alloc(3000, 1), Buffer.alloc(3000, 2)]), null, dir, 4000);
  expect(f.tooLarge).toBe(true);
  expect(f.size).toBe(6000);
});
