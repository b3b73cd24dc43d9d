/**
 * Who is asking, and what they may do. A request proves itself with a bearer
 * token (the installation's administrator token from DIWAN_ADMIN_TOKEN or
 * <data>/admin-token, or a person's API token) or with the viewer's session
 * cookie (http-only, same-site; `__Host-` prefixed behind TLS, so no sibling
 * site can plant one); a cookie-authenticated request that changes something
 * must also carry the CSRF token, bound to the session (an HMAC of its secret),
 * in `x-csrf-token`, a `_csrf` form field or query parameter. Before sign-in
 * the sign-in form itself uses a double-submit cookie.
 *
 * A person's API token is answered from the process's cache of tokens it verified lately, which every change
 * to the person or the token empties at once in every process (storage/repos/tokenCache.ts); sessions are
 * always checked in the database (they also end after idling, and a browser sends few requests).
 *
 * A role says which actions a person may take (PERMISSIONS); a clearance how
 * secret a document they may read and file; departments whose documents (null:
 * every department; an empty list: none). Every route's permission is in one
 * table (src/http/policy.ts).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Request, RequestHandler } from 'express';
import type { Role, User, UsersRepo } from '../storage/repos/users';
import { cookies } from './http/cookies';
import { DomainError } from '../kernel/errors';
import { clearanceRank, isClassification, type Classification } from '../kernel/clearance';

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

/**
 * A cookie's name on this request: with the `__Host-` prefix over TLS (the browser then takes it only
 * when Secure, for this host and path /), its plain name over plain HTTP (a workstation, the tests).
 */
export function cookieName(req: Request, base: string): string {
  return req.secure ? `__Host-${base}` : base;
}

/** The request's own cookie `base`, under the name this request must use (a plain one is ignored over TLS). */
export function cookieOf(req: Request, base: string): string | undefined {
  return cookies(req)[cookieName(req, base)];
}

/** The CSRF token of a session: derived from its secret, so it is good for that session only. */
export function csrfForSession(secret: string): string {
  return crypto.createHmac('sha256', secret).update('diwan-csrf').digest('base64url');
}
/** A session ends after this long without a request, and in any case this long after sign-in. */
export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_ABSOLUTE_MS = 12 * 3600_000;

export type Permission =
  | 'upload'
  | 'read'
  | 'search'
  | 'reocr'
  | 'audit'
  | 'admin'
  /** The registry's books: correspondents, links between letters, corrections of a record, receipts, the day's book. */
  | 'register'
  /** Referring a document to a department or a person, and closing the referral; the inbox. */
  | 'refer'
  /** Writing a directive (تأشيرة) on a document. */
  | 'direct'
  /** Correcting the recognised text of a page by hand. */
  | 'correct-text'
  /** The retention schedule, the lists of what is due, disposal requests and transfers to another archive. */
  | 'records'
  /** Putting documents on legal hold and lifting holds; recording the approving body's decision on a disposal. */
  | 'hold';

export const PERMISSIONS: Record<Role, readonly Permission[]> = {
  // Sends batches and follows them; reads only what they sent themselves.
  clerk: ['upload', 'register', 'refer', 'correct-text'],
  // Searches and reads within clearance; asks for a poor reading to be read again.
  official: ['read', 'search', 'reocr', 'refer', 'direct', 'correct-text'],
  // Verifies, runs fixity, reads the ledger and audit pages; reads content only within clearance.
  auditor: ['read', 'search', 'audit'],
  // The records manager (أمين المحفوظات): the retention schedule, what is due, disposal requests, transfers.
  archivist: ['read', 'search', 'records'],
  // Users, tokens and settings besides everything else. A record is destroyed only by an approved disposal.
  admin: [
    'upload',
    'read',
    'search',
    'reocr',
    'audit',
    'admin',
    'register',
    'refer',
    'direct',
    'correct-text',
    'records',
    'hold',
  ],
};

export interface Caller {
  /** null for the installation's administrator token. */
  userId: string | null;
  /** Who, as the ledger records it. */
  name: string;
  role: Role;
  clearance: Classification;
  /** The departments whose documents they may see and file: null for every department, [] for none. */
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
  // An unknown classification fails closed: above every clearance, seen by an administrator only.
  const known = isClassification(doc.classification);
  if (known ? clearanceRank(doc.classification) > clearanceRank(caller.clearance) : caller.role !== 'admin') return false;
  if (!inDepartments(caller, doc.department)) return false;
  return can(caller, 'read') || (caller.userId !== null && doc.uploadedBy === caller.userId);
}

/** Whether `department` is one of the caller's (every one when they are not scoped; none for an empty list). */
function inDepartments(caller: Caller, department: string | null): boolean {
  return caller.departments === null || (department !== null && caller.departments.includes(department));
}

/**
 * A person files a document only into their own departments, and at most at
 * their own clearance: what they file, they could read. Refused with 403 otherwise.
 */
export function checkMayFile(caller: Caller, meta: { classification: string; department: string | null }): void {
  if (clearanceRank(meta.classification) > clearanceRank(caller.clearance)) {
    throw new DomainError('forbidden', {
      ar: `(لا تُودِع وثيقة بتصنيف أعلى من درجة اطلاعك: ${caller.clearance})`,
      en: `(you may not file a document classified above your clearance, ${caller.clearance})`,
    });
  }
  if (!inDepartments(caller, meta.department)) {
    const mine = caller.departments?.join('، ') ?? '';
    throw new DomainError('forbidden', {
      ar: mine ? `(تُودِع الوثائق في أقسامك فقط: ${mine})` : '(ليس لك قسم تُودِع فيه)',
      en: mine ? `(you may file only into your own departments: ${mine})` : '(you have no department to file into)',
    });
  }
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
  const session = cookieOf(req, SESSION_COOKIE);
  // With a session, only its own token; before sign-in, the double-submit cookie.
  const expected = session ? csrfForSession(session) : cookieOf(req, CSRF_COOKIE);
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
  clearance: isClassification(u.clearance) ? u.clearance : 'public',
  departments: u.departments,
  via,
});

/**
 * The role a token acts in now: never more than its user's current role (a directory account's role follows its
 * groups; an administrator may be made something else). The token's own role when the user's role still covers
 * it; the user's role when the token's covers that (an administrator's token of a person no longer one); none
 * when neither covers the other (the token acts in no role until a new one is made).
 */
export function tokenRoleNow(tokenRole: Role, userRole: Role): Role | undefined {
  const covers = (a: Role, b: Role) => PERMISSIONS[b].every((p) => PERMISSIONS[a].includes(p));
  if (covers(userRole, tokenRole)) return tokenRole;
  if (covers(tokenRole, userRole)) return userRole;
  return undefined;
}

/** A refused request goes to the access log: who, from where, what, and the permission it lacked. */
export async function logDenied(users: UsersRepo, req: Request, caller: Caller, reason: string): Promise<void> {
  await users.logAccess({ kind: 'denied', username: caller.name, ip: req.ip, method: req.method, path: req.originalUrl, reason });
}

/**
 * Every read of a document's content is evidence, like a download: who, what,
 * when, from where. Each read is kept in the record of reads; the first of its
 * kind by this person in the hour is also a ledger entry. A HEAD reads nothing
 * and records nothing.
 */
export async function recordContentRead(
  users: UsersRepo,
  req: Request,
  caller: Caller,
  doc: { id: string; registryNo: string },
  read: { event: 'viewed' | 'downloaded'; what: string; detail?: Record<string, unknown> },
): Promise<void> {
  if (req.method === 'HEAD') return;
  const ip = req.ip ?? null;
  await users.recordRead(
    {
      documentId: doc.id,
      event: read.event,
      what: read.what,
      by: caller.name,
      userId: caller.userId,
      ip,
      payload: { registryNo: doc.registryNo, ...read.detail, by: caller.name, ip },
    },
    caller.userId ?? caller.name,
  );
}

/** Who sent the request, or undefined. Touches the session or token it used. */
export async function identify(adminToken: string, users: UsersRepo, req: Request): Promise<Caller | undefined> {
  const m = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
  if (m) {
    if (tokenMatches(adminToken, m[1])) return ADMIN_TOKEN_CALLER;
    const u = m[1]!.startsWith('dwt_') ? await users.byToken(m[1]!) : undefined;
    const role = u && tokenRoleNow(u.tokenRole, u.role);
    return u && role && fromUser(u, role, 'api-token', `${u.username} (token ${u.tokenName})`);
  }
  const secret = cookieOf(req, SESSION_COOKIE);
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
