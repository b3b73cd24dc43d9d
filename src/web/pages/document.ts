/**
 * The document page: one page image at a time, with an SVG layer on top whose
 * boxes are the OCR word boxes of the searched words, in the page's own pixel
 * coordinates; beside it the recognised text, the details, the downloads, the
 * stamp's words and the integrity panel (fingerprints, copies, verification).
 */
import { html, type SafeHtml } from '../html';
import { fileName, isolatedLtr } from '../fields';
import { count, date, num, statusWord, t, valueWord, wordsOf, type Key, type Lang } from '../i18n';
import { layout, queryString, type PageCtx } from '../layout';

export interface DocumentSummary {
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
}

/** How many stored files the document has, how many are verified offsite, and how many are damaged. */
export interface CopiesSummary {
  files: number;
  offsiteVerified: number;
  lastOffsiteVerifiedAt: string | null;
  damaged: number;
}

export interface DocumentPageData {
  doc: DocumentSummary;
  page: { n: number; width: number; height: number; text: string };
  /** The page's text with matched words marked. */
  textHtml: SafeHtml;
  boxes: Array<[number, number, number, number]>;
  q: string;
  sha256: { original: string; archive: string | null };
  stamp: { lines: string[]; verifyUrl: string } | null;
  copies: CopiesSummary;
  lastVerification: { ok: boolean; at: string } | null;
  justVerified: 'ok' | 'bad' | null;
  canVerify: boolean;
  /** Further sections of the registry's own work (links, referrals, directives, history), in order. */
  sections: SafeHtml[];
}

const w = wordsOf({
  backToSearch: ['→ العودة إلى نتائج البحث', '← Back to the search results'],
  pageImage: ['صورة الصفحة', 'Page image'],
});

/** The page image with the boxes of the matched words over it, and the paging and zoom buttons. */
function pageViewer(lang: Lang, d: DocumentPageData): SafeHtml {
  const { doc, page } = d;
  const link = (n: number) => `/documents/${encodeURIComponent(doc.id)}${queryString({ page: n, q: d.q })}`;
  const rects = d.boxes.map(
    ([x0, y0, x1, y1]) =>
      html`<rect class="hit-box" x="${x0}" y="${y0}" width="${Math.max(1, x1 - x0)}" height="${Math.max(1, y1 - y0)}"></rect>`,
  );
  return html`<section class="card">
    <div class="viewer-tools">
      ${page.n > 1 && html`<a href="${link(page.n - 1)}" rel="prev" id="prev-page">${t(lang, 'previous')}</a>`}
      <span>${t(lang, 'page')} ${num(lang, page.n)} ${t(lang, 'of')} ${num(lang, doc.pageCount)}</span>
      ${page.n < doc.pageCount && html`<a href="${link(page.n + 1)}" rel="next" id="next-page">${t(lang, 'next')}</a>`}
      <button type="button" class="secondary" data-zoom="out">${t(lang, 'zoomOut')}</button>
      <button type="button" class="secondary" data-zoom="fit">${t(lang, 'zoomFit')}</button>
      <button type="button" class="secondary" data-zoom="in">${t(lang, 'zoomIn')}</button>
    </div>
    <div class="page-frame" tabindex="0" role="region" aria-label="${w(lang, 'pageImage')}">
      <div class="page-view" data-width="${page.width}" data-height="${page.height}">
        <img
          src="/api/v1/documents/${encodeURIComponent(doc.id)}/pages/${page.n}/image"
          alt="${`${t(lang, 'page')} ${num(lang, page.n)}`}"
          width="${page.width}"
          height="${page.height}"
        />
        <svg viewBox="0 0 ${page.width} ${page.height}" preserveAspectRatio="none" aria-hidden="true">${rects}</svg>
      </div>
    </div>
  </section>`;
}

/** The details list: each term and its value. */
function detailRows(ctx: PageCtx, doc: DocumentSummary): SafeHtml[] {
  const { lang } = ctx;
  const meta: Array<[Key, string | SafeHtml]> = [
    ['registryNo', html`<bdi>${num(lang, doc.registryNo)}</bdi>`],
    ['title', doc.title ?? '—'],
    ['registeredAt', date(lang, doc.registeredAt, true, ctx.timeZone)],
    ['docDate', date(lang, doc.docDate)],
    ['type', doc.docType ?? '—'],
    ['department', doc.department ?? '—'],
    ['correspondent', doc.correspondent ?? '—'],
    ['classification', valueWord(lang, 'classification', doc.classification)],
    ['batch', doc.batchName ?? '—'],
    ['pages', num(lang, doc.pageCount)],
    ['status', statusWord(lang, doc.status)],
  ];
  return meta.map(
    ([k, v]) =>
      html`<dt>${t(lang, k)}</dt>
        <dd>${v}</dd>`,
  );
}

function downloadsSection(lang: Lang, d: DocumentPageData): SafeHtml {
  const id = encodeURIComponent(d.doc.id);
  return html`<section class="card">
    <h2>${t(lang, 'downloads')}</h2>
    <p>
      ${d.sha256.archive && html`<a class="button" id="download-pdf" href="/api/v1/documents/${id}/archive.pdf" download>${t(lang, 'archivePdf')}</a>`}
      <a id="download-original" href="/api/v1/documents/${id}/original" download>${t(lang, 'original')}</a>
    </p>
  </section>`;
}

/** The stamp's words and its verification link, once the document is archived ('' before). */
function stampSection(lang: Lang, stamp: DocumentPageData['stamp']): SafeHtml | '' {
  if (!stamp) return '';
  return html`<section class="card">
    <h2>${t(lang, 'stamp')}</h2>
    <div dir="rtl" lang="ar">
      ${stamp.lines.map((l) => (/^[A-Za-z]/.test(l) ? html`<div lang="en" dir="ltr">${l}</div>` : html`<div>${l}</div>`))}
    </div>
    <p class="muted">${t(lang, 'stampLink')}: <a class="ltr" href="${stamp.verifyUrl}">${stamp.verifyUrl}</a></p>
  </section>`;
}

/** "✓ 3/3 verified <when>" once every file is verified offsite; "2/3 — not copied yet" before. */
function offsiteState(ctx: PageCtx, c: CopiesSummary): string {
  const { lang } = ctx;
  const counts = `${num(lang, c.offsiteVerified)}/${num(lang, c.files)}`;
  return c.offsiteVerified === c.files && c.files > 0
    ? `✓ ${counts} ${t(lang, 'verifiedAt')} ${date(lang, c.lastOffsiteVerifiedAt, true, ctx.timeZone)}`
    : `${counts} — ${t(lang, 'notYet')}`;
}

function integritySection(ctx: PageCtx, d: DocumentPageData): SafeHtml {
  const { lang } = ctx;
  const verified =
    d.justVerified &&
    html`<p class="verdict ${d.justVerified === 'ok' ? 'good' : 'bad'}" id="verify-result" role="status">
      ${t(lang, d.justVerified === 'ok' ? 'verifiedOk' : 'verifiedBad')}
    </p>`;
  const last = d.lastVerification
    ? `${d.lastVerification.ok ? '✓' : '✗'} ${date(lang, d.lastVerification.at, true, ctx.timeZone)}`
    : t(lang, 'never');
  const primary = d.copies.damaged === 0 ? '✓' : `✗ ${count(lang, 'damagedFiles', d.copies.damaged)}`;
  const verifyForm =
    d.canVerify &&
    html`<form method="post" action="/documents/${encodeURIComponent(d.doc.id)}/verify">
      <input type="hidden" name="_csrf" value="${ctx.csrf}" /><button class="primary" type="submit" id="verify-now">
        ${t(lang, 'verifyNow')}
      </button>
    </form>`;
  return html`<section class="card" id="integrity">
    <h2>${t(lang, 'integrity')}</h2>
    ${verified}
    <dl class="meta">
      <dt>${t(lang, 'fingerprintOriginal')}</dt>
      <dd class="hash">${d.sha256.original}</dd>
      <dt>${t(lang, 'fingerprintArchive')}</dt>
      <dd class="hash">${d.sha256.archive ?? '—'}</dd>
      <dt>${t(lang, 'primaryCopy')}</dt>
      <dd>${primary}</dd>
      <dt>${t(lang, 'offsiteCopy')}</dt>
      <dd>${offsiteState(ctx, d.copies)}</dd>
      <dt>${t(lang, 'lastVerification')}</dt>
      <dd id="last-verification">${last}</dd>
    </dl>
    ${verifyForm}
  </section>`;
}

/** The recognised text, its lines as they are (the box keeps white space: nothing may be laid around the text). */
function ocrText(lang: Lang, text: SafeHtml): SafeHtml {
  // prettier-ignore
  return html`<div class="ocr-text" id="ocr-text" dir="auto" tabindex="0" role="region" aria-label="${t(lang, 'ocrText')}">${text}</div>`;
}

export function documentPage(ctx: PageCtx, d: DocumentPageData): string {
  const { lang } = ctx;
  const { doc } = d;
  return layout(
    ctx,
    'document',
    `${num(lang, doc.registryNo)} ${doc.title ?? isolatedLtr(doc.originalName ?? '')}`,
    html`${d.q && html`<p><a href="/search${queryString({ q: d.q })}" id="back-to-search">${w(lang, 'backToSearch')}</a></p>`}
      <h1>
        <bdi>${num(lang, doc.registryNo)}</bdi> —
        ${doc.title !== null ? html`<bdi>${doc.title}</bdi>` : fileName(doc.originalName ?? '')}
      </h1>
      <div class="doc">
        ${pageViewer(lang, d)}
        <div>
          <section class="card">
            <h2>${t(lang, 'ocrText')}</h2>
            ${ocrText(lang, d.textHtml)}
          </section>
          <section class="card">
            <h2>${t(lang, 'metadata')}</h2>
            <dl class="meta">${detailRows(ctx, doc)}</dl>
          </section>
          ${d.sections} ${downloadsSection(lang, d)} ${stampSection(lang, d.stamp)} ${integritySection(ctx, d)}
        </div>
      </div>`,
  );
}
