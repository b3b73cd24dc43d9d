/**
 * The transfers page (/records/transfers): the transfers to another archive,
 * newest first (recipient, documents, state, bag), and a form that starts one
 * from registry numbers or from what is due for transfer by a date. The bag
 * itself is written by the command line; the page gives the exact command.
 */
import type { TransferRecord } from '../../../storage/records/transfers';
import { ERROR_MESSAGES, type ErrorCode } from '../../../kernel/errors';
import { escapeHtml as esc } from '../../../kernel/text';
import { date, num, wordsOf } from '../i18n';
import { layout, type PageCtx } from '../layout';

const w = wordsOf({
  title: ['التحويل إلى أرشيف آخر', 'Transfers to another archive'],
  help: [
    'يُسجَّل التحويل هنا، وتكتب أداة سطر الأوامر الحزمة (BagIt) وتتحقق من بصمة كل ملف، ثم يكتمل التحويل ويُقيَّد في السجل لكل وثيقة.',
    'A transfer is recorded here; the command line writes the bag (BagIt), checking every file’s fingerprint, then completes the transfer and records it in the ledger for each document.',
  ],
  start: ['بدء تحويل', 'Start a transfer'],
  recipient: ['الجهة المستلمة', 'Recipient'],
  recipientDefault: ['المحفوظات الوطنية', 'National Archives'],
  ids: ['أرقام القيد (رقم في كل سطر)', 'Registry numbers (one a line)'],
  due: ['أو: كل ما يحين تحويله حتى تاريخ', 'Or: everything due for transfer by a date'],
  byIds: ['تحويل هذه الوثائق', 'Transfer these documents'],
  byDue: ['تحويل المستحق', 'Transfer what is due'],
  created: ['سُجّل التحويل. اكتب الحزمة بهذا الأمر:', 'The transfer is recorded. Write its bag with:'],
  check: ['وتتحقق منها الجهة المستلمة داخل الحزمة بالأمر:', 'The recipient checks it inside the bag with:'],
  none: ['لا تحويلات بعد.', 'No transfers yet.'],
  when: ['التاريخ', 'Date'],
  documents: ['الوثائق', 'Documents'],
  state: ['الحالة', 'State'],
  bag: ['الحزمة', 'Bag'],
  by: ['بواسطة', 'By'],
  open: ['مفتوح (لم تُكتب الحزمة)', 'open (no bag yet)'],
  complete: ['مكتمل', 'complete'],
});

export interface TransfersPageData {
  items: TransferRecord[];
  /** The transfer just started from the form, if any. */
  created: string | null;
  /** A refused form's error code. */
  error: string | null;
}

const csrfField = (ctx: PageCtx) => `<input type="hidden" name="_csrf" value="${esc(ctx.csrf)}">`;

function command(id: string): string {
  return `diwan export bagit ./transfers --transfer ${id}`;
}

function notices(ctx: PageCtx, d: TransfersPageData): string {
  const { lang } = ctx;
  const out: string[] = [];
  if (d.error && d.error in ERROR_MESSAGES) {
    const [ar, en] = ERROR_MESSAGES[d.error as ErrorCode];
    out.push(`<p class="verdict bad" role="alert" id="transfer-error">${esc(lang === 'ar' ? ar : en)}</p>`);
  }
  if (d.created) {
    out.push(`<div class="verdict good" id="transfer-created">
  <p>${w(lang, 'created')}</p>
  <pre dir="ltr"><code>${esc(command(d.created))}</code></pre>
  <p>${w(lang, 'check')}</p>
  <pre dir="ltr"><code>sha256sum -c manifest-sha256.txt</code></pre>
</div>`);
  }
  return out.join('\n');
}

function startForm(ctx: PageCtx): string {
  const { lang } = ctx;
  return `<section class="card" id="start-transfer">
  <h2>${w(lang, 'start')}</h2>
  <form method="post" action="/records/transfers" id="transfer-form">
    ${csrfField(ctx)}
    <label>${w(lang, 'recipient')} <input name="recipient" required maxlength="300" value="${esc(w(lang, 'recipientDefault'))}"></label>
    <label>${w(lang, 'ids')} <textarea name="ids" rows="4" dir="ltr" id="transfer-ids"></textarea></label>
    <button type="submit" name="mode" value="ids" id="transfer-by-ids">${w(lang, 'byIds')}</button>
    <label>${w(lang, 'due')} <input type="date" name="due" dir="ltr" id="transfer-due"></label>
    <button type="submit" name="mode" value="due" class="secondary" id="transfer-by-due">${w(lang, 'byDue')}</button>
  </form>
</section>`;
}

function row(ctx: PageCtx, t: TransferRecord): string {
  const { lang } = ctx;
  return `<tr data-id="${esc(t.id)}" data-state="${esc(t.state)}">
      <td><bdi>${esc(date(lang, t.createdAt, true, ctx.timeZone))}</bdi></td>
      <td>${esc(t.recipient)}</td>
      <td>${num(lang, t.documentCount)}</td>
      <td>${w(lang, t.state)}</td>
      <td dir="ltr">${t.bagName ? esc(t.bagName) : `<code>${esc(command(t.id))}</code>`}</td>
      <td><bdi>${esc(t.createdBy)}</bdi></td>
    </tr>`;
}

export function transfersPage(ctx: PageCtx, d: TransfersPageData): string {
  const { lang } = ctx;
  const table =
    d.items.length === 0
      ? `<p class="muted">${w(lang, 'none')}</p>`
      : `<table class="list" id="transfers-table">
    <thead><tr><th>${w(lang, 'when')}</th><th>${w(lang, 'recipient')}</th><th>${w(lang, 'documents')}</th><th>${w(lang, 'state')}</th><th>${w(lang, 'bag')}</th><th>${w(lang, 'by')}</th></tr></thead>
    <tbody>${d.items.map((t) => row(ctx, t)).join('')}</tbody>
  </table>`;
  const body = `<h1>${w(lang, 'title')}</h1>
<p class="muted">${w(lang, 'help')}</p>
${notices(ctx, d)}
${startForm(ctx)}
<section class="card" id="transfers">
  ${table}
</section>`;
  return layout(ctx, 'records', w(lang, 'title'), body);
}
