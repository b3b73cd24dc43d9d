/** The local Meilisearch (the pinned npm-carried binary), bound to loopback with a generated master key. */
import path from 'node:path';
import { ensureBinary, MEILISEARCH } from './binaries';
import { startManaged, type ManagedProcess } from './managed';
import { freePort, httpOk, privateDir } from './util';

export interface LocalMeili {
  process: ManagedProcess;
  url: string;
}

/** The indexer's memory bound (see the command line below). */
const MAX_INDEXING_MEMORY = '1Gb';

export async function startMeilisearch(opts: { dataDir: string; cacheDir: string; masterKey: string }): Promise<LocalMeili> {
  const bin = await ensureBinary(MEILISEARCH, opts.cacheDir);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const home = privateDir(path.join(opts.dataDir, 'meilisearch'));
  const proc = await startManaged({
    name: 'meilisearch',
    command: bin,
    args: [
      '--db-path',
      path.join(home, 'data.ms'),
      '--dump-dir',
      path.join(home, 'dumps'),
      '--snapshot-dir',
      path.join(home, 'snapshots'),
      '--http-addr',
      `127.0.0.1:${port}`,
      '--env',
      'production',
      '--no-analytics',
      '--experimental-reduce-indexing-memory-usage',
      // A bound on the indexer's buffers. Left unset, each small addition (one document's pages, as the
      // pipeline sends them) cost 0.15 s of CPU, and every few additions 3-6 s, on a 24 GiB machine;
      // bounded (256 MB to 4 GB alike; 8-16 GB in between), 0.02 s, with bulk additions as fast as before.
      '--max-indexing-memory',
      MAX_INDEXING_MEMORY,
    ],
    // The key goes in the environment, which other local users cannot read (a command line they can).
    env: { MEILI_MASTER_KEY: opts.masterKey },
    runDir: path.join(opts.dataDir, 'run'),
    logDir: path.join(opts.dataDir, 'logs'),
    healthy: () => httpOk(`${url}/health`),
  });
  return { process: proc, url };
}
