/** A local MinIO server (the pinned npm-carried binary), bound to loopback. */
import path from 'node:path';
import { ensureBinary, MINIO } from './binaries';
import { startManaged, type ManagedProcess } from './managed';
import { freePort, httpOk, privateDir } from './util';

export interface LocalMinio {
  process: ManagedProcess;
  endpoint: string;
}

export async function startMinio(opts: {
  name: string;
  dataDir: string;
  cacheDir: string;
  accessKey: string;
  secretKey: string;
  /** A fixed port (to start the same server again); default: a free one. */
  port?: number;
}): Promise<LocalMinio> {
  const bin = await ensureBinary(MINIO, opts.cacheDir);
  const port = opts.port ?? (await freePort());
  const consolePort = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const proc = await startManaged({
    name: opts.name,
    command: bin,
    args: [
      'server',
      privateDir(path.join(opts.dataDir, opts.name)),
      '--address',
      `127.0.0.1:${port}`,
      '--console-address',
      `127.0.0.1:${consolePort}`,
      '--quiet',
    ],
    env: {
      MINIO_ROOT_USER: opts.accessKey,
      MINIO_ROOT_PASSWORD: opts.secretKey,
      MINIO_BROWSER: 'off',
      MINIO_UPDATE: 'off',
      MINIO_CI_CD: '1',
    },
    runDir: path.join(opts.dataDir, 'run'),
    logDir: path.join(opts.dataDir, 'logs'),
    healthy: () => httpOk(`${endpoint}/minio/health/ready`),
  });
  return { process: proc, endpoint };
}
