/**
 * The correction pages: the record's correction form (every correctable
 * field prefilled, a reason required), the text correction form (the page's
 * image beside its text, editable, and a reason), and the history card of the
 * document page (the registration, then every correction: who, when, why,
 * before → after). Arabic and right to left first.
 */
import { CLASSIFICATIONS, clearanceRank } from '../../../kernel/clearance';
import { html, joinHtml, raw, SafeHtml } from '../html';
import { dateInput, scrollBox } from '../fields';
import { date, num, valueWord, wordsOf, type Lang } from '../i18n';
import { layout, type PageCtx } from '../layout';

export const w = wordsOf({
  editTitle: ['تصحيح بيانات الوثيقة', 'Correct the record'],
  editHelp: [
    'يبقى رقم القيد والختم وملف الأرشيف كما هي؛ يُحفظ كل تغيير في السجل مع سببه وقيمته قبل التصحيح وبعده.',
    'The registry number, the stamp and the archive PDF stay as they are; every change is kept in the history with its reason and its value before and after.',
  ],
  textTitle: ['تصحيح نص الصفحة', "Correct the page's text"],
  textHelp: [
    'يُحفظ النص المصحَّح نسخةً جديدة باسمك، وتبقى قراءات الآلة كما هي؛ ولا يتغير ملف الأرشيف.',
    "The corrected text is saved as a new version in your name; the machine's readings are kept, and the archive PDF does not change.",
  ],
  flagged: ['صفحة للمراجعة: قراءة الآلة غير مؤكدة', "Flagged for review: the machine's reading is uncertain"],
  pageText: ['نص الصفحة', 'Page text'],
  reason: ['سبب التصحيح', 'Reason for the correction'],
  save: ['حفظ التصحيح', 'Save the correction'],
  cancel: ['رجوع إلى الوثيقة', 'Back to the document'],
  title: ['العنوان', 'Title'],
  docType: ['النوع', 'Type'],
  department: ['القسم', 'Department'],
  classification: ['التصنيف', 'Classification'],
  docDate: ['تاريخ الوثيقة', 'Document date'],
  correspondent: ['المرسِل / المرسَل إليه', 'Correspondent'],
  externalRef: ['رقم المرسِل', "Sender's reference"],
  externalDate: ['تاريخ المرسِل', "Sender's date"],
  correspondentId: ['معرّف جهة المراسلة', 'Correspondent id'],
  history: ['سجل التعديلات', 'History'],
  registered: ['قُيِّدت الوثيقة', 'Registered'],
  corrected: ['صُحّحت البيانات', 'Record corrected'],
  textCorrected: ['صُحّح نص الصفحة', 'Page text corrected'],
  when: ['متى', 'When'],
  who: ['مَن', 'Who'],
  what: ['ماذا', 'What'],
  why: ['السبب', 'Why'],
  editLink: ['تصحيح البيانات', 'Correct the record'],
  textLink: ['تصحيح نص هذه الصفحة', "Correct this page's text"],
  page: ['صفحة', 'page'],
  version: ['نسخة النص', 'text version'],
  savedRecord: ['حُفظ التصحيح.', 'The correction was saved.'],
});

/** The record's fields the form offers, in order, with their current values. */
export type RecordFields = Record<
  'title' | 'docType' | 'department' | 'classification' | 'docDate' | 'correspondent' | 'externalRef' | 'externalDate',
  string | null
>;

export interface EditPageData {
  id: string;
  registryNo: string;
  values: RecordFields;
  reason: string;
  /** The person's clearance: no classification above it is offered. */
  clearance: string;
  error: string | null;
}

const errorBox = (error: string | null) => error && html`<p class="verdict bad" id="form-error" role="alert">${error}</p>`;
const csrfField = (ctx: PageCtx) => html`<input type="hidden" name="_csrf" value="${ctx.csrf}" />`;
const reasonField = (lang: Lang, reason: string) =>
  html`<label class="wide"
    >${w(lang, 'reason')}<textarea name="reason" id="reason" required minlength="3" maxlength="500" rows="2" dir="auto">
${reason}</textarea>
  </label>`;

export function editPage(ctx: PageCtx, d: EditPageData): string {
  const { lang } = ctx;
  const text = (name: keyof RecordFields, max: number) =>
    html`<label
      >${w(lang, name)}<input
        type="text"
        name="${name}"
        id="field-${name}"
        maxlength="${max}"
        dir="auto"
        value="${d.values[name] ?? ''}"
    /></label>`;
  const day = (name: keyof RecordFields) => dateInput(lang, w(lang, name), { name, id: `field-${name}`, value: d.values[name] });
  const levels = CLASSIFICATIONS.filter((c) => clearanceRank(c) <= clearanceRank(d.clearance) || c === d.values.classification);
  const classification = html`<label
    >${w(lang, 'classification')}<select name="classification" id="field-classification">
      ${levels.map((c) => html`<option value="${c}" ${c === d.values.classification && raw(' selected')}>${valueWord(lang, 'classification', c)}</option>`)}
    </select></label
  >`;
  const back = `/documents/${encodeURIComponent(d.id)}`;
  return layout(
    ctx,
    'document',
    `${w(lang, 'editTitle')} ${d.registryNo}`,
    html`<h1>${w(lang, 'editTitle')} — <bdi>${num(lang, d.registryNo)}</bdi></h1>
      <section class="card">
        <p class="muted">${w(lang, 'editHelp')}</p>
        ${errorBox(d.error)}
        <form method="post" action="${back}/edit" id="edit-form" class="grid-form correction-form">
          ${csrfField(ctx)} ${text('title', 500)}${text('docType', 100)}${text('department', 200)}${classification}
          ${day('docDate')}${text('correspondent', 300)}${text('externalRef', 200)}${day('externalDate')}
          ${reasonField(lang, d.reason)}
          <p class="wide">
            <button class="primary" type="submit" id="save-correction">${w(lang, 'save')}</button>
            <a href="${back}">${w(lang, 'cancel')}</a>
          </p>
        </form>
      </section>`,
  );
}

export interface TextPageData {
  id: string;
  registryNo: string;
  page: { n: number; width: number; height: number; text: string };
  pageCount: number;
  flagged: boolean;
  reason: string;
  error: string | null;
}

export function textPage(ctx: PageCtx, d: TextPageData): string {
  const { lang } = ctx;
  const back = `/documents/${encodeURIComponent(d.id)}`;
  const action = `${back}/pages/${d.page.n}/text`;
  return layout(
    ctx,
    'document',
    `${w(lang, 'textTitle')} ${d.registryNo}`,
    html`<h1>
        ${w(lang, 'textTitle')} — <bdi>${num(lang, d.registryNo)}</bdi> · ${w(lang, 'page')}
        ${num(lang, d.page.n)}/${num(lang, d.pageCount)}
      </h1>
      <div class="doc">
        <section class="card">
          <div class="page-frame">
            <div class="page-view" data-width="${d.page.width}" data-height="${d.page.height}">
              <img
                src="/api/v1/documents/${encodeURIComponent(d.id)}/pages/${d.page.n}/image"
                alt="${`${w(lang, 'page')} ${d.page.n}`}"
                width="${d.page.width}"
                height="${d.page.height}"
              />
            </div>
          </div>
        </section>
        <section class="card">
          ${d.flagged && html`<p class="badge warn" id="review-flag">${w(lang, 'flagged')}</p>`}
          <p class="muted">${w(lang, 'textHelp')}</p>
          ${errorBox(d.error)}
          <form method="post" action="${action}" id="text-form" class="correction-form">
            ${csrfField(ctx)}
            <label class="wide"
              >${w(lang, 'pageText')}<textarea name="text" id="page-text" dir="auto" lang="ar" rows="18" required>
${d.page.text}</textarea>
            </label>
            ${reasonField(lang, d.reason)}
            <p>
              <button class="primary" type="submit" id="save-text">${w(lang, 'save')}</button>
              <a href="${`${back}?page=${d.page.n}`}">${w(lang, 'cancel')}</a>
            </p>
          </form>
        </section>
      </div>`,
  );
}

/** One row of the history card. */
export interface HistoryItem {
  kind: 'registered' | 'corrected' | 'textCorrected';
  at: string;
  by: string | null;
  reason: string | null;
  /** Each changed field's value before and after (a text correction: its page and version). */
  changes: Array<{ field: string; before: string | null; after: string | null }>;
}

export function historyCard(ctx: PageCtx, d: { items: HistoryItem[]; links: SafeHtml | ''; saved: boolean }): SafeHtml {
  const { lang } = ctx;
  const field = (name: string) =>
    (FIELD_NAMES as readonly string[]).includes(name) ? w(lang, name as (typeof FIELD_NAMES)[number]) : name;
  const shown = (v: string | null) => (v === null || v === '' ? '—' : html`<bdi>${v}</bdi>`);
  const rows = d.items.map((h) => {
    const what = h.changes.map(
      (c) =>
        html`<div class="change"><b>${field(c.field)}</b>: <del>${shown(c.before)}</del> → <ins>${shown(c.after)}</ins></div>`,
    );
    return html`<tr class="history-${h.kind}">
      <td>${date(lang, h.at, true, ctx.timeZone)}</td>
      <td><bdi>${h.by === null ? '—' : valueWord(lang, 'actor', h.by)}</bdi></td>
      <td>${w(lang, h.kind)}${what}</td>
      <td dir="auto">${h.reason ?? ''}</td>
    </tr>`;
  });
  return html`<section class="card" id="history">
    <h2>${w(lang, 'history')}</h2>
    ${d.saved && html`<p class="verdict good" role="status" id="correction-saved">${w(lang, 'savedRecord')}</p>`} ${d.links}
    ${scrollBox(
      w(lang, 'history'),
      html`<table class="history">
        <thead>
          <tr>
            <th>${w(lang, 'when')}</th>
            <th>${w(lang, 'who')}</th>
            <th>${w(lang, 'what')}</th>
            <th>${w(lang, 'why')}</th>
          </tr>
        </thead>
        <tbody>
          ${rows}
        </tbody>
      </table>`,
    )}
  </section>`;
}

const FIELD_NAMES = [
  'title',
  'docType',
  'department',
  'classification',
  'docDate',
  'correspondent',
  'externalRef',
  'externalDate',
  'correspondentId',
  'page',
  'version',
] as const;

/** The history card's links for whoever may correct: the record, and the page shown. */
export function correctionLinks(ctx: PageCtx, id: string, page: number | null): SafeHtml | '' {
  const { lang } = ctx;
  const doc = `/documents/${encodeURIComponent(id)}`;
  const links = [
    ctx.can.register && html`<a class="button" id="edit-record" href="${`${doc}/edit`}">${w(lang, 'editLink')}</a>`,
    ctx.can.correctText &&
      page !== null &&
      html`<a class="button" id="correct-text" href="${`${doc}/pages/${page}/text`}">${w(lang, 'textLink')}</a>`,
  ].filter((a): a is SafeHtml => a instanceof SafeHtml);
  return links.length ? html`<p class="correction-links">${joinHtml(links, ' ')}</p>` : '';
}
