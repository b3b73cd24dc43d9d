/**
 * Signing in and out. Sign-in takes a username and password and keeps the
 * session in an http-only, same-site cookie (with a fresh CSRF token); a
 * refused attempt goes to the access log. Sign-out ends the session.
 */
import type { Request, Response } from 'express';
import { cookieName, cookieOf, CSRF_COOKIE, csrfForSession, SESSION_ABSOLUTE_MS, SESSION_COOKIE } from '../../auth';
import { failedSignInsOfName } from '../../../storage/repos/signInLockout';
import type { Logger } from '../../../kernel/log';
import { signInWithLdap } from '../../identity/ldapSignIn';
import { loginPage } from '../pages/login';
import { askSecondFactor } from './totp';
import { checkCsrf, pageCtx, type ViewerDeps } from './shared';

/**
 * Only a path on this site may be a sign-in's destination. A browser drops tabs and line breaks from an
 * address and reads a backslash as a slash, so "/\t/evil.example" or "/\\evil.example" would leave the site:
 * any control character or backslash is refused, and the path must resolve to this site's own origin.
 */
export function safeNext(next: unknown): string {
  const fallback = '/search';
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || /[\u0000-\u001f\u007f\\]/.test(next)) {
    return fallback;
  }
  try {
    return new URL(next, 'http://x').origin === 'http://x' ? next : fallback;
  } catch {
    return fallback;
  }
}

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/g;

/** Refused sign-ins for one account, from any address, after which it is locked for the same time. */
export const LOCKOUT = { failures: 10, minutes: 15 };

export function showLogin(deps: ViewerDeps, req: Request, res: Response): void {
  const why =
    req.query.locked === '1'
      ? 'locked'
      : req.query.failed === '1'
        ? 'failed'
        : req.query.directory === 'away'
          ? 'directory'
          : req.query.expired === '1'
            ? 'expired'
            : undefined;
  res.type('html').send(loginPage(pageCtx(deps, req, res, undefined), safeNext(req.query.next), why, deps.identity.oidc?.label));
}

export async function signIn(deps: ViewerDeps, req: Request, res: Response): Promise<void> {
  checkCsrf(req);
  const body = req.body as { username?: string; password?: string; next?: string };
  const next = safeNext(body.next);
  // A name with control characters (NUL among them) is nobody's: refused like a wrong password (logged without them).
  const given = String(body.username ?? '').slice(0, 64);
  const username = given.replace(CONTROL, '');
  const plausible = username === given;
  // An account that many wrong passwords were tried on is locked for a while, whoever asks and from wherever.
  if (username && (await failedSignInsOfName(deps.db, username, LOCKOUT.minutes)) >= LOCKOUT.failures) {
    await deps.users.logAccess({ kind: 'login-failed', username, ip: req.ip, method: 'POST', path: '/login', reason: 'locked' });
    res.redirect(303, `/login?locked=1&next=${encodeURIComponent(next)}`);
    return;
  }
  let user =
    plausible && username && body.password
      ? await deps.users.authenticate(username, String(body.password).slice(0, 200))
      : undefined;
  let reason: string | undefined;
  // Not a local account's password: the ministry's directory, when there is one (local accounts first).
  if (!user && plausible && username && deps.identity.ldap) {
    const r = await signInWithLdap(deps, username, String(body.password ?? '').slice(0, 200));
    if ('unavailable' in r) {
      (res.locals.log as Logger).warn('the directory could not be asked at sign-in', { username, error: r.unavailable });
      res.redirect(303, `/login?directory=away&next=${encodeURIComponent(next)}`);
      return;
    }
    if ('user' in r) user = r.user;
    else reason = r.refused;
  }
  if (!user) {
    await deps.users.logAccess({ kind: 'login-failed', username, ip: req.ip, method: 'POST', path: '/login', reason });
    res.redirect(303, `/login?failed=1&next=${encodeURIComponent(next)}`);
    return;
  }
  // A local account with a second factor, or whose role needs one: the code comes before the session.
  if (await askSecondFactor(deps, req, res, user, next)) return;
  await beginSession(deps, req, res, user.id, next);
}

/**
 * Starts a viewer session for a person whose sign-in is complete (a password and, where required, a second
 * factor; or the ministry's directory): the session cookie, its CSRF token, and on to `next` (a safe path).
 */
export async function beginSession(deps: ViewerDeps, req: Request, res: Response, userId: string, next: string): Promise<void> {
  const secret = await deps.users.startSession(userId, SESSION_ABSOLUTE_MS);
  const secure = req.secure;
  res.cookie(cookieName(req, SESSION_COOKIE), secret, {
    httpOnly: true,
    sameSite: 'strict',
    secure,
    path: '/',
    maxAge: SESSION_ABSOLUTE_MS,
  });
  // The session's own CSRF token, readable by the viewer's script (it is also in every page).
  res.cookie(cookieName(req, CSRF_COOKIE), csrfForSession(secret), { sameSite: 'strict', secure, path: '/' });
  res.redirect(303, safeNext(next));
}

export async function signOut(deps: ViewerDeps, req: Request, res: Response): Promise<void> {
  checkCsrf(req);
  const secret = cookieOf(req, SESSION_COOKIE);
  if (secret) await deps.users.endSession(secret);
  res.clearCookie(cookieName(req, SESSION_COOKIE), { path: '/', secure: req.secure });
  res.clearCookie(cookieName(req, CSRF_COOKIE), { path: '/', secure: req.secure });
  res.redirect(303, '/login');
}
