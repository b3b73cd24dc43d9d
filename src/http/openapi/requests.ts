/**
 * The requests' shapes for the document. Where a route exports the schema it
 * parses with, that schema is used as it is (schemas.ts, registryFields.ts,
 * registers.ts, search.ts, users.ts, transfers.ts, records/holds.ts). The others are kept inside their route files; they
 * are written again here from the same constants and limits, and the sample
 * test (test/openapi.e2e.test.ts) checks every request it sends, which the
 * routes accept, against them, so the two cannot drift apart unnoticed.
 */
import { z } from 'zod';
import { CORRECTABLE_NAMES } from '../../../storage/repos/corrections';
import { CORRESPONDENT_KINDS } from '../../../storage/repos/correspondents';
import { LINK_KINDS } from '../../../storage/repos/links';
import { ACTIONS, TRIGGERS } from '../../../storage/records/rules';
import { PAGE_LAYOUTS } from '../../../storage/repos/textVersions';
import { registryFieldsSchema } from '../registryFields';
import { batchSchema, isoDate, plainText, uploadSchema } from '../schemas';
import { createSchema } from '../transfers';
import { addSchema } from '../../records/holds';

export { newRegisterSchema as newRegister } from '../registers';
export { searchQuerySchema as searchQuery } from '../search';
export { newUser, newToken } from '../users';
export { completeSchema as completeTransfer, listSchema as transferList } from '../transfers';

export const newTransfer = createSchema.meta({ description: 'Exactly one of ids, query (with filters) or due' });
export const newHold = addSchema.meta({
  description: 'Exactly one of documents (ids or registry numbers), correspondentId, or query (with filters)',
});

const nonEmpty = (max: number) => plainText(max).pipe(z.string().min(1));
const reason = (min: number, max: number) => plainText(max).pipe(z.string().min(min));
const page = (max: number) => ({
  limit: z.coerce.number().int().min(1).max(max).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

/** An upload's fields: the document's details, how a scan was fed, and its registry fields (multipart, as strings). */
export const uploadFields = uploadSchema.extend(registryFieldsSchema.shape);
export const newBatch = batchSchema.extend(registryFieldsSchema.shape);

export const documentList = z.object({
  status: z.enum(['queued', 'processing', 'archived', 'failed']).optional(),
  batchId: z.string().uuid().optional(),
  needsReview: z.enum(['true', 'false']).optional(),
  ...page(200),
  after: z.string().optional().meta({ description: 'The `next` of the page before (a registry number): the page after it' }),
});
/** A page of a request's or a hold's documents in registry order. */
export const itemsPage = z.object({
  limit: z.coerce.number().int().min(1).max(5000).default(500),
  after: z.string().optional().meta({ description: 'The `itemsNext` or `documentsNext` of the page before (a registry number)' }),
});
export const reocr = z.object({
  layout: z.enum(PAGE_LAYOUTS).default('auto'),
  reason: z.string().trim().min(1).max(500).optional(),
});
export const originalPart = z.object({ part: z.coerce.number().int().min(1).optional() });
export const reindex = z.object({ clear: z.boolean().optional() });

export const refer = z.object({
  toDepartment: nonEmpty(200),
  toUser: plainText(100).optional(),
  instruction: nonEmpty(2000),
  dueDate: isoDate.optional(),
});
export const closeReferral = z.object({ replyRegistryNo: plainText(60).optional(), note: plainText(2000).optional() });
export const suspend = z.object({ department: plainText(200).optional(), reason: nonEmpty(1000) });
export const resume = z.object({ department: plainText(200).optional() });
export const departmentQuery = z.object({ department: plainText(200).optional() });
export const directive = z.object({ text: nonEmpty(2000) });

/** A correction: the fields to change (CORRECTABLE in storage/repos/corrections.ts) and why. */
export const correction = z.object({
  ...Object.fromEntries(CORRECTABLE_NAMES.map((n) => [n, z.string().nullable().optional()])),
  reason: z.string().trim().min(3).max(500),
});
export const pageText = z.object({ text: z.string().min(1).max(100_000), reason: z.string().trim().min(3).max(500) });

const correspondentFields = {
  nameAr: plainText(300),
  nameEn: plainText(300).nullable(),
  kind: z.enum(CORRESPONDENT_KINDS),
  contact: plainText(1000).nullable(),
};
export const newCorrespondent = z
  .object({ ...correspondentFields, nameAr: nonEmpty(300) })
  .partial({ nameEn: true, kind: true, contact: true });
export const editCorrespondent = z.object(correspondentFields).partial();
export const correspondentList = z.object({ q: z.string().max(300).default(''), limit: page(100).limit.default(20) });
export const letters = z.object(page(200));

export const link = z.object({ to: nonEmpty(60), kind: z.enum(LINK_KINDS).default('reply') });
export const unlink = z.object({ reason: nonEmpty(500) });
export const bookPeriod = z.object({
  day: isoDate.optional(),
  month: z
    .string()
    .regex(/^\d{4}-\d{2}$/)
    .optional(),
});

export const transferReceipt = z
  .object({
    ref: nonEmpty(200),
    date: isoDate,
    tagmanifestSha256: z
      .string()
      .trim()
      .regex(/^[0-9a-fA-F]{64}$/),
  })
  .strict();
export const withReason = z.object({ reason: reason(3, 2000) });
export const activeQuery = z.object({ active: z.enum(['1', 'true']).optional() });

export const newDisposal = z
  .object({
    title: nonEmpty(500),
    documents: z.array(plainText(100)).min(1).max(10_000).optional(),
    dueBefore: isoDate.optional(),
  })
  .meta({ description: 'Exactly one of documents (ids or registry numbers) or dueBefore' });
export const decideDisposal = z.discriminatedUnion('approve', [
  z.object({
    approve: z.literal(true),
    approvingBody: nonEmpty(300),
    decisionNo: nonEmpty(100),
    decisionDate: isoDate,
    note: plainText(2000).optional(),
  }),
  z.object({ approve: z.literal(false), note: reason(3, 2000) }),
]);

const optionalText = (max: number) => plainText(max).nullable().optional();
const ruleFields = z.object({
  nameAr: nonEmpty(200),
  nameEn: optionalText(200),
  docType: optionalText(100),
  register: optionalText(40),
  classification: optionalText(40),
  priority: z.number().int().min(0).max(100000).optional(),
  period: plainText(20).nullable().meta({ description: "30d, 18mo, 5y…; 'permanent' or null: kept for ever" }),
  trigger: z.enum(TRIGGERS),
  triggerDate: isoDate.nullable().optional(),
  action: z.enum(ACTIONS),
});
export const newRule = ruleFields.extend({ code: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/) });
export const changeRule = ruleFields.partial().extend({ reason: reason(3, 500) });
export const retireRule = z.object({ reason: reason(3, 500) });
export const dueQuery = z.object({
  before: z.union([isoDate, z.string().datetime({ offset: true })]).optional(),
  action: z.enum(ACTIONS).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});
