/**
 * The document page's registry card: the register and the number as people
 * write it («ص ٢٠٢٦/١»), the sender's own reference and date, the
 * correspondent (leading to their page of letters), and the letters this one
 * answers and those that answer it, with its other links (only documents the
 * person may see).
 */
import { html, type SafeHtml } from '../html';
import { registryLabel } from '../../../kernel/registry';
import type { LinkView } from '../../../storage/repos/links';
import { canSee } from '../../auth';
import { date, num, wordsOf, type Lang } from '../i18n';
import type { DocumentSection } from '../routes/documentSections';

const w = wordsOf({
  registry: ['السجل والمراسلة', 'Register and correspondence'],
  register: ['السجل', 'Register'],
  number: ['رقم القيد', 'Registry number'],
  externalRef: ['مرجع المرسِل', "Sender's reference"],
  externalDate: ['تاريخ مرجع المرسِل', "Sender's reference date"],
  correspondent: ['جهة المراسلة', 'Correspondent'],
  inReplyTo: ['ردٌّ على', 'In reply to'],
  replies: ['الردود عليها', 'Replies'],
  reply: ['رد', 'reply'],
  attachment: ['مرفق', 'attachment'],
  follows: ['إلحاق', 'follows'],
  cancels: ['إلغاء', 'cancels'],
  linkedFrom: ['مرتبطة بها', 'Linked to'],
  linkedTo: ['ترتبط بها', 'Linked from'],
  ministry: ['وزارة', 'ministry'],
  company: ['شركة', 'company'],
  person: ['شخص', 'person'],
  other: ['جهة', 'other'],
});

const KINDS = ['reply', 'attachment', 'follows', 'cancels', 'ministry', 'company', 'person', 'other'] as const;
const kindWord = (lang: Lang, k: string) => ((KINDS as readonly string[]).includes(k) ? w(lang, k as (typeof KINDS)[number]) : k);

function docLink(lang: Lang, l: LinkView): SafeHtml {
  return html`<a href="/documents/${encodeURIComponent(l.other.id)}" dir="ltr">${num(lang, l.other.registryNo)}</a
    >${l.other.title && html` — ${l.other.title}`}`;
}

function list(id: string, title: string, items: SafeHtml[]): SafeHtml | '' {
  if (items.length === 0) return '';
  return html`<dt>${title}</dt>
    <dd>
      <ul class="plain" id="${id}">
        ${items.map((i) => html`<li>${i}</li>`)}
      </ul>
    </dd>`;
}

export const registrySection: DocumentSection = async (deps, ctx, doc, caller) => {
  const { lang } = ctx;
  const [book, corr, links] = await Promise.all([
    deps.documents.registerBook(doc.register),
    doc.correspondentId ? deps.documents.correspondent(doc.correspondentId) : Promise.resolve(undefined),
    deps.documents.links(doc.id),
  ]);
  const seen = (l: LinkView) => canSee(caller, l.other);
  const from = links.from.filter(seen);
  const to = links.to.filter(seen);
  const label = book ? registryLabel(doc, book) : undefined;
  const rows: Array<SafeHtml | ''> = [
    html`<dt>${w(lang, 'register')}</dt>
      <dd id="doc-register">
        ${book ? (lang === 'ar' ? `${book.nameAr} (${book.letterAr})` : `${book.nameEn} (${book.letterEn})`) : doc.register}
      </dd>`,
    html`<dt>${w(lang, 'number')}</dt>
      <dd id="doc-registry-label">${label ? label[lang] : doc.registryNo}</dd>`,
  ];
  if (doc.externalRef)
    rows.push(
      html`<dt>${w(lang, 'externalRef')}</dt>
        <dd id="doc-external-ref">${doc.externalRef}</dd>`,
    );
  if (doc.externalDate)
    rows.push(
      html`<dt>${w(lang, 'externalDate')}</dt>
        <dd>${date(lang, `${doc.externalDate}T00:00:00Z`)}</dd>`,
    );
  if (corr) {
    const name = lang === 'ar' ? corr.nameAr : (corr.nameEn ?? corr.nameAr);
    rows.push(
      html`<dt>${w(lang, 'correspondent')}</dt>
        <dd>
          <a id="doc-correspondent" href="/correspondents/${encodeURIComponent(corr.id)}">${name}</a>
          <span class="muted">(${kindWord(lang, corr.kind)})</span>
        </dd>`,
    );
  } else if (doc.correspondent) {
    rows.push(
      html`<dt>${w(lang, 'correspondent')}</dt>
        <dd>${doc.correspondent}</dd>`,
    );
  }
  const kindOf = (l: LinkView) => html`<span class="muted">(${kindWord(lang, l.kind)})</span>`;
  rows.push(
    list(
      'doc-in-reply-to',
      w(lang, 'inReplyTo'),
      from.filter((l) => l.kind === 'reply').map((l) => docLink(lang, l)),
    ),
    list(
      'doc-replies',
      w(lang, 'replies'),
      to.filter((l) => l.kind === 'reply').map((l) => docLink(lang, l)),
    ),
    list(
      'doc-links-from',
      w(lang, 'linkedFrom'),
      from.filter((l) => l.kind !== 'reply').map((l) => html`${docLink(lang, l)} ${kindOf(l)}`),
    ),
    list(
      'doc-links-to',
      w(lang, 'linkedTo'),
      to.filter((l) => l.kind !== 'reply').map((l) => html`${docLink(lang, l)} ${kindOf(l)}`),
    ),
  );
  return html`<section class="card" id="registry">
    <h2>${w(lang, 'registry')}</h2>
    <dl class="meta">${rows}</dl>
  </section>`;
};
