/** Projects the document's pages into the search index and waits until Meilisearch has applied them. */
import { normalizeArabic } from '../../search/normalize';
import { pageDocId, type PageDoc } from '../../search/index';
import type { Stage } from './stage';

export const indexStage: Stage = {
  id: 'index',
  description: 'index every page in Meilisearch',
  async run(ctx) {
    const { doc, deps } = ctx;
    const pages = await deps.documents.pages(doc.id);
    const title = doc.title ?? doc.originalName ?? doc.registryNo;
    const records: PageDoc[] = pages.map((p) => ({
      id: pageDocId(doc.id, p.n),
      documentId: doc.id,
      registryNo: doc.registryNo,
      title,
      page: p.n,
      text: p.text,
      textNorm: normalizeArabic(p.text),
      titleNorm: normalizeArabic(title),
      docType: doc.docType,
      department: doc.department,
      classification: doc.classification,
      docDate: doc.docDate,
    }));
    await deps.search.indexDocument(doc.id, records);
    return { kind: 'done', detail: { pages: records.length } };
  },
};
