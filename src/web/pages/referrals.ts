/**
 * The document page's referral and directive cards: the document's referrals
 * (open ones with their due date, lateness or suspension, and a form to close
 * one by the reply's number or a note; closed ones with how they ended), a
 * form to refer it, and its directives (تأشيرة) with a form to write one.
 * Each form carries the CSRF token and shows only to whoever may use it.
 */
import type { Directive } from '../../../storage/repos/directives';
import type { Referral } from '../../../storage/repos/referrals';
import { ERROR_MESSAGES, type ErrorCode } from '../../../kernel/errors';
import { html, type SafeHtml } from '../html';
import { dateInput } from '../fields';
import { count, date, num, valueWord, wordsOf, type Lang } from '../i18n';
import type { PageCtx } from '../layout';

export const w = wordsOf({
  referrals: ['الإحالات', 'Referrals'],
  noReferrals: ['لم تُحَل هذه الوثيقة بعد.', 'This document has not been referred.'],
  refer: ['إحالة', 'Refer'],
  referTitle: ['إحالة الوثيقة', 'Refer this document'],
  toDepartment: ['إلى القسم', 'To department'],
  toUser: ['إلى الموظف (اختياري)', 'To a person (optional)'],
  dueDate: ['تاريخ الاستحقاق', 'Due date'],
  dueDefault: ['يُترك فارغًا للمهلة المعتادة', 'Leave empty for the usual time'],
  instruction: ['التوجيه', 'Instruction'],
  due: ['يستحق في', 'Due'],
  overdue: ['متأخرة', 'Overdue'],
  suspended: ['المهلة موقوفة', 'Deadline suspended'],
  closedByReply: ['أُغلقت بالرد', 'Closed by the reply'],
  closedByNote: ['أُغلقت بملاحظة', 'Closed with a note'],
  referredBy: ['أحالها', 'Referred by'],
  close: ['إغلاق', 'Close'],
  replyNo: ['رقم قيد الرد', "Reply's registry number"],
  note: ['ملاحظة الإغلاق', 'Closing note'],
  closeHelp: [
    'يُغلق برقم قيد الرد، أو بملاحظة إن لم يكن هناك رد.',
    "Close with the reply's registry number, or with a note when there is no reply.",
  ],
  directives: ['التأشيرات', 'Directives'],
  noDirectives: ['لا توجد تأشيرات.', 'No directives.'],
  directive: ['تأشيرة', 'Directive'],
  addDirective: ['إضافة تأشيرة', 'Add the directive'],
  directiveHelp: ['لا تمس التأشيرة الأصل ولا النسخة الأرشيفية.', 'A directive never touches the original or the archive copy.'],
  inbox: ['الإحالات الواردة', 'Inbox'],
  inboxTitle: ['ما أُحيل إليكم', 'Referred to you'],
  department: ['القسم', 'Department'],
  myDepartments: ['أقسامي', 'My departments'],
  show: ['عرض', 'Show'],
  document: ['الوثيقة', 'Document'],
  noItems: ['لا شيء مُحال إليكم الآن.', 'Nothing is referred to you now.'],
  deadlinesTitle: ['تعليق المهل في الطوارئ', 'Suspending deadlines in an emergency'],
  deadlinesHelp: [
    'توقف المهل المفتوحة عن العدّ حتى تُستأنف، وتُمدّ عند الاستئناف بقدر أيام التعليق.',
    'Open deadlines stop counting until resumed; on resume each moves on by the days suspended.',
  ],
  allDepartments: ['كل الأقسام', 'Every department'],
  reason: ['السبب', 'Reason'],
  suspend: ['تعليق المهل', 'Suspend deadlines'],
  resume: ['استئناف المهل', 'Resume deadlines'],
});

export { csrfField };

/** A referral's due date, with how late it is or that it is suspended. */
export function dueLine(ctx: PageCtx, r: Referral & { overdue: boolean; daysLate: number }): SafeHtml {
  const { lang } = ctx;
  const due = html`${w(lang, 'due')} <bdi>${date(lang, r.dueDate)}</bdi>`;
  if (r.state !== 'open') return due;
  if (r.suspendedAt) return html`${due} <span class="badge">${w(lang, 'suspended')}</span>`;
  if (r.overdue) return html`${due} <span class="badge warn">${w(lang, 'overdue')} ${count(lang, 'days', r.daysLate)}</span>`;
  return due;
}

/** A form's hidden CSRF field. */
const csrfField = (ctx: PageCtx) => html`<input type="hidden" name="_csrf" value="${ctx.csrf}" />`;

/** A failed form's reason, named by its error code in the page's address (`?referralError=…`). */
export function formError(ctx: PageCtx): SafeHtml | '' {
  const code = new URL(ctx.url, 'http://x').searchParams.get('referralError');
  if (!code || !(code in ERROR_MESSAGES)) return '';
  const [ar, en] = ERROR_MESSAGES[code as ErrorCode];
  return html`<p class="verdict bad" role="alert" id="referral-error">${ctx.lang === 'ar' ? ar : en}</p>`;
}

/** The form that closes a referral, posted to `action` (the document's close route, or the inbox). */
export function closeForm(ctx: PageCtx, action: string, r: Referral): SafeHtml {
  const { lang } = ctx;
  return html`<form class="close-referral" method="post" action="${action}">
    ${csrfField(ctx)}<input type="hidden" name="referralId" value="${r.id}" />
    <input
      name="replyRegistryNo"
      placeholder="${w(lang, 'replyNo')}"
      aria-label="${w(lang, 'replyNo')}"
      maxlength="60"
      dir="ltr"
    />
    <input name="note" placeholder="${w(lang, 'note')}" aria-label="${w(lang, 'note')}" maxlength="2000" />
    <button type="submit">${w(lang, 'close')}</button>
  </form>`;
}

/** Whom a referral went to: the department, and the person by name when there is one. */
export function referredTo(r: Referral): SafeHtml {
  return r.toUser ? html`${r.toDepartment} (<bdi>${r.toUser}</bdi>)` : html`${r.toDepartment}`;
}

function referralItem(ctx: PageCtx, documentId: string, r: Referral & { overdue: boolean; daysLate: number }): SafeHtml {
  const { lang } = ctx;
  const ended =
    r.state === 'closed' &&
    html`<div class="ended">
      ${
        r.closeKind === 'reply' && r.replyDocumentId
          ? html`${w(lang, 'closedByReply')}
              <a href="/documents/${encodeURIComponent(r.replyDocumentId)}"><bdi>${num(lang, r.replyRegistryNo ?? '')}</bdi></a>`
          : w(lang, 'closedByNote')
      }${r.closeNote && `: ${r.closeNote}`}
      · <bdi>${valueWord(lang, 'actor', r.closedBy ?? '')}</bdi> · ${date(lang, r.closedAt, true, ctx.timeZone)}
    </div>`;
  return html`<li class="referral ${r.state}${r.overdue && ' overdue'}" data-id="${r.id}" data-state="${r.state}">
    <div><strong>${referredTo(r)}</strong> — ${r.instruction}</div>
    <div class="muted">
      ${dueLine(ctx, r)} · ${w(lang, 'referredBy')} <bdi>${valueWord(lang, 'actor', r.createdBy)}</bdi> ·
      ${date(lang, r.createdAt, true, ctx.timeZone)}
    </div>
    ${ended}
    ${r.state === 'open' && ctx.can.refer && closeForm(ctx, `/documents/${encodeURIComponent(documentId)}/referrals/${encodeURIComponent(r.id)}/close`, r)}
  </li>`;
}

function referForm(ctx: PageCtx, documentId: string, departments: string[] | null): SafeHtml {
  const { lang } = ctx;
  const dept =
    departments === null
      ? html`<input name="toDepartment" required maxlength="200" />`
      : html`<input name="toDepartment" required maxlength="200" list="referral-departments" /><datalist
            id="referral-departments"
          >
            ${departments.map((d) => html`<option value="${d}"></option>`)}
          </datalist>`;
  return html`<form
    id="refer-form"
    class="grid-form"
    method="post"
    action="/documents/${encodeURIComponent(documentId)}/referrals"
  >
    ${csrfField(ctx)}
    <label>${w(lang, 'toDepartment')} ${dept}</label>
    <label>${w(lang, 'toUser')} <input name="toUser" maxlength="100" dir="ltr" /></label>
    ${dateInput(lang, w(lang, 'dueDate'), { name: 'dueDate', id: 'refer-due-date', title: w(lang, 'dueDefault') })}
    <label>${w(lang, 'instruction')} <textarea name="instruction" required maxlength="2000" rows="2"></textarea></label>
    <div><button class="primary" type="submit">${w(lang, 'refer')}</button></div>
  </form>`;
}

/** The referrals card; '' when there is nothing to show and nothing this person may do. */
export function referralsCard(
  ctx: PageCtx,
  documentId: string,
  referrals: Array<Referral & { overdue: boolean; daysLate: number }>,
  departments: string[] | null,
): SafeHtml | '' {
  const { lang } = ctx;
  if (referrals.length === 0 && !ctx.can.refer) return '';
  const list = referrals.length
    ? html`<ul class="referrals">
        ${referrals.map((r) => referralItem(ctx, documentId, r))}
      </ul>`
    : html`<p class="muted">${w(lang, 'noReferrals')}</p>`;
  return html`<section class="card" id="referrals">
    <h2>${w(lang, 'referrals')}</h2>
    ${formError(ctx)} ${list}
    ${
      ctx.can.refer &&
      html`<p class="muted">${w(lang, 'closeHelp')}</p>
        <h3>${w(lang, 'referTitle')}</h3>
        ${referForm(ctx, documentId, departments)}`
    }
  </section>`;
}

function directiveItem(lang: Lang, d: Directive, timeZone: string): SafeHtml {
  return html`<li class="directive" data-id="${d.id}">
    <p>${d.text}</p>
    <div class="muted"><bdi>${d.byName ?? valueWord(lang, 'actor', d.by)}</bdi> · ${date(lang, d.at, true, timeZone)}</div>
  </li>`;
}

/** The directives card; '' when there is none and this person may not write one. */
export function directivesCard(ctx: PageCtx, documentId: string, directives: Directive[]): SafeHtml | '' {
  const { lang } = ctx;
  if (directives.length === 0 && !ctx.can.direct) return '';
  const list = directives.length
    ? html`<ul class="directives">
        ${directives.map((d) => directiveItem(lang, d, ctx.timeZone))}
      </ul>`
    : html`<p class="muted">${w(lang, 'noDirectives')}</p>`;
  const form =
    ctx.can.direct &&
    html`<form id="directive-form" method="post" action="/documents/${encodeURIComponent(documentId)}/directives">
      ${csrfField(ctx)}
      <label>${w(lang, 'directive')} <textarea name="text" required maxlength="2000" rows="2"></textarea></label>
      <p class="muted">${w(lang, 'directiveHelp')}</p>
      <button class="primary" type="submit">${w(lang, 'addDirective')}</button>
    </form>`;
  return html`<section class="card" id="directives">
    <h2>${w(lang, 'directives')}</h2>
    ${list} ${form}
  </section>`;
}
