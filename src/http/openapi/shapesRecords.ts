/** The shapes of records management's answers: retention rules, holds, disposals, transfers (see shapes.ts). */
import { z } from 'zod';
import { count, day, instant, named, registryNo, sha256, uuid } from './shapes';

const text = z.string();
const maybe = <T extends z.ZodType>(s: T) => s.nullable();
const obj = z.looseObject;
const label = obj({ ar: text, en: text });

export const Rule = named(
  'RetentionRule',
  obj({
    id: text,
    code: text,
    version: z.number().int(),
    nameAr: text,
    nameEn: maybe(text),
    period: maybe(text),
    trigger: z.enum(['registered', 'closed', 'date']),
    action: z.enum(['review', 'destroy', 'transfer']),
    retired: z.boolean(),
    createdAt: instant,
  }),
);

export const Recompute = obj({ documents: count }).or(obj({ job: uuid }));

export const Retention = named(
  'Retention',
  obj({
    documentId: uuid,
    registryNo,
    rule: maybe(obj({ code: text, version: z.number().int(), action: text, period: maybe(text) })),
    due: maybe(instant),
    lockUntil: maybe(instant),
    closedAt: maybe(instant),
    destroyedAt: maybe(instant),
    waitsForLock: z.boolean(),
  }),
);

export const Hold = named(
  'LegalHold',
  obj({
    id: uuid,
    caseRef: text,
    reason: text,
    createdAt: instant,
    createdBy: text,
    liftedAt: maybe(instant),
    documentCount: count,
    documents: z.array(obj({ id: uuid, registryNo, title: maybe(text), status: text })).optional(),
    documentsNext: maybe(text).optional().meta({ description: 'With its documents: the next page (?after=), null on the last' }),
  }),
);

export const Disposal = named(
  'Disposal',
  obj({
    id: uuid,
    title: text,
    state: text,
    requestedAt: instant,
    requestedBy: text,
    approvingBody: maybe(text),
    decisionNo: maybe(text),
    decisionDate: maybe(day),
    counts: obj({ items: count, destroyed: count, blocked: count, pending: count }),
  }),
);

export const DisposalWithItems = named(
  'DisposalWithItems',
  Disposal.extend({
    items: z.array(obj({ documentId: uuid, registryNo, title: maybe(text), state: text, blockedReason: maybe(text) })),
    itemsNext: maybe(text).meta({ description: 'The next page of items (?after=), null on the last' }),
  }),
);

export const Transfer = named(
  'Transfer',
  obj({
    id: uuid,
    recipient: text,
    state: z.enum(['open', 'complete']),
    createdAt: instant,
    createdBy: text,
    selection: z.record(z.string(), z.unknown()),
    bagName: maybe(text),
    tagmanifestSha256: maybe(text),
    completedAt: maybe(instant),
    receivedAt: maybe(instant),
  }),
);

export const TransferView = named(
  'TransferView',
  Transfer.extend({
    documents: z.array(
      obj({
        id: uuid,
        registryNo,
        dir: text,
        metadata: z.record(z.string(), z.unknown()),
        files: z.array(obj({ role: text, path: text, sha256, size: count })),
      }),
    ),
    sourceOrganization: label,
  }),
);
