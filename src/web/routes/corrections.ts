/**
 * The correction pages' routes: the record's correction form
 * (/documents/:id/edit, the 'register' permission), the page text correction
 * form (/documents/:id/pages/:n/text, 'correct-text'), and the history card
 * of the document page (a DOCUMENT_SECTIONS entry). The forms post with the
 * CSRF token and go through the same use cases as the API
 * (src/http/corrections.ts, src/http/texts.ts); a refusal comes back on the
 * form, with what was typed kept.
 */
import express, { type Request, type Response } from 'express';
import { isDomainError } from '../../../kernel/errors';
import type { Logger } from '../../../kernel/log';
import { documentHistory, type HistoryRow } from '../../../storage/repos/corrections';
import type { DocumentRecord } from '../../../storage/repos/documents';
import { createTextVersionsRepo } from '../../../storage/repos/textVersions';
import { callerOf, type Caller } from '../../auth';
import { correctRecord, visibleDocument } from '../../http/corrections';
import { correctPageText } from '../../http/texts';
import { correctionLinks, editPage, historyCard, textPage, type HistoryItem, type RecordFields } from '../pages/corrections';
import { forbiddenPage, notFoundPage } from '../pages/errors';
import type { DocumentSection } from './documentSections';
import { allowed, checkCsrf, pageCtx, type ViewerDeps } from './shared';

/** The forms' bodies: a page's text is larger than the other forms allow. */
export const correctionBody = express.urlencoded({ extended: false, limit: '512kb' });

const RECORD_FIELDS: Array<keyof RecordFields> = [
  'title',
  'docType',
  'department',
  'classification',
  'docDate',
  'correspondent',
  'externalRef',
  'externalDate',
];

/** The document the page names, or the refusal page sent (answers undefined). */
async function documentFor(deps: ViewerDeps, req: Request, res: Response, caller: Caller): Promise<DocumentRecord | undefined> {
  try {
    return await visibleDocument(deps, String(req.params.id), caller);
  } catch (e) {
    if (!isDomainError(e) || (e.code !== 'not_found' && e.code !== 'forbidden')) throw e;
    const ctx = pageCtx(deps, req, res, caller);
    res
      .status(e.code === 'not_found' ? 404 : 403)
      .type('html')
      .send(e.code === 'not_found' ? notFoundPage(ctx) : forbiddenPage(ctx));
    return undefined;
  }
}

/** The message of a refusal, in the page's language; anything else is thrown on. */
function refusal(e: unknown, lang: string): { status: number; message: string } {
  if (!isDomainError(e)) throw e;
  const status = e.code === 'forbidden' ? 403 : e.code === 'reocr_pending' || e.code === 'not_archived' ? 409 : 400;
  return { status, message: lang === 'ar' ? e.messageAr : e.messageEn };
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

export async function showEdit(deps: ViewerDeps, req: Request, res: Response): Promise<void> {
  if (!(await allowed(deps, req, res, 'register'))) return;
  const caller = callerOf(res.locals);
  const doc = await documentFor(deps, req, res, caller);
  if (!doc) return;
  const values = Object.fromEntries(RECORD_FIELDS.map((f) => [f, (doc as unknown as Record<string, string | null>)[f] ?? null]));
  res.type('html').send(
    editPage(pageCtx(deps, req, res, caller), {
      id: doc.id,
      registryNo: doc.registryNo,
      values: values as RecordFields,
      reason: '',
      clearance: caller.clearance,
      error: null,
    }),
  );
}

export async function saveEdit(deps: ViewerDeps, req: Request, res: Response): Promise<void> {
  checkCsrf(req);
  if (!(await allowed(deps, req, res, 'register'))) return;
  const caller = callerOf(res.locals);
  const doc = await documentFor(deps, req, res, caller);
  if (!doc) return;
  const form = (req.body ?? {}) as Record<string, unknown>;
  const body: Record<string, unknown> = { reason: form.reason };
  // Only the form's own fields; an empty one clears the field.
  for (const f of RECORD_FIELDS) if (typeof form[f] === 'string') body[f] = form[f] === '' ? null : form[f];
  try {
    await correctRecord(deps, caller, doc, body);
  } catch (e) {
    const ctx = pageCtx(deps, req, res, caller);
    const { status, message } = refusal(e, ctx.lang);
    const values = Object.fromEntries(RECORD_FIELDS.map((f) => [f, str(form[f])]));
    res
      .status(status)
      .type('html')
      .send(
        editPage(ctx, {
          id: doc.id,
          registryNo: doc.registryNo,
          values: values as RecordFields,
          reason: str(form.reason),
          clearance: caller.clearance,
          error: message,
        }),
      );
    return;
  }
  res.redirect(303, `/documents/${encodeURIComponent(doc.id)}?corrected=1#history`);
}

/** The page asked for, when the document has it. */
async function pageOf(deps: ViewerDeps, doc: DocumentRecord, req: Request) {
  const n = Number(req.params.n);
  return (await deps.documents.pages(doc.id)).find((p) => p.n === n);
}

export async function showText(deps: ViewerDeps, req: Request, res: Response): Promise<void> {
  if (!(await allowed(deps, req, res, 'correct-text'))) return;
  const caller = callerOf(res.locals);
  const doc = await documentFor(deps, req, res, caller);
  if (!doc) return;
  const ctx = pageCtx(deps, req, res, caller);
  const page = await pageOf(deps, doc, req);
  if (!page) {
    res.status(404).type('html').send(notFoundPage(ctx));
    return;
  }
  res.type('html').send(
    textPage(ctx, {
      id: doc.id,
      registryNo: doc.registryNo,
      page,
      pageCount: doc.pageCount ?? 1,
      flagged: page.confidence !== null && page.confidence < deps.reviewBelow,
      reason: '',
      error: null,
    }),
  );
}

export async function saveText(deps: ViewerDeps, req: Request, res: Response): Promise<void> {
  checkCsrf(req);
  if (!(await allowed(deps, req, res, 'correct-text'))) return;
  const caller = callerOf(res.locals);
  const doc = await documentFor(deps, req, res, caller);
  if (!doc) return;
  const ctx = pageCtx(deps, req, res, caller);
  const page = await pageOf(deps, doc, req);
  if (!page) {
    res.status(404).type('html').send(notFoundPage(ctx));
    return;
  }
  const form = (req.body ?? {}) as Record<string, unknown>;
  const textDeps = {
    ...deps,
    textVersions: createTextVersionsRepo(deps.db),
    log: res.locals.log as Logger,
  };
  try {
    await correctPageText(textDeps, caller, doc, page.n, { text: form.text, reason: form.reason });
  } catch (e) {
    const { status, message } = refusal(e, ctx.lang);
    res
      .status(status)
      .type('html')
      .send(
        textPage(ctx, {
          id: doc.id,
          registryNo: doc.registryNo,
          page: { ...page, text: str(form.text) },
          pageCount: doc.pageCount ?? 1,
          flagged: page.confidence !== null && page.confidence < deps.reviewBelow,
          reason: str(form.reason),
          error: message,
        }),
      );
    return;
  }
  res.redirect(303, `/documents/${encodeURIComponent(doc.id)}?page=${page.n}&corrected=1#history`);
}

const changeList = (changes: HistoryRow['changes']) =>
  Object.entries(changes).map(([field, c]) => ({ field, before: c.before, after: c.after }));

/** The page the document page shows (its ?page=, else the first). */
function shownPage(url: string): number {
  const n = Number(new URL(url, 'http://x').searchParams.get('page'));
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/** The document page's history card: the registration, each correction of the record and of a page's text, oldest first. */
export const historySection: DocumentSection = async (deps, ctx, doc) => {
  const items: HistoryItem[] = (await documentHistory(deps.db, doc.id)).map((h) =>
    h.kind === 'text-corrected'
      ? {
          kind: 'textCorrected',
          at: h.at,
          by: h.by,
          reason: h.reason,
          // A page's text is long: the card names the page and the new version; the API gives the texts.
          changes: [
            { field: 'page', before: null, after: String(h.page) },
            { field: 'version', before: null, after: String(h.version) },
          ],
        }
      : { kind: h.kind, at: h.at, by: h.by, reason: h.reason, changes: changeList(h.changes) },
  );
  const page = doc.status === 'archived' && (doc.pageCount ?? 0) >= 1 ? Math.min(shownPage(ctx.url), doc.pageCount ?? 1) : null;
  const saved = new URL(ctx.url, 'http://x').searchParams.get('corrected') === '1';
  return historyCard(ctx, { items, links: correctionLinks(ctx, doc.id, page), saved });
};
