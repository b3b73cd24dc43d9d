/** What the index holds for a document: one record per page, built from the database (so it can always be built again). */
import type { DocumentRecord, PageRecord } from '../storage/repos/documents';
import { clearanceRank } from '../kernel/clearance';
import { pageDocId, registryKeys, type PageDoc } from './searchIndex';
import { normalizeArabic, stemmedText } from './normalize';

/**
 * The ways a sender's reference is typed: as written (normalised) and with only
 * its letters and digits ("ص ع/١٢٣/٢٠٢٦" is found as "ع/123/2026" and "ع1232026").
 */
export function externalRefKeys(ref: string | null): string[] {
  if (!ref) return [];
  const n = normalizeArabic(ref);
  return [...new Set([n, n.replace(/[^\p{L}\p{N}]+/gu, '')])].filter(Boolean);
}

export function pageRecords(doc: DocumentRecord, pages: PageRecord[], reviewBelow: number): PageDoc[] {
  const title = doc.title ?? doc.originalName ?? doc.registryNo;
  const registeredAt = Date.parse(doc.createdAt);
  const names = [doc.correspondent ?? '', doc.correspondentEn ?? ''].filter(Boolean).join(' ');
  return pages.map((p) => ({
    id: pageDocId(doc.id, p.n),
    documentId: doc.id,
    registryNo: doc.registryNo,
    registryKeys: registryKeys(doc.registryNo),
    title,
    titleStem: stemmedText(title),
    page: p.n,
    text: p.text,
    textStem: stemmedText(p.text),
    correspondent: doc.correspondent,
    correspondentStem: stemmedText(names),
    correspondentId: doc.correspondentId ?? null,
    register: doc.register ?? 'incoming',
    externalRef: doc.externalRef ?? null,
    externalRefKeys: externalRefKeys(doc.externalRef ?? null),
    referralState: doc.referralState ?? 'none',
    referralDue: doc.referralDue ? Date.parse(`${doc.referralDue}T00:00:00Z`) : null,
    docType: doc.docType,
    department: doc.department,
    classification: doc.classification,
    clearance: clearanceRank(doc.classification),
    batchId: doc.batchId,
    needsReview: p.confidence !== null && p.confidence < reviewBelow,
    registeredAt,
    registryYear: doc.year,
    docDate: doc.docDate ? Date.parse(`${doc.docDate}T00:00:00Z`) : null,
  }));
}
