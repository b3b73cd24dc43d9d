/**
 * The sign-in page: username and password, posted with the CSRF token and
 * the page to return to afterwards.
 */
import { escapeHtml as esc } from '../../../kernel/text';
import { t } from '../i18n';
import { layout, type PageCtx } from '../layout';

/** `next` is where a successful sign-in goes; `refused` says why the last attempt was refused, if it was. */
export function loginPage(ctx: PageCtx, next: string, refused?: 'failed' | 'locked'): string {
  const { lang } = ctx;
  return layout(
    ctx,
    'login',
    t(lang, 'signIn'),
    `<div class="card login">
  <h1>${t(lang, 'signIn')}</h1>
  ${refused ? `<p class="verdict bad" role="alert">${t(lang, refused === 'locked' ? 'lockedLogin' : 'badLogin')}</p>` : ''}
  <form method="post" action="/login">
    <input type="hidden" name="next" value="${esc(next)}">
    <input type="hidden" name="_csrf" value="${esc(ctx.csrf)}">
    <label>${t(lang, 'username')}<input type="text" name="username" autocomplete="username" required autofocus dir="ltr"></label>
    <label>${t(lang, 'password')}<input type="password" name="password" autocomplete="current-password" required dir="ltr"></label>
    <button class="primary" type="submit">${t(lang, 'signIn')}</button>
  </form>
</div>`,
  );
}
