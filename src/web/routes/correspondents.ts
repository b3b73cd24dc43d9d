/** The correspondents' pages' routes: a search, and one correspondent with their letters within the person's clearance. */
import type { Request, Response } from 'express';
import { createCorrespondents } from '../../../storage/repos/correspondents';
import { normalizeArabic } from '../../../search/normalize';
import { callerOf, identify } from '../../auth';
import { reachOf } from '../../http/correspondents';
import { correspondentPage, correspondentsPage } from '../pages/correspondents';
import { notFoundPage } from '../pages/errors';
import { pageCtx, type ViewerDeps } from './shared';

const PAGE = 50;

/** The signed-in person, or a redirect to the sign-in page (answers false). */
async function signedIn(deps: ViewerDeps, req: Request, res: Response): Promise<boolean> {
  const caller = await identify(deps.adminToken, deps.users, req);
  if (!caller) {
    res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
    return false;
  }
  res.locals.caller = caller;
  return true;
}

export async function showCorrespondents(deps: ViewerDeps, req: Request, res: Response): Promise<void> {
  if (!(await signedIn(deps, req, res))) return;
  const ctx = pageCtx(deps, req, res, callerOf(res.locals));
  const q = typeof req.query.q === 'string' ? req.query.q.slice(0, 300) : '';
  const items = await createCorrespondents(deps.db, normalizeArabic).search(q, 100, reachOf(callerOf(res.locals)));
  res.type('html').send(correspondentsPage(ctx, q, items));
}

export async function showCorrespondent(deps: ViewerDeps, req: Request, res: Response): Promise<void> {
  if (!(await signedIn(deps, req, res))) return;
  const caller = callerOf(res.locals);
  const ctx = pageCtx(deps, req, res, caller);
  const repo = createCorrespondents(deps.db, normalizeArabic);
  const c = await repo.get(String(req.params.id), reachOf(caller));
  if (!c) {
    res.status(404).type('html').send(notFoundPage(ctx));
    return;
  }
  const offset = Math.max(0, Math.min(1_000_000, Number(req.query.offset) || 0));
  const letters = await repo.letters(c.id, { ...reachOf(caller), limit: PAGE, offset });
  res.type('html').send(correspondentPage(ctx, c, { ...letters, limit: PAGE, offset }));
}
