/**
 * The transfers page (/records/transfers): the transfers to another archive,
 * newest first (recipient, documents, state, bag), and a form that starts one
 * from registry numbers or from what is due for transfer by a date. The bag
 * itself is written by the command line; the page gives the exact command.
 * An administrator records here the receiving archive's receipt of a complete
 * transfer's bag; until then its documents do not count as transferred.
 */
import type { TransferRecord } from '../../../storage/records/transfers';
import { ERROR_MESSAGES, type ErrorCode } from '../../../kernel/errors';
import { html, joinHtml, type SafeHtml } from '../html';
import { dateInput, scrollBox } from '../fields';
import { date, num, valueWord, wordsOf } from '../i18n';
import { layout, type PageCtx } from '../layout';

const w = wordsOf({
  title: ['التحويل إلى أرشيف آخر', 'Transfers to another archive'],
  help: [
    'يُسجَّل التحويل هنا، وتكتب أداة سطر الأوامر الحزمة (BagIt) وتتحقق من بصمة كل ملف، ثم يكتمل التحويل ويُقيَّد في السجل لكل وثيقة. ولا تُعدّ الوثائق محوَّلة إلا بعد أن يسجّل مسؤول إيصال استلام الجهة المستلمة.',
    'A transfer is recorded here; the command line writes the bag (BagIt), checking every file’s fingerprint, then completes the transfer and records it in the ledger for each document. Its documents count as transferred only once an administrator records the recipient’s receipt.',
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
  complete: ['اكتملت الحزمة، بانتظار إيصال الاستلام', 'bag written, awaiting the receipt'],
  received: ['استلمته الجهة', 'received'],
  receipt: ['إيصال الاستلام', 'Receipt'],
  recordReceipt: ['تسجيل إيصال الاستلام', 'Record the receipt'],
  receiptRef: ['رقم الإيصال لدى الجهة المستلمة', 'The recipient’s receipt reference'],
  receiptDate: ['تاريخ الإيصال', 'Receipt date'],
  receiptSha: [
    'بصمة SHA-256 لملف tagmanifest-sha256.txt كما حسبتها الجهة المستلمة',
    'SHA-256 of tagmanifest-sha256.txt as the recipient computed it',
  ],
  receiptSave: ['تسجيل', 'Record'],
  receivedNow: [
    'سُجّل إيصال الاستلام؛ تُعدّ وثائق هذا التحويل الآن محوَّلة.',
    'The receipt is recorded; the documents of this transfer now count as transferred.',
  ],
});

export interface TransfersPageData {
  items: TransferRecord[];
  /** The transfer just started from the form, if any. */
  created: string | null;
  /** A refused form's error code. */
  error: string | null;
  /** The transfer whose receipt was just recorded, if any. */
  received?: string | null;
}

const csrfField = (ctx: PageCtx) => html`<input type="hidden" name="_csrf" value="${ctx.csrf}" />`;

function command(id: string): string {
  return `diwan export bagit ./transfers --transfer ${id}`;
}

function notices(ctx: PageCtx, d: TransfersPageData): SafeHtml {
  const { lang } = ctx;
  const out: SafeHtml[] = [];
  if (d.error && d.error in ERROR_MESSAGES) {
    const [ar, en] = ERROR_MESSAGES[d.error as ErrorCode];
    out.push(html`<p class="verdict bad" role="alert" id="transfer-error">${lang === 'ar' ? ar : en}</p>`);
  }
  if (d.created) {
    out.push(
      html`<div class="verdict good" id="transfer-created">
        <p>${w(lang, 'created')}</p>
        <pre dir="ltr"><code>${command(d.created)}</code></pre>
        <p>${w(lang, 'check')}</p>
        <pre dir="ltr"><code>sha256sum -c manifest-sha256.txt</code></pre>
      </div>`,
    );
  }
  if (d.received) out.push(html`<p class="verdict good" id="transfer-received">${w(lang, 'receivedNow')}</p>`);
  return joinHtml(out, '\n');
}

function startForm(ctx: PageCtx): SafeHtml {
  const { lang } = ctx;
  return html`<section class="card" id="start-transfer">
    <h2>${w(lang, 'start')}</h2>
    <form method="post" action="/records/transfers" id="transfer-form">
      ${csrfField(ctx)}
      <label
        >${w(lang, 'recipient')} <input name="recipient" required maxlength="300" value="${w(lang, 'recipientDefault')}"
      /></label>
      <label>${w(lang, 'ids')} <textarea name="ids" rows="4" dir="ltr" id="transfer-ids"></textarea></label>
      <button type="submit" name="mode" value="ids" id="transfer-by-ids">${w(lang, 'byIds')}</button>
      ${dateInput(lang, w(lang, 'due'), { name: 'due', id: 'transfer-due' })}
      <button type="submit" name="mode" value="due" class="secondary" id="transfer-by-due">${w(lang, 'byDue')}</button>
    </form>
  </section>`;
}

/** A complete transfer's receipt: as recorded, or (for an administrator) the form that records it. */
function receiptCell(ctx: PageCtx, t: TransferRecord): SafeHtml | string {
  const { lang } = ctx;
  if (t.receivedAt) {
    return html`<bdi>${t.receiptRef ?? ''}</bdi> · <bdi dir="ltr">${t.receiptDate ?? ''}</bdi> ·
      <bdi>${valueWord(lang, 'actor', t.receivedBy ?? '')}</bdi>`;
  }
  if (t.state !== 'complete' || !ctx.can.hold) return '—';
  return html`<details class="receipt-form">
    <summary>${w(lang, 'recordReceipt')}</summary>
    <form method="post" action="/records/transfers/${t.id}/receipt">
      ${csrfField(ctx)}
      <label>${w(lang, 'receiptRef')} <input name="ref" required maxlength="200" /></label>
      ${dateInput(lang, w(lang, 'receiptDate'), { name: 'date', id: `receipt-date-${t.id}`, required: true })}
      <label
        >${w(lang, 'receiptSha')} <input name="tagmanifestSha256" required pattern="[0-9a-fA-F]{64}" dir="ltr" size="66"
      /></label>
      <button type="submit">${w(lang, 'receiptSave')}</button>
    </form>
  </details>`;
}

function row(ctx: PageCtx, t: TransferRecord): SafeHtml {
  const { lang } = ctx;
  return html`<tr data-id="${t.id}" data-state="${t.state}" data-received="${t.receivedAt ? 'yes' : 'no'}">
    <td><bdi>${date(lang, t.createdAt, true, ctx.timeZone)}</bdi></td>
    <td>${t.recipient}</td>
    <td>${num(lang, t.documentCount)}</td>
    <td>${w(lang, t.receivedAt ? 'received' : t.state)}</td>
    <td dir="ltr">${t.bagName ? t.bagName : html`<code>${command(t.id)}</code>`}</td>
    <td><bdi>${valueWord(lang, 'actor', t.createdBy)}</bdi></td>
    <td>${receiptCell(ctx, t)}</td>
  </tr>`;
}

export function transfersPage(ctx: PageCtx, d: TransfersPageData): string {
  const { lang } = ctx;
  const table =
    d.items.length === 0
      ? html`<p class="muted">${w(lang, 'none')}</p>`
      : scrollBox(
          w(lang, 'title'),
          html`<table class="list" id="transfers-table">
            <thead>
              <tr>
                <th>${w(lang, 'when')}</th>
                <th>${w(lang, 'recipient')}</th>
                <th>${w(lang, 'documents')}</th>
                <th>${w(lang, 'state')}</th>
                <th>${w(lang, 'bag')}</th>
                <th>${w(lang, 'by')}</th>
                <th>${w(lang, 'receipt')}</th>
              </tr>
            </thead>
            <tbody>
              ${d.items.map((t) => row(ctx, t))}
            </tbody>
          </table>`,
        );
  const body = html`<h1>${w(lang, 'title')}</h1>
    <p class="muted">${w(lang, 'help')}</p>
    ${notices(ctx, d)} ${startForm(ctx)}
    <section class="card" id="transfers">${table}</section>`;
  return layout(ctx, 'records', w(lang, 'title'), body);
}
