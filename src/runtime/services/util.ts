/** Small helpers shared by the embedded service launchers. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function sha256File(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function randomSecret(bytes = 24): string {
  // Hex: safe in URLs, environment variables and command lines (never starts with '-').
  return crypto.randomBytes(bytes).toString('hex');
}

/** Generated credentials of the embedded services, kept in <data>/secrets.json (mode 600). */
export interface EmbeddedSecrets {
  postgresPassword: string;
  /** Password of `diwan_app`, the role the archive runs as (it cannot change or remove ledger rows). */
  postgresAppPassword: string;
  minioPrimary: { accessKey: string; secretKey: string };
  minioOffsite: { accessKey: string; secretKey: string };
  meiliMasterKey: string;
}

export function loadOrCreateSecrets(dataDir: string): EmbeddedSecrets {
  const file = path.join(dataDir, 'secrets.json');
  if (fs.existsSync(file)) {
    const kept = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<EmbeddedSecrets> &
      Omit<EmbeddedSecrets, 'postgresAppPassword'>;
    if (kept.postgresAppPassword) return kept as EmbeddedSecrets;
    // A data dir from before the application had a role of its own: add its password, keep the rest.
    const upgraded: EmbeddedSecrets = { ...kept, postgresAppPassword: randomSecret() };
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(upgraded, null, 2), { mode: 0o600 });
    fs.renameSync(`${file}.tmp`, file);
    return upgraded;
  }
  const secrets: EmbeddedSecrets = {
    postgresPassword: randomSecret(),
    postgresAppPassword: randomSecret(),
    minioPrimary: { accessKey: `diwan${randomSecret(6)}`, secretKey: randomSecret() },
    minioOffsite: { accessKey: `diwan${randomSecret(6)}`, secretKey: randomSecret() },
    meiliMasterKey: randomSecret(32),
  };
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600, flag: 'wx' });
  return secrets;
}

/** Polls `check` until it resolves true or the deadline passes. */
export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (e) {
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${what} did not become healthy within ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ''}`);
}

export async function httpOk(url: string, headers: Record<string, string> = {}): Promise<boolean> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(2000) });
  return res.ok;
}

/** A folder only this user may list or enter (made when missing, its mode put right when not); returns its path. */
export function privateDir(dir: string): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  return dir;
}
