/**
 * The correspondents' pages: a search by Arabic or Latin name, and one
 * correspondent with their letters to and from, newest first, a page at a
 * time (only those the person may see).
 */
import { html, joinHtml } from '../html';
import type { CorrespondentRecord } from '../../../storage/repos/correspondents';
import type { DocumentRecord } from '../../../storage/repos/documents';
import { fileName, scrollBox } from '../fields';
import { date, num, statusWord, valueWord, wordsOf } from '../i18n';
import { layout, queryString, type PageCtx } from '../layout';

const w = wordsOf({
  correspondents: ['جهات المراسلة', 'Correspondents'],
  find: ['ابحث بالاسم العربي أو اللاتيني', 'Search by Arabic or Latin name'],
  search: ['بحث', 'Search'],
  none: ['لا جهات مطابقة.', 'No matching correspondents.'],
  letters: ['المراسلات', 'Letters'],
  atLeast: ['أكثر من', 'over'],
  noLetters: ['لا مراسلات تراها.', 'No letters you may see.'],
  number: ['رقم القيد', 'Registry no.'],
  title: ['الموضوع', 'Subject'],
  externalRef: ['مرجع المرسِل', "Sender's ref."],
  registered: ['تاريخ القيد', 'Registered'],
  status: ['الحالة', 'Status'],
  contact: ['التواصل', 'Contact'],
  kind: ['النوع', 'Kind'],
  newer: ['الأحدث', 'Newer'],
  older: ['الأقدم', 'Older'],
  searchLetters: ['ابحث في مراسلاتها', 'Search their letters'],
});

export function correspondentsPage(ctx: PageCtx, q: string, items: CorrespondentRecord[]): string {
  const { lang } = ctx;
  const rows = items.map(
    (c) =>
      html`<li>
        <a href="/correspondents/${encodeURIComponent(c.id)}">${c.nameAr}</a
        >${c.nameEn && html` <span lang="en" dir="ltr" class="muted">${c.nameEn}</span>`}
      </li>`,
  );
  const body = html`<section class="card">
    <h1>${w(lang, 'correspondents')}</h1>
    <form method="get" action="/correspondents" class="filters">
      <label>${w(lang, 'find')} <input name="q" value="${q}" id="correspondent-q" /></label>
      <button type="submit" class="primary">${w(lang, 'search')}</button>
    </form>
    ${
      items.length
        ? html`<ul class="plain" id="correspondent-list">
            ${rows}
          </ul>`
        : html`<p class="muted">${w(lang, 'none')}</p>`
    }
  </section>`;
  return layout(ctx, 'document', w(lang, 'correspondents'), body);
}

export function correspondentPage(
  ctx: PageCtx,
  c: CorrespondentRecord,
  letters: { items: DocumentRecord[]; total: number; totalExact: boolean; limit: number; offset: number },
): string {
  const { lang } = ctx;
  const rows = letters.items.map(
    (d) =>
      html`<tr>
        <td><a href="/documents/${encodeURIComponent(d.id)}" dir="ltr">${num(lang, d.registryNo)}</a></td>
        <td>${d.title ?? (d.originalName !== null && fileName(d.originalName))}</td>
        <td>${d.externalRef ?? ''}</td>
        <td>${date(lang, d.createdAt, false, ctx.timeZone)}</td>
        <td>${statusWord(lang, d.status)}</td>
      </tr>`,
  );
  const page = (offset: number) => `/correspondents/${encodeURIComponent(c.id)}${queryString({ offset })}`;
  const nav = joinHtml(
    [
      letters.offset > 0 && html`<a href="${page(Math.max(0, letters.offset - letters.limit))}">${w(lang, 'newer')}</a>`,
      (letters.offset + letters.limit < letters.total || (!letters.totalExact && letters.items.length === letters.limit)) &&
        html`<a href="${page(letters.offset + letters.limit)}">${w(lang, 'older')}</a>`,
    ],
    ' ',
  );
  const body = html`<section class="card" id="correspondent">
      <h1>${c.nameAr}${c.nameEn && html` <span lang="en" dir="ltr" class="muted">${c.nameEn}</span>`}</h1>
      <dl class="meta">
        <dt>${w(lang, 'kind')}</dt>
        <dd>${valueWord(lang, 'correspondentKind', c.kind)}</dd>
        ${
          c.contact &&
          html`<dt>${w(lang, 'contact')}</dt>
            <dd>${c.contact}</dd>`
        }
      </dl>
      <p><a href="/search${queryString({ correspondentId: c.id })}" id="correspondent-search">${w(lang, 'searchLetters')}</a></p>
    </section>
    <section class="card">
      <h2>${w(lang, 'letters')} (${!letters.totalExact && html`${w(lang, 'atLeast')} `}${num(lang, letters.total)})</h2>
      ${
        letters.items.length
          ? scrollBox(
              w(lang, 'letters'),
              html`<table id="correspondent-letters">
                <thead>
                  <tr>
                    <th>${w(lang, 'number')}</th>
                    <th>${w(lang, 'title')}</th>
                    <th>${w(lang, 'externalRef')}</th>
                    <th>${w(lang, 'registered')}</th>
                    <th>${w(lang, 'status')}</th>
                  </tr>
                </thead>
                <tbody>
                  ${rows}
                </tbody>
              </table>`,
            )
          : html`<p class="muted">${w(lang, 'noLetters')}</p>`
      }
      <p>${nav}</p>
    </section>`;
  return layout(ctx, 'document', c.nameAr, body);
}
