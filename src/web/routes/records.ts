/**
 * The records pages' routes: the hub (/records), the retention schedule (/records/rules, its forms), the due
 * list (/records/due: titles only of documents the visitor may read; an error, never an empty list, when it
 * cannot be read), the document page's retention card and its "close the file" button. Reading needs
 * 'records' or 'audit'; changing the schedule 'records'; closing a file 'register' or 'records'. The
 * changes go through the same functions as the API.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { DomainError, isDomainError } from '../../../kernel/errors';
import { listRegisters } from '../../../storage/repos/registers';
import { ACTIONS, changeRule, createRule, listRules, type RuleFields } from '../../../storage/records/rules';
import { closeFile, documentRetention, dueDocuments } from '../../../storage/records/retention';
import { can, callerOf, identify, logDenied, type Caller } from '../../auth';
import { afterRuleChange, dueView } from '../../http/retention';
import { requestRelockIfNeeded } from '../../../storage/records/lockExtension';
import { visibleDocument } from '../../http/corrections';
import type { DocumentSection } from './documentSections';
import { duePage, recordsHubPage, retentionCard, rulesPage } from '../pages/records';
import { forbiddenPage } from '../pages/errors';
import { checkCsrf, formBody, pageCtx, type ViewerDeps } from './shared';

const canRead = (c: Caller) => can(c, 'records') || can(c, 'audit');

/**
 * Sends a visitor who is not signed in to the sign-in page; refuses (logged) one whose role lacks `ok`
 * (without `ok`: any signed-in person goes on, each route checking its own permission).
 */
export function signedIn(deps: ViewerDeps, ok: (c: Caller) => boolean = () => true, need = '') {
  return (req: Request, res: Response, next: NextFunction) => {
    identify(deps.adminToken, deps.users, req)
      .then(async (caller) => {
        if (!caller) {
          res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
          return;
        }
        res.locals.caller = caller;
        if (ok(caller)) {
          next();
          return;
        }
        await logDenied(deps.users, req, caller, `needs ${need}`);
        res
          .status(403)
          .type('html')
          .send(forbiddenPage(pageCtx(deps, req, res, caller)));
      })
      .catch(next);
  };
}

const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

/** A rule form's fields as the rules repository takes them (checked there and by its own refusals). */
function formFields(body: Record<string, unknown>): RuleFields {
  const trigger = z.enum(['registered', 'closed', 'date']).catch('registered').parse(body.trigger);
  const period = text(body.period);
  return {
    nameAr: text(body.nameAr) ?? '',
    nameEn: text(body.nameEn),
    docType: text(body.docType),
    register: text(body.register),
    classification: text(body.classification),
    priority: Number.isInteger(Number(body.priority)) && text(body.priority) !== null ? Number(body.priority) : 100,
    period: period === null || period === 'permanent' ? null : period,
    trigger,
    triggerDate: trigger === 'date' ? text(body.triggerDate) : null,
    action: z.enum(ACTIONS).catch('review').parse(body.action),
  };
}

/** Runs a form's change; back to `back`, with the refusal's code when it was refused. */
async function formAction(req: Request, res: Response, back: string, anchor: string, act: (c: Caller) => Promise<unknown>) {
  checkCsrf(req);
  try {
    await act(callerOf(res.locals));
    res.redirect(303, `${back}#${anchor}`);
  } catch (e) {
    if (!isDomainError(e) || e.code === 'internal') throw e;
    res.redirect(303, `${back}?error=${encodeURIComponent(e.code)}#${anchor}`);
  }
}

const errorOf = (req: Request) => (typeof req.query.error === 'string' ? req.query.error.slice(0, 60) : undefined);

export function recordsViewerRouter(deps: ViewerDeps): Router {
  const router = Router();
  const read = signedIn(deps, canRead, 'records');
  const keep = signedIn(deps, (c) => can(c, 'records'), 'records');

  router.get('/records', read, (req, res) => {
    res.type('html').send(recordsHubPage(pageCtx(deps, req, res, callerOf(res.locals))));
  });

  router.get('/records/rules', read, async (req, res) => {
    const caller = callerOf(res.locals);
    const [rules, registers] = await Promise.all([listRules(deps.db), listRegisters(deps.db)]);
    res
      .type('html')
      .send(
        rulesPage(pageCtx(deps, req, res, caller), { rules, registers, canChange: can(caller, 'records'), error: errorOf(req) }),
      );
  });

  router.post('/records/rules', keep, formBody, (req, res) =>
    formAction(req, res, '/records/rules', 'rules', async (caller) => {
      const body = req.body as Record<string, unknown>;
      const rule = await createRule(deps.db, String(body.code ?? ''), formFields(body), caller.name);
      await afterRuleChange(deps.db, rule.code, rule.version, caller.name);
    }),
  );

  router.post('/records/rules/:code', keep, formBody, (req, res) =>
    formAction(req, res, '/records/rules', 'rules', async (caller) => {
      const body = req.body as Record<string, unknown>;
      const { rule } = await changeRule(deps.db, String(req.params.code), formFields(body), reasonOf(body), caller.name);
      await afterRuleChange(deps.db, rule.code, rule.version, caller.name);
    }),
  );

  router.post('/records/rules/:code/retire', keep, formBody, (req, res) =>
    formAction(req, res, '/records/rules', 'rules', async (caller) => {
      const body = req.body as Record<string, unknown>;
      const { rule } = await changeRule(deps.db, String(req.params.code), { retire: true }, reasonOf(body), caller.name);
      await afterRuleChange(deps.db, rule.code, rule.version, caller.name);
    }),
  );

  router.get('/records/due', read, async (req, res) => {
    const today = new Date().toISOString().slice(0, 10);
    const asked = typeof req.query.before === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(req.query.before) ? req.query.before : today;
    const action = ACTIONS.find((a) => a === req.query.action);
    const cursor = typeof req.query.cursor === 'string' ? req.query.cursor.slice(0, 200) : undefined;
    const caller = callerOf(res.locals);
    const ctx = pageCtx(deps, req, res, caller);
    try {
      const page = await dueDocuments(deps.db, { before: new Date(`${asked}T23:59:59.999Z`), action, after: cursor, limit: 200 });
      const items = page.items.map((d) => dueView(caller, d));
      res.type('html').send(duePage(ctx, { before: asked, action, items, next: page.next }));
    } catch (e) {
      // Never an empty list for a list that could not be read: "nothing is due" would be taken at its word.
      const badCursor = isDomainError(e) && e.code === 'bad_request';
      res
        .status(badCursor ? 400 : 503)
        .type('html')
        .send(duePage(ctx, { before: asked, action, items: [], next: null, failed: badCursor ? 'bad-cursor' : 'unavailable' }));
    }
  });

  router.post(
    '/documents/:id/close',
    signedIn(deps, (c) => can(c, 'register') || can(c, 'records'), 'register'),
    formBody,
    (req, res) => {
      const back = `/documents/${encodeURIComponent(String(req.params.id))}`;
      return formAction(req, res, back, 'retention', async (caller) => {
        const doc = await visibleDocument(deps, String(req.params.id), caller);
        await closeFile(deps.db, doc.id, caller.name);
        await requestRelockIfNeeded(deps.db, caller.name, [doc.id]);
      });
    },
  );

  return router;
}

/** A change's reason from a form; the repository's reason_required when it is too short. */
function reasonOf(body: Record<string, unknown>): string {
  const reason = text(body.reason) ?? '';
  if (reason.length < 3) throw new DomainError('reason_required');
  return reason;
}

/** The document page's retention card (for whoever sees the document). */
export const retentionSection: DocumentSection = async (deps, ctx, doc, caller) => {
  const r = await documentRetention(deps.db, doc.id);
  if (!r) return '';
  const error = ctx.url.includes('error=') ? (new URL(ctx.url, 'http://x').searchParams.get('error') ?? undefined) : undefined;
  return retentionCard(ctx, r, can(caller, 'register') || can(caller, 'records'), error);
};
