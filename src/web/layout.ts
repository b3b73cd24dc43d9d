/**
 * The frame every viewer page shares: head, top bar with the sections this
 * person may open, the language switch and the sign-out button. Pages are
 * plain HTML rendered on the server, Arabic and right-to-left by default,
 * English on a switch; no inline script or style (the Content-Security-Policy
 * allows only this origin's files).
 */
import { html, raw, SafeHtml } from './html';
import { t, wordsOf, type Lang } from './i18n';

const w = wordsOf({
  skip: ['تخطَّ إلى المحتوى', 'Skip to the content'],
  sections: ['أقسام الديوان', 'Sections'],
});

/** What the signed-in person may do: each page shows only its own role's actions. */
export interface Abilities {
  search: boolean;
  upload: boolean;
  audit: boolean;
  register: boolean;
  refer: boolean;
  direct: boolean;
  correctText: boolean;
  /** Records management: the retention schedule, due lists, disposals, transfers (/records). */
  records: boolean;
  /** Legal holds (/holds). */
  hold: boolean;
}

export interface PageCtx {
  lang: Lang;
  csrf: string;
  /** The path and query of this page (for the language switch). */
  url: string;
  signedIn: boolean;
  can: Abilities;
  /** Dates and times are shown in the archive's time zone (the stamp's). */
  timeZone: string;
}

/** Which section of the top bar a page belongs to (marked as the current one). */
export type Section = 'search' | 'upload' | 'audit' | 'login' | 'document' | 'books' | 'inbox' | 'records';

/** A page's query parameters; empty, undefined and false ones are left out. */
export type QueryParams = Record<string, string | number | boolean | undefined>;

/** `?a=1&b=2` from the parameters that have a value, or '' when none has. */
export function queryString(params: QueryParams): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '' && v !== false) u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

/** This page in the other language. */
function switchLangHref(ctx: PageCtx): string {
  const u = new URL(ctx.url, 'http://x');
  u.searchParams.set('lang', ctx.lang === 'ar' ? 'en' : 'ar');
  return `${u.pathname}${u.search}`;
}

function navLink(href: string, label: string, current: boolean): SafeHtml {
  return html`<a href="${href}" ${current && raw('aria-current="page"')}>${label}</a>`;
}

/** The top bar's links: only the sections this person's role has, and none before sign-in. */
function navLinks(ctx: PageCtx, section: Section): SafeHtml[] {
  if (!ctx.signedIn) return [];
  const { lang } = ctx;
  return [
    ctx.can.search && navLink('/search', t(lang, 'search'), section === 'search'),
    ctx.can.upload && navLink('/upload', t(lang, 'upload'), section === 'upload'),
    ctx.can.audit && navLink('/audit', t(lang, 'audit'), section === 'audit'),
    ctx.can.register && navLink('/books', lang === 'ar' ? 'الدفاتر' : 'Books', section === 'books'),
    ctx.can.refer && navLink('/inbox', lang === 'ar' ? 'الإحالات الواردة' : 'Inbox', section === 'inbox'),
    (ctx.can.records || ctx.can.hold) && navLink('/records', lang === 'ar' ? 'المحفوظات' : 'Records', section === 'records'),
  ].filter((a): a is SafeHtml => a instanceof SafeHtml);
}

function signOutForm(ctx: PageCtx): SafeHtml | '' {
  if (!ctx.signedIn) return '';
  return html`<form method="post" action="/logout">
    <input type="hidden" name="_csrf" value="${ctx.csrf}" /><button type="submit">${t(ctx.lang, 'signOut')}</button>
  </form>`;
}

/** A whole page: the shared frame around `body` (safe HTML), titled `title` (plain text). */
export function layout(
  ctx: PageCtx,
  section: Section,
  title: string,
  body: string | SafeHtml,
  extraHead: string | SafeHtml = '',
): string {
  const { lang } = ctx;
  // A body or head given as a string was written as HTML by its page (the older way): it is kept as it is.
  const trusted = (x: string | SafeHtml) => (x instanceof SafeHtml ? x : raw(x));
  return html`<!doctype html>
    <html lang="${lang}" dir="${lang === 'ar' ? 'rtl' : 'ltr'}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="csrf" content="${ctx.csrf}" />
        <title>${title} · ${t(lang, 'appName')}</title>
        <link rel="stylesheet" href="/assets/viewer.css" />
        <link rel="icon" href="/assets/icon.svg" type="image/svg+xml" />
        <script src="/assets/viewer.js" defer></script>
        ${trusted(extraHead)}
      </head>
      <body>
        <a class="skip-link" href="#main">${w(lang, 'skip')}</a>
        <header class="top">
          <a class="brand" href="/search">${t(lang, 'appName')}</a>
          <nav aria-label="${w(lang, 'sections')}">${navLinks(ctx, section)}</nav>
          <div class="tools">
            <a href="${switchLangHref(ctx)}" lang="${lang === 'ar' ? 'en' : 'ar'}" id="lang-switch">${t(lang, 'otherLang')}</a
            >${signOutForm(ctx)}
          </div>
        </header>
        <main id="main" tabindex="-1">${trusted(body)}</main>
      </body>
    </html>`.value;
}
