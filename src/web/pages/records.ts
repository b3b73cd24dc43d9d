/**
 * The records pages (Arabic first, RTL): the hub with its links, the retention schedule (the rules, a form to
 * add one and one to change or retire each, with a reason), the due list by date and action, and the
 * document page's retention card.
 */
import { html, raw, type SafeHtml } from '../html';
import type { RuleVersion } from '../../../storage/records/rules';
import type { DocumentRetention, DueDocument } from '../../../storage/records/retention';
import { dateInput, docTitle, scrollBox } from '../fields';
import { date, num, valueWord, wordsOf, type Lang } from '../i18n';
import { layout, queryString, type PageCtx } from '../layout';

export const RECORDS_WORDS = wordsOf({
  records: ['إدارة السجلات', 'Records management'],
  hubIntro: [
    'جدول الحفظ يحدد مدة حفظ كل نوع من الوثائق وما يُفعل بها عند انتهائها؛ أقفال التخزين تتبعه ولا تُقصَّر أبدًا.',
    'The retention schedule says how long each kind of document is kept and what is done at the end; storage locks follow it and are never shortened.',
  ],
  rules: ['جدول الحفظ', 'Retention schedule'],
  due: ['الوثائق التي حلّ أجلها', 'Documents due'],
  holds: ['الحجوزات القانونية', 'Legal holds'],
  disposals: ['طلبات الإتلاف', 'Disposal requests'],
  transfers: ['التحويلات إلى أرشيف آخر', 'Transfers to another archive'],
  code: ['الرمز', 'Code'],
  version: ['الإصدار', 'Version'],
  name: ['الاسم', 'Name'],
  nameAr: ['الاسم بالعربية', 'Arabic name'],
  nameEn: ['الاسم بالإنجليزية', 'English name'],
  docType: ['نوع الوثيقة', 'Document type'],
  register: ['السجل', 'Register'],
  classification: ['درجة السرية', 'Classification'],
  priority: ['الأولوية', 'Priority'],
  period: ['مدة الحفظ', 'Period'],
  periodHelp: [
    'عدد ووحدة: 30d أيام، 18mo أشهر، 5y سنوات (أو permanent للحفظ الدائم).',
    'A number and a unit: 30d days, 18mo months, 5y years (or permanent).',
  ],
  trigger: ['يبدأ من', 'Counted from'],
  registered: ['التسجيل', 'registration'],
  closed: ['إغلاق الملف', 'closing of the file'],
  date: ['تاريخ محدد', 'a date'],
  triggerDate: ['التاريخ', 'Date'],
  action: ['الإجراء عند الانتهاء', 'Action at the end'],
  review: ['مراجعة', 'review'],
  destroy: ['إتلاف', 'destroy'],
  transfer: ['تحويل', 'transfer'],
  permanent: ['دائم', 'permanent'],
  any: ['أي', 'any'],
  retired: ['موقوفة', 'retired'],
  add: ['أضف قاعدة', 'Add a rule'],
  change: ['عدّل (إصدار جديد)', 'Change (a new version)'],
  retire: ['أوقف القاعدة', 'Retire the rule'],
  reason: ['السبب', 'Reason'],
  save: ['احفظ', 'Save'],
  noRules: ['لا قواعد حفظ بعد؛ تُحفظ كل الوثائق حفظًا دائمًا.', 'No retention rules yet; every document is kept permanently.'],
  before: ['حلّ أجلها قبل', 'Due before'],
  all: ['الكل', 'All'],
  show: ['اعرض', 'Show'],
  number: ['رقم القيد', 'Number'],
  title: ['الموضوع', 'Subject'],
  dueDate: ['تاريخ الاستحقاق', 'Due'],
  lockUntil: ['مقفلة حتى', 'Locked until'],
  rule: ['القاعدة', 'Rule'],
  noneDue: ['لا وثائق حلّ أجلها في هذه المدة.', 'No documents are due in this period.'],
  more: ['التالي', 'Next'],
  retention: ['الحفظ', 'Retention'],
  noRule: ['لا تنطبق عليها قاعدة: تُحفظ حفظًا دائمًا.', 'No rule applies: kept permanently.'],
  notYet: ['لم يبدأ بعد (يبدأ عند إغلاق الملف)', 'not started (runs from the closing of the file)'],
  fileClosed: ['أُغلق الملف', 'File closed'],
  fileOpen: ['الملف مفتوح', 'File open'],
  closeFile: ['أغلق الملف', 'Close the file'],
  waits: [
    'قُصّرت القاعدة بعد قفل الوثيقة؛ لا يُقصَّر القفل، فتنتظر الوثيقة انتهاءه قبل أي إتلاف.',
    'The rule was made shorter after the document was locked; a lock is never shortened, so the document waits for it before any disposal.',
  ],
  error: ['لم يُحفظ:', 'Not saved:'],
  withheld: ['(محجوب: ليس لك الاطلاع على هذه الوثيقة)', '(withheld: you may not read this document)'],
  dueFailed: [
    'تعذّرت قراءة قائمة الوثائق التي حلّ أجلها؛ لا يعني هذا أنه لا شيء مستحق. أعد المحاولة أو راجع مسؤول النظام.',
    'The list of documents due could not be read; this does not mean nothing is due. Try again or ask the administrator.',
  ],
  badCursor: [
    'رابط الصفحة التالية غير صالح؛ ابدأ من الصفحة الأولى.',
    'The next-page link is not valid; start from the first page.',
  ],
});
const w = RECORDS_WORDS;

const csrfField = (ctx: PageCtx) => html`<input type="hidden" name="_csrf" value="${ctx.csrf}" />`;
const actionWord = (lang: Lang, a: string) => w(lang, a as 'review' | 'destroy' | 'transfer');
const triggerWord = (lang: Lang, r: Pick<RuleVersion, 'trigger' | 'triggerDate'>) =>
  r.trigger === 'date' ? `${w(lang, 'date')} ${num(lang, r.triggerDate ?? '')}` : w(lang, r.trigger);
const periodWord = (lang: Lang, p: string | null) => (p === null ? w(lang, 'permanent') : html`<bdi dir="ltr">${p}</bdi>`);
const ruleName = (lang: Lang, r: { nameAr: string; nameEn: string | null }) =>
  lang === 'ar' ? r.nameAr : (r.nameEn ?? r.nameAr);
const selected = (on: boolean) => on && raw(' selected');

function errorLine(ctx: PageCtx, error: string | undefined): SafeHtml | '' {
  return error ? html`<p class="error" id="records-error" role="alert">${w(ctx.lang, 'error')} <code>${error}</code></p>` : '';
}

export function recordsHubPage(ctx: PageCtx): string {
  const { lang } = ctx;
  const links = [
    ['/records/rules', 'rules'],
    ['/records/due', 'due'],
    ['/records/holds', 'holds'],
    ['/records/disposals', 'disposals'],
    ['/records/transfers', 'transfers'],
  ] as const;
  const body = html`<h1>${w(lang, 'records')}</h1>
    <p class="muted">${w(lang, 'hubIntro')}</p>
    <ul class="records-hub" id="records-hub">
      ${links.map(([href, k]) => html`<li><a href="${href}">${w(lang, k)}</a></li>`)}
    </ul>`;
  return layout(ctx, 'records', w(lang, 'records'), body);
}

function ruleFields(
  ctx: PageCtx,
  r: RuleVersion | undefined,
  registers: Array<{ code: string; nameAr: string; nameEn: string }>,
): SafeHtml {
  const { lang } = ctx;
  const v = (x: string | null | undefined) => x ?? '';
  const select = (name: string, values: readonly string[], current: string | undefined, word: (x: string) => string) =>
    html`<select name="${name}">
      ${values.map((x) => html`<option value="${x}" ${selected(x === current)}>${word(x)}</option>`)}
    </select>`;
  const registerOptions = registers.map(
    (g) => html`<option value="${g.code}" ${selected(g.code === r?.register)}>${lang === 'ar' ? g.nameAr : g.nameEn}</option>`,
  );
  return html`<label>${w(lang, 'nameAr')} <input name="nameAr" required maxlength="200" value="${v(r?.nameAr)}" /></label>
    <label>${w(lang, 'nameEn')} <input name="nameEn" maxlength="200" value="${v(r?.nameEn)}" /></label>
    <label>${w(lang, 'docType')} <input name="docType" maxlength="100" value="${v(r?.docType)}" /></label>
    <label
      >${w(lang, 'register')}
      <select name="register">
        <option value="">${w(lang, 'any')}</option>
        ${registerOptions}
      </select></label
    >
    <label
      >${w(lang, 'classification')}
      ${select('classification', ['', 'public', 'internal', 'confidential', 'secret'], r?.classification ?? '', (x) => (x ? valueWord(lang, 'classification', x) : w(lang, 'any')))}</label
    >
    <label
      >${w(lang, 'period')}
      <input name="period" dir="ltr" required maxlength="20" value="${v(r ? (r.period ?? 'permanent') : '')}" placeholder="5y"
    /></label>
    <label
      >${w(lang, 'trigger')}
      ${select('trigger', ['registered', 'closed', 'date'], r?.trigger, (x) => w(lang, x as 'registered'))}</label
    >
    ${dateInput(lang, w(lang, 'triggerDate'), { name: 'triggerDate', id: `trigger-date-${r?.code ?? 'new'}`, value: r?.triggerDate })}
    <label
      >${w(lang, 'action')} ${select('action', ['review', 'destroy', 'transfer'], r?.action, (x) => actionWord(lang, x))}</label
    >
    <label
      >${w(lang, 'priority')} <input type="number" name="priority" min="0" max="100000" value="${r?.priority ?? 100}"
    /></label>
    <p class="muted">${w(lang, 'periodHelp')}</p>`;
}

export interface RulesPageData {
  rules: RuleVersion[];
  registers: Array<{ code: string; nameAr: string; nameEn: string }>;
  canChange: boolean;
  error: string | undefined;
}

export function rulesPage(ctx: PageCtx, d: RulesPageData): string {
  const { lang } = ctx;
  const any = (x: string | null) => (x === null ? html`<span class="muted">${w(lang, 'any')}</span>` : x);
  const rows = d.rules.map((r) => {
    const forms =
      d.canChange &&
      !r.retired &&
      html`<details>
        <summary>${w(lang, 'change')}</summary>
        <form method="post" action="/records/rules/${encodeURIComponent(r.code)}" class="rule-change">
          ${csrfField(ctx)} ${ruleFields(ctx, r, d.registers)}
          <label>${w(lang, 'reason')} <input name="reason" required minlength="3" maxlength="500" /></label>
          <button class="primary" type="submit">${w(lang, 'save')}</button>
        </form>
        <form method="post" action="/records/rules/${encodeURIComponent(r.code)}/retire" class="rule-retire">
          ${csrfField(ctx)}
          <label>${w(lang, 'reason')} <input name="reason" required minlength="3" maxlength="500" /></label>
          <button type="submit">${w(lang, 'retire')}</button>
        </form>
      </details>`;
    return html`<tr data-code="${r.code}" ${r.retired && raw(' class="retired"')}>
      <td><bdi dir="ltr">${r.code}</bdi></td>
      <td>${num(lang, r.version)}${r.retired && html` <span class="muted">(${w(lang, 'retired')})</span>`}</td>
      <td>${ruleName(lang, r)}</td>
      <td>${any(r.docType)}</td>
      <td>${any(r.register)}</td>
      <td>${any(r.classification && valueWord(lang, 'classification', r.classification))}</td>
      <td>${periodWord(lang, r.period)}</td>
      <td>${triggerWord(lang, r)}</td>
      <td>${actionWord(lang, r.action)}</td>
      <td>${forms}</td>
    </tr>`;
  });
  const heads = ['code', 'version', 'name', 'docType', 'register', 'classification', 'period', 'trigger', 'action'] as const;
  const table = d.rules.length
    ? scrollBox(
        w(lang, 'rules'),
        html`<table class="rules" id="rules">
          <thead>
            <tr>
              ${heads.map((h) => html`<th>${w(lang, h)}</th>`)}
              <th></th>
            </tr>
          </thead>
          <tbody>
            ${rows}
          </tbody>
        </table>`,
      )
    : html`<p class="muted" id="rules-empty">${w(lang, 'noRules')}</p>`;
  const add =
    d.canChange &&
    html`<section class="card" id="rule-add">
      <h2>${w(lang, 'add')}</h2>
      <form method="post" action="/records/rules">
        ${csrfField(ctx)}
        <label
          >${w(lang, 'code')} <input name="code" dir="ltr" required pattern="[a-z0-9][a-z0-9\\-]{0,62}" maxlength="63"
        /></label>
        ${ruleFields(ctx, undefined, d.registers)}
        <button class="primary" type="submit">${w(lang, 'add')}</button>
      </form>
    </section>`;
  const body = html`<h1>${w(lang, 'rules')}</h1>
    ${errorLine(ctx, d.error)}${table}${add}`;
  return layout(ctx, 'records', w(lang, 'rules'), body);
}

/** A due document as the page shows it: the title withheld from whoever may not read the document. */
export type DueRow = Omit<DueDocument, 'access'> & { titleWithheld: boolean };

export interface DuePageData {
  before: string;
  action: string | undefined;
  items: DueRow[];
  next: string | null;
  /** The list could not be read: the page says so instead of showing it empty. */
  failed?: 'bad-cursor' | 'unavailable';
}

export function duePage(ctx: PageCtx, d: DuePageData): string {
  const { lang } = ctx;
  const actions = ['', 'review', 'destroy', 'transfer'];
  const form = html`<form method="get" action="/records/due" class="filters">
    ${dateInput(lang, w(lang, 'before'), { name: 'before', id: 'due-before', value: d.before })}
    <label
      >${w(lang, 'action')}
      <select name="action">
        ${actions.map(
          (a) =>
            html`<option value="${a}" ${selected(a === (d.action ?? ''))}>${a ? actionWord(lang, a) : w(lang, 'all')}</option>`,
        )}
      </select></label
    >
    <button type="submit">${w(lang, 'show')}</button>
  </form>`;
  const rows = d.items.map(
    (x) =>
      html`<tr data-id="${x.id}">
        <td>
          <a href="/documents/${x.id}"><bdi>${x.registryNo}</bdi></a>
        </td>
        <td>
          ${x.titleWithheld ? html`<span class="muted withheld">${w(lang, 'withheld')}</span>` : x.title !== null && docTitle(x.title)}
        </td>
        <td>${date(lang, x.due, true, ctx.timeZone)}</td>
        <td>${date(lang, x.lockUntil, true, ctx.timeZone)}</td>
        <td>${ruleName(lang, x.rule)} <bdi dir="ltr">${x.rule.code} v${x.rule.version}</bdi></td>
        <td>${actionWord(lang, x.rule.action)}</td>
      </tr>`,
  );
  const heads = ['number', 'title', 'dueDate', 'lockUntil', 'rule', 'action'] as const;
  const table = d.failed
    ? html`<p class="verdict bad" role="alert" id="due-failed">
        ${w(lang, d.failed === 'bad-cursor' ? 'badCursor' : 'dueFailed')}
      </p>`
    : d.items.length
      ? scrollBox(
          w(lang, 'due'),
          html`<table id="due-list">
            <thead>
              <tr>
                ${heads.map((h) => html`<th>${w(lang, h)}</th>`)}
              </tr>
            </thead>
            <tbody>
              ${rows}
            </tbody>
          </table>`,
        )
      : html`<p class="muted" id="due-empty">${w(lang, 'noneDue')}</p>`;
  const more =
    d.next &&
    html`<p>
      <a href="/records/due${queryString({ before: d.before, action: d.action, cursor: d.next })}">${w(lang, 'more')}</a>
    </p>`;
  return layout(
    ctx,
    'records',
    w(lang, 'due'),
    html`<h1>${w(lang, 'due')}</h1>
      ${form}${table}${more}`,
  );
}

/** The document page's card: its rule, due date, lock and file; a button to close the file for those who may. */
export function retentionCard(ctx: PageCtx, r: DocumentRetention, canClose: boolean, error: string | undefined): SafeHtml {
  const { lang } = ctx;
  const rule = r.rule
    ? html`${ruleName(lang, r.rule)} <bdi dir="ltr">${r.rule.code} v${r.rule.version}</bdi> — ${periodWord(lang, r.rule.period)},
        ${actionWord(lang, r.rule.action)}`
    : html`<span class="muted">${w(lang, 'noRule')}</span>`;
  const due = r.due
    ? date(lang, r.due, true, ctx.timeZone)
    : r.rule && r.rule.period !== null
      ? w(lang, 'notYet')
      : w(lang, 'permanent');
  const close =
    canClose &&
    !r.closedAt &&
    !r.destroyedAt &&
    html`<form method="post" action="/documents/${encodeURIComponent(r.documentId)}/close" id="close-file">
      ${csrfField(ctx)} <button type="submit">${w(lang, 'closeFile')}</button>
    </form>`;
  return html`<section class="card" id="retention">
    <h2>${w(lang, 'retention')}</h2>
    ${errorLine(ctx, error)}
    <dl class="retention">
      <dt>${w(lang, 'rule')}</dt>
      <dd id="retention-rule">${rule}</dd>
      <dt>${w(lang, 'dueDate')}</dt>
      <dd id="retention-due">${due}</dd>
      <dt>${w(lang, 'lockUntil')}</dt>
      <dd id="retention-lock">${date(lang, r.lockUntil, true, ctx.timeZone)}</dd>
      <dt>${r.closedAt ? w(lang, 'fileClosed') : w(lang, 'fileOpen')}</dt>
      <dd id="retention-closed">${r.closedAt ? date(lang, r.closedAt, true, ctx.timeZone) : '—'}</dd>
    </dl>
    ${r.waitsForLock && html`<p class="muted" id="retention-waits">${w(lang, 'waits')}</p>`} ${close}
  </section>`;
}
