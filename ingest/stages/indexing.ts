/**
 * Projects the document's pages into the search index and waits until
 * Meilisearch has applied them; then the letters it answers are indexed again,
 * since registering it closed their referrals (their state in search follows).
 */
import { pageRecords } from '../../search/records';
import { reindexDocument } from '../../search/reindex';
import type { Stage } from './stage';

export const indexStage: Stage = {
  id: 'index',
  description: 'index every page in Meilisearch',
  async run(ctx) {
    const { doc, deps } = ctx;
    const reviewBelow = deps.config.ocr.reviewBelow;
    const records = pageRecords(doc, await deps.documents.pages(doc.id), reviewBelow);
    // A document reaches this stage once, with pages that will not change: adding is enough (a run
    // again after a crash replaces the same page ids). Leaving out the removal of older pages, which
    // only a re-reading has, lets Meilisearch index several documents' additions in one batch.
    await deps.search.addPages(records);
    const answered = (await deps.documents.links(doc.id)).from.filter((l) => l.kind === 'reply').map((l) => l.other.id);
    for (const id of answered) await reindexDocument({ documents: deps.documents, search: deps.search, reviewBelow }, id);
    await deps.ledger.recordOnce('indexed', doc.id, { registryNo: doc.registryNo, pages: records.length });
    return { kind: 'done', detail: { pages: records.length } };
  },
};
