/**
 * Bearer-token access. For now one administrator token: from DIWAN_ADMIN_TOKEN,
 * or generated on first start, printed once and kept in <data>/admin-token.
 * The viewer signs in with the same token, kept in an http-only, same-site
 * cookie; a request that changes something with that cookie must also carry the
 * CSRF token (double submit: the `diwan_csrf` cookie, echoed in the
 * `x-csrf-token` header or a `_csrf` form field or query parameter).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Request, RequestHandler } from 'express';
import { cookies } from './web/i18n';
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

export const SESSION_COOKIE = 'diwan_token';
export const CSRF_COOKIE = 'diwan_csrf';

export function tokenMatches(token: string, given: string | undefined): boolean {
  return given !== undefined && given !== '' && crypto.timingSafeEqual(digest(given), digest(token));
}

/** How the request proved itself: a bearer token, the viewer's cookie, or not at all. */
export function authOf(token: string, req: Request): 'bearer' | 'cookie' | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
  if (m) return tokenMatches(token, m[1]) ? 'bearer' : undefined;
  return tokenMatches(token, cookies(req)[SESSION_COOKIE]) ? 'cookie' : undefined;
}

/** For cookie-authenticated requests that change something: the CSRF token must be echoed back. */
export function csrfOk(req: Request): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return true;
  const expected = cookies(req)[CSRF_COOKIE];
  const body = req.body as Record<string, unknown> | undefined;
  const given =
    req.get('x-csrf-token') ??
    (typeof body?._csrf === 'string' ? body._csrf : undefined) ??
    (typeof req.query._csrf === 'string' ? req.query._csrf : undefined);
  return expected !== undefined && expected.length >= 16 && given === expected;
}

export function requireToken(token: string): RequestHandler {
  return (req, _res, next) => {
    const how = authOf(token, req);
    if (!how) {
      next(new DomainError('unauthorized'));
      return;
    }
    if (how === 'cookie' && !csrfOk(req)) {
      next(new DomainError('forbidden', { ar: '(رمز CSRF مفقود أو خاطئ)', en: '(missing or wrong CSRF token)' }));
      return;
    }
    next();
  };
}
