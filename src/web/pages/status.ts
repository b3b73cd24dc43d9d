/**
 * The public status page of a transaction, where a receipt's QR code leads:
 * Arabic and right to left first, English beside it, no sign-in. It shows the
 * steps the letter has reached and their dates (received, referred, answered
 * or closed), and nothing else: no subject, no correspondent, no text, and
 * not the department it was referred to (a department's name can say what a
 * letter is about: a complaint sent to an inspection office is a complaint).
 */
import { toArabicIndic } from '../../../kernel/text';
import { html, type SafeHtml } from '../html';

/** The steps shown, each with its local date (YYYY-MM-DD) or null when not reached. */
export interface StatusView {
  registryNo: string;
  /** The number as people write it, with its book's letter (Arabic-Indic digits in Arabic). */
  label?: { ar: string; en: string };
  state: 'received' | 'referred' | 'answered' | 'closed';
  receivedOn: string;
  referredOn: string | null;
  answeredOn: string | null;
  closedOn: string | null;
}

const STEPS = [
  { key: 'received', ar: 'استُلمت المعاملة وقُيّدت', en: 'Received and registered' },
  { key: 'referred', ar: 'أُحيلت إلى الجهة المختصة للإجراء', en: 'Referred for action' },
  { key: 'answered', ar: 'صدر الرد عليها', en: 'Answered' },
  { key: 'closed', ar: 'أُغلقت المعاملة', en: 'Closed' },
] as const;

const STATE_WORDS: Record<StatusView['state'], [string, string]> = {
  received: ['قيد الدراسة: استُلمت ولم تُحَل بعد', 'Received, not yet referred'],
  referred: ['قيد الإجراء لدى الجهة المختصة', 'Being acted on'],
  answered: ['صدر الرد', 'Answered'],
  closed: ['أُغلقت', 'Closed'],
};

/** A local date (YYYY-MM-DD) in the Gregorian and Hijri calendars, in Arabic; and as it is, in English. */
function dateWords(iso: string): { ar: string; en: string } {
  const at = new Date(`${iso}T12:00:00Z`);
  const hijri = new Intl.DateTimeFormat('ar-u-ca-islamic-umalqura-nu-arab', {
    timeZone: 'UTC',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
  }).format(at);
  const [y, m, d] = iso.split('-');
  return { ar: `${toArabicIndic(`${d}/${m}/${y}`)} م — ${hijri}`, en: iso };
}

function timeline(v: StatusView): SafeHtml[] {
  const on: Record<string, string | null> = {
    received: v.receivedOn,
    referred: v.referredOn,
    answered: v.answeredOn,
    closed: v.closedOn,
  };
  return STEPS.filter((s) => on[s.key] !== null).map((s) => {
    const d = dateWords(on[s.key]!);
    return html`<li data-step="${s.key}">
      <strong>${s.ar}</strong> <span class="muted">${d.ar}</span><br /><span lang="en" dir="ltr">${s.en} · ${d.en}</span>
    </li>`;
  });
}

/** The page: the answer (or the "no such transaction" notice), then the form to ask again. */
export function statusPage(
  answer: { view: StatusView } | { notFound: true } | undefined,
  asked: { no: string; code: string },
): string {
  let body: SafeHtml | '' = '';
  if (answer && 'view' in answer) {
    const v = answer.view;
    const [ar, en] = STATE_WORDS[v.state];
    body = html`<section class="verdict good" role="status" data-state="${v.state}">
        <p>المعاملة رقم <bdi>${v.label?.ar ?? toArabicIndic(v.registryNo)}</bdi>: ${ar}</p>
        <p lang="en" dir="ltr">Transaction <bdi>${v.label?.en ?? v.registryNo}</bdi>: ${en}</p>
      </section>
      <ol class="status-steps">
        ${timeline(v)}
      </ol>`;
  } else if (answer) {
    body = html`<section class="verdict bad" role="status">
      <p>لا توجد معاملة بهذا الرقم وهذا الرمز. تحقّق منهما كما في الإيصال.</p>
      <p lang="en" dir="ltr">No transaction has this number and code. Check both against the receipt.</p>
    </section>`;
  }
  return html`<!doctype html>
    <html lang="ar" dir="rtl">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>متابعة معاملة — Follow a transaction</title>
        <link rel="stylesheet" href="/assets/viewer.css" />
        <link rel="icon" href="/assets/icon.svg" type="image/svg+xml" />
      </head>
      <body>
        <header class="top">
          <span class="brand">الديوان الإلكتروني <span lang="en" dir="ltr">· Diwan</span></span>
        </header>
        <main class="verify-page card">
          <h1>متابعة معاملة <span lang="en" dir="ltr">· Follow a transaction</span></h1>
          <p class="muted">
            تُعرض هنا حال المعاملة وتواريخها فقط، لا شيء من مضمونها.
            <span lang="en" dir="ltr">Only the transaction's state and its dates are shown here, nothing of its content.</span>
          </p>
          ${body}
          <form method="get" action="/status">
            <label
              >رقم القيد <span lang="en">Registry number</span
              ><input name="no" value="${asked.no}" placeholder="2026/000123" required class="ltr"
            /></label>
            <label
              >رمز المتابعة <span lang="en">Receipt code</span
              ><input name="code" value="${asked.code}" placeholder="XXXX-XXXX-XXXX" required class="ltr" autocomplete="off"
            /></label>
            <button class="primary" type="submit">اعرض الحال · Show the state</button>
          </form>
        </main>
      </body>
    </html>`.value;
}
