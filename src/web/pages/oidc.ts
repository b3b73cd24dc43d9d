/**
 * The pages of single sign-on (OpenID Connect): a refusal that says why (the
 * provider away, an answer that does not check out, no group allowed here),
 * in the page's language with the other beneath; and the short step that takes
 * a person who has just signed in on to the page they asked for (see
 * routes/oidc.ts for why that step exists).
 */
import type { DomainError } from '../../../kernel/errors';
import { html, type SafeHtml } from '../html';
import type { Lang } from '../i18n';
import { layout, type PageCtx } from '../layout';

const WORDS = {
  refused: ['لم يتم الدخول الموحد', 'Single sign-on did not complete'],
  again: ['العودة إلى صفحة الدخول', 'Back to the sign-in page'],
  signedIn: ['تم الدخول', 'Signed in'],
  onward: ['متابعة', 'Continue'],
} as const;
const w = (ctx: PageCtx, k: keyof typeof WORDS) => WORDS[k][ctx.lang === 'ar' ? 0 : 1];

export function ssoRefusedPage(ctx: PageCtx, e: DomainError): string {
  const [mine, other] = ctx.lang === 'ar' ? [e.messageAr, e.messageEn] : [e.messageEn, e.messageAr];
  const otherLang = ctx.lang === 'ar' ? 'en' : 'ar';
  return layout(
    ctx,
    'login',
    w(ctx, 'refused'),
    html`<div class="card login">
      <h1>${w(ctx, 'refused')}</h1>
      <p class="verdict bad" role="alert" id="sso-refused">${mine}</p>
      <p lang="${otherLang}" dir="${otherLang === 'ar' ? 'rtl' : 'ltr'}">${other}</p>
      <p><a href="/login">${w(ctx, 'again')}</a></p>
    </div>`,
  );
}

/**
 * A page that goes on to `next` (a path of this site) at once, by itself: the navigation it starts is this site's
 * own. A page of its own, outside the shared frame, which would make a CSRF cookie before the session's is seen.
 */
export function ssoOnwardPage(lang: Lang, next: string): string {
  const words = (k: keyof typeof WORDS) => WORDS[k][lang === 'ar' ? 0 : 1];
  return html`<!doctype html>
    <html lang="${lang}" dir="${lang === 'ar' ? 'rtl' : 'ltr'}">
      <head>
        <meta charset="utf-8" />
        <meta http-equiv="refresh" content="0;url=${next}" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${words('signedIn')}</title>
        <link rel="stylesheet" href="/assets/viewer.css" />
      </head>
      <body>
        <main>
          <div class="card login">
            <h1>${words('signedIn')}</h1>
            <p><a class="button" href="${next}" id="sso-onward">${words('onward')}</a></p>
          </div>
        </main>
      </body>
    </html>`.toString();
}

/** The provider's button for the sign-in page, labelled from DIWAN_OIDC_LABEL / DIWAN_OIDC_LABEL_EN. */
export function ssoButton(ctx: PageCtx, label: { ar: string; en: string }, next: string): SafeHtml {
  const href = `/login/oidc?next=${encodeURIComponent(next)}`;
  return html`<p class="sso"><a class="button" href="${href}" id="sso-button">${ctx.lang === 'ar' ? label.ar : label.en}</a></p>`;
}
