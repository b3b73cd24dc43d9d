/**
 * The API reference as a page in the viewer's style: server-rendered, Arabic
 * and right-to-left first (English on the switch), no script of its own. It
 * reads the built document (document.ts), so it shows what the contract says:
 * each group's calls with method, path, permission, what they take and what
 * they answer, then every error code with its status and words (the `type`
 * of a problem answer points at its row here).
 */
import { ERROR_MESSAGES, type ErrorCode } from '../../../kernel/errors';
import { html, type SafeHtml } from '../../web/html';
import type { Lang } from '../../web/i18n';
import { layout, type PageCtx } from '../../web/layout';
import { HTTP_STATUS } from '../errors';
import { SECTIONS } from './intro';
import { OPERATIONS } from './ops';
import { TAGS, type Tag } from './spec';

type Json = Record<string, unknown>;

const WORDS = {
  title: ['مرجع واجهة الديوان', 'Diwan API reference'],
  document: ['الوثيقة الكاملة (OpenAPI 3.1)', 'The whole document (OpenAPI 3.1)'],
  contents: ['المحتويات', 'Contents'],
  needs: ['الإذن', 'Needs'],
  takes: ['يأخذ', 'Takes'],
  answers: ['يجيب', 'Answers'],
  errors: ['رموز الأخطاء', 'Error codes'],
  code: ['الرمز', 'Code'],
  status: ['الحالة', 'Status'],
  arabic: ['العربية', 'Arabic'],
  english: ['الإنجليزية', 'English'],
  public: ['عام', 'public'],
  signedIn: ['أي مستخدم داخل', 'signed-in'],
  query: ['الاستعلام', 'query'],
  body: ['المتن', 'body'],
  form: ['نموذج متعدد الأجزاء', 'multipart form'],
} as const satisfies Record<string, readonly [string, string]>;

const w = (lang: Lang, key: keyof typeof WORDS) => WORDS[key][lang === 'ar' ? 0 : 1];

/** Text with `code` between backquotes, the code set apart (left to right, isolated from the Arabic around it). */
const prose = (text: string): SafeHtml[] =>
  text.split('`').map((part, i) => (i % 2 ? html`<code>${part}</code>` : html`${part}`));

/** The schema `s` with its reference followed (one level). */
function resolve(doc: Json, s: Json | undefined): Json | undefined {
  const ref = s?.$ref;
  if (typeof ref !== 'string') return s;
  const name = ref.split('/').at(-1)!;
  return ((doc.components as Json).schemas as Record<string, Json>)[name];
}

/** A schema in a few words: its fields (required ones marked *, the first dozen), or what it is a list of. */
function summary(doc: Json, schema: Json | undefined): string {
  const s = resolve(doc, schema);
  if (!s) return '';
  if (s.type === 'array') {
    const items = s.items as Json | undefined;
    const name = typeof items?.$ref === 'string' ? items.$ref.split('/').at(-1) : summary(doc, items);
    return `[${name}]`;
  }
  const props = s.properties as Json | undefined;
  if (!props) return typeof schema?.$ref === 'string' ? schema.$ref.split('/').at(-1)! : String(s.type ?? '');
  const required = new Set((s.required as string[] | undefined) ?? []);
  const names = Object.keys(props).map((k) => (required.has(k) ? `${k}*` : k));
  return `{${names.slice(0, 12).join(', ')}${names.length > 12 ? ', …' : ''}}`;
}

function takes(doc: Json, op: Json, lang: Lang): SafeHtml[] {
  const parts: SafeHtml[] = [];
  const query = ((op.parameters as Json[] | undefined) ?? []).filter((p) => p.in === 'query');
  if (query.length) {
    const names = query.map((p) => (p.required ? `${String(p.name)}*` : String(p.name))).join(', ');
    parts.push(html`<div>${w(lang, 'query')}: <code>${names}</code></div>`);
  }
  const content = ((op.requestBody as Json | undefined)?.content ?? {}) as Record<string, Json>;
  for (const [media, c] of Object.entries(content)) {
    const kind = media === 'multipart/form-data' ? w(lang, 'form') : w(lang, 'body');
    parts.push(html`<div>${kind}: <code>${summary(doc, c.schema as Json)}</code></div>`);
  }
  return parts;
}

/** Refusals every call that needs a token may give: said once, in the sign-in section, not beside each call. */
const COMMON = new Set(['default', '401', '403']);

function answers(doc: Json, op: Json): SafeHtml[] {
  return Object.entries(op.responses as Record<string, Json>)
    .filter(([status]) => !COMMON.has(status))
    .map(([status, r]) => {
      const content = (r.content ?? {}) as Record<string, Json>;
      const errors = r['x-diwan-errors'] as ErrorCode[] | undefined;
      const what = errors
        ? errors.map((c, i) => html`${i > 0 && ', '}<a href="#error-${c}">${c}</a>`)
        : Object.entries(content).map(([media, c], i) =>
            media === 'application/json'
              ? html`${i > 0 && ' · '}<code>${summary(doc, c.schema as Json)}</code>`
              : html`${i > 0 && ' · '}<span class="ltr">${media}</span>`,
          );
      return html`<div><b class="ltr">${status}</b> ${what}</div>`;
    });
}

function permissionWords(lang: Lang, permission: string): string {
  if (permission === 'public') return w(lang, 'public');
  if (permission === 'signed-in') return w(lang, 'signedIn');
  return permission;
}

function group(doc: Json, tag: Tag, lang: Lang): SafeHtml {
  const paths = doc.paths as Record<string, Record<string, Json>>;
  const calls = OPERATIONS.filter((o) => o.tag === tag).map((o, n) => {
    const op = paths[o.path]![o.method]!;
    return html`${n > 0 && html`<hr />`}
      <div id="${o.id}">
        <h3><code>${o.method.toUpperCase()} ${o.path}</code></h3>
        <p>
          ${o.summary[lang === 'ar' ? 0 : 1]} ·
          <span class="muted">${w(lang, 'needs')}: ${permissionWords(lang, String(op['x-diwan-permission']))}</span>
        </p>
        ${takes(doc, op, lang)}
        <div>${w(lang, 'answers')}: ${answers(doc, op)}</div>
      </div>`;
  });
  const [ar, en] = TAGS[tag];
  return html`<section class="card" id="tag-${tag}">
    <h2>${lang === 'ar' ? ar : en}</h2>
    ${calls}
  </section>`;
}

function errorTable(lang: Lang): SafeHtml {
  const rows = (Object.keys(ERROR_MESSAGES) as ErrorCode[]).map(
    (code) =>
      html`<tr id="error-${code}">
        <td><code>${code}</code></td>
        <td>${HTTP_STATUS[code]}</td>
        <td lang="ar" dir="rtl">${ERROR_MESSAGES[code][0]}</td>
        <td lang="en" dir="ltr">${ERROR_MESSAGES[code][1]}</td>
      </tr>`,
  );
  return html`<section class="card" id="errors-table">
    <h2>${w(lang, 'errors')}</h2>
    <table class="history">
      <thead>
        <tr>
          <th>${w(lang, 'code')}</th>
          <th>${w(lang, 'status')}</th>
          <th>${w(lang, 'arabic')}</th>
          <th>${w(lang, 'english')}</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
  </section>`;
}

/** The reference page for `doc`, in `lang`. */
export function referencePage(doc: Json, ctx: PageCtx): string {
  const { lang } = ctx;
  const i = lang === 'ar' ? 0 : 1;
  const tags = Object.keys(TAGS) as Tag[];
  const body = html`<h1>${w(lang, 'title')} <span class="muted ltr">${String((doc.info as Json).version)}</span></h1>
    <p><a href="/api/v1/openapi.json">${w(lang, 'document')}</a> · <code>GET /api/v1/openapi.json</code></p>
    ${SECTIONS.map(
      (s) =>
        html`<section class="card" id="${s.id}">
          <h2>${s.title[i]}</h2>
          <p>${prose(s.text[i])}</p>
        </section>`,
    )}
    <nav class="card" aria-label="${w(lang, 'contents')}">
      <h2>${w(lang, 'contents')}</h2>
      ${tags.map((t, n) => html`${n > 0 && ' · '}<a href="#tag-${t}">${TAGS[t][i]}</a>`)} ·
      <a href="#errors-table">${w(lang, 'errors')}</a>
    </nav>
    ${tags.map((t) => group(doc, t, lang))} ${errorTable(lang)}`;
  return layout(ctx, 'login', w(lang, 'title'), body);
}
