/**
 * The audit page: the hash-chained ledger and its signed checkpoints, the
 * last fixity check and what it found damaged, the offsite replication and
 * Object Lock, the documents by status, the charts (./auditCharts.ts), and a
 * form that tells whether an uploaded file is a registered original or
 * archive copy.
 */
import { fileInput, fileName } from '../fields';
import type { AuditSeries } from '../../../storage/auditSeries';
import type { AuditReport } from '../../../storage/integrity/auditReport';
import type { ReplicationStatus } from '../../../storage/integrity/replication';
import { html, joinHtml, type SafeHtml } from '../html';
import { count, countsOf, date, num, statusWord, t, wordsOf, type Lang } from '../i18n';
import { layout, type PageCtx } from '../layout';
import { auditCharts, CHARTS_HEAD, copyName, duration } from './auditCharts';

/** The page's counts, by each language's plural rules. */
const counts = countsOf({
  entries: [
    { zero: 'لا قيود', one: 'قيد واحد', two: 'قيدان', few: '# قيود', many: '# قيدًا', other: '# قيد' },
    { one: '# entry', other: '# entries' },
  ],
  objectsChecked: [
    { zero: 'لم يُفحص ملف', one: 'ملف واحد فُحص', two: 'ملفان فُحصا', few: '# ملفات فُحصت', many: '# ملفًا فُحص', other: '# ملف فُحص' },
    { one: '# object checked', other: '# objects checked' },
  ],
  documentsWaiting: [
    {
      zero: 'لا وثائق تنتظر النسخ',
      one: 'وثيقة واحدة تنتظر النسخ',
      two: 'وثيقتان تنتظران النسخ',
      few: '# وثائق تنتظر النسخ',
      many: '# وثيقة تنتظر النسخ',
      other: '# وثيقة تنتظر النسخ',
    },
    { one: '# document waiting', other: '# documents waiting' },
  ],
});

const words = wordsOf({ oldestWait: ['أقدم انتظار', 'Oldest wait'] });

/** A file checked with the verify-file form: its name, fingerprint, and the documents it belongs to. */
export interface IdentifiedFile {
  name: string;
  sha256: string;
  matches: Array<{ documentId: string; registryNo: string; kind: string }>;
}

export interface AuditPageData {
  report: AuditReport;
  replication: ReplicationStatus;
  objectLock: Record<string, { enabled: boolean; detail: string }>;
  series: AuditSeries;
  identified: IdentifiedFile | null;
}

/** The answer to the verify-file form: registered (and as which documents' files), or not. */
function identifiedVerdict(lang: Lang, f: IdentifiedFile | null): SafeHtml | null {
  if (!f) return null;
  const matches = joinHtml(
    f.matches.map(
      (m) => html`<a href="/documents/${encodeURIComponent(m.documentId)}"><bdi>${num(lang, m.registryNo)}</bdi></a> (${m.kind})`,
    ),
    '، ',
  );
  return html`<div class="verdict ${f.matches.length ? 'good' : 'bad'}" id="identify-result" role="status">
    <div>${fileName(f.name)} — <span class="hash">${f.sha256}</span></div>
    ${f.matches.length ? html`${t(lang, 'isRegistered')} ${matches}` : t(lang, 'notRegistered')}
  </div>`;
}

function ledgerPanel(ctx: PageCtx, ledger: AuditReport['ledger']): SafeHtml {
  const { lang } = ctx;
  const intact = ledger.brokenAt === null;
  return html`<section class="card" id="ledger-panel">
    <h2>${t(lang, 'ledger')}</h2>
    <div class="big">${counts(lang, 'entries', ledger.entries)}</div>
    <p class="verdict ${intact ? 'good' : 'bad'}">
      ${intact ? t(lang, 'chainIntact') : `${t(lang, 'chainBroken')} ${num(lang, ledger.brokenAt!)}`}
    </p>
    <p>
      ${t(lang, 'checkpoints')}: ${num(lang, ledger.checkpoints)}${ledger.badCheckpoint !== null && ' ✗'} ·
      ${t(lang, 'lastCheckpoint')}: ${date(lang, ledger.lastCheckpoint?.at ?? null, true, ctx.timeZone)}
    </p>
  </section>`;
}

function fixityPanel(ctx: PageCtx, fixity: AuditReport['fixity']): SafeHtml {
  const { lang } = ctx;
  const damaged = fixity.damaged.map(
    (x) =>
      html`<div class="verdict bad"><bdi>${num(lang, x.registryNo)}</bdi> ${x.target} <code>${x.key}</code> ${x.state}</div>`,
  );
  return html`<section class="card" id="fixity-panel">
    <h2>${t(lang, 'fixity')}</h2>
    <div class="big">${counts(lang, 'objectsChecked', fixity.objectsChecked)}</div>
    <p>
      ✓ ${num(lang, fixity.ok)} · ${t(lang, 'repaired')} ${num(lang, fixity.repaired)} ·
      ${count(lang, 'damagedFiles', fixity.damaged.length)}
    </p>
    <p class="muted">${date(lang, fixity.lastCheckedAt, true, ctx.timeZone)}</p>
    ${damaged}
  </section>`;
}

function replicationPanel(lang: Lang, d: AuditPageData): SafeHtml {
  const locks = joinHtml(
    Object.entries(d.objectLock).map(
      ([k, v]) =>
        html`${copyName(lang, k)} ${v.enabled ? t(lang, 'locked') : html`<span class="badge warn">${t(lang, 'notLocked')}</span>`}`,
    ),
    ' · ',
  );
  return html`<section class="card" id="replication-panel">
    <h2>${t(lang, 'replication')}</h2>
    <div class="big">${counts(lang, 'documentsWaiting', d.replication.pending)}</div>
    <p>${words(lang, 'oldestWait')}: ${duration(lang, d.replication.oldestPendingSeconds)}</p>
    <p>${t(lang, 'objectLock')}: ${locks}</p>
  </section>`;
}

function documentsPanel(lang: Lang, documents: Record<string, number>): SafeHtml {
  const rows = Object.entries(documents).map(
    ([k, v]) => html`<div class="facet"><span>${statusWord(lang, k)}</span><span>${num(lang, v)}</span></div>`,
  );
  return html`<section class="card">
    <h2>${t(lang, 'documents')}</h2>
    ${rows}
  </section>`;
}

export function auditPage(ctx: PageCtx, d: AuditPageData): string {
  const { lang } = ctx;
  const r = d.report;
  return layout(
    ctx,
    'audit',
    t(lang, 'auditTitle'),
    html`<h1>${t(lang, 'auditTitle')}</h1>
      <div class="stats">
        ${ledgerPanel(ctx, r.ledger)} ${fixityPanel(ctx, r.fixity)} ${replicationPanel(lang, d)}
        ${documentsPanel(lang, r.documents)}
      </div>
      ${auditCharts(ctx, d.series)}
      <section class="card" id="verify-file">
        <h2 id="verify-file-heading">${t(lang, 'verifyFile')}</h2>
        <p class="muted" id="verify-file-help">${t(lang, 'verifyFileHelp')}</p>
        ${identifiedVerdict(lang, d.identified)}
        <form method="post" action="/audit/verify-file?_csrf=${encodeURIComponent(ctx.csrf)}" enctype="multipart/form-data">
          ${fileInput(lang, t(lang, 'chooseFile'), { id: 'verify-file-input', name: 'file', required: true })}
          <button class="primary" type="submit">${t(lang, 'check')}</button>
        </form>
      </section>`,
    CHARTS_HEAD,
  );
}
