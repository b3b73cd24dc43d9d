/**
 * Signing in and out. Sign-in takes a username and password and keeps the
 * session in an http-only, same-site cookie (with a fresh CSRF token); a
 * refused attempt goes to the access log. Sign-out ends the session.
 */
import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import { CSRF_COOKIE, SESSION_ABSOLUTE_MS, SESSION_COOKIE } from '../../auth';
import { cookies } from '../../http/cookies';
import { loginPage } from '../pages/login';
import { checkCsrf, pageCtx, type ViewerDeps } from './shared';

/** Only a path on this site may be a sign-in's destination. */
function safeNext(next: unknown): string {
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/search';
}

export function showLogin(deps: ViewerDeps, req: Request, res: Response): void {
  res.type('html').send(loginPage(pageCtx(deps, req, res, undefined), safeNext(req.query.next), req.query.failed === '1'));
}

export async function signIn(deps: ViewerDeps, req: Request, res: Response): Promise<void> {
  checkCsrf(req);
  const body = req.body as { username?: string; password?: string; next?: string };
  const next = safeNext(body.next);
  const username = String(body.username ?? '').slice(0, 64);
  const user =
    username && body.password ? await deps.users.authenticate(username, String(body.password).slice(0, 200)) : undefined;
  if (!user) {
    await deps.users.logAccess({ kind: 'login-failed', username, ip: req.ip, method: 'POST', path: '/login' });
    res.redirect(303, `/login?failed=1&next=${encodeURIComponent(next)}`);
    return;
  }
  const secret = await deps.users.startSession(user.id, SESSION_ABSOLUTE_MS);
  const secure = req.secure;
  res.cookie(SESSION_COOKIE, secret, { httpOnly: true, sameSite: 'strict', secure, path: '/', maxAge: SESSION_ABSOLUTE_MS });
  res.cookie(CSRF_COOKIE, crypto.randomBytes(18).toString('base64url'), { sameSite: 'strict', secure, path: '/' });
  res.redirect(303, next);
}

export async function signOut(deps: ViewerDeps, req: Request, res: Response): Promise<void> {
  checkCsrf(req);
  const secret = cookies(req)[SESSION_COOKIE];
  if (secret) await deps.users.endSession(secret);
  res.clearCookie(SESSION_COOKIE, { path: '/' });
  res.redirect(303, '/login');
}
