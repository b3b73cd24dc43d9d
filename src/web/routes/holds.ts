/**
 * The viewer's legal holds and disposals: /records/holds (list, place, lift), /records/disposals (the
 * requests with their counts; request by registry numbers or by a due date), /records/disposals/:id (one
 * request: decide, carry out, each document's outcome a page at a time, titles only of documents the
 * viewer may read) and the document page's card. A form is checked for its CSRF token and the person's permission, does what the
 * API does (the same use-case functions), and goes back to its page, with the refusal's code if refused.
 */
import express, { type Request, type Response, type Router } from 'express';
import { destroyedEntry } from '../../../storage/records/destroyed';
import { createDisposalsRepo, ITEMS_PAGE } from '../../../storage/records/disposals';
import { createHoldsRepo, holdSyncPending } from '../../../storage/records/holds';
import { openJob, requestJob } from '../../../storage/jobs';
import { DomainError, isDomainError } from '../../../kernel/errors';
import { pageOf } from '../../../kernel/paging';
import { parseRegistryNo } from '../../../kernel/registry';
import { isUuid } from '../../../kernel/text';
import { callerOf, type Caller, type Permission } from '../../auth';
import { decideDisposal, requestDisposal } from '../../http/disposals';
import { executable } from '../../records/dispose';
import { liftHold, placeHold } from '../../records/holds';
import { shownTo } from '../../records/visibility';
import { disposalPage, disposalsPage, holdsCard, holdsPage } from '../pages/holds';
import type { DocumentSection } from './documentSections';
import { signedIn } from './records';
import { allowed, checkCsrf, pageCtx, type ViewerDeps } from './shared';

/** The forms: up to a thousand registry numbers. */
const holdFormBody = express.urlencoded({ extended: false, limit: '64kb' });

const numbers = (v: unknown) =>
  String(v ?? '')
    .split(/[\s,،]+/u)
    .filter(Boolean);
const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** A document's holds and disposals card (shown only when it has any, or was destroyed). */
export const holdsSection: DocumentSection = async (deps, ctx, doc) => {
  const holds = await createHoldsRepo(deps.db).forDocument(doc.id);
  const disposals = await createDisposalsRepo(deps.db).forDocument(doc.id);
  const gone = (doc.status as string) === 'destroyed' ? await destroyedEntry(deps.db, doc.id) : undefined;
  return holdsCard(ctx, { holds, disposals, tombstone: gone?.tombstone ?? null });
};

async function formAction(
  deps: ViewerDeps,
  req: Request,
  res: Response,
  need: Permission,
  back: string,
  act: (caller: Caller) => Promise<unknown>,
): Promise<void> {
  checkCsrf(req);
  if (!(await allowed(deps, req, res, need))) return;
  try {
    await act(callerOf(res.locals));
    res.redirect(303, back);
  } catch (e) {
    if (!isDomainError(e) || e.code === 'internal') throw e;
    res.redirect(303, `${back}?recordsError=${encodeURIComponent(e.code)}`);
  }
}

/** Back to the request's own page after deciding or carrying it out. */
const disposalBack = (req: Request) =>
  isUuid(String(req.params.id)) ? `/records/disposals/${String(req.params.id)}` : '/records/disposals';

const errorOf = (req: Request) => (typeof req.query.recordsError === 'string' ? req.query.recordsError : null);

export function holdsViewerRouter(deps: ViewerDeps): Router {
  const router = express.Router();

  // Signed in to see or use any of these pages; then each checks its permission.
  router.use(['/records/holds', '/records/disposals'], signedIn(deps));

  router.get('/records/holds', async (req, res) => {
    const caller = callerOf(res.locals);
    if (!(await allowed(deps, req, res, 'records'))) return;
    const holds = await createHoldsRepo(deps.db).list();
    res
      .type('html')
      .send(
        holdsPage(pageCtx(deps, req, res, caller), { holds, syncPending: await holdSyncPending(deps.db), error: errorOf(req) }),
      );
  });

  router.post('/records/holds', holdFormBody, (req, res) =>
    formAction(deps, req, res, 'hold', '/records/holds', (caller) => {
      const form = req.body as Record<string, unknown>;
      const docs = numbers(form.documents);
      const query = text(form.query);
      return placeHold(deps, caller, {
        caseRef: form.caseRef,
        reason: form.reason,
        ...(docs.length > 0 || query === undefined ? { documents: docs } : { query }),
      });
    }),
  );

  router.post('/records/holds/:id/lift', holdFormBody, (req, res) =>
    formAction(deps, req, res, 'hold', '/records/holds', (caller) => liftHold(deps, caller, String(req.params.id), req.body)),
  );

  router.get('/records/disposals', async (req, res) => {
    const caller = callerOf(res.locals);
    if (!(await allowed(deps, req, res, 'records'))) return;
    const disposals = await createDisposalsRepo(deps.db).list(100);
    res.type('html').send(disposalsPage(pageCtx(deps, req, res, caller), { disposals, error: errorOf(req) }));
  });

  router.get('/records/disposals/:id', async (req, res) => {
    const caller = callerOf(res.locals);
    if (!(await allowed(deps, req, res, 'records'))) return;
    const repo = createDisposalsRepo(deps.db);
    const disposal = isUuid(req.params.id) ? await repo.get(req.params.id) : undefined;
    if (!disposal) throw new DomainError('not_found');
    const after = typeof req.query.after === 'string' ? parseRegistryNo(req.query.after) : undefined;
    const page = pageOf(await repo.itemsPage(disposal.id, after, ITEMS_PAGE + 1), ITEMS_PAGE, (i) => i.registryNo);
    const next = page.next && `/records/disposals/${disposal.id}?after=${encodeURIComponent(page.next)}`;
    res.type('html').send(
      disposalPage(pageCtx(deps, req, res, caller), {
        disposal,
        items: shownTo(caller, page.items),
        next,
        running: (await openJob(deps.db, 'disposal-execute', { disposalId: disposal.id })) ?? null,
        error: errorOf(req),
      }),
    );
  });

  router.post('/records/disposals', holdFormBody, (req, res) =>
    formAction(deps, req, res, 'records', '/records/disposals', (caller) => {
      const form = req.body as Record<string, unknown>;
      const docs = numbers(form.documents);
      const dueBefore = text(form.dueBefore);
      return requestDisposal(deps, caller, {
        title: form.title,
        ...(docs.length > 0 || dueBefore === undefined ? { documents: docs } : { dueBefore }),
      });
    }),
  );

  router.post('/records/disposals/:id/decide', holdFormBody, (req, res) =>
    formAction(deps, req, res, 'hold', disposalBack(req), (caller) => {
      const form = req.body as Record<string, unknown>;
      const approve = form.approve === 'true';
      const body = approve
        ? { approve, approvingBody: form.approvingBody, decisionNo: form.decisionNo, decisionDate: form.decisionDate }
        : { approve, note: form.note };
      return decideDisposal(deps, caller, String(req.params.id), body);
    }),
  );

  router.post('/records/disposals/:id/execute', holdFormBody, (req, res) =>
    formAction(deps, req, res, 'records', disposalBack(req), async (caller) => {
      const disposal = await executable(deps.db, String(req.params.id));
      return requestJob(deps.db, 'disposal-execute', { disposalId: disposal.id }, caller.name);
    }),
  );

  return router;
}
