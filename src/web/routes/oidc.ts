/**
 * Single sign-on through the ministry's OpenID Connect provider, in the viewer:
 *
 *   GET /login/oidc?next=…     a fresh state, nonce and PKCE verifier (src/identity/oidc.ts), kept with `next`
 *                              in a short-lived http-only cookie; then on to the provider
 *   GET /login/oidc/callback   the provider's answer checked against that cookie (cleared: it serves once);
 *                              the person's groups mapped to a role, their account made or brought up to date
 *                              (src/identity/oidcSignIn.ts); the session started (beginSession)
 *   GET /login/oidc/onward     a page that goes on to `next` by itself
 *
 * The browser comes back from the provider by a navigation that the provider's site started, so a
 * SameSite=Strict cookie is not sent with the callback: the pending sign-in's cookie is SameSite=Lax (a
 * top-level GET navigation carries it). The session cookie is Strict, and the browser counts the redirect
 * that follows the callback as part of that same cross-site navigation, so it would arrive at `next`
 * without its session: the callback goes to the onward page instead, whose own navigation starts on this site.
 *
 * A refusal is a page that says why, with its error code's status (the provider away: 503; an answer that
 * does not check out: 400; in no mapped group, or disabled: 403; a name that is another account's: 409),
 * and goes to the access log as a failed sign-in with the reason.
 */
import { Router, type Request, type Response } from 'express';
import { DomainError, isDomainError } from '../../../kernel/errors';
import type { Logger } from '../../../kernel/log';
import { cookieName, cookieOf } from '../../auth';
import { HTTP_STATUS } from '../../http/errors';
import { createOidcClient, type OidcClient, type PendingSignIn } from '../../identity/oidc';
import { signInWithOidc } from '../../identity/oidcSignIn';
import { langOf } from '../i18n';
import { ssoOnwardPage, ssoRefusedPage } from '../pages/oidc';
import { beginSession, safeNext } from './login';
import { pageCtx, type ViewerDeps } from './shared';

const PENDING_COOKIE = 'diwan_sso';
/** How long a person may take at the provider before the attempt is forgotten. */
const PENDING_MS = 10 * 60_000;

interface Pending extends PendingSignIn {
  next: string;
}

function keepPending(req: Request, res: Response, pending: Pending): void {
  const value = Buffer.from(JSON.stringify(pending)).toString('base64url');
  res.cookie(cookieName(req, PENDING_COOKIE), value, {
    httpOnly: true,
    sameSite: 'lax',
    secure: req.secure,
    path: '/',
    maxAge: PENDING_MS,
  });
}

/** The pending sign-in this browser started, if any (and it is then forgotten). */
function takePending(req: Request, res: Response): Pending | undefined {
  const raw = cookieOf(req, PENDING_COOKIE);
  if (!raw) return undefined;
  res.clearCookie(cookieName(req, PENDING_COOKIE), { path: '/', secure: req.secure, httpOnly: true, sameSite: 'lax' });
  try {
    const p = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<Pending>;
    const fields = [p.state, p.nonce, p.verifier, p.next];
    return fields.every((f) => typeof f === 'string' && f.length > 0 && f.length < 2048) ? (p as Pending) : undefined;
  } catch {
    return undefined;
  }
}

function refuse(deps: ViewerDeps, req: Request, res: Response, e: DomainError): void {
  res
    .status(HTTP_STATUS[e.code])
    .type('html')
    .send(ssoRefusedPage(pageCtx(deps, req, res, undefined), e));
}

async function start(deps: ViewerDeps, client: OidcClient, req: Request, res: Response): Promise<void> {
  try {
    const { url, pending } = await client.begin();
    keepPending(req, res, { ...pending, next: safeNext(req.query.next) });
    res.redirect(303, url);
  } catch (e) {
    if (!isDomainError(e)) throw e;
    (res.locals.log as Logger).warn('single sign-on could not start', { error: String(e.cause ?? e) });
    refuse(deps, req, res, e);
  }
}

async function callback(deps: ViewerDeps, client: OidcClient, redirectUri: string, req: Request, res: Response): Promise<void> {
  const pending = takePending(req, res);
  const failed = (reason: string, username: string | null = null) =>
    deps.users.logAccess({ kind: 'login-failed', username, ip: req.ip, method: 'GET', path: '/login/oidc/callback', reason });
  try {
    if (!pending) throw new DomainError('sso_failed', { ar: '(لم يبدأ هذا المتصفح دخولًا)', en: '(this browser started none)' });
    // The answer's parameters, at the address the provider was given (the public one, not the one asked for).
    const here = new URL(redirectUri);
    here.search = new URL(req.originalUrl, here).search;
    const person = await client.finish(here, pending);
    const r = await signInWithOidc(deps.db, deps.identity.groups, person);
    if ('refused' in r) {
      await failed(r.reason, person.username);
      refuse(deps, req, res, r.refused);
      return;
    }
    await beginSession(deps, req, res, r.user.id, `/login/oidc/onward?next=${encodeURIComponent(pending.next)}`);
  } catch (e) {
    if (!isDomainError(e)) throw e;
    const cause = String(e.cause ?? e.messageEn);
    (res.locals.log as Logger).warn('single sign-on refused', { code: e.code, error: cause });
    await failed(`sso: ${e.code}: ${cause}`);
    refuse(deps, req, res, e);
  }
}

/** The routes of single sign-on; none when no provider is configured (DIWAN_OIDC_ISSUER). */
export function oidcRouter(deps: ViewerDeps): Router {
  const router = Router();
  const settings = deps.identity.oidc;
  if (!settings) return router;
  const redirectUri = `${deps.archive.publicUrl}/login/oidc/callback`;
  const client = createOidcClient(settings, redirectUri);
  router.get('/login/oidc', (req, res) => start(deps, client, req, res));
  router.get('/login/oidc/callback', (req, res) => callback(deps, client, redirectUri, req, res));
  router.get('/login/oidc/onward', (req, res) => {
    res.type('html').send(ssoOnwardPage(langOf(req, res), safeNext(req.query.next)));
  });
  return router;
}
