/**
 * Who is asking, and what they may do. A request proves itself with a bearer
 * token (the installation's administrator token from DIWAN_ADMIN_TOKEN or
 * <data>/admin-token, or a person's API token) or with the viewer's session
 * cookie (http-only, same-site); a cookie-authenticated request that changes
 * something must also carry the CSRF token (double submit: the `diwan_csrf`
 * cookie echoed in `x-csrf-token`, a `_csrf` form field or query parameter).
 *
 * A role says which actions a person may take (PERMISSIONS); a clearance how
 * secret a document they may read; departments (none: all) whose documents.
 * Every route's permission is in one table (src/http/policy.ts).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Request, RequestHandler } from 'express';
import type { Role, User, UsersRepo } from '../storage/repos/users';
import { cookies } from './http/cookies';
import { DomainError } from '../kernel/errors';
import { clearanceRank, type Classification } from '../kernel/clearance';

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

export const SESSION_COOKIE = 'diwan_session';
export const CSRF_COOKIE = 'diwan_csrf';
/** A session ends after this long without a request, and in any case this long after sign-in. */
export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_ABSOLUTE_MS = 12 * 3600_000;

export type Permission = 'upload' | 'read' | 'search' | 'reocr' | 'audit' | 'admin';

export const PERMISSIONS: Record<Role, readonly Permission[]> = {
  // Sends batches and follows them; reads only what they sent themselves.
  clerk: ['upload'],
  // Searches and reads within clearance; asks for a poor reading to be read again.
  official: ['read', 'search', 'reocr'],
  // Verifies, runs fixity, reads the ledger and audit pages; reads content only within clearance.
  auditor: ['read', 'search', 'audit'],
  // Users, tokens and settings besides everything else. Deleting a record is not an action anyone has.
  admin: ['upload', 'read', 'search', 'reocr', 'audit', 'admin'],
};

export interface Caller {
  /** null for the installation's administrator token. */
  userId: string | null;
  /** Who, as the ledger records it. */
  name: string;
  role: Role;
  clearance: Classification;
  departments: string[] | null;
  via: 'admin-token' | 'api-token' | 'session';
}

export function can(caller: Caller, permission: Permission): boolean {
  return PERMISSIONS[caller.role].includes(permission);
}

/** Whether the caller may see this document's content (text, images, files, snippets). */
export function canSee(
  caller: Caller,
  doc: { classification: string; department: string | null; uploadedBy: string | null },
): boolean {
  if (clearanceRank(doc.classification) > clearanceRank(caller.clearance)) return false;
  if (caller.departments && !(doc.department !== null && caller.departments.includes(doc.department))) return false;
  return can(caller, 'read') || (caller.userId !== null && doc.uploadedBy === caller.userId);
}

export function callerOf(locals: Record<string, unknown>): Caller {
  const c = locals.caller as Caller | undefined;
  if (!c) throw new DomainError('unauthorized');
  return c;
}

export function tokenMatches(token: string, given: string | undefined): boolean {
  return given !== undefined && given !== '' && crypto.timingSafeEqual(digest(given), digest(token));
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

const ADMIN_TOKEN_CALLER: Caller = {
  userId: null,
  name: 'administrator token',
  role: 'admin',
  clearance: 'secret',
  departments: null,
  via: 'admin-token',
};

const fromUser = (u: User, role: Role, via: Caller['via'], name = u.username): Caller => ({
  userId: u.id,
  name,
  role,
  clearance: (u.clearance as Classification) ?? 'public',
  departments: u.departments,
  via,
});

/** A refused request goes to the access log: who, from where, what, and the permission it lacked. */
export async function logDenied(users: UsersRepo, req: Request, caller: Caller, reason: string): Promise<void> {
  await users.logAccess({ kind: 'denied', username: caller.name, ip: req.ip, method: req.method, path: req.originalUrl, reason });
}

/** Who sent the request, or undefined. Touches the session or token it used. */
export async function identify(adminToken: string, users: UsersRepo, req: Request): Promise<Caller | undefined> {
  const m = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
  if (m) {
    if (tokenMatches(adminToken, m[1])) return ADMIN_TOKEN_CALLER;
    const u = m[1]!.startsWith('dwt_') ? await users.byToken(m[1]!) : undefined;
    return u && fromUser(u, u.tokenRole, 'api-token', `${u.username} (token ${u.tokenName})`);
  }
  const secret = cookies(req)[SESSION_COOKIE];
  if (!secret) return undefined;
  const u = await users.session(secret, SESSION_IDLE_MS);
  return u && fromUser(u, u.role, 'session');
}

/** The API's door: a known caller (401 otherwise), and the CSRF token with a session cookie. */
export function authenticate(adminToken: string, users: UsersRepo): RequestHandler {
  return (req, res, next) => {
    identify(adminToken, users, req)
      .then((caller) => {
        if (!caller) return next(new DomainError('unauthorized'));
        if (caller.via === 'session' && !csrfOk(req)) {
          return next(new DomainError('forbidden', { ar: '(رمز CSRF مفقود أو خاطئ)', en: '(missing or wrong CSRF token)' }));
        }
        res.locals.caller = caller;
        next();
      })
      .catch(next);
  };
}
