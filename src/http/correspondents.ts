/**
 * Routes for correspondents: found by Arabic name (normalised as search
 * normalises it) or Latin name, added, edited (each a ledger entry), and one
 * with its letters to and from, newest first, a page at a time, within the
 * caller's clearance and departments.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../storage/db';
import { requestJob } from '../../storage/jobs';
import { CORRESPONDENT_KINDS, createCorrespondents, type LetterReach } from '../../storage/repos/correspondents';
import { normalizeArabic } from '../../search/normalize';
import { CLASSIFICATIONS, clearanceRank, isClassification } from '../../kernel/clearance';
import { DomainError } from '../../kernel/errors';
import { toArabicIndic } from '../../kernel/text';
import { can, callerOf, type Caller } from '../auth';
import { parseOr400, plainText } from './schemas';

const fields = {
  nameAr: plainText(300),
  nameEn: plainText(300).nullable(),
  kind: z.enum(CORRESPONDENT_KINDS),
  contact: plainText(1000).nullable(),
};
const newSchema = z.object({ ...fields, nameAr: fields.nameAr.pipe(z.string().min(1)) }).partial({
  nameEn: true,
  kind: true,
  contact: true,
});
const editSchema = z.object(fields).partial();
const listSchema = z.object({
  q: z.string().max(300).default(''),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
const lettersSchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

/** The classifications a caller may see (an administrator cleared for secret: every one, unknown ones too). */
export function visibleClassifications(caller: Caller): string[] | undefined {
  if (caller.role === 'admin' && caller.clearance === 'secret') return undefined;
  return CLASSIFICATIONS.filter((c) => isClassification(c) && clearanceRank(c) <= clearanceRank(caller.clearance));
}

/** The letters a caller reaches: within their clearance and departments, and only their own when they may not read others'. */
export function reachOf(caller: Caller): LetterReach {
  return {
    classifications: visibleClassifications(caller) ?? null,
    departments: caller.departments,
    ...(can(caller, 'read') ? {} : { uploadedBy: caller.userId }),
  };
}

export interface CorrespondentsRouteDeps {
  db: Db;
}

export function correspondentsRouter(deps: CorrespondentsRouteDeps): Router {
  const router = Router();
  const repo = createCorrespondents(deps.db, normalizeArabic);

  router.get('/correspondents', async (req, res) => {
    const q = parseOr400(listSchema, req.query);
    res.json({ items: await repo.search(q.q, q.limit, reachOf(callerOf(res.locals))) });
  });

  router.post('/correspondents', async (req, res) => {
    const body = parseOr400(newSchema, req.body);
    const c = await repo.create(body, callerOf(res.locals).userId);
    res.status(201).location(`/api/v1/correspondents/${c.id}`).json(c);
  });

  router.get('/correspondents/:id', async (req, res) => {
    const caller = callerOf(res.locals);
    const c = await repo.get(String(req.params.id), reachOf(caller));
    if (!c) throw new DomainError('not_found');
    const page = parseOr400(lettersSchema, req.query);
    const letters = await repo.letters(c.id, { ...reachOf(caller), ...page });
    res.json({
      ...c,
      letters: {
        total: letters.total,
        totalExact: letters.totalExact,
        limit: page.limit,
        offset: page.offset,
        items: letters.items.map((d) => ({
          id: d.id,
          registryNo: d.registryNo,
          registryNoAr: toArabicIndic(d.registryNo),
          register: d.register,
          title: d.title ?? d.originalName,
          externalRef: d.externalRef,
          externalDate: d.externalDate,
          status: d.status,
          createdAt: d.createdAt,
        })),
      },
    });
  });

  router.post('/correspondents/:id', async (req, res) => {
    const body = parseOr400(editSchema, req.body);
    const before = await repo.get(String(req.params.id), reachOf(callerOf(res.locals)));
    const c = await repo.update(String(req.params.id), body, callerOf(res.locals).userId);
    if (!c || !before) throw new DomainError('not_found');
    // Search finds letters by their correspondent's names: its letters are indexed again, by a job (there may be thousands).
    if (before.nameAr !== c.nameAr || before.nameEn !== c.nameEn) {
      const { job } = await requestJob(deps.db, 'reindex-letters', { correspondentId: c.id }, callerOf(res.locals).name);
      res.json({ ...c, reindexJob: job.id });
      return;
    }
    res.json(c);
  });
  return router;
}
