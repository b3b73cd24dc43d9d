/** The search route: Arabic queries, normalised the same way as the index. */
import { Router } from 'express';
import { z } from 'zod';
import type { SearchIndex } from '../../search/index';
import { DomainError } from '../errors';

const querySchema = z.object({
  q: z.string().trim().min(1).max(500),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(10_000).default(0),
});

export function searchRouter(search: SearchIndex): Router {
  const router = Router();
  router.get('/search', async (req, res) => {
    const parsed = querySchema.safeParse(req.query);
    if (!parsed.success) {
      throw new DomainError('bad_request', { ar: '(المعامل q مطلوب)', en: '(query parameter q is required)' });
    }
    res.json(await search.search(parsed.data.q, { limit: parsed.data.limit, offset: parsed.data.offset }));
  });
  return router;
}
