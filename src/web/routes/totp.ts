/**
 * The second factor of local accounts in the viewer (TOTP, src/identity/totp.ts).
 *
 *   POST /login, right password ──► askSecondFactor
 *     ├─ no factor, none required for the role ──► session (as before)
 *     ├─ a confirmed factor ──► pending sign-in ──► /login/code ──► right code ──► session
 *     └─ none, but the role needs one ──► pending sign-in + a new secret ──► /login/enrol (QR, key)
 *                                                                           ──► its code ──► confirmed, session
 *
 * The pending sign-in is a row (storage/repos/secondFactors.ts) named by a random secret in an http-only,
 * same-site cookie and alive for five minutes; the session starts only after the code. A code is accepted
 * once (the last step accepted is kept); a wrong or reused one is a refused sign-in in the access log, so it
 * counts toward the account's lock-out like a wrong password. Directory accounts are not asked here, nor is
 * the installation's administrator token.
 *
 * A person also sets one up of their own accord from /account.
 */
import type { Request, Response } from 'express';
import type { Logger } from '../../../kernel/log';
import { SecondFactorUnreadable } from '../../../storage/repos/secondFactors';
import type { User } from '../../../storage/repos/users';
import { failedSignInsOfName } from '../../../storage/repos/signInLockout';
import { callerOf, cookieName, cookieOf } from '../../auth';
import { matchTotp, newTotpSecret, totpUri } from '../../identity/totp';
import { accountPage, codePage, enrolPage } from '../pages/totp';
import { beginSession, LOCKOUT } from './login';
import { checkCsrf, pageCtx, type ViewerDeps } from './shared';

/** How long a sign-in may wait between the password and the code. */
export const PENDING_MS = 5 * 60_000;
const PENDING_COOKIE = 'diwan_pending';

function setPendingCookie(req: Request, res: Response, secret: string): void {
  res.cookie(cookieName(req, PENDING_COOKIE), secret, {
    httpOnly: true,
    sameSite: 'strict',
    secure: req.secure,
    path: '/',
    maxAge: PENDING_MS,
  });
}

function clearPendingCookie(req: Request, res: Response): void {
  res.clearCookie(cookieName(req, PENDING_COOKIE), { path: '/', secure: req.secure });
}

/** Pages that show a secret, or ask for a code: never kept by the browser or a proxy (the back button fetches anew). */
function noStore(res: Response): void {
  res.set('Cache-Control', 'no-store');
}

/** The issuer an authenticator app shows beside the account: this archive's organisation. */
const issuerOf = (deps: ViewerDeps) => deps.archive.organisationEn;

/**
 * After a right password: when the account has a second factor, or its role needs one, the sign-in is
 * left pending (the answer is sent: on to the code, or to setting one up) and true is returned; otherwise
 * false, and the caller starts the session.
 */
export async function askSecondFactor(deps: ViewerDeps, req: Request, res: Response, user: User, next: string): Promise<boolean> {
  if (user.source !== 'local') return false;
  const enrolled = (await deps.secondFactors.state(user.id)) !== undefined;
  if (!enrolled && !deps.identity.totpRequired.includes(user.role)) return false;
  // A new secret at each sign-in that must set one up: one seen in an earlier, unfinished attempt is no longer good.
  if (!enrolled) await deps.secondFactors.propose(user.id, newTotpSecret, false);
  setPendingCookie(req, res, await deps.secondFactors.startPending(user.id, next, PENDING_MS));
  res.redirect(303, enrolled ? '/login/code' : '/login/enrol');
  return true;
}

interface Pending {
  secret: string;
  user: User;
  next: string;
}

/** The pending sign-in of this browser; when there is none (or it ran out), the way back to the password is sent. */
async function pendingOf(deps: ViewerDeps, req: Request, res: Response): Promise<Pending | undefined> {
  const secret = cookieOf(req, PENDING_COOKIE);
  const p = secret ? await deps.secondFactors.pending(secret) : undefined;
  const user = p && (await deps.users.get(p.userId));
  if (secret && p && user && !user.disabled) return { secret, user, next: p.next };
  clearPendingCookie(req, res);
  res.redirect(303, secret ? '/login?expired=1' : '/login');
  return undefined;
}

/** Whether the account is locked (too many refused sign-ins): if so the pending sign-in ends and the answer is sent. */
async function lockedOut(deps: ViewerDeps, req: Request, res: Response, p: Pending): Promise<boolean> {
  if ((await failedSignInsOfName(deps.db, p.user.username, LOCKOUT.minutes)) < LOCKOUT.failures) return false;
  await deps.users.logAccess({
    kind: 'login-failed',
    username: p.user.username,
    ip: req.ip,
    method: 'POST',
    path: req.path,
    reason: 'locked',
  });
  await deps.secondFactors.endPending(p.secret);
  clearPendingCookie(req, res);
  res.redirect(303, `/login?locked=1&next=${encodeURIComponent(p.next)}`);
  return true;
}

/** A wrong or reused code: a refused sign-in (it counts toward the lock-out), and the same page again. */
async function refuseCode(deps: ViewerDeps, req: Request, res: Response, p: Pending, again: string): Promise<void> {
  await deps.users.logAccess({
    kind: 'login-failed',
    username: p.user.username,
    ip: req.ip,
    method: 'POST',
    path: req.path,
    reason: 'wrong or reused second-factor code',
  });
  res.redirect(303, `${again}?wrong=1`);
}

async function complete(deps: ViewerDeps, req: Request, res: Response, p: Pending): Promise<void> {
  await deps.secondFactors.endPending(p.secret);
  clearPendingCookie(req, res);
  await beginSession(deps, req, res, p.user.id, p.next);
}

const typedCode = (req: Request) => String((req.body as { code?: unknown }).code ?? '').slice(0, 20);
const wrongAsked = (req: Request) => (req.query.wrong === '1' ? 'wrong' : undefined);

export async function showCode(deps: ViewerDeps, req: Request, res: Response): Promise<void> {
  const p = await pendingOf(deps, req, res);
  if (!p) return;
  if (!(await deps.secondFactors.state(p.user.id))) return res.redirect(303, '/login/enrol');
  noStore(res);
  res.type('html').send(codePage(pageCtx(deps, req, res, undefined), p.user.username, wrongAsked(req)));
}

export async function checkCode(deps: ViewerDeps, req: Request, res: Response): Promise<void> {
  checkCsrf(req);
  const p = await pendingOf(deps, req, res);
  if (!p || (await lockedOut(deps, req, res, p))) return;
  let factor;
  try {
    factor = await deps.secondFactors.confirmed(p.user.id);
  } catch (e) {
    if (!(e instanceof SecondFactorUnreadable)) throw e;
    // The signing key was replaced (or the row altered): no code can be checked until an administrator resets it.
    (res.locals.log as Logger).error('a second factor does not open', { username: p.user.username, error: e.message });
    noStore(res);
    res
      .status(409)
      .type('html')
      .send(codePage(pageCtx(deps, req, res, undefined), p.user.username, 'unreadable'));
    return;
  }
  if (!factor) return res.redirect(303, '/login/enrol');
  const step = matchTotp(factor.secret, typedCode(req), { after: factor.lastStep });
  // Kept only when later than the last step used: of two uses of one code, even at the same moment, one wins.
  if (step === undefined || !(await deps.secondFactors.useStep(p.user.id, step))) {
    return refuseCode(deps, req, res, p, '/login/code');
  }
  await complete(deps, req, res, p);
}

export async function showEnrol(deps: ViewerDeps, req: Request, res: Response): Promise<void> {
  const p = await pendingOf(deps, req, res);
  if (!p) return;
  const secret = await deps.secondFactors.propose(p.user.id, newTotpSecret, true);
  if (!secret) return res.redirect(303, '/login/code');
  const ctx = pageCtx(deps, req, res, undefined);
  const uri = totpUri(secret, p.user.username, issuerOf(deps));
  noStore(res);
  res
    .type('html')
    .send(enrolPage(ctx, { account: p.user.username, uri, secret, action: '/login/enrol', required: true }, wrongAsked(req)));
}

export async function confirmEnrol(deps: ViewerDeps, req: Request, res: Response): Promise<void> {
  checkCsrf(req);
  const p = await pendingOf(deps, req, res);
  if (!p || (await lockedOut(deps, req, res, p))) return;
  const secret = await deps.secondFactors.proposal(p.user.id);
  if (!secret) return res.redirect(303, (await deps.secondFactors.state(p.user.id)) ? '/login/code' : '/login/enrol');
  const step = matchTotp(secret, typedCode(req));
  if (step === undefined || !(await deps.secondFactors.confirm(p.user.id, step))) {
    return refuseCode(deps, req, res, p, '/login/enrol');
  }
  await complete(deps, req, res, p);
}

/** The signed-in person's own account, when it is one (not the administrator token). */
async function ownAccount(deps: ViewerDeps, res: Response): Promise<User | undefined> {
  const caller = callerOf(res.locals);
  return caller.userId === null ? undefined : deps.users.get(caller.userId);
}

export async function showAccount(deps: ViewerDeps, req: Request, res: Response): Promise<void> {
  const caller = callerOf(res.locals);
  const user = await ownAccount(deps, res);
  const state = user && user.source === 'local' ? await deps.secondFactors.state(user.id) : undefined;
  noStore(res);
  res.type('html').send(
    accountPage(pageCtx(deps, req, res, caller), {
      username: user?.username ?? caller.name,
      displayName: user?.displayName ?? caller.name,
      role: caller.role,
      source: user?.source ?? 'token',
      secondFactorSince: state?.confirmedAt ?? null,
      done: req.query.done === '1',
    }),
  );
}

/** Setting up a second factor of one's own accord (a local account that has none). */
export async function showOwnEnrol(deps: ViewerDeps, req: Request, res: Response): Promise<void> {
  const user = await ownAccount(deps, res);
  const secret = user?.source === 'local' ? await deps.secondFactors.propose(user.id, newTotpSecret, true) : undefined;
  if (!user || !secret) return res.redirect(303, '/account');
  const ctx = pageCtx(deps, req, res, callerOf(res.locals));
  const uri = totpUri(secret, user.username, issuerOf(deps));
  noStore(res);
  res
    .type('html')
    .send(
      enrolPage(ctx, { account: user.username, uri, secret, action: '/account/second-factor', required: false }, wrongAsked(req)),
    );
}

export async function confirmOwnEnrol(deps: ViewerDeps, req: Request, res: Response): Promise<void> {
  checkCsrf(req);
  const user = await ownAccount(deps, res);
  const secret = user?.source === 'local' ? await deps.secondFactors.proposal(user.id) : undefined;
  if (!user || !secret) return res.redirect(303, '/account');
  const step = matchTotp(secret, typedCode(req));
  if (step === undefined || !(await deps.secondFactors.confirm(user.id, step))) {
    return res.redirect(303, '/account/second-factor?wrong=1');
  }
  res.redirect(303, '/account?done=1');
}
