/**
 * What a transfer carries of each document: its record and rule, its
 * originals, its archive PDF and its current text as plain text, each file with
 * the fingerprint the bag's manifest must agree with.
 */
import type { Queryable } from '../db';
import { sha256 } from '../hash';
import { DOC_COLUMNS, toRecord, type DocumentRecord, type DocumentRow } from '../repos/documentRecords';
import { dueDocuments } from './retention';

export interface TransferRule {
  code: string;
  version: number;
  nameAr: string;
  nameEn: string | null;
  action: string;
}

export interface TransferContent {
  doc: DocumentRecord;
  destroyed: boolean;
  rule: TransferRule | null;
  retentionDue: string | null;
  closedAt: string | null;
  /** Its files as registered; `rendition`: the PDF made of an Office file or a message, not a file received. */
  originals: Array<{
    n: number;
    ext: string;
    mime: string;
    name: string | null;
    sha256: string;
    size: number;
    rendition: boolean;
  }>;
  archive: { sha256: string; size: number } | null;
}

/**
 * The current text as one plain-text file: each page's text ending with a
 * newline, pages separated by a form feed (U+000C), as pdftotext does.
 */
function plainTextOf(pages: readonly string[]): string {
  return pages.map((t) => `${t.replace(/\s+$/u, '')}\n`).join('\f');
}

/** The current text of a document (plainTextOf its pages) with its SHA-256 and size in bytes. */
export async function documentText(q: Queryable, documentId: string): Promise<{ text: string; sha256: string; size: number }> {
  const res = await q.query<{ text: string }>('SELECT text FROM pages WHERE document_id = $1 ORDER BY n', [documentId]);
  const text = plainTextOf(res.rows.map((r) => r.text));
  return { text, sha256: sha256(text), size: Buffer.byteLength(text, 'utf8') };
}

interface ExtraRow {
  id: string;
  destroyed: boolean;
  retention_due: Date | null;
  closed_at: Date | null;
  rule_code: string | null;
  rule_version: number | null;
  rule_name_ar: string | null;
  rule_name_en: string | null;
  rule_action: string | null;
}

/** The contents of these documents (those that exist), in registry order. */
export async function transferContents(q: Queryable, ids: readonly string[]): Promise<TransferContent[]> {
  if (ids.length === 0) return [];
  const docs = await q.query<DocumentRow>(
    `SELECT ${DOC_COLUMNS} FROM documents WHERE id = ANY($1::uuid[]) ORDER BY register, registry_year, registry_seq`,
    [ids],
  );
  const extra = await q.query<ExtraRow>(
    `SELECT d.id, (d.status = 'destroyed' OR d.destroyed_at IS NOT NULL) AS destroyed, d.retention_due, d.closed_at,
            r.code AS rule_code, r.version AS rule_version, r.name_ar AS rule_name_ar, r.name_en AS rule_name_en,
            r.action AS rule_action
     FROM documents d LEFT JOIN retention_rules r ON r.id = d.retention_rule_id WHERE d.id = ANY($1::uuid[])`,
    [ids],
  );
  const parts = await q.query<{
    document_id: string;
    n: number;
    ext: string;
    mime: string;
    original_name: string | null;
    sha256: string;
    size: string;
    rendition: boolean;
  }>(
    `SELECT document_id, n, ext, mime, original_name, sha256, size, rendition FROM document_parts
     WHERE document_id = ANY($1::uuid[]) ORDER BY document_id, n`,
    [ids],
  );
  const archives = await q.query<{ document_id: string; sha256: string; size: string }>(
    `SELECT document_id, sha256, size FROM artefacts WHERE kind = 'archive-pdf' AND document_id = ANY($1::uuid[])`,
    [ids],
  );
  const byId = new Map(extra.rows.map((r) => [r.id, r]));
  return docs.rows.map((row) => {
    const e = byId.get(row.id)!;
    const arch = archives.rows.find((a) => a.document_id === row.id);
    return {
      doc: toRecord(row),
      destroyed: e.destroyed,
      rule:
        e.rule_code === null
          ? null
          : {
              code: e.rule_code,
              version: e.rule_version!,
              nameAr: e.rule_name_ar!,
              nameEn: e.rule_name_en,
              action: e.rule_action!,
            },
      retentionDue: e.retention_due ? e.retention_due.toISOString() : null,
      closedAt: e.closed_at ? e.closed_at.toISOString() : null,
      originals: parts.rows
        .filter((p) => p.document_id === row.id)
        .map((p) => ({
          n: p.n,
          ext: p.ext,
          mime: p.mime,
          name: p.original_name,
          sha256: p.sha256,
          size: Number(p.size),
          rendition: p.rendition,
        })),
      archive: arch ? { sha256: arch.sha256, size: Number(arch.size) } : null,
    };
  });
}

/**
 * Documents due on or before `before` whose rule's action at the end is
 * 'transfer' (not destroyed), in due order: what a transfer by due date takes
 * (the retention schedule's due list, up to `limit`).
 */
export async function dueForTransfer(q: Queryable, before: Date, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  while (ids.length < limit) {
    const page = await dueDocuments(q, { before, action: 'transfer', after, limit: Math.min(1000, limit - ids.length) });
    ids.push(...page.items.map((d) => d.id));
    if (!page.next) break;
    after = page.next;
  }
  return ids;
}
