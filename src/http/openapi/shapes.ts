/**
 * The shapes of the API's answers, as zod schemas the OpenAPI document is
 * generated from (document.ts). Each names the fields a client may rely on;
 * an object may carry more (they are open: `z.looseObject`), so adding a field
 * to an answer never breaks a client. A shape used in several answers is
 * `named` once and appears in the document's components under that name.
 */
import { z } from 'zod';
import { ERROR_MESSAGES, type ErrorCode } from '../../../kernel/errors';
import { LABEL_REFUSALS } from '../../../kernel/registry';

/** The shapes that have a name of their own in the document's components, in the order they were named. */
export const NAMED = new Map<string, z.ZodType>();

/** `schema`, listed under `id` in the document's components (the document refers to it by name). */
export function named<T extends z.ZodType>(id: string, schema: T): T {
  if (NAMED.has(id)) throw new Error(`shape ${id} is named twice`);
  NAMED.set(id, schema);
  return schema;
}

// Scalars.
export const uuid = z.string().meta({ format: 'uuid' });
export const instant = z.string().meta({ format: 'date-time', description: 'ISO 8601 instant' });
export const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .meta({ description: 'YYYY-MM-DD' });
export const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
export const count = z.number().int().min(0);
export const registryNo = z.string().meta({ description: 'e.g. 2026/000123, outgoing/2026/000001' });
const text = z.string();
const maybe = <T extends z.ZodType>(s: T) => s.nullable();
const obj = z.looseObject;

/** The stable error codes (kernel/errors.ts). */
export const errorCode = z.enum(Object.keys(ERROR_MESSAGES) as [ErrorCode, ...ErrorCode[]]);

/** An error answer (the API's and the public pages' JSON): problem details (RFC 9457) with Diwan's stable fields besides. */
export const Problem = named(
  'Problem',
  obj({
    type: text.meta({ description: "URI reference of the code's entry in the API reference (/api/docs#error-CODE)" }),
    title: text.meta({ description: "The code's words in English (the same for every occurrence)" }),
    status: z.number().int(),
    detail: text.meta({ description: 'This occurrence, in English' }),
    instance: text.meta({ description: 'The path asked' }),
    error: errorCode.meta({ description: 'The stable code clients test' }),
    message: text.meta({ description: 'Arabic, for the person reading it' }),
    messageEn: text,
    details: z.record(z.string(), z.unknown()).optional(),
  }),
);

/** The register's label as people write it, in both languages. */
const label = obj({ ar: text, en: text });
const docRef = obj({ id: uuid, registryNo });

export const DocumentSummary = named(
  'DocumentSummary',
  obj({
    id: uuid,
    registryNo,
    registryNoAr: text,
    status: text,
    title: maybe(text),
    pageCount: maybe(count),
    createdAt: instant,
  }),
);

export const DocumentView = named(
  'Document',
  obj({
    id: uuid,
    registryNo,
    registryNoAr: text,
    status: z.enum(['queued', 'processing', 'archived', 'failed', 'destroyed']),
    title: maybe(text),
    docType: maybe(text),
    department: maybe(text),
    classification: text,
    docDate: maybe(day),
    register: text,
    registerName: maybe(label),
    registryLabel: label,
    externalRef: maybe(text),
    externalDate: maybe(day),
    correspondent: maybe(obj({ id: uuid, nameAr: text, nameEn: maybe(text), kind: text })),
    referralState: z.enum(['none', 'open', 'closed']),
    referralDue: maybe(day),
    inReplyTo: z.array(docRef),
    replies: z.array(docRef),
    links: obj({ from: z.array(z.unknown()), to: z.array(z.unknown()) }),
    originalName: maybe(text),
    originalMime: text,
    originalSize: count,
    pageCount: maybe(count),
    batchId: maybe(uuid),
    textLayer: z.boolean(),
    originals: z.array(
      obj({
        n: z.number().int(),
        name: maybe(text),
        mime: text,
        size: count,
        sha256,
        pages: count,
        rendition: z
          .boolean()
          .optional()
          .meta({ description: 'The PDF made of an Office file (the file before it, of 0 pages, is the original)' }),
      }),
    ),
    sha256: obj({ original: sha256, archive: maybe(sha256), ocr: maybe(sha256), manifest: maybe(sha256) }),
    textVersion: z.number().int(),
    needsReview: z.boolean(),
    pages: z.array(obj({ n: z.number().int(), text, confidence: maybe(z.number()), needsReview: z.boolean() })),
    replicas: z.array(obj({ target: text, key: text, sha256, verifiedAt: instant })),
    error: maybe(obj({ code: text, message: maybe(text) })),
    stages: z.record(z.string(), z.string()),
    createdAt: instant,
    updatedAt: instant,
    tombstone: obj({ sha256: text, ledgerSeq: z.number().int() })
      .optional()
      .meta({ description: 'Only for a lawfully destroyed document' }),
  }),
);

/** Where a batch's files came from: the viewer's upload page, the API, the command line, a watched folder, a mailbox. */
export const intakeSource = z.enum(['web', 'api', 'cli', 'folder', 'mail']);
/** How the scanner fed the paper: one side, both sides (blank backs dropped), two one-sided passes (collated). */
export const duplexMode = z.enum(['simplex', 'duplex', 'passes']);
/** What a received file became: one document as it came, a part of a split stack, an Office file, a message, an attachment. */
export const intakeKind = z.enum(['file', 'stack', 'office', 'email', 'attachment']);

/** What was noticed of a file at the door. */
export const IntakeNotes = named(
  'IntakeNotes',
  obj({
    pages: z.array(z.number().int()).optional().meta({ description: "The stack's pages the document was made of (from 1)" }),
    separators: count.optional(),
    blankPages: count.optional().meta({ description: 'Blank pages dropped (kept in the stack original)' }),
    label: text.optional().meta({ description: 'The registry number read from a label on the first page' }),
    labelRefused: z
      .enum(LABEL_REFUSALS)
      .optional()
      .meta({ description: 'The label was not taken: the next number was given instead' }),
  }),
);

/** Where a row of a batch came from: its kind, the stack or message it is part of, what was noticed. */
const intakeFields = { kind: intakeKind, partOf: maybe(text), notes: maybe(IntakeNotes) };

/** One document a file became (a split stack, a message and its attachments), or the bare fact of a duplicate. */
const madeDocument = obj({
  id: uuid.optional(),
  registryNo: registryNo.optional(),
  status: text.optional(),
  duplicate: z.boolean().optional(),
  kind: intakeKind.optional(),
  pageCount: count.optional(),
  notes: IntakeNotes.optional(),
});

/** An upload's answer: the document registered (or found again), its status. */
export const Accepted = named(
  'Accepted',
  obj({
    id: uuid.optional(),
    registryNo: registryNo.optional(),
    status: text.optional(),
    duplicate: z.boolean().optional().meta({ description: 'The same file was registered before (told only to who may see it)' }),
    documents: z
      .array(madeDocument)
      .optional()
      .meta({ description: 'A file that became several documents (a split stack, a message and its attachments): each' }),
    rejected: z
      .array(obj({ name: maybe(text), error: errorCode, message: text }))
      .optional()
      .meta({ description: 'Parts refused while the rest went on (an attachment of a type not taken)' }),
    separators: count.optional().meta({ description: 'Separator sheets found (not archived)' }),
    blankPages: count.optional().meta({ description: 'Blank pages dropped' }),
  }),
);

export const Job = named(
  'Job',
  obj({
    id: uuid,
    kind: text,
    params: z.record(z.string(), z.unknown()),
    state: z.enum(['queued', 'running', 'done', 'failed']),
    requestedBy: maybe(text),
    attempts: count,
    done: count,
    total: maybe(count),
    percent: maybe(z.number().int().min(0).max(100)),
    result: z.unknown(),
    error: maybe(text),
    createdAt: instant,
    startedAt: maybe(instant),
    finishedAt: maybe(instant),
  }),
);

/** Long work asked for: the job (found again when the same one is open), to follow at /api/v1/jobs/{id}. */
export const JobStarted = named('JobStarted', obj({ job: Job, created: z.boolean() }));

export const BatchFile = named(
  'BatchFile',
  obj({
    id: uuid,
    seq: z.number().int(),
    name: maybe(text),
    size: count,
    sha256,
    status: z.enum(['queued', 'processing', 'archived', 'duplicate', 'rejected', 'failed']),
    documentId: maybe(uuid),
    registryNo: maybe(registryNo),
    pageCount: maybe(count),
    error: maybe(obj({ code: text, message: text, messageEn: text })),
    ...intakeFields,
  }),
);

/** A file as an upload into a batch received it: queued, a duplicate, or refused at the door (one per document it became). */
export const ReceivedFile = named(
  'ReceivedFile',
  obj({
    id: maybe(uuid),
    name: maybe(text),
    status: z.enum(['queued', 'duplicate', 'rejected']),
    documentId: maybe(uuid),
    registryNo: maybe(registryNo),
    pageCount: maybe(count),
    error: maybe(obj({ code: text, message: text, messageEn: text })),
    ...intakeFields,
  }),
);

export const Batch = named(
  'Batch',
  obj({
    id: uuid,
    name: text,
    mode: z.enum(['documents', 'pages']),
    register: text,
    title: maybe(text),
    classification: text,
    createdBy: maybe(uuid),
    source: intakeSource,
    duplex: duplexMode,
    sealedAt: maybe(instant),
    createdAt: instant,
  }),
);

/** A batch's files summed: rows by kind, separators, blank pages dropped, labels used and refused. */
export const BatchIntake = named(
  'BatchIntake',
  obj({
    kinds: obj(Object.fromEntries(intakeKind.options.map((k) => [k, count]))).meta({ description: 'Rows of each kind' }),
    separators: count,
    blankPages: count,
    labelsUsed: count.meta({ description: "Documents numbered with their label's pre-allocated number" }),
    labelsRefused: count.meta({ description: 'Labels read but not taken (unknown or already used)' }),
  }),
);

export const BatchView = named(
  'BatchView',
  Batch.extend({
    counts: z.record(z.string(), count),
    pages: count,
    done: z.boolean(),
    intake: BatchIntake,
    files: z.array(BatchFile),
  }),
);

export const TextVersion = named(
  'TextVersion',
  obj({
    version: z.number().int(),
    status: text,
    settings: z.record(z.string(), z.unknown()),
    current: z.boolean(),
  }),
);

export const Referral = named(
  'Referral',
  obj({
    id: uuid,
    documentId: uuid,
    registryNo,
    registryNoAr: text,
    registryLabel: label,
    title: maybe(text),
    toDepartment: text,
    toUser: maybe(text),
    instruction: text,
    dueDate: day,
    state: z.enum(['open', 'closed']),
    overdue: z.boolean(),
    daysLate: count,
    createdAt: instant,
    createdBy: text,
    closedAt: maybe(instant),
    closeKind: maybe(z.enum(['reply', 'note'])),
    replyRegistryNo: maybe(registryNo),
    closeNote: maybe(text),
    suspendedAt: maybe(instant),
  }),
);

export const Directive = named(
  'Directive',
  obj({ id: z.number().int(), documentId: uuid, text, by: text, byName: maybe(text), at: instant }),
);

export const Register = named(
  'Register',
  obj({
    code: text,
    nameAr: text,
    nameEn: text,
    letterAr: text,
    letterEn: text,
    direction: z.enum(['in', 'out', 'internal']),
    createdAt: instant,
  }),
);

export const Correspondent = named(
  'Correspondent',
  obj({ id: uuid, nameAr: text, nameEn: maybe(text), kind: text, contact: maybe(text), createdAt: instant }),
);

export const Link = named(
  'Link',
  obj({
    id: z.number().int(),
    fromId: uuid,
    toId: uuid,
    kind: z.enum(['reply', 'attachment', 'follows', 'cancels']),
    createdAt: instant,
    removedAt: maybe(instant),
    removedReason: maybe(text),
  }),
);

export const User = named(
  'User',
  obj({
    id: uuid,
    username: text,
    displayName: text,
    role: text,
    clearance: text,
    departments: maybe(z.array(text)),
    disabled: z.boolean(),
    createdAt: instant,
  }),
);

export const Token = named(
  'Token',
  obj({ id: uuid, username: text, name: text, role: text, createdAt: instant, revokedAt: maybe(instant) }),
);

export const Checkpoint = named(
  'Checkpoint',
  obj({
    body: obj({ format: text, ledgerSeq: z.number().int(), entryHash: text, merkleRoot: text, at: instant, keyId: text }),
    signature: text,
    objectKey: text,
  }),
);

export const HistoryEntry = obj({
  kind: z.enum(['registered', 'corrected', 'text-corrected']),
  at: instant,
  by: maybe(text),
  reason: maybe(text),
  changes: z.record(z.string(), z.unknown()),
});

export const Changes = z.record(z.string(), obj({ before: maybe(text), after: maybe(text) }));
