/**
 * A transfer as the API gives it: for each document its registry number, its
 * metadata and its files (originals, archive PDF, current text), each with the
 * SHA-256 and size the bag's manifest must agree with, where it goes in the
 * bag (`path`, plain ASCII) and the API path to fetch it (`href`). The CLI
 * writes the bag from this and nothing else.
 */
import type { Queryable } from '../../storage/db';
import { documentText, transferContents, type TransferContent } from '../../storage/records/transferContents';
import type { TransferRecord, TransferredFile } from '../../storage/records/transfers';
import { registerOf } from '../../kernel/registry';

export interface TransferFile extends TransferredFile {
  role: 'original' | 'rendition' | 'archive' | 'text';
  mime: string;
  href: string;
}

export interface TransferDocument {
  id: string;
  registryNo: string;
  /** The document's folder in the bag, e.g. "data/incoming/2026/000012/". */
  dir: string;
  metadata: {
    registryNo: string;
    id: string;
    title: string | null;
    docType: string | null;
    register: string;
    classification: string;
    docDate: string | null;
    registeredAt: string;
    correspondent: string | null;
    externalRef: string | null;
    externalDate: string | null;
    department: string | null;
    pageCount: number | null;
    retention: {
      rule: string;
      version: number;
      name: string;
      nameEn: string | null;
      action: string;
      due: string | null;
      closedAt: string | null;
    } | null;
  };
  files: TransferFile[];
}

/** Only letters, digits, dot, dash and underscore: what a bag's path may hold. */
const asciiName = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');

/** A file's name in its folder: `original` or `rendition`, numbered by its part when there are several of its kind. */
function fileStem(o: { n: number; rendition: boolean }, sameKind: readonly unknown[]): string {
  const stem = o.rendition ? 'rendition' : 'original';
  return sameKind.length > 1 ? `${stem}-${String(o.n).padStart(4, '0')}` : stem;
}

/** The document's folder in the bag: data/<register>/<year>/<seq>/. */
function bagDir(c: { register: string; year: number; seq: number }): string {
  return `data/${asciiName(c.register)}/${c.year}/${String(c.seq).padStart(6, '0')}/`;
}

/** A document's part of the transfer, its text's fingerprint computed now. */
async function transferDocument(q: Queryable, transferId: string, c: TransferContent): Promise<TransferDocument> {
  const d = c.doc;
  const dir = bagDir({ register: registerOf(d), year: d.year, seq: d.seq });
  const api = `/api/v1/documents/${d.id}`;
  // The files received are the originals; a PDF made of one (an Office file's) is its rendition.
  const originals = c.originals.filter((o) => !o.rendition);
  const renditions = c.originals.filter((o) => o.rendition);
  const files: TransferFile[] = c.originals.map((o) => ({
    role: o.rendition ? 'rendition' : 'original',
    path: `${dir}${fileStem(o, o.rendition ? renditions : originals)}.${asciiName(o.ext)}`,
    sha256: o.sha256,
    size: o.size,
    mime: o.mime,
    href: `${api}/original?part=${o.n}`,
  }));
  if (c.archive) {
    files.push({
      role: 'archive',
      path: `${dir}archive.pdf`,
      sha256: c.archive.sha256,
      size: c.archive.size,
      mime: 'application/pdf',
      href: `${api}/archive.pdf`,
    });
  }
  const text = await documentText(q, d.id);
  files.push({
    role: 'text',
    path: `${dir}text.txt`,
    sha256: text.sha256,
    size: text.size,
    mime: 'text/plain; charset=utf-8',
    href: `/api/v1/transfers/${transferId}/documents/${d.id}/text.txt`,
  });
  return {
    id: d.id,
    registryNo: d.registryNo,
    dir,
    metadata: {
      registryNo: d.registryNo,
      id: d.id,
      title: d.title,
      docType: d.docType,
      register: registerOf(d),
      classification: d.classification,
      docDate: d.docDate,
      registeredAt: d.createdAt,
      correspondent: d.correspondent,
      externalRef: d.externalRef,
      externalDate: d.externalDate,
      department: d.department,
      pageCount: d.pageCount,
      retention: c.rule
        ? {
            rule: c.rule.code,
            version: c.rule.version,
            name: c.rule.nameAr,
            nameEn: c.rule.nameEn,
            action: c.rule.action,
            due: c.retentionDue,
            closedAt: c.closedAt,
          }
        : null,
    },
    files,
  };
}

/** The transfer with every one of its documents; `check` may refuse one (the caller may not read it). */
export async function transferView(
  q: Queryable,
  t: TransferRecord,
  documentIds: string[],
  check: (c: TransferContent) => void = () => undefined,
): Promise<TransferRecord & { documents: TransferDocument[] }> {
  const contents = await transferContents(q, documentIds);
  contents.forEach(check);
  const documents: TransferDocument[] = [];
  for (const c of contents) documents.push(await transferDocument(q, t.id, c));
  return { ...t, documents };
}
