/**
 * The document page's receipt card, for whoever keeps the registers: the A5
 * receipt of the registered letter (its number, dates, the sender's reference
 * and the QR code to the public status page), to print for the courier or the
 * citizen who brought it.
 */
import { html } from '../html';
import { wordsOf } from '../i18n';
import type { DocumentSection } from './documentSections';

const w = wordsOf({
  receipt: ['إيصال التسجيل', 'Registration receipt'],
  print: ['إيصال للطباعة (PDF)', 'Receipt to print (PDF)'],
  about: [
    'يحمل الإيصال رمز متابعة ورمز QR يفتحان صفحة عامة تعرض حال المعاملة فقط، لا شيئًا من مضمونها.',
    "The receipt carries a code and a QR code that open a public page showing only the transaction's state, nothing of its content.",
  ],
});

export const receiptSection: DocumentSection = async (_deps, ctx, doc) => {
  if (!ctx.can.register) return '';
  const { lang } = ctx;
  return html`<section class="card" id="receipt">
    <h2>${w(lang, 'receipt')}</h2>
    <p>
      <a
        class="button"
        id="receipt-pdf"
        href="/api/v1/documents/${encodeURIComponent(doc.id)}/receipt.pdf"
        target="_blank"
        rel="noopener"
        >${w(lang, 'print')}</a
      >
    </p>
    <p class="muted">${w(lang, 'about')}</p>
  </section>`;
};
