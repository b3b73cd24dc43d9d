/**
 * The second factor's pages: the code asked after a right password, setting one up (a QR code an
 * authenticator app reads, and the same secret in text for typing), and a person's own account page,
 * where they can set one up of their own accord.
 */
import { qrModules } from '../../../ingest/adapters/qr';
import { groupedSecret } from '../../identity/totp';
import { html, raw, type SafeHtml } from '../html';
import { date, wordsOf, type Lang } from '../i18n';
import { layout, type PageCtx } from '../layout';

const w = wordsOf({
  secondStep: ['التحقق بخطوتين', 'Second step'],
  setUp: ['إعداد التحقق بخطوتين', 'Set up the second step'],
  askCode: [
    'أدخل الرمز المكوّن من ستة أرقام الذي يعرضه تطبيق المصادقة في هاتفك الآن.',
    'Enter the six-digit code your authenticator app shows now.',
  ],
  required: [
    'يلزم دورُك التحقق بخطوتين: لا يكتمل الدخول إلا بعد إعداده.',
    'Your role needs a second step: the sign-in completes once it is set up.',
  ],
  scan: [
    'امسح هذا الرمز بتطبيق مصادقة (مثل Google Authenticator أو Microsoft Authenticator أو FreeOTP)، أو اكتب المفتاح أدناه فيه، ثم أدخل الرمز الذي يظهر لتأكيد الإعداد.',
    'Scan this code with an authenticator app (such as Google Authenticator, Microsoft Authenticator or FreeOTP), or type the key below into it, then enter the code it shows to confirm.',
  ],
  key: ['المفتاح (للكتابة يدويًا)', 'Key (to type by hand)'],
  qr: ['رمز QR لإعداد تطبيق المصادقة', 'QR code for the authenticator app'],
  code: ['الرمز', 'Code'],
  verify: ['تحقق', 'Verify'],
  confirm: ['تأكيد', 'Confirm'],
  wrongCode: [
    'الرمز غير صحيح أو استُعمل من قبل؛ انتظر الرمز التالي وأعد المحاولة.',
    'Wrong or already used code; wait for the next one and try again.',
  ],
  unreadable: [
    'تعذّرت قراءة إعداد التحقق بخطوتين لحسابك. اطلب من مدير النظام إعادة ضبط خطوتك الثانية، ثم أعدّها من جديد عند الدخول.',
    'Your second step could not be read. Ask an administrator to reset your second step, then set it up again at sign-in.',
  ],
  startAgain: ['البدء من جديد', 'Start again'],
  account: ['حسابي', 'My account'],
  name: ['الاسم', 'Name'],
  role: ['الدور', 'Role'],
  state: ['التحقق بخطوتين', 'Second step'],
  status: ['الحالة', 'Status'],
  on: ['مفعّل منذ', 'On since'],
  off: ['غير مفعّل', 'Off'],
  turnOn: ['إعداده الآن', 'Set it up now'],
  done: ['فُعّل التحقق بخطوتين لحسابك.', 'The second step is on for your account.'],
  directory: [
    'يُدخَل هذا الحساب عبر دليل الوزارة، وتحققه الإضافي من شأن الدليل.',
    "This account signs in through the ministry's directory; any further step is the directory's.",
  ],
  noAccount: ['الدخول برمز مدير النظام لا حساب له هنا.', 'The administrator token has no account here.'],
  lost: [
    'فقدتَ الهاتف؟ يعيد مدير النظام ضبط التحقق بخطوتين لحسابك، فتُعدّه من جديد عند الدخول.',
    'Lost the phone? An administrator resets your second step, and you set it up again at sign-in.',
  ],
  clerk: ['موظف الديوان', 'Registry clerk'],
  official: ['مسؤول', 'Official'],
  auditor: ['مدقق', 'Auditor'],
  archivist: ['أمين المحفوظات', 'Archivist'],
  admin: ['مدير النظام', 'Administrator'],
});

const ROLE_WORDS = ['clerk', 'official', 'auditor', 'archivist', 'admin'] as const;
const roleWord = (lang: Lang, role: string) =>
  (ROLE_WORDS as readonly string[]).includes(role) ? w(lang, role as (typeof ROLE_WORDS)[number]) : role;

/** Why the code page is shown again: a wrong code, or a second factor that no longer opens (the key was replaced). */
export type CodeRefusal = 'wrong' | 'unreadable';

/** The QR code of `text` as inline SVG: one path of dark squares inside a four-module quiet zone. */
function qrSvg(text: string, label: string): SafeHtml {
  const modules = qrModules(text);
  const size = modules.length + 8;
  const d = modules.flatMap((row, y) => row.flatMap((dark, x) => (dark ? [`M${x + 4} ${y + 4}h1v1h-1z`] : []))).join('');
  // Made here from numbers only (the path) and an escaped label.
  return html`<svg
    class="qr"
    xmlns="http://www.w3.org/2000/svg"
    viewBox="0 0 ${size} ${size}"
    width="220"
    height="220"
    role="img"
    aria-label="${label}"
    shape-rendering="crispEdges"
  >
    <rect width="${size}" height="${size}" fill="#fff" />
    <path fill="#000" d="${raw(d)}" />
  </svg>`;
}

function refusal(lang: Lang, why: CodeRefusal | undefined): SafeHtml | undefined {
  return why && html`<p class="verdict bad" role="alert">${w(lang, why === 'wrong' ? 'wrongCode' : 'unreadable')}</p>`;
}

function codeField(lang: Lang): SafeHtml {
  // Digits only, but Arabic-Indic ones are accepted (read on the server), so no pattern here.
  return html`<label>
    ${w(lang, 'code')}
    <input type="text" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="12" required autofocus dir="ltr" />
  </label>`;
}

/** The second step of a sign-in: the six-digit code of the person's authenticator app. */
export function codePage(ctx: PageCtx, account: string, why?: CodeRefusal): string {
  const { lang } = ctx;
  return layout(
    ctx,
    'login',
    w(lang, 'secondStep'),
    html`<div class="card login">
      <h1>${w(lang, 'secondStep')}</h1>
      ${refusal(lang, why)}
      <p>${w(lang, 'askCode')}</p>
      <form method="post" action="/login/code" data-account="${account}">
        <input type="hidden" name="_csrf" value="${ctx.csrf}" />
        ${codeField(lang)}
        <button class="primary" type="submit">${w(lang, 'verify')}</button>
      </form>
      <p class="muted"><a href="/login">${w(lang, 'startAgain')}</a></p>
    </div>`,
  );
}

/**
 * Setting up a second factor: the QR code of the otpauth:// link, the secret in text (left to right, in
 * groups of four), and the code that confirms it, posted to `action` (the sign-in's or the account page's).
 */
export function enrolPage(
  ctx: PageCtx,
  setUp: { account: string; uri: string; secret: string; action: string; required: boolean },
  why?: CodeRefusal,
): string {
  const { lang } = ctx;
  return layout(
    ctx,
    'login',
    w(lang, 'setUp'),
    html`<div class="card login">
      <h1>${w(lang, 'setUp')}</h1>
      ${refusal(lang, why)} ${setUp.required && html`<p>${w(lang, 'required')}</p>`}
      <p>${w(lang, 'scan')}</p>
      <p>${qrSvg(setUp.uri, w(lang, 'qr'))}</p>
      <p>${w(lang, 'key')}:</p>
      <p><code id="totp-secret" dir="ltr">${groupedSecret(setUp.secret)}</code></p>
      <form method="post" action="${setUp.action}" data-account="${setUp.account}">
        <input type="hidden" name="_csrf" value="${ctx.csrf}" />
        ${codeField(lang)}
        <button class="primary" type="submit">${w(lang, 'confirm')}</button>
      </form>
    </div>`,
  );
}

/** What the account page shows of the person. */
export interface AccountView {
  username: string;
  displayName: string;
  role: string;
  source: 'local' | 'ldap' | 'oidc' | 'token';
  /** When the second factor was confirmed, or null when there is none. */
  secondFactorSince: string | null;
  /** Just set up (a word of confirmation). */
  done: boolean;
}

/** A person's own page: who they are, and their second factor (set up here of their own accord). */
export function accountPage(ctx: PageCtx, a: AccountView): string {
  const { lang } = ctx;
  const factor =
    a.source === 'token'
      ? html`<p class="muted">${w(lang, 'noAccount')}</p>`
      : a.source !== 'local'
        ? html`<p class="muted">${w(lang, 'directory')}</p>`
        : a.secondFactorSince
          ? html`<dl class="meta">
                <dt>${w(lang, 'status')}</dt>
                <dd>${w(lang, 'on')} ${date(lang, a.secondFactorSince, true, ctx.timeZone)}</dd>
              </dl>
              <p class="muted">${w(lang, 'lost')}</p>`
          : html`<dl class="meta">
                <dt>${w(lang, 'status')}</dt>
                <dd>${w(lang, 'off')}</dd>
              </dl>
              <p><a class="button" href="/account/second-factor">${w(lang, 'turnOn')}</a></p>`;
  return layout(
    ctx,
    'login',
    w(lang, 'account'),
    html`<div class="card">
      <h1>${w(lang, 'account')}</h1>
      ${a.done && html`<p class="verdict good" role="status">${w(lang, 'done')}</p>`}
      <dl class="meta">
        <dt>${w(lang, 'name')}</dt>
        <dd>${a.displayName} (<bdi dir="ltr">${a.username}</bdi>)</dd>
        <dt>${w(lang, 'role')}</dt>
        <dd>${roleWord(lang, a.role)}</dd>
      </dl>
      <h2>${w(lang, 'state')}</h2>
      ${factor}
    </div>`,
  );
}
