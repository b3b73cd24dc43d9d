/**
 * The viewer's pages, rendered on the server as plain HTML: Arabic and
 * right-to-left by default, English on a switch. No inline script or style
 * (the Content-Security-Policy allows only this origin's files); page images
 * are shown with an SVG layer on top whose boxes are the OCR word boxes, in
 * the page's own pixel coordinates.
 */
import type { AuditReport } from '../../storage/integrity/auditReport';
import type { SearchResult } from '../../search/searchIndex';
import type { ReplicationStatus } from '../../storage/integrity/replication';
import { date, num, statusWord, t, type Key, type Lang } from './i18n';
import { escapeHtml } from '../../kernel/text';

export const esc = escapeHtml;

/** What the signed-in person may do: each page shows only its own role's actions. */
export interface Abilities {
  search: boolean;
  upload: boolean;
  audit: boolean;
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

type Section = 'search' | 'upload' | 'audit' | 'login' | 'document';

function switchLangHref(ctx: PageCtx): string {
  const u = new URL(ctx.url, 'http://x');
  u.searchParams.set('lang', ctx.lang === 'ar' ? 'en' : 'ar');
  return `${u.pathname}${u.search}`;
}

export function layout(ctx: PageCtx, section: Section, title: string, body: string, extraHead = ''): string {
  const { lang } = ctx;
  const nav = ctx.signedIn
    ? [
        ctx.can.search ? navLink('/search', t(lang, 'search'), section === 'search') : '',
        ctx.can.upload ? navLink('/upload', t(lang, 'upload'), section === 'upload') : '',
        ctx.can.audit ? navLink('/audit', t(lang, 'audit'), section === 'audit') : '',
      ].join('')
    : '';
  const signOut = ctx.signedIn
    ? `<form method="post" action="/logout"><input type="hidden" name="_csrf" value="${esc(ctx.csrf)}"><button type="submit">${t(lang, 'signOut')}</button></form>`
    : '';
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
  <nav>${nav}</nav>
  <div class="tools"><a href="${esc(switchLangHref(ctx))}" lang="${lang === 'ar' ? 'en' : 'ar'}" id="lang-switch">${t(lang, 'otherLang')}</a>${signOut}</div>
</header>
<main>
${body}
</main>
</body>
</html>`;
}

function navLink(href: string, label: string, current: boolean): string {
  return `<a href="${href}"${current ? ' aria-current="page"' : ''}>${esc(label)}</a>`;
}

export function loginPage(ctx: PageCtx, next: string, failed: boolean): string {
  const { lang } = ctx;
  return layout(
    ctx,
    'login',
    t(lang, 'signIn'),
    `<div class="card login">
  <h1>${t(lang, 'signIn')}</h1>
  ${failed ? `<p class="verdict bad" role="alert">${t(lang, 'badLogin')}</p>` : ''}
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

export interface SearchPageData {
  q: string;
  filters: { type?: string; department?: string; year?: number; from?: string; to?: string; needsReview?: boolean };
  result: SearchResult;
  offset: number;
  limit: number;
  hits: Array<{
    id: string;
    registryNo: string;
    title: string | null;
    page: number;
    snippet: string;
    docType: string | null;
    department: string | null;
    registeredAt: string;
    docDate: string | null;
    needsReview: boolean;
  }>;
}

function queryString(params: Record<string, string | number | boolean | undefined>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '' && v !== false) u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

export function searchPage(ctx: PageCtx, d: SearchPageData): string {
  const { lang } = ctx;
  const f = d.filters;
  const base = {
    q: d.q,
    type: f.type,
    department: f.department,
    year: f.year,
    from: f.from,
    to: f.to,
    needsReview: f.needsReview,
  };
  const facet = (name: 'type' | 'department' | 'year', counts: Record<string, number>) =>
    Object.entries(counts)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(
        ([value, n]) =>
          `<div class="facet"><a href="/search${esc(queryString({ ...base, [name]: value, offset: undefined }))}">${esc(name === 'year' ? num(lang, value) : value)}</a><span class="muted">${num(lang, n)}</span></div>`,
      )
      .join('');
  const options = (counts: Record<string, number>, current: string | undefined) =>
    [`<option value="">${t(lang, 'any')}</option>`]
      .concat(
        Object.keys(counts)
          .sort()
          .map((v) => `<option value="${esc(v)}"${v === current ? ' selected' : ''}>${esc(v)}</option>`),
      )
      .join('');
  const hits = d.hits
    .map((h) => {
      const href = `/documents/${encodeURIComponent(h.id)}${queryString({ page: h.page, q: d.q })}`;
      return `<li class="hit" data-registry-no="${esc(h.registryNo)}">
  <a href="${esc(href)}"><img src="/api/v1/documents/${encodeURIComponent(h.id)}/pages/${h.page}/thumb" alt="" loading="lazy" width="96" height="128"></a>
  <div>
    <a class="title" href="${esc(href)}"><bdi>${esc(h.title ?? num(lang, h.registryNo))}</bdi></a>
    <div class="meta"><span>${t(lang, 'registryNo')}: <bdi>${num(lang, h.registryNo)}</bdi></span><span>${date(lang, h.registeredAt, false, ctx.timeZone)}</span>${h.docType ? `<span class="badge">${esc(h.docType)}</span>` : ''}${h.department ? `<span>${esc(h.department)}</span>` : ''}<span>${t(lang, 'page')} ${num(lang, h.page)}</span>${h.needsReview ? `<span class="badge warn">${t(lang, 'needsReview')}</span>` : ''}</div>
    <p class="snippet">${h.snippet}</p>
  </div>
</li>`;
    })
    .join('\n');
  const prev =
    d.offset > 0
      ? `<a href="/search${esc(queryString({ ...base, offset: Math.max(0, d.offset - d.limit) }))}" rel="prev">${t(lang, 'previous')}</a>`
      : '';
  const next =
    d.offset + d.limit < d.result.total
      ? `<a href="/search${esc(queryString({ ...base, offset: d.offset + d.limit }))}" rel="next">${t(lang, 'next')}</a>`
      : '';
  const heading =
    d.q || Object.values(f).some((v) => v !== undefined)
      ? `${num(lang, d.result.total)} ${t(lang, 'results')}`
      : t(lang, 'recent');
  return layout(
    ctx,
    'search',
    d.q || t(lang, 'search'),
    `<form method="get" action="/search" role="search">
  <div class="searchbar">
    <input type="search" name="q" value="${esc(d.q)}" placeholder="${esc(t(lang, 'searchPlaceholder'))}" aria-label="${esc(t(lang, 'search'))}" autofocus>
    <button class="primary" type="submit">${t(lang, 'go')}</button>
  </div>
  <div class="layout">
    <aside class="card filters">
      <h2>${t(lang, 'filters')}</h2>
      <label>${t(lang, 'from')}<input type="date" name="from" value="${esc(f.from ?? '')}"></label>
      <label>${t(lang, 'to')}<input type="date" name="to" value="${esc(f.to ?? '')}"></label>
      <label>${t(lang, 'type')}<select name="type">${options(d.result.facets.docType, f.type)}</select></label>
      <label>${t(lang, 'department')}<select name="department">${options(d.result.facets.department, f.department)}</select></label>
      <label>${t(lang, 'year')}<input type="number" name="year" min="1900" max="2999" value="${esc(f.year ?? '')}"></label>
      <label><input type="checkbox" name="needsReview" value="true"${f.needsReview ? ' checked' : ''}> ${t(lang, 'needsReview')}</label>
      <button class="secondary" type="submit">${t(lang, 'apply')}</button>
      <h2>${t(lang, 'type')}</h2>${facet('type', d.result.facets.docType)}
      <h2>${t(lang, 'department')}</h2>${facet('department', d.result.facets.department)}
      <h2>${t(lang, 'year')}</h2>${facet('year', d.result.facets.year)}
    </aside>
    <section class="card">
      <h1 id="result-count">${heading}</h1>
      ${d.hits.length === 0 ? `<p class="muted">${t(lang, 'noResults')}</p>` : `<ol class="hits">${hits}</ol>`}
      <div class="pager">${prev}<span class="muted">${num(lang, d.offset + 1)}–${num(lang, Math.min(d.result.total, d.offset + d.limit))} ${t(lang, 'of')} ${num(lang, d.result.total)}</span>${next}</div>
    </section>
  </div>
</form>`,
  );
}

export interface DocumentPageData {
  doc: {
    id: string;
    registryNo: string;
    title: string | null;
    status: string;
    docType: string | null;
    department: string | null;
    classification: string;
    correspondent: string | null;
    docDate: string | null;
    registeredAt: string;
    pageCount: number;
    batchName: string | null;
    originalName: string | null;
  };
  page: { n: number; width: number; height: number; text: string };
  /** The page's text with matched words marked (safe HTML). */
  textHtml: string;
  boxes: Array<[number, number, number, number]>;
  q: string;
  sha256: { original: string; archive: string | null };
  stamp: { lines: string[]; verifyUrl: string } | null;
  copies: { files: number; offsiteVerified: number; lastOffsiteVerifiedAt: string | null; damaged: number };
  lastVerification: { ok: boolean; at: string } | null;
  justVerified: 'ok' | 'bad' | null;
  canVerify: boolean;
}

export function documentPage(ctx: PageCtx, d: DocumentPageData): string {
  const { lang } = ctx;
  const { doc, page } = d;
  const link = (n: number) => `/documents/${encodeURIComponent(doc.id)}${queryString({ page: n, q: d.q })}`;
  const rects = d.boxes
    .map(
      ([x0, y0, x1, y1]) =>
        `<rect class="hit-box" x="${x0}" y="${y0}" width="${Math.max(1, x1 - x0)}" height="${Math.max(1, y1 - y0)}"></rect>`,
    )
    .join('');
  const meta: Array<[Key, string | null]> = [
    ['registryNo', `<bdi>${num(lang, doc.registryNo)}</bdi>`],
    ['title', esc(doc.title ?? '—')],
    ['registeredAt', esc(date(lang, doc.registeredAt, true, ctx.timeZone))],
    ['docDate', esc(date(lang, doc.docDate))],
    ['type', esc(doc.docType ?? '—')],
    ['department', esc(doc.department ?? '—')],
    ['correspondent', esc(doc.correspondent ?? '—')],
    ['classification', esc(doc.classification)],
    ['batch', esc(doc.batchName ?? '—')],
    ['pages', num(lang, doc.pageCount)],
    ['status', esc(statusWord(lang, doc.status))],
  ];
  const verified = d.justVerified
    ? `<p class="verdict ${d.justVerified === 'ok' ? 'good' : 'bad'}" id="verify-result" role="status">${t(lang, d.justVerified === 'ok' ? 'verifiedOk' : 'verifiedBad')}</p>`
    : '';
  const last = d.lastVerification
    ? `${d.lastVerification.ok ? '✓' : '✗'} ${esc(date(lang, d.lastVerification.at, true, ctx.timeZone))}`
    : t(lang, 'never');
  return layout(
    ctx,
    'document',
    `${num(lang, doc.registryNo)} ${doc.title ?? ''}`,
    `<h1><bdi>${num(lang, doc.registryNo)}</bdi> — <bdi>${esc(doc.title ?? doc.originalName ?? '')}</bdi></h1>
<div class="doc">
  <section class="card">
    <div class="viewer-tools">
      ${page.n > 1 ? `<a href="${esc(link(page.n - 1))}" rel="prev" id="prev-page">${t(lang, 'previous')}</a>` : ''}
      <span>${t(lang, 'page')} ${num(lang, page.n)} ${t(lang, 'of')} ${num(lang, doc.pageCount)}</span>
      ${page.n < doc.pageCount ? `<a href="${esc(link(page.n + 1))}" rel="next" id="next-page">${t(lang, 'next')}</a>` : ''}
      <button type="button" class="secondary" data-zoom="out">${t(lang, 'zoomOut')}</button>
      <button type="button" class="secondary" data-zoom="fit">${t(lang, 'zoomFit')}</button>
      <button type="button" class="secondary" data-zoom="in">${t(lang, 'zoomIn')}</button>
    </div>
    <div class="page-frame">
      <div class="page-view" data-width="${page.width}" data-height="${page.height}">
        <img src="/api/v1/documents/${encodeURIComponent(doc.id)}/pages/${page.n}/image" alt="${esc(`${t(lang, 'page')} ${page.n}`)}" width="${page.width}" height="${page.height}">
        <svg viewBox="0 0 ${page.width} ${page.height}" preserveAspectRatio="none" aria-hidden="true">${rects}</svg>
      </div>
    </div>
  </section>
  <div>
    <section class="card"><h2>${t(lang, 'ocrText')}</h2><div class="ocr-text" id="ocr-text" dir="auto">${d.textHtml}</div></section>
    <section class="card"><h2>${t(lang, 'metadata')}</h2><dl class="meta">${meta.map(([k, v]) => `<dt>${t(lang, k)}</dt><dd>${v}</dd>`).join('')}</dl></section>
    <section class="card"><h2>${t(lang, 'downloads')}</h2>
      <p>${d.sha256.archive ? `<a class="button" id="download-pdf" href="/api/v1/documents/${encodeURIComponent(doc.id)}/archive.pdf" download>${t(lang, 'archivePdf')}</a>` : ''}
      <a id="download-original" href="/api/v1/documents/${encodeURIComponent(doc.id)}/original" download>${t(lang, 'original')}</a></p>
    </section>
    ${
      d.stamp
        ? `<section class="card"><h2>${t(lang, 'stamp')}</h2><div dir="rtl" lang="ar">${d.stamp.lines.map((l) => `<div>${esc(l)}</div>`).join('')}</div>
      <p class="muted">${t(lang, 'stampLink')}: <a class="ltr" href="${esc(d.stamp.verifyUrl)}">${esc(d.stamp.verifyUrl)}</a></p></section>`
        : ''
    }
    <section class="card" id="integrity"><h2>${t(lang, 'integrity')}</h2>
      ${verified}
      <dl class="meta">
        <dt>${t(lang, 'fingerprintOriginal')}</dt><dd class="hash">${esc(d.sha256.original)}</dd>
        <dt>${t(lang, 'fingerprintArchive')}</dt><dd class="hash">${esc(d.sha256.archive ?? '—')}</dd>
        <dt>${t(lang, 'primaryCopy')}</dt><dd>${d.copies.damaged === 0 ? '✓' : `✗ ${num(lang, d.copies.damaged)} ${t(lang, 'damaged')}`}</dd>
        <dt>${t(lang, 'offsiteCopy')}</dt><dd>${d.copies.offsiteVerified === d.copies.files && d.copies.files > 0 ? `✓ ${num(lang, d.copies.offsiteVerified)}/${num(lang, d.copies.files)} ${t(lang, 'verifiedAt')} ${esc(date(lang, d.copies.lastOffsiteVerifiedAt, true, ctx.timeZone))}` : `${num(lang, d.copies.offsiteVerified)}/${num(lang, d.copies.files)} — ${t(lang, 'notYet')}`}</dd>
        <dt>${t(lang, 'lastVerification')}</dt><dd id="last-verification">${last}</dd>
      </dl>
      ${
        d.canVerify
          ? `<form method="post" action="/documents/${encodeURIComponent(doc.id)}/verify"><input type="hidden" name="_csrf" value="${esc(ctx.csrf)}"><button class="primary" type="submit" id="verify-now">${t(lang, 'verifyNow')}</button></form>`
          : ''
      }
    </section>
  </div>
</div>`,
  );
}

export function uploadPage(ctx: PageCtx): string {
  const { lang } = ctx;
  const words = Object.fromEntries(
    (['queued', 'processing', 'archived', 'duplicate', 'rejected', 'failed', 'uploading'] as const).map((k) => [k, t(lang, k)]),
  );
  const i18nJson = JSON.stringify({ ...words, batchDone: lang === 'ar' ? 'اكتملت الدفعة.' : 'The batch is complete.' }).replace(
    /</g,
    '\\u003c',
  );
  const classes = ['public', 'internal', 'confidential', 'secret'];
  return layout(
    ctx,
    'upload',
    t(lang, 'uploadTitle'),
    `<h1>${t(lang, 'uploadTitle')}</h1>
<form id="upload-form" class="card">
  <div class="grid-form">
    <label>${t(lang, 'batchName')}<input type="text" name="name" required maxlength="200"></label>
    <label>${t(lang, 'title')}<input type="text" name="title" maxlength="500"></label>
    <label>${t(lang, 'type')}<input type="text" name="docType" maxlength="100"></label>
    <label>${t(lang, 'department')}<input type="text" name="department" maxlength="200"></label>
    <label>${t(lang, 'correspondent')}<input type="text" name="correspondent" maxlength="200"></label>
    <label>${t(lang, 'docDate')}<input type="date" name="docDate"></label>
    <label>${t(lang, 'classification')}<select name="classification">${classes.map((c) => `<option value="${c}">${c}</option>`).join('')}</select></label>
    <label>${t(lang, 'mode')}<select name="mode"><option value="documents">${t(lang, 'modeDocuments')}</option><option value="pages">${t(lang, 'modePages')}</option></select></label>
  </div>
  <div class="dropzone" id="dropzone">
    <p>${t(lang, 'dropHere')}</p>
    <label class="secondary">${t(lang, 'chooseFiles')} <input type="file" id="files" multiple accept="image/jpeg,image/png,image/webp,image/tiff,application/pdf"></label>
    <label class="secondary">${t(lang, 'chooseFolder')} <input type="file" id="folder" webkitdirectory multiple></label>
    <p class="muted"><span id="chosen-count">${num(lang, 0)}</span></p>
  </div>
  <p><button class="primary" type="submit" id="start">${t(lang, 'start')}</button> <span id="upload-state" role="status"></span></p>
  <h2>${t(lang, 'batchProgress')} <span id="batch-text" class="muted"></span></h2>
  <progress id="batch-progress" value="0" max="1"></progress>
  <table class="files"><tbody id="file-rows"></tbody></table>
</form>
<script type="application/json" id="i18n">${i18nJson}</script>`,
  );
}

export interface AuditPageData {
  report: AuditReport;
  replication: ReplicationStatus;
  objectLock: Record<string, { enabled: boolean; detail: string }>;
  identified: { name: string; sha256: string; matches: Array<{ documentId: string; registryNo: string; kind: string }> } | null;
}

export function auditPage(ctx: PageCtx, d: AuditPageData): string {
  const { lang } = ctx;
  const r = d.report;
  const identified = d.identified
    ? `<div class="verdict ${d.identified.matches.length ? 'good' : 'bad'}" id="identify-result" role="status">
        <div>${esc(d.identified.name)} — <span class="hash">${esc(d.identified.sha256)}</span></div>
        ${
          d.identified.matches.length
            ? `${t(lang, 'isRegistered')} ${d.identified.matches
                .map(
                  (m) =>
                    `<a href="/documents/${encodeURIComponent(m.documentId)}"><bdi>${num(lang, m.registryNo)}</bdi></a> (${esc(m.kind)})`,
                )
                .join('، ')}`
            : t(lang, 'notRegistered')
        }
      </div>`
    : '';
  return layout(
    ctx,
    'audit',
    t(lang, 'auditTitle'),
    `<h1>${t(lang, 'auditTitle')}</h1>
<div class="stats">
  <section class="card" id="ledger-panel"><h2>${t(lang, 'ledger')}</h2>
    <div class="big">${num(lang, r.ledger.entries)} <span class="muted">${t(lang, 'entries')}</span></div>
    <p class="verdict ${r.ledger.brokenAt === null ? 'good' : 'bad'}">${r.ledger.brokenAt === null ? t(lang, 'chainIntact') : `${t(lang, 'chainBroken')} ${num(lang, r.ledger.brokenAt)}`}</p>
    <p>${t(lang, 'checkpoints')}: ${num(lang, r.ledger.checkpoints)}${r.ledger.badCheckpoint === null ? '' : ' ✗'} · ${t(lang, 'lastCheckpoint')}: ${esc(date(lang, r.ledger.lastCheckpoint?.at ?? null, true, ctx.timeZone))}</p>
  </section>
  <section class="card" id="fixity-panel"><h2>${t(lang, 'fixity')}</h2>
    <div class="big">${num(lang, r.fixity.objectsChecked)} <span class="muted">${t(lang, 'objectsChecked')}</span></div>
    <p>✓ ${num(lang, r.fixity.ok)} · ${t(lang, 'repaired')} ${num(lang, r.fixity.repaired)} · ${t(lang, 'damaged')} ${num(lang, r.fixity.damaged.length)}</p>
    <p class="muted">${esc(date(lang, r.fixity.lastCheckedAt, true, ctx.timeZone))}</p>
    ${r.fixity.damaged.map((x) => `<div class="verdict bad"><bdi>${num(lang, x.registryNo)}</bdi> ${esc(x.target)} <code>${esc(x.key)}</code> ${esc(x.state)}</div>`).join('')}
  </section>
  <section class="card" id="replication-panel"><h2>${t(lang, 'replication')}</h2>
    <div class="big">${num(lang, d.replication.pending)} <span class="muted">${t(lang, 'pendingDocs')}</span></div>
    <p>${t(lang, 'oldestPending')}: ${num(lang, d.replication.oldestPendingSeconds)}</p>
    <p>${t(lang, 'objectLock')}: ${Object.entries(d.objectLock)
      .map(([k, v]) => `${esc(k)} ${v.enabled ? t(lang, 'locked') : `<span class="badge warn">${t(lang, 'notLocked')}</span>`}`)
      .join(' · ')}</p>
  </section>
  <section class="card"><h2>${t(lang, 'documents')}</h2>
    ${Object.entries(r.documents)
      .map(([k, v]) => `<div class="facet"><span>${esc(statusWord(lang, k))}</span><span>${num(lang, v)}</span></div>`)
      .join('')}
  </section>
</div>
<section class="card" id="verify-file"><h2>${t(lang, 'verifyFile')}</h2>
  <p class="muted">${t(lang, 'verifyFileHelp')}</p>
  ${identified}
  <form method="post" action="/audit/verify-file?_csrf=${encodeURIComponent(ctx.csrf)}" enctype="multipart/form-data">
    <input type="file" name="file" required>
    <button class="primary" type="submit">${t(lang, 'check')}</button>
  </form>
</section>`,
  );
}

export function forbiddenPage(ctx: PageCtx): string {
  return layout(ctx, 'document', t(ctx.lang, 'notAllowed'), `<p class="card verdict bad">${t(ctx.lang, 'notAllowed')}</p>`);
}

export function notFoundPage(ctx: PageCtx): string {
  return layout(ctx, 'document', t(ctx.lang, 'notFound'), `<p class="card">${t(ctx.lang, 'notFound')}</p>`);
}
