/**
 * Legal holds through the API (placing and lifting: 'hold'; reading: 'records' or 'hold'):
 *
 *   GET  /records/holds[?active=1]   the holds, those in force first
 *   POST /records/holds              { caseRef, reason, documents: [id|registry no] | correspondentId | query (+ filters) }
 *   GET  /records/holds/:id          a hold with a page of its documents (?after=, ?limit=; titles only of those the caller may read)
 *   POST /records/holds/:id/lift     { reason }
 *   POST /records/holds/sync         sets what the buckets still lack (a bucket was away)
 *   GET  /documents/:id/records      a document's holds, disposals and tombstone (its page's card)
 */
import { Router } from 'express';
import type { SearchIndex } from '../../search/searchIndex';
import type { Db } from '../../storage/db';
import type { ObjectStore } from '../../storage/objectStore';
import type { DocumentsRepo } from '../../storage/repos/documents';
import { destroyedEntry } from '../../storage/records/destroyed';
import { createDisposalsRepo } from '../../storage/records/disposals';
import { createHoldsRepo, holdSyncPending, syncLegalHolds } from '../../storage/records/holds';
import { DomainError } from '../../kernel/errors';
import { isUuid } from '../../kernel/text';
import { callerOf } from '../auth';
import { liftHold, placeHold } from '../records/holds';
import { shownTo } from '../records/visibility';
import { visibleDocument } from './referrals';
import { itemsPageSchema, parseOr400 } from './schemas';

export interface HoldsApiDeps {
  db: Db;
  documents: DocumentsRepo;
  search: SearchIndex;
  primary: ObjectStore;
  offsite: ObjectStore;
}

export function holdsRouter(deps: HoldsApiDeps): Router {
  const router = Router();
  const holds = createHoldsRepo(deps.db);

  router.get('/records/holds', async (req, res) => {
    const active = req.query.active === '1' || req.query.active === 'true';
    res.json({ holds: await holds.list({ active }), syncPending: await holdSyncPending(deps.db) });
  });

  router.post('/records/holds/sync', async (_req, res) => {
    res.json(await syncLegalHolds(deps.db, deps, { recheck: true }));
  });

  router.post('/records/holds', async (req, res) => {
    res.status(201).json(await placeHold(deps, callerOf(res.locals), req.body));
  });

  router.get('/records/holds/:id', async (req, res) => {
    // A page of its documents in registry order (?after=<documentsNext>): a hold may keep tens of thousands.
    const page = parseOr400(itemsPageSchema, req.query);
    const hold = isUuid(req.params.id) ? await holds.get(req.params.id, page) : undefined;
    if (!hold) throw new DomainError('not_found');
    res.json({ ...hold, documents: shownTo(callerOf(res.locals), hold.documents) });
  });

  router.post('/records/holds/:id/lift', async (req, res) => {
    res.json(await liftHold(deps, callerOf(res.locals), String(req.params.id), req.body));
  });

  router.get('/documents/:id/records', async (req, res) => {
    const doc = await visibleDocument(deps, callerOf(res.locals), String(req.params.id));
    const destroyed = await destroyedEntry(deps.db, doc.id);
    res.json({
      documentId: doc.id,
      registryNo: doc.registryNo,
      held: (await holds.forDocument(doc.id)).some((h) => h.liftedAt === null),
      holds: await holds.forDocument(doc.id),
      disposals: await createDisposalsRepo(deps.db).forDocument(doc.id),
      tombstone: destroyed ? { ...destroyed.tombstone, sha256: destroyed.sha256, ledgerSeq: destroyed.seq } : null,
    });
  });

  return router;
}
