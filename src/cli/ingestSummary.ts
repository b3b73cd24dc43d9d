/**
 * What `diwan ingest` says of a batch once sent: a line per row (a document, or a file refused), a line per
 * file that became more than one document (a scanned stack split at separator sheets, a message and its
 * attachments), and the batch's totals: documents made, blank pages dropped, separator sheets, labels refused.
 */

/** A batch's row as GET /batches/:id gives it (the fields read here). */
export interface IngestRow {
  name: string | null;
  sha256: string;
  status: string;
  registryNo: string | null;
  error: { code: string; message: string; messageEn: string } | null;
  kind?: string;
  partOf?: string | null;
  notes?: { separators?: number; blankPages?: number; label?: string; labelRefused?: string } | null;
}

/** The totals of a set of rows. */
export interface IngestTotals {
  /** New documents registered (not duplicates, not refused). */
  documents: number;
  blankPages: number;
  separators: number;
  labelsRefused: number;
}

const REFUSED: Record<string, string> = {
  label_used: 'الملصق مستعمل من قبل/label already used',
  label_unknown: 'ملصق غير معروف/unknown label',
  label_other_register: 'ملصق لسجل آخر/label of another register',
  label_expired: 'ملصق من سنة سابقة/label of an earlier year',
};

const KINDS: Record<string, string> = {
  stack: 'جزء من رزمة/part of a stack',
  office: 'مستند أوفيس/Office document',
  email: 'رسالة بريد/e-mail message',
  attachment: 'مرفق/attachment',
};

export function totalsOf(rows: readonly IngestRow[]): IngestTotals {
  const t: IngestTotals = { documents: 0, blankPages: 0, separators: 0, labelsRefused: 0 };
  for (const r of rows) {
    if (r.status !== 'rejected' && r.status !== 'duplicate') t.documents++;
    t.blankPages += r.notes?.blankPages ?? 0;
    t.separators += r.notes?.separators ?? 0;
    if (r.notes?.labelRefused) t.labelsRefused++;
  }
  return t;
}

/**
 * The rows grouped by the file they came from: the rows a file left are consecutive and carry that file's
 * SHA-256; a file taken as it came (kind 'file') is always a group of its own.
 */
export function byFile(rows: readonly IngestRow[]): Array<{ name: string; rows: IngestRow[] }> {
  const groups: Array<{ name: string; rows: IngestRow[] }> = [];
  let last: IngestRow | undefined;
  for (const r of rows) {
    const current = groups[groups.length - 1];
    if (current && last && last.sha256 === r.sha256 && (r.kind ?? 'file') !== 'file' && (last.kind ?? 'file') !== 'file') {
      current.rows.push(r);
    } else {
      groups.push({ name: r.partOf ?? r.name ?? '?', rows: [r] });
    }
    last = r;
  }
  return groups;
}

export const totalsLine = (t: IngestTotals): string =>
  `${t.documents} وثيقة/documents · ${t.blankPages} صفحة فارغة حُذفت/blank pages dropped · ` +
  `${t.separators} فاصل/separators · ${t.labelsRefused} ملصق مرفوض/labels refused`;

/** One row: name, registry number, status, then what it was (kind, part of, label) and why it was refused. */
export function rowLine(r: IngestRow): string {
  const said = [
    r.kind && KINDS[r.kind],
    r.partOf && `من/part of ${r.partOf}`,
    r.notes?.labelRefused
      ? REFUSED[r.notes.labelRefused]
      : r.notes?.label && r.status !== 'duplicate' && r.status !== 'rejected' && "أخذ رقم الملصق/took the label's number",
  ].filter(Boolean);
  const intake = said.length ? `\t${said.join(' · ')}` : '';
  const err = r.error ? `\t${r.error.code}: ${r.error.message} / ${r.error.messageEn}` : '';
  return `${r.name ?? '?'}\t${r.registryNo ?? '-'}\t${r.status}${intake}${err}\n`;
}

/** The lines for the rows: each row, then each file that became more than one document with its totals. */
export function summaryLines(rows: readonly IngestRow[]): string {
  const lines = rows.map(rowLine);
  for (const g of byFile(rows)) if (g.rows.length > 1) lines.push(`${g.name}: ${totalsLine(totalsOf(g.rows))}\n`);
  return lines.join('');
}
