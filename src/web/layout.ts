/**
 * The frame every viewer page shares: head, top bar with the sections this
 * person may open, the language switch and the sign-out button. Pages are
 * plain HTML rendered on the server, Arabic and right-to-left by default,
 * English on a switch; no inline script or style (the Content-Security-Policy
 * allows only this origin's files).
 */
import { SafeHtml } from './html';
import { escapeHtml as esc } from '../../kernel/text';
import { t, type Lang } from './i18n';

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

function navLink(href: string, label: string, current: boolean): string {
  return `<a href="${href}"${current ? ' aria-current="page"' : ''}>${esc(label)}</a>`;
}

/** The top bar's links: only the sections this person's role has, and none before sign-in. */
function navLinks(ctx: PageCtx, section: Section): string {
  if (!ctx.signedIn) return '';
  const { lang } = ctx;
  return [
    ctx.can.search ? navLink('/search', t(lang, 'search'), section === 'search') : '',
    ctx.can.upload ? navLink('/upload', t(lang, 'upload'), section === 'upload') : '',
    ctx.can.audit ? navLink('/audit', t(lang, 'audit'), section === 'audit') : '',
    ctx.can.register ? navLink('/books', lang === 'ar' ? 'الدفاتر' : 'Books', section === 'books') : '',
    ctx.can.refer ? navLink('/inbox', lang === 'ar' ? 'الإحالات الواردة' : 'Inbox', section === 'inbox') : '',
    ctx.can.records || ctx.can.hold ? navLink('/records', lang === 'ar' ? 'المحفوظات' : 'Records', section === 'records') : '',
  ].join('');
}

function signOutForm(ctx: PageCtx): string {
  if (!ctx.signedIn) return '';
  return `<form method="post" action="/logout"><input type="hidden" name="_csrf" value="${esc(ctx.csrf)}"><button type="submit">${t(ctx.lang, 'signOut')}</button></form>`;
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
  return `<!doctype html>
<html lang="${lang}" dir="${lang === 'ar' ? 'rtl' : 'ltr'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf" content="${esc(ctx.csrf)}">
<title>${esc(title)} · ${esc(t(lang, 'appName'))}</title>
<link rel="stylesheet" href="/assets/viewer.css">
<link rel="icon" href="/assets/icon.svg" type="image/svg+xml">
<script src="/assets/viewer.js" defer></script>
${extraHead}
</head>
<body>
<header class="top">
  <a class="brand" href="/search">${esc(t(lang, 'appName'))}</a>
  <nav>${navLinks(ctx, section)}</nav>
  <div class="tools"><a href="${esc(switchLangHref(ctx))}" lang="${lang === 'ar' ? 'en' : 'ar'}" id="lang-switch">${t(lang, 'otherLang')}</a>${signOutForm(ctx)}</div>
</header>
<main>
${body}
</main>
</body>
</html>`;
}
