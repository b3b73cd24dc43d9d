/**
 * The retention schedule through the API: rules (made, changed with a reason, retired; every version
 * kept), the documents due, a document's retention and the closing of its file, and the lock extension
 * asked for on demand. Changes need 'records'; the schedule and the due list are read with 'records' or
 * 'audit' (a due document's title only by whoever may read that document); a document's retention by
 * whoever may see the document.
 */
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { Db } from '../../storage/db';
import type { DocumentsRepo } from '../../storage/repos/documents';
import { requestJob } from '../../storage/jobs';
import { ACTIONS, changeRule, createRule, listRules, ruleVersions, TRIGGERS, type RuleFields } from '../../storage/records/rules';
import { requestRelockIfNeeded } from '../../storage/records/lockExtension';
import {
  closeFile,
  countTouched,
  documentRetention,
  dueDocuments,
  RECOMPUTE_BATCH,
  recomputeForRule,
  type DueDocument,
} from '../../storage/records/retention';
import { DomainError } from '../../kernel/errors';
import { can, callerOf, canSee, type Caller } from '../auth';
import { visibleDocument } from './corrections';
import { startJob } from './jobs';
import { isoDate, parseOr400, plainText } from './schemas';

export interface RetentionDeps {
  db: Db;
  documents: DocumentsRepo;
}

const CODE = /^[a-z0-9][a-z0-9-]{0,62}$/;
const optional = (max: number) =>
  plainText(max)
    .nullable()
    .optional()
    .transform((v) => (v === undefined ? undefined : v ? v : null));

/** 'permanent' (or null) is kept for ever; anything else is checked as a period where the rule is stored. */
const periodField = z.union([plainText(20), z.null()]).transform((v) => (v === null || v === '' || v === 'permanent' ? null : v));

const fieldsSchema = z.object({
  nameAr: plainText(200).pipe(z.string().min(1)),
  nameEn: optional(200),
  docType: optional(100),
  register: optional(40),
  classification: optional(40),
  priority: z.number().int().min(0).max(100000).optional(),
  period: periodField,
  trigger: z.enum(TRIGGERS),
  triggerDate: isoDate.nullable().optional(),
  action: z.enum(ACTIONS),
});

const createSchema = fieldsSchema.extend({ code: z.string().regex(CODE, 'a-z, 0-9 and -') });
const changeSchema = fieldsSchema.partial().extend({ reason: plainText(500).pipe(z.string().min(3)) });
const retireSchema = z.object({ reason: plainText(500).pipe(z.string().min(3)) });

const reader = (caller: Caller) => {
  if (!can(caller, 'records') && !can(caller, 'audit')) {
    throw new DomainError('forbidden', { ar: '(يلزم إذن records أو audit)', en: '(needs the records or audit permission)' });
  }
};

/**
 * After a rule was made, changed or retired: its documents recomputed here when they are few, else by a
 * job; and, where a lock rose, the lock extension asked for so the objects are locked again.
 */
export async function afterRuleChange(
  db: Db,
  code: string,
  version: number,
  by: string,
): Promise<{ documents: number } | { job: string }> {
  if ((await countTouched(db, code, RECOMPUTE_BATCH + 1)) > RECOMPUTE_BATCH) {
    const { job } = await requestJob(db, 'retention-recompute', { code, version }, by);
    return { job: job.id };
  }
  const documents = await recomputeForRule(db, code);
  await requestRelockIfNeeded(db, by);
  return { documents };
}

/** A due document as the caller may see it: its title only when they may read the document. */
export function dueView(caller: Caller, d: DueDocument): Omit<DueDocument, 'access'> & { titleWithheld: boolean } {
  const { access, ...rest } = d;
  const seen = canSee(caller, access);
  return { ...rest, title: seen ? d.title : null, titleWithheld: !seen };
}

function fieldsOf(body: z.infer<typeof createSchema>): RuleFields {
  return {
    nameAr: body.nameAr,
    nameEn: body.nameEn ?? null,
    docType: body.docType ?? null,
    register: body.register ?? null,
    classification: body.classification ?? null,
    priority: body.priority ?? 100,
    period: body.period,
    trigger: body.trigger,
    triggerDate: body.triggerDate ?? null,
    action: body.action,
  };
}

export function retentionRouter(deps: RetentionDeps): Router {
  const router = Router();
  const who = (res: Response) => callerOf(res.locals).name;

  router.get('/records/rules', async (_req, res) => {
    reader(callerOf(res.locals));
    res.json({ items: await listRules(deps.db) });
  });

  router.post('/records/rules', async (req, res) => {
    const body = parseOr400(createSchema, req.body);
    const rule = await createRule(deps.db, body.code, fieldsOf(body), who(res));
    res.status(201).json({ rule, recompute: await afterRuleChange(deps.db, rule.code, rule.version, who(res)) });
  });

  router.get('/records/rules/:code', async (req, res) => {
    reader(callerOf(res.locals));
    const versions = await ruleVersions(deps.db, String(req.params.code));
    if (!versions) throw new DomainError('unknown_rule');
    res.json({ rule: versions[0], versions });
  });

  router.post('/records/rules/:code', async (req, res) => {
    const { reason, ...change } = parseOr400(changeSchema, req.body);
    const fields = Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) as Partial<RuleFields>;
    const { before, rule } = await changeRule(deps.db, String(req.params.code), fields, reason, who(res));
    res.json({ before, rule, recompute: await afterRuleChange(deps.db, rule.code, rule.version, who(res)) });
  });

  router.post('/records/rules/:code/retire', async (req, res) => {
    const { reason } = parseOr400(retireSchema, req.body);
    const { before, rule } = await changeRule(deps.db, String(req.params.code), { retire: true }, reason, who(res));
    res.json({ before, rule, recompute: await afterRuleChange(deps.db, rule.code, rule.version, who(res)) });
  });

  router.get('/records/due', async (req, res) => {
    reader(callerOf(res.locals));
    const q = parseOr400(
      z.object({
        before: z.union([isoDate, z.string().datetime({ offset: true })]).optional(),
        action: z.enum(ACTIONS).optional(),
        cursor: z.string().max(200).optional(),
        limit: z.coerce.number().int().min(1).max(1000).optional(),
      }),
      req.query,
    );
    // A date alone means the whole of that day (UTC).
    const before = q.before ? new Date(q.before.length === 10 ? `${q.before}T23:59:59.999Z` : q.before) : new Date();
    const caller = callerOf(res.locals);
    const page = await dueDocuments(deps.db, { before, action: q.action, after: q.cursor, limit: q.limit });
    res.json({ before: before.toISOString(), items: page.items.map((d) => dueView(caller, d)), next: page.next });
  });

  router.post('/records/extend-locks', async (_req, res) => {
    await startJob(deps.db, res, 'lock-extension', {});
  });

  router.post('/documents/:id/close', async (req, res) => {
    const caller = callerOf(res.locals);
    if (!can(caller, 'register') && !can(caller, 'records')) {
      throw new DomainError('forbidden', {
        ar: '(يلزم إذن register أو records)',
        en: '(needs the register or records permission)',
      });
    }
    const doc = await visibleDocument(deps, String(req.params.id), caller);
    const retention = await closeFile(deps.db, doc.id, caller.name);
    await requestRelockIfNeeded(deps.db, caller.name, [doc.id]);
    res.json(retention);
  });

  router.get('/documents/:id/retention', async (req, res) => {
    const doc = await visibleDocument(deps, String(req.params.id), callerOf(res.locals));
    res.json(await documentRetention(deps.db, doc.id));
  });

  return router;
}
