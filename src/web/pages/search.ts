/**
 * The search page: the search bar, the filters and facets beside the
 * results, one result per matching page (thumbnail, title, details, the
 * snippet with the matched words marked), and the pager.
 */
import type { SearchResult } from '../../../search/searchIndex';
import { html, raw, type SafeHtml } from '../html';
import { dateInput, docTitle } from '../fields';
import { count, date, num, t, wordsOf, type Lang } from '../i18n';
import type { RegisterRecord } from '../../../storage/repos/registers';
import { layout, queryString, type PageCtx, type QueryParams } from '../layout';

export interface SearchFilters {
  type?: string;
  department?: string;
  year?: number;
  from?: string;
  to?: string;
  needsReview?: boolean;
  register?: string;
  correspondentId?: string;
  overdue?: boolean;
}

const w = wordsOf({
  register: ['السجل', 'Register'],
  overdue: ['متأخرة عن موعد الإحالة', 'Overdue referrals'],
  correspondent: ['جهة المراسلة', 'Correspondent'],
  externalRef: ['مرجع المرسِل', "Sender's ref."],
  anyCorrespondent: ['(إزالة)', '(remove)'],
});

/** A register's name in the page's language, by its code. */
function registerName(lang: Lang, registers: RegisterRecord[], code: string): string {
  const r = registers.find((x) => x.code === code);
  return r ? (lang === 'ar' ? r.nameAr : r.nameEn) : code;
}

/** One matching page, as the results list shows it. */
export interface SearchHitView {
  id: string;
  registryNo: string;
  title: string | null;
  page: number;
  /** The page's text around the matches, with the matched words marked. */
  snippet: SafeHtml;
  docType: string | null;
  department: string | null;
  registeredAt: string;
  docDate: string | null;
  needsReview: boolean;
  register?: string;
  externalRef?: string | null;
  correspondent?: string | null;
}

export interface SearchPageData {
  q: string;
  filters: SearchFilters;
  result: SearchResult;
  offset: number;
  limit: number;
  hits: SearchHitView[];
  /** Every register, for the register filter and the names of its facet. */
  registers?: RegisterRecord[];
}

/** The query and filters every link on the page keeps (a facet or the pager changes one of them). */
function baseQuery(d: SearchPageData): QueryParams {
  const f = d.filters;
  return {
    q: d.q,
    type: f.type,
    department: f.department,
    year: f.year,
    from: f.from,
    to: f.to,
    needsReview: f.needsReview,
    register: f.register,
    correspondentId: f.correspondentId,
    overdue: f.overdue,
  };
}

/** The eight commonest values of one facet, each a link that filters by it. */
function facetLinks(
  lang: Lang,
  base: QueryParams,
  name: 'type' | 'department' | 'year' | 'register',
  counts: Record<string, number>,
  label: (v: string) => string = (v) => (name === 'year' ? num(lang, v) : v),
): SafeHtml[] {
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(
      ([value, n]) =>
        html`<div class="facet">
          <a href="/search${queryString({ ...base, [name]: value, offset: undefined })}">${label(value)}</a
          ><span class="muted">${num(lang, n)}</span>
        </div>`,
    );
}

const selected = (on: boolean) => on && raw(' selected');
const checked = (on: boolean | undefined) => on === true && raw(' checked');

/** A filter's choices: any, then every value the results have, in order. */
function filterOptions(lang: Lang, counts: Record<string, number>, current: string | undefined): SafeHtml {
  return html`<option value="">${t(lang, 'any')}</option>
    ${Object.keys(counts)
      .sort()
      .map((v) => html`<option value="${v}" ${selected(v === current)}>${v}</option>`)}`;
}

/** The register select, the overdue box and the correspondent chosen (from a correspondent's page). */
function registryFilters(lang: Lang, d: SearchPageData, base: QueryParams): SafeHtml {
  const f = d.filters;
  const registers = d.registers ?? [];
  const options = registers.map(
    (r) => html`<option value="${r.code}" ${selected(r.code === f.register)}>${registerName(lang, registers, r.code)}</option>`,
  );
  const corr =
    f.correspondentId &&
    html`<input type="hidden" name="correspondentId" value="${f.correspondentId}" />
      <p>
        ${w(lang, 'correspondent')}: <a href="/correspondents/${encodeURIComponent(f.correspondentId)}">…</a>
        <a href="/search${queryString({ ...base, correspondentId: undefined, offset: undefined })}"
          >${w(lang, 'anyCorrespondent')}</a
        >
      </p>`;
  return html`<label
      >${w(lang, 'register')}<select name="register" id="filter-register">
        <option value="">${t(lang, 'any')}</option>
        ${options}
      </select></label
    >
    <label
      ><input type="checkbox" name="overdue" value="true" id="filter-overdue" ${checked(f.overdue)} />
      ${w(lang, 'overdue')}</label
    >
    ${corr}`;
}

function filtersAside(lang: Lang, d: SearchPageData, base: QueryParams): SafeHtml {
  const f = d.filters;
  const facets = d.result.facets;
  const registers = d.registers ?? [];
  return html`<aside class="card filters">
    <h2>${t(lang, 'filters')}</h2>
    ${registryFilters(lang, d, base)} ${dateInput(lang, t(lang, 'from'), { name: 'from', id: 'filter-from', value: f.from })}
    ${dateInput(lang, t(lang, 'to'), { name: 'to', id: 'filter-to', value: f.to })}
    <label
      >${t(lang, 'type')}<select name="type">
        ${filterOptions(lang, facets.docType, f.type)}
      </select></label
    >
    <label
      >${t(lang, 'department')}<select name="department">
        ${filterOptions(lang, facets.department, f.department)}
      </select></label
    >
    <label>${t(lang, 'year')}<input type="number" name="year" min="1900" max="2999" value="${f.year ?? ''}" /></label>
    <label><input type="checkbox" name="needsReview" value="true" ${checked(f.needsReview)} /> ${t(lang, 'needsReview')}</label>
    <button class="secondary" type="submit">${t(lang, 'apply')}</button>
    <h2>${t(lang, 'type')}</h2>
    ${facetLinks(lang, base, 'type', facets.docType)}
    <h2>${t(lang, 'department')}</h2>
    ${facetLinks(lang, base, 'department', facets.department)}
    <h2>${t(lang, 'year')}</h2>
    ${facetLinks(lang, base, 'year', facets.year)}
    <h2>${w(lang, 'register')}</h2>
    <div id="facet-register">
      ${facetLinks(lang, base, 'register', facets.register ?? {}, (v) => registerName(lang, registers, v))}
    </div>
  </aside>`;
}

function hitItem(ctx: PageCtx, h: SearchHitView, q: string): SafeHtml {
  const { lang } = ctx;
  const href = `/documents/${encodeURIComponent(h.id)}${queryString({ page: h.page, q })}`;
  const meta = [
    html`<span>${t(lang, 'registryNo')}: <bdi>${num(lang, h.registryNo)}</bdi></span>`,
    html`<span>${date(lang, h.registeredAt, false, ctx.timeZone)}</span>`,
    h.docType && html`<span class="badge">${h.docType}</span>`,
    h.department && html`<span>${h.department}</span>`,
    html`<span>${t(lang, 'page')} ${num(lang, h.page)}</span>`,
    h.externalRef && html`<span>${w(lang, 'externalRef')}: <bdi>${h.externalRef}</bdi></span>`,
    h.correspondent && html`<span>${h.correspondent}</span>`,
    h.needsReview && html`<span class="badge warn">${t(lang, 'needsReview')}</span>`,
  ];
  return html`<li class="hit" data-registry-no="${h.registryNo}">
    <a href="${href}" tabindex="-1" aria-hidden="true"
      ><img
        src="/api/v1/documents/${encodeURIComponent(h.id)}/pages/${h.page}/thumb"
        alt=""
        loading="lazy"
        width="96"
        height="128"
    /></a>
    <div>
      <a class="title" href="${href}">${h.title !== null ? docTitle(h.title) : html`<bdi>${num(lang, h.registryNo)}</bdi>`}</a>
      <div class="meta">${meta}</div>
      <p class="snippet">${h.snippet}</p>
    </div>
  </li>`;
}

/** Previous and next links around "1–20 of 45". */
function pager(lang: Lang, d: SearchPageData, base: QueryParams): SafeHtml {
  const prev =
    d.offset > 0 &&
    html`<a href="/search${queryString({ ...base, offset: Math.max(0, d.offset - d.limit) })}" rel="prev"
      >${t(lang, 'previous')}</a
    >`;
  const next =
    d.offset + d.limit < d.result.total &&
    html`<a href="/search${queryString({ ...base, offset: d.offset + d.limit })}" rel="next">${t(lang, 'next')}</a>`;
  return html`<div class="pager">
    ${prev}<span class="muted"
      >${num(lang, d.offset + 1)}–${num(lang, Math.min(d.result.total, d.offset + d.limit))} ${t(lang, 'of')}
      ${num(lang, d.result.total)}</span
    >${next}
  </div>`;
}

function resultsSection(ctx: PageCtx, d: SearchPageData, base: QueryParams): SafeHtml {
  const { lang } = ctx;
  const heading =
    d.q || Object.values(d.filters).some((v) => v !== undefined) ? count(lang, 'results', d.result.total) : t(lang, 'recent');
  const hits = d.hits.map((h) => hitItem(ctx, h, d.q));
  return html`<section class="card">
    <h1 id="result-count">${heading}</h1>
    ${
      d.hits.length === 0
        ? html`<p class="muted">${t(lang, 'noResults')}</p>`
        : html`<ol class="hits">
            ${hits}
          </ol>`
    }
    ${pager(lang, d, base)}
  </section>`;
}

export function searchPage(ctx: PageCtx, d: SearchPageData): string {
  const { lang } = ctx;
  const base = baseQuery(d);
  return layout(
    ctx,
    'search',
    d.q || t(lang, 'search'),
    html`<form method="get" action="/search" role="search">
      <div class="searchbar">
        <input
          type="search"
          name="q"
          value="${d.q}"
          placeholder="${t(lang, 'searchPlaceholder')}"
          aria-label="${t(lang, 'search')}"
          autofocus
        />
        <button class="primary" type="submit">${t(lang, 'go')}</button>
      </div>
      <div class="layout">${filtersAside(lang, d, base)} ${resultsSection(ctx, d, base)}</div>
    </form>`,
  );
}
