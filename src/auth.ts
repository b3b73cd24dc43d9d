/**
 * Bearer-token access. For now one administrator token: from DIWAN_ADMIN_TOKEN,
 * or generated on first start, printed once and kept in <data>/admin-token.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { RequestHandler } from 'express';
import { DomainError } from './errors';

export function adminTokenFile(dataDir: string): string {
  return path.join(dataDir, 'admin-token');
}

/** The admin token, and whether it was made just now (so the caller prints it once). */
export function resolveAdminToken(dataDir: string, configured: string | undefined): { token: string; generated: boolean } {
  if (configured) return { token: configured, generated: false };
  const file = adminTokenFile(dataDir);
  if (fs.existsSync(file)) return { token: fs.readFileSync(file, 'utf8').trim(), generated: false };
  const token = `dwn_${crypto.randomBytes(24).toString('base64url')}`;
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, token + '\n', { mode: 0o600, flag: 'wx' });
  return { token, generated: true };
}

const digest = (s: string) => crypto.createHash('sha256').update(s).digest();

export function requireToken(token: string): RequestHandler {
  const expected = digest(token);
  return (req, _res, next) => {
    const m = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    if (!m || !crypto.timingSafeEqual(digest(m[1]!), expected)) {
      next(new DomainError('unauthorized'));
      return;
    }
    next();
  };
}
