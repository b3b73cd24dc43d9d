/**
 * The sign-in page: username and password, posted with the CSRF token and
 * the page to return to afterwards.
 */
import { html } from '../html';
import { t, wordsOf, type Lang } from '../i18n';
import { layout, type PageCtx } from '../layout';
import { ssoButton } from './oidc';

/** Why the last attempt was refused: a wrong password, a locked account, the directory away, a second step too late. */
export type LoginRefusal = 'failed' | 'locked' | 'directory' | 'expired';

const w = wordsOf({
  expired: [
    'انتهت مهلة الخطوة الثانية من الدخول؛ أدخل كلمة المرور من جديد.',
    'The second step of the sign-in timed out; enter your password again.',
  ],
});

function refusalText(lang: Lang, refused: LoginRefusal): string {
  if (refused === 'expired') return w(lang, 'expired');
  return t(lang, refused === 'locked' ? 'lockedLogin' : refused === 'directory' ? 'directoryAway' : 'badLogin');
}

/** `next` is where a successful sign-in goes; `refused` says why the last attempt was refused, if it was. */
/** `sso`: the single sign-on button's label, when an OpenID Connect provider is configured. */
export function loginPage(ctx: PageCtx, next: string, refused?: LoginRefusal, sso?: { ar: string; en: string }): string {
  const { lang } = ctx;
  return layout(
    ctx,
    'login',
    t(lang, 'signIn'),
    html`<div class="card login">
      <h1>${t(lang, 'signIn')}</h1>
      ${refused && html`<p class="verdict bad" role="alert">${refusalText(lang, refused)}</p>`}
      <form method="post" action="/login">
        <input type="hidden" name="next" value="${next}" />
        <input type="hidden" name="_csrf" value="${ctx.csrf}" />
        <label
          >${t(lang, 'username')}<input type="text" name="username" autocomplete="username" required autofocus dir="ltr"
        /></label>
        <label
          >${t(lang, 'password')}<input type="password" name="password" autocomplete="current-password" required dir="ltr"
        /></label>
        <button class="primary" type="submit">${t(lang, 'signIn')}</button>
      </form>
      ${sso && ssoButton(ctx, sso, next)}
    </div>`,
  );
}
