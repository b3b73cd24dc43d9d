/**
 * The legal holds page (/records/holds), the disposals page (/records/disposals) and the document page's
 * card for a held, disposed-of or destroyed document. Arabic first, right to left; every form carries the
 * CSRF token and is shown only to whom may use it (holds and decisions: 'hold'; requests and execution:
 * 'records').
 */
import type { Disposal, DisposalItem } from '../../../storage/records/disposals';
import type { LegalHold } from '../../../storage/records/holds';
import type { Tombstone } from '../../../storage/records/destroyed';
import type { Job } from '../../../storage/jobs';
import { ERROR_MESSAGES, type ErrorCode } from '../../../kernel/errors';
import { html, joinHtml, type SafeHtml } from '../html';
import { dateInput, docTitle, scrollBox } from '../fields';
import { date, num, valueWord, wordsOf } from '../i18n';
import { layout, type PageCtx } from '../layout';

const w = wordsOf({
  holds: ['الحجز القانوني', 'Legal holds'],
  holdsHelp: [
    'الوثيقة المحجوزة لا تُتلف، وتحمل كل ملفاتها في المخزنين علامة الحجز القانوني حتى يُرفع آخر حجز عنها.',
    'A held document cannot be disposed of; every one of its files in both buckets carries S3 legal hold until its last hold is lifted.',
  ],
  addHold: ['حجز جديد', 'New hold'],
  caseRef: ['مرجع القضية', 'Case reference'],
  reason: ['السبب', 'Reason'],
  numbers: ['أرقام القيد (رقم في كل سطر)', 'Registry numbers (one a line)'],
  query: ['أو: كل ما يجده البحث عن', 'Or: everything a search finds for'],
  place: ['حجز', 'Place the hold'],
  lift: ['رفع الحجز', 'Lift'],
  liftReason: ['سبب الرفع', 'Reason for lifting'],
  inForce: ['ساري', 'in force'],
  lifted: ['مرفوع', 'lifted'],
  noHolds: ['لا حجوزات.', 'No holds.'],
  documents: ['الوثائق', 'Documents'],
  state: ['الحالة', 'State'],
  by: ['بواسطة', 'By'],
  when: ['التاريخ', 'Date'],
  waiting: ['وثائق تنتظر ضبط علامة الحجز في المخزن:', 'Documents still waiting for their objects’ legal hold:'],
  disposals: ['طلبات الإتلاف', 'Disposal requests'],
  disposalsHelp: [
    'لا يُتلف شيء إلا بقرار الجهة المختصة (رقمه وتاريخه) يسجّله مسؤول غير مقدّم الطلب، وبعد انتهاء القفل، وبقاء شاهد الإتلاف.',
    'Nothing is destroyed without the approving body’s decision (its number and date), recorded by an administrator who did not ask, after the locks end; a tombstone stays.',
  ],
  request: ['طلب إتلاف', 'Request a disposal'],
  title: ['العنوان', 'Title'],
  dueBefore: ['أو: كل ما حان أجله حتى تاريخ', 'Or: everything due by a date'],
  ask: ['تقديم الطلب', 'Submit the request'],
  approve: ['موافقة', 'Approve'],
  refuse: ['رفض', 'Refuse'],
  body: ['الجهة الموافقة', 'Approving body'],
  decisionNo: ['رقم القرار', 'Decision number'],
  decisionDate: ['تاريخ القرار', 'Decision date'],
  note: ['ملاحظة', 'Note'],
  execute: ['تنفيذ الإتلاف', 'Carry out'],
  running: ['يُنفَّذ الإتلاف الآن: عولجت', 'Being carried out now: done'],
  runningOf: ['من', 'of'],
  runningMore: ['وثيقة. أعد تحميل الصفحة لمتابعته.', 'documents. Reload the page to follow it.'],
  requested: ['بانتظار القرار', 'awaiting decision'],
  approved: ['موافق عليه', 'approved'],
  refused: ['مرفوض', 'refused'],
  done: ['منفّذ', 'done'],
  pending: ['بانتظار التنفيذ', 'pending'],
  destroyed: ['أُتلفت', 'destroyed'],
  blocked: ['موقوف', 'blocked'],
  held: ['محجوزة', 'held'],
  locked: ['القفل لم ينتهِ', 'still locked'],
  'not-transferred': ['لم تُحوَّل بعد', 'not transferred yet'],
  unreachable: ['تعذّر الوصول إلى المخزن', 'a bucket was unreachable'],
  'destroyed-by-another': ['أُتلفت بطلب آخر', 'destroyed by another request'],
  'not-due': ['لم تعد مستحقة الإتلاف بحسب قاعدتها الحالية', 'no longer due under its current rule'],
  open: ['عرض الطلب ووثائقه', 'Open the request and its documents'],
  more: ['الوثائق التالية', 'Next documents'],
  withheld: ['(العنوان فوق درجة اطلاعك)', '(title above your clearance)'],
  back: ['كل طلبات الإتلاف', 'All disposal requests'],
  noDisposals: ['لا طلبات إتلاف.', 'No disposal requests.'],
  items: ['الوثائق المطلوبة', 'Documents'],
  card: ['الحجز والإتلاف', 'Holds and disposal'],
  tombstone: [
    'أُتلفت هذه الوثيقة إتلافًا قانونيًا. بقي رقم قيدها وبصمات ملفاتها وقرار الموافقة.',
    'This document was lawfully destroyed. Its registry number, its files’ fingerprints and the approval remain.',
  ],
  decision: ['القرار', 'Decision'],
  heldNow: ['محجوزة حجزًا قانونيًا الآن.', 'Under legal hold now.'],
});

const csrf = (ctx: PageCtx) => html`<input type="hidden" name="_csrf" value="${ctx.csrf}" />`;
const word = (ctx: PageCtx, k: string) => w(ctx.lang, k as Parameters<typeof w>[1]);

function errorNotice(ctx: PageCtx, error: string | null): SafeHtml | '' {
  if (!error || !(error in ERROR_MESSAGES)) return '';
  const [ar, en] = ERROR_MESSAGES[error as ErrorCode];
  return html`<p class="verdict bad" role="alert" id="records-error">${ctx.lang === 'ar' ? ar : en}</p>`;
}

export function holdsPage(ctx: PageCtx, d: { holds: LegalHold[]; syncPending: number; error: string | null }): string {
  const { lang } = ctx;
  const add =
    ctx.can.hold &&
    html`<section class="card" id="add-hold">
      <h2>${w(lang, 'addHold')}</h2>
      <form method="post" action="/records/holds" id="hold-form">
        ${csrf(ctx)}
        <label>${w(lang, 'caseRef')} <input name="caseRef" required maxlength="200" /></label>
        <label>${w(lang, 'reason')} <input name="reason" required minlength="3" maxlength="2000" /></label>
        <label>${w(lang, 'numbers')} <textarea name="documents" rows="3" dir="ltr" id="hold-numbers"></textarea></label>
        <label>${w(lang, 'query')} <input name="query" maxlength="500" id="hold-query" /></label>
        <button type="submit" class="primary" id="hold-submit">${w(lang, 'place')}</button>
      </form>
    </section>`;
  const rows = d.holds.map(
    (h) =>
      html`<tr data-id="${h.id}" data-state="${h.liftedAt ? 'lifted' : 'in-force'}">
        <td><bdi>${h.caseRef}</bdi></td>
        <td>${h.reason}</td>
        <td>${num(lang, h.documentCount)}</td>
        <td>
          ${h.liftedAt ? html`${w(lang, 'lifted')} <bdi>${date(lang, h.liftedAt, false, ctx.timeZone)}</bdi> — ${h.liftReason ?? ''}` : w(lang, 'inForce')}
        </td>
        <td><bdi>${valueWord(lang, 'actor', h.createdBy)}</bdi> <bdi>${date(lang, h.createdAt, true, ctx.timeZone)}</bdi></td>
        <td>
          ${
            !h.liftedAt &&
            ctx.can.hold &&
            html`<form method="post" action="/records/holds/${h.id}/lift" class="inline">
              ${csrf(ctx)}
              <input name="reason" required minlength="3" maxlength="2000" placeholder="${w(lang, 'liftReason')}" />
              <button type="submit">${w(lang, 'lift')}</button>
            </form>`
          }
        </td>
      </tr>`,
  );
  const table = d.holds.length
    ? scrollBox(
        w(lang, 'holds'),
        html`<table class="list" id="holds-table">
          <thead>
            <tr>
              <th>${w(lang, 'caseRef')}</th>
              <th>${w(lang, 'reason')}</th>
              <th>${w(lang, 'documents')}</th>
              <th>${w(lang, 'state')}</th>
              <th>${w(lang, 'by')}</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            ${rows}
          </tbody>
        </table>`,
      )
    : html`<p class="muted">${w(lang, 'noHolds')}</p>`;
  const waiting = d.syncPending > 0 && html`<p class="verdict info">${w(lang, 'waiting')} ${num(lang, d.syncPending)}</p>`;
  const body = html`<h1>${w(lang, 'holds')}</h1>
    <p class="muted">${w(lang, 'holdsHelp')}</p>
    ${errorNotice(ctx, d.error)}${waiting}${add}
    <section class="card" id="holds">${table}</section>`;
  return layout(ctx, 'records', w(lang, 'holds'), body);
}

/** What an execution in progress has done so far (its job), in place of the button that started it. */
function runningNotice(ctx: PageCtx, job: Job): SafeHtml {
  const { lang } = ctx;
  return html`<p class="verdict info" id="disposal-running" data-job="${job.id}">
    ${w(lang, 'running')} ${num(lang, job.done)} ${w(lang, 'runningOf')} ${num(lang, job.total ?? 0)} ${w(lang, 'runningMore')}
  </p>`;
}

function decideForms(ctx: PageCtx, p: Disposal, running: Job | null): SafeHtml | '' {
  const { lang } = ctx;
  if (running) return runningNotice(ctx, running);
  if (p.state === 'requested' && ctx.can.hold) {
    return html`<form method="post" action="/records/disposals/${p.id}/decide" class="decide">
        ${csrf(ctx)}
        <input type="hidden" name="approve" value="true" />
        <label>${w(lang, 'body')} <input name="approvingBody" required maxlength="300" /></label>
        <label>${w(lang, 'decisionNo')} <input name="decisionNo" required maxlength="100" /></label>
        ${dateInput(lang, w(lang, 'decisionDate'), { name: 'decisionDate', id: `decision-date-${p.id}`, required: true })}
        <button type="submit" class="primary">${w(lang, 'approve')}</button>
      </form>
      <form method="post" action="/records/disposals/${p.id}/decide" class="decide">
        ${csrf(ctx)}
        <input type="hidden" name="approve" value="false" />
        <label>${w(lang, 'note')} <input name="note" required minlength="3" maxlength="2000" /></label>
        <button type="submit">${w(lang, 'refuse')}</button>
      </form>`;
  }
  if (p.state === 'approved' && ctx.can.records) {
    return html`<form method="post" action="/records/disposals/${p.id}/execute">
      ${csrf(ctx)} <button type="submit" class="primary danger">${w(lang, 'execute')}</button>
    </form>`;
  }
  return '';
}

/** An item as the page shows it: its title only when the viewer may read the document. */
export type ShownItem = Omit<DisposalItem, 'access'>;

function itemRows(ctx: PageCtx, items: ShownItem[]): SafeHtml[] {
  const { lang } = ctx;
  return items.map(
    (i) =>
      html`<tr data-state="${i.state}">
        <td><bdi dir="ltr">${i.registryNo}</bdi></td>
        <td>${i.title === null ? html`<span class="muted">${w(lang, 'withheld')}</span>` : docTitle(i.title)}</td>
        <td>${word(ctx, i.state)}${i.blockedReason && ` — ${word(ctx, i.blockedReason)}`}</td>
        <td><bdi>${date(lang, i.retentionDue, false, ctx.timeZone)}</bdi> ${i.ruleCode ?? ''}</td>
      </tr>`,
  );
}

/** The list: each request with its counts (its documents are on its own page, a page at a time). */
export function disposalsPage(ctx: PageCtx, d: { disposals: Disposal[]; error: string | null }): string {
  const { lang } = ctx;
  const ask =
    ctx.can.records &&
    html`<section class="card" id="request-disposal">
      <h2>${w(lang, 'request')}</h2>
      <form method="post" action="/records/disposals" id="disposal-form">
        ${csrf(ctx)}
        <label>${w(lang, 'title')} <input name="title" required maxlength="500" /></label>
        <label>${w(lang, 'numbers')} <textarea name="documents" rows="3" dir="ltr"></textarea></label>
        ${dateInput(lang, w(lang, 'dueBefore'), { name: 'dueBefore', id: 'disposal-due-before' })}
        <button type="submit" class="primary">${w(lang, 'ask')}</button>
      </form>
    </section>`;
  const list = d.disposals.length
    ? d.disposals.map(
        (p) =>
          html`<article class="card disposal" data-id="${p.id}" data-state="${p.state}">
            ${disposalHeader(ctx, p)}
            <p>
              <a href="/records/disposals/${p.id}" class="open-disposal">${w(lang, 'open')} (${num(lang, p.counts.items)})</a>
            </p>
            ${decideForms(ctx, p, null)}
          </article> `,
      )
    : html`<p class="muted">${w(lang, 'noDisposals')}</p>`;
  const body = html`<h1>${w(lang, 'disposals')}</h1>
    <p class="muted">${w(lang, 'disposalsHelp')}</p>
    ${errorNotice(ctx, d.error)}${ask}
    <section id="disposals">${list}</section>`;
  return layout(ctx, 'records', w(lang, 'disposals'), body);
}

function disposalHeader(ctx: PageCtx, p: Disposal): SafeHtml {
  const { lang } = ctx;
  return html`<h3>${p.title} — ${word(ctx, p.state)}</h3>
    <p class="muted">
      <bdi>${valueWord(lang, 'actor', p.requestedBy)}</bdi> · <bdi>${date(lang, p.requestedAt, true, ctx.timeZone)}</bdi>${
        p.decisionNo &&
        html` · ${w(lang, 'decision')} <bdi>${p.decisionNo}</bdi> (<bdi>${p.decisionDate ?? ''}</bdi>, ${p.approvingBody ?? ''})`
      }${p.note && ` · ${p.note}`}
    </p>
    <p class="counts">
      ${w(lang, 'items')}: ${num(lang, p.counts.items)} · ${w(lang, 'destroyed')}: ${num(lang, p.counts.destroyed)} ·
      ${w(lang, 'blocked')}: ${num(lang, p.counts.blocked)} · ${w(lang, 'pending')}: ${num(lang, p.counts.pending)}
    </p>`;
}

/** One request's own page: its decision forms and its documents, a page at a time (`next`: the link to the next page). */
export function disposalPage(
  ctx: PageCtx,
  d: { disposal: Disposal; items: ShownItem[]; next: string | null; running: Job | null; error: string | null },
): string {
  const { lang } = ctx;
  const p = d.disposal;
  const more = d.next && html`<p><a href="${d.next}" id="more-items" rel="next">${w(lang, 'more')}</a></p>`;
  const body = html`<p><a href="/records/disposals">${w(lang, 'back')}</a></p>
    <h1>${w(lang, 'disposals')}</h1>
    ${errorNotice(ctx, d.error)}
    <article class="card disposal" id="disposal" data-id="${p.id}" data-state="${p.state}">
      ${disposalHeader(ctx, p)} ${decideForms(ctx, p, d.running)}
    </article>
    <section class="card" id="disposal-items">
      <h2>${w(lang, 'items')}</h2>
      ${scrollBox(
        w(lang, 'items'),
        html`<table class="list">
          <tbody>
            ${itemRows(ctx, d.items)}
          </tbody>
        </table>`,
      )}
      ${more}
    </section>`;
  return layout(ctx, 'records', `${w(lang, 'disposals')} — ${p.title}`, body);
}

/** The document page's card: shown only for a document held, in a disposal, or destroyed. */
export function holdsCard(
  ctx: PageCtx,
  d: {
    holds: LegalHold[];
    disposals: Array<Disposal & { itemState: string; blockedReason: string | null }>;
    tombstone: Tombstone | null;
  },
): SafeHtml | '' {
  const { lang } = ctx;
  if (d.holds.length === 0 && d.disposals.length === 0 && !d.tombstone) return '';
  const parts: SafeHtml[] = [];
  if (d.tombstone) {
    const t = d.tombstone;
    parts.push(
      html`<p class="verdict info" id="tombstone">
        ${w(lang, 'tombstone')} <bdi>${date(lang, t.destroyedAt, false, ctx.timeZone)}</bdi> — ${w(lang, 'decision')}
        <bdi>${t.disposal.decisionNo ?? ''}</bdi> (<bdi>${t.disposal.decisionDate ?? ''}</bdi>, ${t.disposal.approvingBody ?? ''})
      </p>`,
    );
  }
  if (d.holds.some((h) => !h.liftedAt)) parts.push(html`<p class="verdict bad" id="held-now">${w(lang, 'heldNow')}</p>`);
  for (const h of d.holds) {
    parts.push(
      html`<p>
        ${w(lang, 'caseRef')}: <bdi>${h.caseRef}</bdi> — ${h.reason} — ${h.liftedAt ? w(lang, 'lifted') : w(lang, 'inForce')}
      </p>`,
    );
  }
  for (const p of d.disposals) {
    parts.push(
      html`<p>
        ${w(lang, 'disposals')}: <a href="/records/disposals/${p.id}">${p.title}</a> — ${word(ctx, p.state)} —
        ${word(ctx, p.itemState)}${p.blockedReason && ` (${word(ctx, p.blockedReason)})`}
      </p>`,
    );
  }
  return html`<section class="card" id="holds-disposal">
    <h2>${w(lang, 'card')}</h2>
    ${joinHtml(parts, '\n')}
  </section>`;
}
