/**
 * The registry's books page: choose a register and a day or a month, see the
 * book's rows, and take it as PDF (to print) or CSV (for a spreadsheet).
 * Withheld rows (above the reader's clearance) show their number only.
 */
import { periodWords, type BookRow } from '../../../ingest/book';
import { html, joinHtml, raw, type SafeHtml } from '../html';
import { dateInput, scrollBox } from '../fields';
import { date, num, wordsOf, type Lang } from '../i18n';
import { layout, queryString, type PageCtx } from '../layout';

export const BOOK_WORDS = wordsOf({
  books: ['الدفاتر', 'Books'],
  title: ['دفاتر القيد', "The registry's books"],
  register: ['السجل', 'Register'],
  day: ['دفتر يوم', "A day's book"],
  month: ['دفتر شهر', "A month's book"],
  dayField: ['اليوم', 'Day'],
  monthField: ['الشهر', 'Month'],
  show: ['اعرض', 'Show'],
  pdf: ['PDF للطباعة', 'PDF to print'],
  csv: ['CSV لجداول البيانات', 'CSV for spreadsheets'],
  count: ['عدد القيود', 'Letters'],
  none: ['لا قيود في هذه المدة.', 'No letters registered in this period.'],
  number: ['رقم القيد', 'Number'],
  date: ['تاريخ القيد', 'Date'],
  sender: ['المرسِل', 'Sender'],
  recipient: ['المرسَل إليه', 'Recipient'],
  reference: ['مرجعه وتاريخه', 'Their reference'],
  subject: ['الموضوع', 'Subject'],
  referred: ['أُحيل إلى', 'Referred to'],
  answered: ['أُجيب بـ', 'Answered by'],
  withheld: ['محجوب: فوق درجة اطلاعك', 'Withheld: above your clearance'],
  more: [
    'تُعرض هنا أول القيود فقط؛ الدفتر كاملًا في الملفين.',
    'Only the first rows are shown here; the files hold the whole book.',
  ],
});
const w = BOOK_WORDS;

export interface BooksPageData {
  registers: Array<{ code: string; nameAr: string; nameEn: string; direction: string }>;
  register: string;
  /** The period asked: exactly one of them. */
  day: string | undefined;
  month: string | undefined;
  rows: BookRow[];
  /** Rows left out of the page (the files have them). */
  more: number;
}

function registerSelect(lang: Lang, d: BooksPageData): SafeHtml {
  const options = d.registers.map(
    (r) =>
      html`<option value="${r.code}" ${r.code === d.register && raw(' selected')}>
        ${lang === 'ar' ? r.nameAr : r.nameEn}
      </option>`,
  );
  return html`<label
    >${w(lang, 'register')}<select name="register">
      ${options}
    </select></label
  >`;
}

function table(ctx: PageCtx, d: BooksPageData): SafeHtml {
  const { lang } = ctx;
  if (d.rows.length === 0) return html`<p class="muted" id="book-empty">${w(lang, 'none')}</p>`;
  const direction = d.registers.find((r) => r.code === d.register)?.direction;
  const heads = [
    'number',
    'date',
    direction === 'out' ? 'recipient' : 'sender',
    'reference',
    'subject',
    'referred',
    'answered',
  ] as const;
  const rows = d.rows.map((r) => {
    const no = html`<td><bdi>${lang === 'ar' ? r.registryNoAr : r.registryNo}</bdi></td>
      <td>${date(lang, r.registeredAt, false, ctx.timeZone)}</td>`;
    if (r.withheld)
      return html`<tr class="withheld" data-withheld="true">
        ${no}
        <td colspan="5" class="muted">${w(lang, 'withheld')}</td>
      </tr>`;
    const ref = [r.externalRef ?? '', r.externalDate ? num(lang, r.externalDate) : ''].filter(Boolean).join(' — ');
    const answered = joinHtml(
      r.answeredBy.map((a) => html`<bdi>${lang === 'ar' ? a.registryNoAr : a.registryNo}</bdi>`),
      '، ',
    );
    return html`<tr>
      ${no}
      <td>${r.correspondent ?? ''}</td>
      <td><bdi>${ref}</bdi></td>
      <td>${r.subject ?? ''}</td>
      <td>${r.referredTo.join('، ')}</td>
      <td>${answered}</td>
    </tr>`;
  });
  const book = scrollBox(
    w(lang, 'books'),
    html`<table class="files book-table" id="book-rows">
      <thead>
        <tr>
          ${heads.map((h) => html`<th>${w(lang, h)}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>`,
  );
  return html`${book} ${d.more > 0 && html`<p class="muted">${w(lang, 'more')}</p>`}`;
}

export function booksPage(ctx: PageCtx, d: BooksPageData): string {
  const { lang } = ctx;
  const period = d.day !== undefined ? { day: d.day } : { month: d.month };
  const file = (ext: string) => `/api/v1/books/${encodeURIComponent(d.register)}.${ext}${queryString(period)}`;
  const form = (kind: 'day' | 'month', input: SafeHtml) =>
    html`<form method="get" action="/books" class="card grid-form" id="book-${kind}">
      <h2>${w(lang, kind)}</h2>
      ${registerSelect(lang, d)} ${input}
      <p><button class="secondary" type="submit">${w(lang, 'show')}</button></p>
    </form>`;
  return layout(
    ctx,
    'books',
    w(lang, 'title'),
    html`<h1>${w(lang, 'title')}</h1>
      <div class="books-forms">
        ${form('day', dateInput(lang, w(lang, 'dayField'), { name: 'day', id: 'book-day-field', value: d.day, required: true }))}
        ${form('month', html`<label>${w(lang, 'monthField')}<input type="month" name="month" value="${d.month ?? ''}" pattern="\\d{4}-\\d{2}" placeholder="2026-12" required /></label>`)}
      </div>
      <section class="card" id="book">
        <h2>
          ${d.registers.find((r) => r.code === d.register)?.[lang === 'ar' ? 'nameAr' : 'nameEn'] ?? d.register} ·
          ${periodWords(d.day ?? d.month ?? '')[lang]}
        </h2>
        <p>
          <a class="button" id="book-pdf" href="${file('pdf')}" target="_blank" rel="noopener">${w(lang, 'pdf')}</a>
          <a id="book-csv" href="${file('csv')}" download>${w(lang, 'csv')}</a>
          <span class="muted">${w(lang, 'count')}: ${num(lang, d.rows.length + d.more)}</span>
        </p>
        ${table(ctx, d)}
      </section>`,
  );
}
