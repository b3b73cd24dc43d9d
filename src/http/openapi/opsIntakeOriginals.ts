/** A file kept whole beside the documents made of it: a scanned stack split at separator sheets. */
import { z } from 'zod';
import { file, json, SHA_HEADER, type Operation } from './spec';
import { count, instant, named, registryNo, sha256, uuid } from './shapes';

const IntakeOriginal = named(
  'IntakeOriginal',
  z.looseObject({
    id: uuid,
    batchId: uuid.nullable(),
    kind: z.enum(['stack', 'email']),
    name: z.string().nullable(),
    sha256,
    size: count,
    mime: z.string(),
    pages: count,
    status: z.enum(['splitting', 'done']).meta({ description: 'splitting until every document of it is registered' }),
    summary: z.looseObject({ documents: count, separators: count, blankPages: count }).nullable(),
    createdAt: instant,
    documents: z.array(
      z.looseObject({
        seq: z.number().int(),
        pages: z.array(z.number().int()).nullable().meta({ description: "The stack's pages it holds, 1-based" }),
        documentId: uuid.nullable().meta({ description: 'null when the caller may not see that document' }),
        registryNo: registryNo.nullable(),
      }),
    ),
  }),
);

const I = '/api/v1/intake-originals/{id}';

export const INTAKE_ORIGINAL_OPS: Operation[] = [
  {
    id: 'getIntakeOriginal',
    method: 'get',
    path: I,
    tag: 'batches',
    summary: ['رزمة ممسوحة محفوظة كاملة، ووثائقها وصفحاتها', 'A scanned stack kept whole: its documents and their pages'],
    ok: { 200: json(IntakeOriginal, 'The stack, to whoever sent it or an administrator or auditor cleared for it') },
    errors: ['not_found'],
  },
  {
    id: 'getIntakeOriginalFile',
    method: 'get',
    path: `${I}/file`,
    tag: 'batches',
    summary: [
      'ملف الرزمة كما ورد (بالصفحات الفاصلة والفارغة)',
      'The stack as it was received (separator and blank pages included)',
    ],
    ok: { 200: file('application/octet-stream', 'Its bytes, sent only when they hash to the record', SHA_HEADER) },
    errors: ['not_found', 'not_ready', 'copy_damaged'],
  },
];
