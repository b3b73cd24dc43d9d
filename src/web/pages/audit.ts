/**
 * The audit page: the hash-chained ledger and its signed checkpoints, the
 * last fixity check and what it found damaged, the offsite replication and
 * Object Lock, the documents by status, and a form that tells whether an
 * uploaded file is a registered original or archive copy.
 */
import type { AuditReport } from '../../../storage/integrity/auditReport';
import type { ReplicationStatus } from '../../../storage/integrity/replication';
import { escapeHtml as esc } from '../../../kernel/text';
import { date, num, statusWord, t, type Lang } from '../i18n';
import { layout, type PageCtx } from '../layout';

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
  identified: IdentifiedFile | null;
}

/** The answer to the verify-file form: registered (and as which documents' files), or not. */
function identifiedVerdict(lang: Lang, f: IdentifiedFile | null): string {
  if (!f) return '';
  const matches = f.matches
    .map(
      (m) =>
        `<a href="/documents/${encodeURIComponent(m.documentId)}"><bdi>${num(lang, m.registryNo)}</bdi></a> (${esc(m.kind)})`,
    )
    .join('، ');
  return `<div class="verdict ${f.matches.length ? 'good' : 'bad'}" id="identify-result" role="status">
        <div>${esc(f.name)} — <span class="hash">${esc(f.sha256)}</span></div>
        ${f.matches.length ? `${t(lang, 'isRegistered')} ${matches}` : t(lang, 'notRegistered')}
      </div>`;
}

function ledgerPanel(ctx: PageCtx, ledger: AuditReport['ledger']): string {
  const { lang } = ctx;
  return `<section class="card" id="ledger-panel"><h2>${t(lang, 'ledger')}</h2>
    <div class="big">${num(lang, ledger.entries)} <span class="muted">${t(lang, 'entries')}</span></div>
    <p class="verdict ${ledger.brokenAt === null ? 'good' : 'bad'}">${ledger.brokenAt === null ? t(lang, 'chainIntact') : `${t(lang, 'chainBroken')} ${num(lang, ledger.brokenAt)}`}</p>
    <p>${t(lang, 'checkpoints')}: ${num(lang, ledger.checkpoints)}${ledger.badCheckpoint === null ? '' : ' ✗'} · ${t(lang, 'lastCheckpoint')}: ${esc(date(lang, ledger.lastCheckpoint?.at ?? null, true, ctx.timeZone))}</p>
  </section>`;
}

function fixityPanel(ctx: PageCtx, fixity: AuditReport['fixity']): string {
  const { lang } = ctx;
  const damaged = fixity.damaged
    .map(
      (x) =>
        `<div class="verdict bad"><bdi>${num(lang, x.registryNo)}</bdi> ${esc(x.target)} <code>${esc(x.key)}</code> ${esc(x.state)}</div>`,
    )
    .join('');
  return `<section class="card" id="fixity-panel"><h2>${t(lang, 'fixity')}</h2>
    <div class="big">${num(lang, fixity.objectsChecked)} <span class="muted">${t(lang, 'objectsChecked')}</span></div>
    <p>✓ ${num(lang, fixity.ok)} · ${t(lang, 'repaired')} ${num(lang, fixity.repaired)} · ${t(lang, 'damaged')} ${num(lang, fixity.damaged.length)}</p>
    <p class="muted">${esc(date(lang, fixity.lastCheckedAt, true, ctx.timeZone))}</p>
    ${damaged}
  </section>`;
}

function replicationPanel(lang: Lang, d: AuditPageData): string {
  const locks = Object.entries(d.objectLock)
    .map(([k, v]) => `${esc(k)} ${v.enabled ? t(lang, 'locked') : `<span class="badge warn">${t(lang, 'notLocked')}</span>`}`)
    .join(' · ');
  return `<section class="card" id="replication-panel"><h2>${t(lang, 'replication')}</h2>
    <div class="big">${num(lang, d.replication.pending)} <span class="muted">${t(lang, 'pendingDocs')}</span></div>
    <p>${t(lang, 'oldestPending')}: ${num(lang, d.replication.oldestPendingSeconds)}</p>
    <p>${t(lang, 'objectLock')}: ${locks}</p>
  </section>`;
}

function documentsPanel(lang: Lang, documents: Record<string, number>): string {
  const rows = Object.entries(documents)
    .map(([k, v]) => `<div class="facet"><span>${esc(statusWord(lang, k))}</span><span>${num(lang, v)}</span></div>`)
    .join('');
  return `<section class="card"><h2>${t(lang, 'documents')}</h2>
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
    `<h1>${t(lang, 'auditTitle')}</h1>
<div class="stats">
  ${ledgerPanel(ctx, r.ledger)}
  ${fixityPanel(ctx, r.fixity)}
  ${replicationPanel(lang, d)}
  ${documentsPanel(lang, r.documents)}
</div>
<section class="card" id="verify-file"><h2>${t(lang, 'verifyFile')}</h2>
  <p class="muted">${t(lang, 'verifyFileHelp')}</p>
  ${identifiedVerdict(lang, d.identified)}
  <form method="post" action="/audit/verify-file?_csrf=${encodeURIComponent(ctx.csrf)}" enctype="multipart/form-data">
    <input type="file" name="file" required>
    <button class="primary" type="submit">${t(lang, 'check')}</button>
  </form>
</section>`,
  );
}
