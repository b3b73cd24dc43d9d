/**
 * The viewer's transfers page: the list, and the form that starts a transfer
 * (the same use case as POST /api/v1/transfers). A form is checked for its
 * CSRF token and the 'records' permission; the answer goes back to the page,
 * with the new transfer's command or the refusal's code. An administrator
 * ('hold') records a complete transfer's receipt from the same page (the same
 * use case as POST /api/v1/transfers/:id/receipt).
 */
import express, { type Request, type Response } from 'express';
import { listTransfers } from '../../../storage/records/transfers';
import { isDomainError } from '../../../kernel/errors';
import { isUuid } from '../../../kernel/text';
import { callerOf, identify } from '../../auth';
import { receiveTransfer, startTransfer } from '../../http/transfers';
import { transfersPage } from '../pages/transfers';
import { allowed, checkCsrf, pageCtx, type ViewerDeps } from './shared';

/** The transfer form: up to a thousand registry numbers. */
export const transferFormBody = express.urlencoded({ extended: false, limit: '64kb' });

export async function showTransfers(deps: ViewerDeps, req: Request, res: Response): Promise<void> {
  if (!(await allowed(deps, req, res, 'records'))) return;
  const created = typeof req.query.created === 'string' && isUuid(req.query.created) ? req.query.created : null;
  const error = typeof req.query.transferError === 'string' ? req.query.transferError : null;
  const received = typeof req.query.received === 'string' && isUuid(req.query.received) ? req.query.received : null;
  const items = await listTransfers(deps.db, { limit: 100 });
  res.type('html').send(transfersPage(pageCtx(deps, req, res, callerOf(res.locals)), { items, created, error, received }));
}

export async function startFromPage(deps: ViewerDeps, req: Request, res: Response): Promise<void> {
  checkCsrf(req);
  if (!(await allowed(deps, req, res, 'records'))) return;
  const form = req.body as Record<string, unknown>;
  const recipient = typeof form.recipient === 'string' ? form.recipient : '';
  const input =
    form.mode === 'due'
      ? { recipient, due: typeof form.due === 'string' ? form.due : '' }
      : {
          recipient,
          ids: String(form.ids ?? '')
            .split(/[\s,،]+/u)
            .filter(Boolean),
        };
  try {
    const id = await startTransfer(deps, callerOf(res.locals), input);
    res.redirect(303, `/records/transfers?created=${id}#transfer-created`);
  } catch (e) {
    if (!isDomainError(e) || e.code === 'internal') throw e;
    res.redirect(303, `/records/transfers?transferError=${encodeURIComponent(e.code)}`);
  }
}

/** The receipt form (POST /records/transfers/:id/receipt): signed in, CSRF, 'hold'; back to the list. */
export async function receiptFromPage(deps: ViewerDeps, req: Request, res: Response): Promise<void> {
  const caller = await identify(deps.adminToken, deps.users, req);
  if (!caller) {
    res.redirect(303, `/login?next=${encodeURIComponent('/records/transfers')}`);
    return;
  }
  res.locals.caller = caller;
  checkCsrf(req);
  if (!(await allowed(deps, req, res, 'hold'))) return;
  const form = req.body as Record<string, unknown>;
  const id = String(req.params.id);
  const input = {
    ref: typeof form.ref === 'string' ? form.ref : '',
    date: typeof form.date === 'string' ? form.date : '',
    tagmanifestSha256: typeof form.tagmanifestSha256 === 'string' ? form.tagmanifestSha256 : '',
  };
  try {
    await receiveTransfer(deps, caller, id, input);
    res.redirect(303, `/records/transfers?received=${encodeURIComponent(id)}#transfer-received`);
  } catch (e) {
    if (!isDomainError(e) || e.code === 'internal') throw e;
    res.redirect(303, `/records/transfers?transferError=${encodeURIComponent(e.code)}#transfer-error`);
  }
}
