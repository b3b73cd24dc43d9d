/** What the index holds for a document: one record per page, built from the database (so it can always be built again). */
import type { DocumentRecord, PageRecord } from '../storage/repos/documents';
import { clearanceRank } from '../kernel/clearance';
import { pageDocId, registryKeys, type PageDoc } from './searchIndex';
import { stemmedText } from './normalize';

export function pageRecords(doc: DocumentRecord, pages: PageRecord[], reviewBelow: number): PageDoc[] {
  const title = doc.title ?? doc.originalName ?? doc.registryNo;
  const registeredAt = Date.parse(doc.createdAt);
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
    correspondentStem: stemmedText(doc.correspondent ?? ''),
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
