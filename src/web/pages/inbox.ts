/**
 * The inbox page: what is referred to a department (or to this person), open
 * referrals only, the overdue ones first and marked, then by due date; a
 * department select to look at another of one's departments.
 */
import type { Referral } from '../../../storage/repos/referrals';
import { docTitle, scrollBox } from '../fields';
import { html, raw, type SafeHtml } from '../html';
import { count } from '../i18n';
import { layout, type PageCtx } from '../layout';
import { closeForm, csrfField, dueLine, formError, referredTo, w } from './referrals';

export interface InboxPageData {
  /** The department shown; null for the person's own (all of them, and what is referred to them by name). */
  department: string | null;
  /** The departments to choose from. */
  departments: string[];
  items: Array<Referral & { overdue: boolean; daysLate: number }>;
  /** Whether this person may suspend and resume deadlines (an administrator). */
  canSuspend: boolean;
}

/** An administrator's form to suspend the open deadlines (of a department, or all) with a reason, or resume them. */
function deadlinesForm(ctx: PageCtx, d: InboxPageData): SafeHtml {
  const { lang } = ctx;
  return html`<section class="card" id="deadlines">
    <h2>${w(lang, 'deadlinesTitle')}</h2>
    <p class="muted">${w(lang, 'deadlinesHelp')}</p>
    <form method="post" action="/inbox/deadlines" id="deadlines-form">
      ${csrfField(ctx)}
      <label
        >${w(lang, 'department')}
        <select name="department">
          <option value="">${w(lang, 'allDepartments')}</option>
          ${d.departments.map((x) => html`<option value="${x}">${x}</option>`)}
        </select></label
      >
      <label>${w(lang, 'reason')} <input name="reason" maxlength="500" id="deadlines-reason" /></label>
      <button type="submit" name="action" value="suspend" id="suspend-deadlines">${w(lang, 'suspend')}</button>
      <button type="submit" name="action" value="resume" class="secondary" id="resume-deadlines">${w(lang, 'resume')}</button>
    </form>
  </section>`;
}

function departmentSelect(ctx: PageCtx, d: InboxPageData): SafeHtml {
  const { lang } = ctx;
  const options = d.departments.map((x) => html`<option value="${x}" ${x === d.department && raw(' selected')}>${x}</option>`);
  return html`<form method="get" action="/inbox" class="inbox-filter">
    <label
      >${w(lang, 'department')}
      <select name="department" id="inbox-department">
        <option value="">${w(lang, 'myDepartments')}</option>
        ${options}
      </select></label
    >
    ${lang === 'en' && html`<input type="hidden" name="lang" value="en" />`}
    <button type="submit">${w(lang, 'show')}</button>
  </form>`;
}

function row(ctx: PageCtx, r: InboxPageData['items'][number]): SafeHtml {
  const { lang } = ctx;
  return html`<tr class="referral${r.overdue && ' overdue'}" data-id="${r.id}" data-overdue="${String(r.overdue)}">
    <td>
      <a href="/documents/${encodeURIComponent(r.documentId)}#referrals"><bdi>${r.registryLabel[lang]}</bdi></a>
    </td>
    <td>${r.title !== null && docTitle(r.title)}</td>
    <td>${referredTo(r)}</td>
    <td>${r.instruction}</td>
    <td>${dueLine(ctx, r)}</td>
    <td>${closeForm(ctx, '/inbox', r)}</td>
  </tr>`;
}

export function inboxPage(ctx: PageCtx, d: InboxPageData): string {
  const { lang } = ctx;
  const overdue = d.items.filter((i) => i.overdue).length;
  const table = d.items.length
    ? scrollBox(
        w(lang, 'inboxTitle'),
        html`<table class="inbox" id="inbox-table">
          <thead>
            <tr>
              <th>${w(lang, 'document')}</th>
              <th></th>
              <th>${w(lang, 'department')}</th>
              <th>${w(lang, 'instruction')}</th>
              <th>${w(lang, 'dueDate')}</th>
              <th>${w(lang, 'close')}</th>
            </tr>
          </thead>
          <tbody>
            ${d.items.map((r) => row(ctx, r))}
          </tbody>
        </table>`,
      )
    : html`<p class="muted" id="inbox-empty">${w(lang, 'noItems')}</p>`;
  return layout(
    ctx,
    'inbox',
    w(lang, 'inbox'),
    html`<h1>${w(lang, 'inboxTitle')}</h1>
      <section class="card">
        ${formError(ctx)} ${departmentSelect(ctx, d)}
        <p id="inbox-counts">
          ${count(lang, 'openReferrals', d.items.length)} ·
          <span class="${overdue ? 'badge warn' : ''}">${count(lang, 'overdueReferrals', overdue)}</span>
        </p>
        ${table}
      </section>
      ${d.canSuspend && deadlinesForm(ctx, d)}`,
  );
}
