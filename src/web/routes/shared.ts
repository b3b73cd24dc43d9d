/**
 * What every viewer route uses: the services it reads from, the page context
 * (language, CSRF token, what this person may do), the CSRF check for forms,
 * and the refusal of a page this person's role does not have.
 */
import crypto from 'node:crypto';
import express, { type Request, type Response } from 'express';
import type { BatchesRepo } from '../../../storage/repos/batches';
import type { Db } from '../../../storage/db';
import type { DocumentsRepo } from '../../../storage/repos/documents';
import type { ObjectStore } from '../../../storage/objectStore';
import type { UsersRepo } from '../../../storage/repos/users';
import type { SecondFactorsRepo } from '../../../storage/repos/secondFactors';
import type { SearchIndex } from '../../../search/searchIndex';
import { DomainError } from '../../../kernel/errors';
import {
  can,
  callerOf,
  cookieName,
  cookieOf,
  CSRF_COOKIE,
  csrfForSession,
  csrfOk,
  logDenied,
  SESSION_COOKIE,
  type Caller,
  type Permission,
} from '../../auth';
import type { Config } from '../../config';
import { langOf, type Lang } from '../i18n';
import type { PageCtx } from '../layout';
import { forbiddenPage } from '../pages/errors';

export interface ViewerDeps {
  adminToken: string;
  users: UsersRepo;
  db: Db;
  documents: DocumentsRepo;
  batches: BatchesRepo;
  search: SearchIndex;
  primary: ObjectStore;
  offsite: ObjectStore;
  archive: Config['archive'];
  signingKeyPem: string;
  spoolDir: string;
  maxFileBytes: number;
  /** Pages read below this confidence are flagged for review (their search records say so). */
  reviewBelow: number;
  /** Days to act on a referral when no due date is given. */
  referralDays: number;
  /** Sign-in through the ministry's directory (LDAP, OpenID Connect) and the second factor's settings. */
  identity: Config['identity'];
  /** Local accounts' second factors (TOTP) and sign-ins waiting for one. */
  secondFactors: SecondFactorsRepo;
}

/** A small urlencoded form (sign-in, sign-out, verify). */
export const formBody = express.urlencoded({ extended: false, limit: '8kb' });

/** The page context: language, CSRF token (made when missing), what this person may do. */
export function pageCtx(deps: ViewerDeps, req: Request, res: Response, caller: Caller | undefined): PageCtx {
  const lang: Lang = langOf(req, res);
  const session = cookieOf(req, SESSION_COOKIE);
  let csrf = session ? csrfForSession(session) : cookieOf(req, CSRF_COOKIE);
  if (!csrf || csrf.length < 16) {
    csrf = crypto.randomBytes(18).toString('base64url');
    res.cookie(cookieName(req, CSRF_COOKIE), csrf, { sameSite: 'strict', secure: req.secure, path: '/' });
  }
  // Each page shows only the actions of this person's role.
  return {
    lang,
    csrf,
    url: req.originalUrl,
    signedIn: caller !== undefined,
    can: {
      search: caller !== undefined && can(caller, 'search'),
      upload: caller !== undefined && can(caller, 'upload'),
      audit: caller !== undefined && can(caller, 'audit'),
      register: caller !== undefined && can(caller, 'register'),
      refer: caller !== undefined && can(caller, 'refer'),
      direct: caller !== undefined && can(caller, 'direct'),
      correctText: caller !== undefined && can(caller, 'correct-text'),
      records: caller !== undefined && can(caller, 'records'),
      hold: caller !== undefined && can(caller, 'hold'),
    },
    timeZone: deps.archive.timeZone,
  };
}

/** A form that changes something must carry the CSRF token. */
export function checkCsrf(req: Request): void {
  if (!csrfOk(req)) throw new DomainError('forbidden', { ar: '(رمز CSRF مفقود أو خاطئ)', en: '(missing or wrong CSRF token)' });
}

/** Whether the signed-in person's role has `need`; if not, the refusal is sent and logged. */
export async function allowed(deps: ViewerDeps, req: Request, res: Response, need: Permission): Promise<boolean> {
  const caller = callerOf(res.locals);
  if (can(caller, need)) return true;
  await logDenied(deps.users, req, caller, `needs ${need}`);
  res
    .status(403)
    .type('html')
    .send(forbiddenPage(pageCtx(deps, req, res, caller)));
  return false;
}
