/**
 * The viewer: server-rendered pages for clerks, officials and auditors, from
 * the same Express app as the API. Sign-in takes the access token and keeps it
 * in an http-only, same-site cookie; every page is Arabic and right-to-left
 * unless English is asked for. A strict Content-Security-Policy: only this
 * origin's stylesheet, script, fonts and images. Everything is served locally.
 *
 * This file wires the routes; each page's handlers are in routes/, its HTML
 * in pages/.
 */
import fs from 'node:fs';
import path from 'node:path';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { fontFile } from '../../ingest/adapters/fonts';
import { DomainError } from '../../kernel/errors';
import { can, callerOf, identify } from '../auth';
import { rateLimit } from '../http/rateLimit';
import { showAudit, verifyFileRoute } from './routes/audit';
import { showDocument, verifyNow } from './routes/document';
import { showLogin, signIn, signOut } from './routes/login';
import { checkCode, confirmEnrol, confirmOwnEnrol, showAccount, showCode, showEnrol, showOwnEnrol } from './routes/totp';
import { oidcRouter } from './routes/oidc';
import { showSearch } from './routes/search';
import { formBody, type ViewerDeps } from './routes/shared';
import { showUpload } from './routes/upload';
import { showCorrespondent, showCorrespondents } from './routes/correspondents';
import { correctionBody, saveEdit, saveText, showEdit, showText } from './routes/corrections';
import { showBooks } from './routes/books';
import { recordsViewerRouter } from './routes/records';
import { holdsViewerRouter } from './routes/holds';
import {
  closeFromInbox,
  closeFromPage,
  deadlinesFromInbox,
  directiveFromPage,
  referFromPage,
  referralFormBody,
  showInbox,
} from './routes/referrals';
import {
  receiptFromPage as transferReceiptFromPage,
  showTransfers,
  startFromPage as startTransferFromPage,
  transferFormBody,
} from './routes/transfers';

export type { ViewerDeps };

/** Only this origin's files; no inline script or style, no framing, no plugins. */
export const CSP_DIRECTIVES: Record<string, string[]> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'"],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"],
  'object-src': ["'none'"],
};

/** The viewer's files: beside this module when built, or in the source tree. */
function assetsDir(): string {
  const candidates = [path.join(__dirname, 'assets'), path.resolve(__dirname, '..', '..', '..', 'src', 'web', 'assets')];
  return candidates.find((d) => fs.existsSync(path.join(d, 'viewer.css')))!;
}

/** The stylesheet, script, icon and the two fonts the stylesheet names. */
function serveAssets(router: Router): void {
  const fonts: Record<string, string> = {
    'sans-regular.ttf': fontFile('sans').file,
    'sans-bold.ttf': fontFile('sans-bold').file,
  };
  router.get('/assets/fonts/:file', (req, res, next) => {
    const file = fonts[String(req.params.file)];
    if (!file) return next(new DomainError('not_found'));
    res.set('Cache-Control', 'public, max-age=604800');
    res.type('font/ttf').sendFile(file);
  });
  router.get('/favicon.ico', (_req, res) => res.redirect(301, '/assets/icon.svg'));
  router.use('/assets', express.static(assetsDir(), { maxAge: '1h', index: false, fallthrough: false }));
}

/** The pages that need a signed-in person (besides everything under /documents/). */
const SIGNED_IN_PAGES = [
  '/',
  '/search',
  '/upload',
  '/audit',
  '/logout',
  '/audit/verify-file',
  '/books',
  '/inbox',
  '/inbox/deadlines',
  '/records/transfers',
  '/account',
  '/account/second-factor',
];

/** Sends a visitor who is not signed in to the sign-in page, and back here afterwards. */
function requireSignIn(deps: ViewerDeps) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!SIGNED_IN_PAGES.includes(req.path) && !req.path.startsWith('/documents/')) {
      next();
      return;
    }
    identify(deps.adminToken, deps.users, req)
      .then((caller) => {
        if (!caller) {
          res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
          return;
        }
        res.locals.caller = caller;
        next();
      })
      .catch(next);
  };
}

/** The start page: the first section this person's role has. */
function home(_req: Request, res: Response): void {
  const caller = callerOf(res.locals);
  res.redirect(302, can(caller, 'search') ? '/search' : can(caller, 'upload') ? '/upload' : '/audit');
}

export function viewerRouter(deps: ViewerDeps): Router {
  const router = Router();
  serveAssets(router);

  router.get('/login', (req, res) => showLogin(deps, req, res));
  router.post('/login', rateLimit(deps.db, 'login', 10), formBody, (req, res) => signIn(deps, req, res));
  // The second step of a local account's sign-in (a TOTP code), or setting one up when the role needs it.
  router.get('/login/code', (req, res) => showCode(deps, req, res));
  router.post('/login/code', rateLimit(deps.db, 'login-code', 10), formBody, (req, res) => checkCode(deps, req, res));
  router.get('/login/enrol', (req, res) => showEnrol(deps, req, res));
  router.post('/login/enrol', rateLimit(deps.db, 'login-code', 10), formBody, (req, res) => confirmEnrol(deps, req, res));
  // Single sign-on through the OpenID Connect provider, when one is configured.
  router.use(oidcRouter(deps));

  // Everything below needs a signed-in person.
  router.use(requireSignIn(deps));
  router.post('/logout', formBody, (req, res) => signOut(deps, req, res));
  router.get('/', home);
  router.get('/account', (req, res) => showAccount(deps, req, res));
  router.get('/account/second-factor', (req, res) => showOwnEnrol(deps, req, res));
  router.post('/account/second-factor', formBody, (req, res) => confirmOwnEnrol(deps, req, res));
  router.get('/search', (req, res) => showSearch(deps, req, res));
  router.get('/documents/:id', (req, res) => showDocument(deps, req, res));
  router.post('/documents/:id/verify', formBody, (req, res) => verifyNow(deps, req, res));
  router.get('/upload', (req, res) => showUpload(deps, req, res));
  router.get('/audit', (req, res) => showAudit(deps, req, res));
  router.post('/audit/verify-file', ...verifyFileRoute(deps));
  router.get('/books', (req, res) => showBooks(deps, req, res));
  router.get('/inbox', (req, res) => showInbox(deps, req, res));
  router.post('/inbox', referralFormBody, (req, res) => closeFromInbox(deps, req, res));
  router.post('/inbox/deadlines', referralFormBody, (req, res) => deadlinesFromInbox(deps, req, res));
  router.post('/documents/:id/referrals', referralFormBody, (req, res) => referFromPage(deps, req, res));
  router.post('/documents/:id/referrals/:rid/close', referralFormBody, (req, res) => closeFromPage(deps, req, res));
  router.post('/documents/:id/directives', referralFormBody, (req, res) => directiveFromPage(deps, req, res));

  router.get('/documents/:id/edit', (req, res) => showEdit(deps, req, res));
  router.post('/documents/:id/edit', correctionBody, (req, res) => saveEdit(deps, req, res));
  router.get('/documents/:id/pages/:n/text', (req, res) => showText(deps, req, res));
  router.post('/documents/:id/pages/:n/text', correctionBody, (req, res) => saveText(deps, req, res));
  router.get('/correspondents', (req, res) => showCorrespondents(deps, req, res));
  router.get('/correspondents/:id', (req, res) => showCorrespondent(deps, req, res));
  router.get('/records/transfers', (req, res) => showTransfers(deps, req, res));
  router.post('/records/transfers', transferFormBody, (req, res) => startTransferFromPage(deps, req, res));
  // The retention schedule, the due list and a document's file closed (signs in and checks roles itself).
  router.use(recordsViewerRouter(deps));
  // Legal holds and disposals (signs in and checks roles itself).
  router.use(holdsViewerRouter(deps));
  // A transfer's receipt recorded by an administrator (signs in and checks the role itself).
  router.post('/records/transfers/:id/receipt', transferFormBody, (req, res) => transferReceiptFromPage(deps, req, res));
  return router;
}
