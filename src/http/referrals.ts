/**
 * Referrals (إحالة) through the API: refer a document to a department (and
 * perhaps a person) with an instruction and a due date, list a document's
 * referrals, close one by the reply letter or a note, the inbox of what a
 * department must act on (overdue first), the overdue list per department,
 * and an administrator's suspension and resumption of deadlines.
 *
 *   POST /documents/:id/referrals  -> referrals.create: row + 'referred' + documents.referral_* (one transaction)
 *                                  -> the document's search records again (after the commit)
 *   POST /referrals/:id/close      -> referrals.close: row + 'referral-closed' (+ the reply link, whose hook
 *                                     closes the document's other open referrals) in one transaction; then the index
 *
 * A crash between the commit and the index leaves the index behind the
 * database until the next change or `diwan reindex` (it catches up on
 * documents with ledger entries since it began); the database is the truth.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { SearchIndex } from '../../search/searchIndex';
import type { Db } from '../../storage/db';
import type { DocumentRecord, DocumentsRepo } from '../../storage/repos/documents';
import { addLink } from '../../storage/repos/links';
import { createReferralDeadlines } from '../../storage/repos/referralDeadlines';
import {
  createReferralsRepo,
  daysLate,
  isOverdue,
  type Closing,
  type ListScope,
  type Referral,
} from '../../storage/repos/referrals';
import type { UsersRepo } from '../../storage/repos/users';
import { CLASSIFICATIONS, clearanceRank, isClassification } from '../../kernel/clearance';
import { DomainError } from '../../kernel/errors';
import { toArabicIndic, isUuid } from '../../kernel/text';
import { callerOf, canSee, type Caller } from '../auth';
import { isoDate, parseOr400, plainText } from './schemas';
import { todayIn } from './search';
import { reindexDocument } from '../../search/reindex';

export interface ReferralDeps {
  db: Db;
  documents: DocumentsRepo;
  search: SearchIndex;
  users: UsersRepo;
  reviewBelow: number;
  /** Days to act when no due date is given (DIWAN_REFERRAL_DAYS). */
  referralDays: number;
  /** "Today" and "overdue" are reckoned in the archive's time zone. */
  archive: { timeZone: string };
}

/** `date` (YYYY-MM-DD) plus `days`. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** A form's empty field is an absent one. */
const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const referSchema = z.object({
  toDepartment: plainText(200).pipe(z.string().min(1)),
  toUser: z.preprocess(blank, plainText(100).optional()),
  instruction: plainText(2000).pipe(z.string().min(1)),
  dueDate: z.preprocess(blank, z.string().optional()),
});

const closeSchema = z.object({
  replyRegistryNo: z.preprocess(blank, plainText(60).optional()),
  note: z.preprocess(blank, plainText(2000).optional()),
});

const suspendSchema = z.object({
  department: z.preprocess(blank, plainText(200).optional()),
  reason: plainText(1000).pipe(z.string().min(1)),
});

const resumeSchema = z.object({ department: z.preprocess(blank, plainText(200).optional()) });

/** The document, when it exists and the caller may see it (404 / 403 otherwise). */
export async function visibleDocument(
  deps: Pick<ReferralDeps, 'documents'>,
  caller: Caller,
  id: string,
): Promise<DocumentRecord> {
  const doc = isUuid(id) ? await deps.documents.get(id) : undefined;
  if (!doc) throw new DomainError('not_found');
  if (!canSee(caller, doc)) {
    throw new DomainError('forbidden', {
      ar: '(الوثيقة فوق درجة اطلاعك أو خارج أقسامك)',
      en: '(the document is above your clearance or outside your departments)',
    });
  }
  return doc;
}

/**
 * Whether the caller may close this referral: whoever may see the document,
 * and whoever it is addressed to (its department is one of theirs, or it names
 * them) within their clearance, since they must answer it.
 */
async function mayAnswer(deps: Pick<ReferralDeps, 'documents' | 'users'>, caller: Caller, referral: Referral): Promise<void> {
  const addressed =
    clearanceRank(referral.classification) <= clearanceRank(caller.clearance) &&
    (caller.departments === null ||
      caller.departments.includes(referral.toDepartment) ||
      (referral.toUser !== null &&
        caller.userId !== null &&
        (await deps.users.get(caller.userId))?.username === referral.toUser));
  if (!addressed) await visibleDocument(deps, caller, referral.documentId);
}

/** Refers a document the caller may see (the caller has 'refer'). */
export async function referDocument(deps: ReferralDeps, caller: Caller, documentId: string, body: unknown): Promise<Referral> {
  const doc = await visibleDocument(deps, caller, documentId);
  const input = parseOr400(referSchema, body);
  if (input.dueDate !== undefined && !isoDate.safeParse(input.dueDate).success) throw new DomainError('bad_due_date');
  if (input.toUser !== undefined && !(await deps.users.byUsername(input.toUser))) {
    throw new DomainError('bad_request', { ar: `(لا يوجد مستخدم باسم ${input.toUser})`, en: `(no user named ${input.toUser})` });
  }
  const referral = await createReferralsRepo(deps.db).create({
    documentId: doc.id,
    registryNo: doc.registryNo,
    toDepartment: input.toDepartment,
    toUser: input.toUser ?? null,
    instruction: input.instruction,
    dueDate: input.dueDate ?? addDays(todayIn(deps.archive.timeZone), deps.referralDays),
    by: caller.name,
  });
  await reindexDocument(deps, doc.id);
  return referral;
}

/**
 * Closes a referral of a document the caller may see: by the reply letter (a
 * registered document, linked to the referred one as its reply in the same
 * transaction) or by a note, which is required when there is no reply.
 */
export async function closeReferral(deps: ReferralDeps, caller: Caller, referralId: string, body: unknown): Promise<Referral> {
  const repo = createReferralsRepo(deps.db);
  const referral = isUuid(referralId) ? await repo.get(referralId) : undefined;
  if (!referral) throw new DomainError('not_found');
  await mayAnswer(deps, caller, referral);
  const input = parseOr400(closeSchema, body);
  let closing: Closing;
  if (input.replyRegistryNo !== undefined) {
    const found = await deps.documents.getByRegistryNo(input.replyRegistryNo);
    // A reply the caller may not see is as unknown to them as one never registered (no probing, no linking it).
    const reply = found && canSee(caller, found) ? found : undefined;
    if (!reply)
      throw new DomainError('unknown_registry_no', { ar: `(${input.replyRegistryNo})`, en: `(${input.replyRegistryNo})` });
    if (reply.id === referral.documentId) {
      throw new DomainError('bad_request', { ar: '(الرد لا يكون الوثيقة نفسها)', en: '(a document is not its own reply)' });
    }
    closing = { kind: 'reply', replyDocumentId: reply.id, replyRegistryNo: reply.registryNo, note: input.note ?? null };
  } else if (input.note !== undefined) {
    closing = { kind: 'note', note: input.note };
  } else {
    throw new DomainError('bad_request', {
      ar: '(أغلق الإحالة برقم قيد الرد أو بملاحظة)',
      en: '(close the referral with the reply’s registry number or a note)',
    });
  }
  const linkReply =
    closing.kind === 'reply'
      ? (tx: Parameters<typeof addLink>[0]) =>
          addLink(tx, { fromId: closing.replyDocumentId, toId: referral.documentId, kind: 'reply', by: caller.userId }).then(
            () => undefined,
          )
      : undefined;
  const closed = await repo.close(referral.id, closing, caller.name, linkReply);
  await reindexDocument(deps, referral.documentId);
  return closed;
}

/** The classifications the caller is cleared for (an administrator cleared for secret: every one, unknown ones too). */
/**
 * An emergency: the open deadlines (of one department, or all) stop counting until resumed, or count again;
 * the letters' state in search follows. For the API and the inbox page alike (administrators).
 */
export async function changeDeadlines(
  deps: ReferralDeps,
  caller: Caller,
  action: 'suspend' | 'resume',
  body: unknown,
): Promise<{ department: string | null; referrals: Array<{ id: string; documentId: string }> }> {
  const deadlines = createReferralDeadlines(deps.db);
  let done;
  let department: string | null;
  if (action === 'suspend') {
    const input = parseOr400(suspendSchema, body);
    department = input.department ?? null;
    done = await deadlines.suspend(department, input.reason, caller.name);
  } else {
    const input = parseOr400(resumeSchema, body ?? {});
    department = input.department ?? null;
    done = await deadlines.resume(department, caller.name);
  }
  for (const id of new Set(done.referrals.map((r) => r.documentId))) await reindexDocument(deps, id);
  return { department, ...done };
}

export function clearedFor(caller: Caller): string[] | undefined {
  if (caller.role === 'admin' && caller.clearance === 'secret') return undefined;
  return CLASSIFICATIONS.filter((c) => isClassification(c) && clearanceRank(c) <= clearanceRank(caller.clearance));
}

/**
 * Whose referrals a list shows: one department asked for (one of the
 * caller's own), else the caller's departments (every one when they have all)
 * and those to the caller by name; never above the caller's clearance.
 */
export async function scopeFor(
  deps: Pick<ReferralDeps, 'users'>,
  caller: Caller,
  department: string | undefined,
): Promise<ListScope> {
  if (department !== undefined && caller.departments !== null && !caller.departments.includes(department)) {
    throw new DomainError('forbidden', {
      ar: `(القسم ${department} ليس من أقسامك)`,
      en: `(${department} is not one of your departments)`,
    });
  }
  const user = caller.userId !== null ? ((await deps.users.get(caller.userId))?.username ?? null) : null;
  return {
    departments: department !== undefined ? [department] : caller.departments,
    user: department !== undefined ? null : user,
    classifications: clearedFor(caller),
  };
}

/** A referral as the API gives it, with whether it is overdue and by how many days on `today`. */
export function referralView(r: Referral, today: string) {
  const overdue = isOverdue(r, today);
  return {
    ...r,
    registryNoAr: toArabicIndic(r.registryNo),
    overdue,
    daysLate: overdue ? daysLate(r.dueDate, today) : 0,
  };
}

export function referralsRouter(deps: ReferralDeps): Router {
  const router = Router();
  const repo = createReferralsRepo(deps.db);
  const today = () => todayIn(deps.archive.timeZone);

  router.post('/documents/:id/referrals', async (req: Request, res: Response) => {
    const referral = await referDocument(deps, callerOf(res.locals), String(req.params.id), req.body);
    res.status(201).json(referralView(referral, today()));
  });

  router.get('/documents/:id/referrals', async (req, res) => {
    const doc = await visibleDocument(deps, callerOf(res.locals), String(req.params.id));
    const now = today();
    res.json({
      documentId: doc.id,
      registryNo: doc.registryNo,
      referralState: doc.referralState,
      referralDue: doc.referralDue,
      referrals: (await repo.forDocument(doc.id)).map((r) => referralView(r, now)),
    });
  });

  router.post('/referrals/:id/close', async (req, res) => {
    const closed = await closeReferral(deps, callerOf(res.locals), String(req.params.id), req.body);
    res.json(referralView(closed, today()));
  });

  router.get('/inbox', async (req, res) => {
    const department =
      typeof req.query.department === 'string' && req.query.department.trim() ? req.query.department.trim() : undefined;
    const caller = callerOf(res.locals);
    const scope = await scopeFor(deps, caller, department);
    const now = today();
    const items = (await repo.inbox(scope, now)).map((r) => referralView(r, now));
    res.json({
      today: now,
      department: department ?? null,
      total: items.length,
      overdue: items.filter((i) => i.overdue).length,
      items,
    });
  });

  router.get('/referrals/overdue', async (req, res) => {
    const department =
      typeof req.query.department === 'string' && req.query.department.trim() ? req.query.department.trim() : undefined;
    const scope = await scopeFor(deps, callerOf(res.locals), department);
    const now = today();
    const byDepartment = new Map<string, ReturnType<typeof referralView>[]>();
    for (const r of await repo.overdue(scope, now)) {
      const list = byDepartment.get(r.toDepartment) ?? [];
      list.push(referralView(r, now));
      byDepartment.set(r.toDepartment, list);
    }
    const departments = [...byDepartment].map(([name, items]) => ({ department: name, count: items.length, items }));
    res.json({ today: now, total: departments.reduce((n, d) => n + d.count, 0), departments });
  });

  // An emergency: the open deadlines (of one department, or all) stop counting until resumed (administrators).
  router.post('/referrals/suspend', async (req, res) => {
    res.json(await changeDeadlines(deps, callerOf(res.locals), 'suspend', req.body));
  });

  router.post('/referrals/resume', async (req, res) => {
    res.json(await changeDeadlines(deps, callerOf(res.locals), 'resume', req.body));
  });

  return router;
}
