/**
 * The viewer's referral and directive routes: the inbox page, the two cards
 * on the document page (DOCUMENT_SECTIONS), and the forms they hold: refer,
 * close a referral, write a directive. A form is checked for its CSRF token
 * and the person's permission, does what the API does (the same use-case
 * functions), and goes back to the document; a refusal goes back with its
 * error code, which the card shows in words.
 */
import express, { type Request, type Response } from 'express';
import { createDirectivesRepo } from '../../../storage/repos/directives';
import { createReferralsRepo } from '../../../storage/repos/referrals';
import { isDomainError } from '../../../kernel/errors';
import { can, callerOf, type Caller, type Permission } from '../../auth';
import { addDirective } from '../../http/directives';
import { changeDeadlines, closeReferral, referDocument, referralView, scopeFor } from '../../http/referrals';
import { todayIn } from '../../http/search';
import { inboxPage } from '../pages/inbox';
import { directivesCard, referralsCard } from '../pages/referrals';
import type { DocumentSection } from './documentSections';
import { allowed, checkCsrf, pageCtx, type ViewerDeps } from './shared';

/** The referral and directive forms: an instruction of 2,000 Arabic letters is some 24 kB encoded. */
export const referralFormBody = express.urlencoded({ extended: false, limit: '64kb' });

/** The referrals card of a document the person may see. */
export const referralsSection: DocumentSection = async (deps, ctx, doc, caller) => {
  const repo = createReferralsRepo(deps.db);
  const today = todayIn(deps.archive.timeZone);
  const referrals = (await repo.forDocument(doc.id)).map((r) => referralView(r, today));
  const departments = ctx.can.refer ? (caller.departments ?? (await repo.knownDepartments())) : null;
  return referralsCard(ctx, doc.id, referrals, departments);
};

/** The directives card of a document the person may see. */
export const directivesSection: DocumentSection = async (deps, ctx, doc) =>
  directivesCard(ctx, doc.id, await createDirectivesRepo(deps.db).forDocument(doc.id));

export async function showInbox(deps: ViewerDeps, req: Request, res: Response): Promise<void> {
  if (!(await allowed(deps, req, res, 'refer'))) return;
  const caller = callerOf(res.locals);
  const asked = typeof req.query.department === 'string' && req.query.department.trim() ? req.query.department.trim() : undefined;
  const repo = createReferralsRepo(deps.db);
  const departments = caller.departments ?? (await repo.knownDepartments());
  const department = asked !== undefined && departments.includes(asked) ? asked : undefined;
  const today = todayIn(deps.archive.timeZone);
  const items = (await repo.inbox(await scopeFor(deps, caller, department), today)).map((r) => referralView(r, today));
  const canSuspend = can(caller, 'admin');
  res
    .type('html')
    .send(inboxPage(pageCtx(deps, req, res, caller), { department: department ?? null, departments, items, canSuspend }));
}

/**
 * A form's action: CSRF, then the permission, then `act`; back to `back`
 * (a path and an anchor), with the refusal's code when it was refused.
 */
async function formAction(
  deps: ViewerDeps,
  req: Request,
  res: Response,
  need: Permission,
  back: [path: string, anchor: string],
  act: (caller: Caller) => Promise<unknown>,
): Promise<void> {
  checkCsrf(req);
  if (!(await allowed(deps, req, res, need))) return;
  const [path, anchor] = back;
  try {
    await act(callerOf(res.locals));
    res.redirect(303, `${path}#${anchor}`);
  } catch (e) {
    if (!isDomainError(e) || e.code === 'internal') throw e;
    res.redirect(303, `${path}?referralError=${encodeURIComponent(e.code)}#${anchor}`);
  }
}

const documentPath = (req: Request) => `/documents/${encodeURIComponent(String(req.params.id))}`;

export const referFromPage = (deps: ViewerDeps, req: Request, res: Response) =>
  formAction(deps, req, res, 'refer', [documentPath(req), 'referrals'], (caller) =>
    referDocument(deps, caller, String(req.params.id), req.body),
  );

export const closeFromPage = (deps: ViewerDeps, req: Request, res: Response) =>
  formAction(deps, req, res, 'refer', [documentPath(req), 'referrals'], (caller) =>
    closeReferral(deps, caller, String(req.params.rid), req.body),
  );

/** Closing from the inbox, for whoever must answer a referral of a letter they may not open. */
export const closeFromInbox = (deps: ViewerDeps, req: Request, res: Response) =>
  formAction(deps, req, res, 'refer', ['/inbox', 'inbox-table'], (caller) =>
    closeReferral(deps, caller, String((req.body as Record<string, unknown>).referralId ?? ''), req.body),
  );

export const directiveFromPage = (deps: ViewerDeps, req: Request, res: Response) =>
  formAction(deps, req, res, 'direct', [documentPath(req), 'directives'], (caller) =>
    addDirective(deps, caller, String(req.params.id), req.body),
  );

/** An administrator suspends or resumes the open deadlines from the inbox page. */
export const deadlinesFromInbox = (deps: ViewerDeps, req: Request, res: Response) =>
  formAction(deps, req, res, 'admin', ['/inbox', 'deadlines'], (caller) => {
    const body = req.body as Record<string, unknown>;
    return changeDeadlines(deps, caller, body.action === 'resume' ? 'resume' : 'suspend', body);
  });
