/**
 * The two refusals any viewer route may answer with: a page this person's
 * role or clearance does not allow, and a document that does not exist.
 */
import { html } from '../html';
import { t } from '../i18n';
import { layout, type PageCtx } from '../layout';

export function forbiddenPage(ctx: PageCtx): string {
  return layout(ctx, 'document', t(ctx.lang, 'notAllowed'), html`<p class="card verdict bad">${t(ctx.lang, 'notAllowed')}</p>`);
}

export function notFoundPage(ctx: PageCtx): string {
  return layout(ctx, 'document', t(ctx.lang, 'notFound'), html`<p class="card">${t(ctx.lang, 'notFound')}</p>`);
}
