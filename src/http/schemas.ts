/** Request schemas shared by the routes. */
import { z } from 'zod';
import { DomainError } from '../../kernel/errors';
import { isCalendarDate } from '../../kernel/text';
import { parseRegistryNo } from '../../kernel/registry';

/** Control characters (NUL among them) have no place in a name or a title, and the database refuses NUL. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Text a person typed: trimmed, at most `max` characters, no control characters. */
export const plainText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .refine((v) => !CONTROL.test(v), 'control characters are not allowed');

const optionalText = (max: number) =>
  plainText(max)
    .optional()
    .transform((v) => (v ? v : null));

/** A calendar date, YYYY-MM-DD, that exists (not 2026-13-45, not 2026-02-31). */
export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD')
  .refine(isCalendarDate, 'not a date in the calendar (years 1000-9999)');

export const metaSchema = z.object({
  title: optionalText(500),
  docType: optionalText(100),
  department: optionalText(200),
  classification: z.enum(['public', 'internal', 'confidential', 'secret']).default('public'),
  docDate: isoDate.optional().transform((v) => v ?? null),
  correspondent: optionalText(300),
});

/** How the scanner fed the paper: one side, both sides (blank backs dropped), two one-sided passes (collated). */
const duplex = z.enum(['simplex', 'duplex', 'passes']).default('simplex');

/** Where files come from, as the client says: the viewer's upload page, the API, the command line, a watched folder. */
const source = z.enum(['web', 'api', 'cli', 'folder']).default('api');

/** One file sent to be archived (POST /documents). */
export const uploadSchema = metaSchema.extend({ duplex, source });

export const batchSchema = metaSchema.extend({
  name: plainText(200).pipe(z.string().min(1)),
  mode: z.enum(['documents', 'pages']).default('documents'),
  duplex,
  source,
});

/** The registry number of the last item of the page before (its `next`): the page after it, however deep. */
export const registryAfter = z
  .string()
  .max(60)
  .transform((v, ctx) => {
    const ref = parseRegistryNo(v);
    if (!ref) ctx.addIssue({ code: 'custom', message: 'not a registry number' });
    return ref ?? z.NEVER;
  })
  .optional();

/** A page of a request's or a hold's documents, in registry order: at most `limit`, after `after`. */
export const itemsPageSchema = z.object({
  limit: z.coerce.number().int().min(1).max(5000).default(500),
  after: registryAfter,
});

/** Parses with `schema` or throws bad_request naming each problem. */
export function parseOr400<T extends z.ZodTypeAny>(schema: T, input: unknown): z.infer<T> {
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
    throw new DomainError('bad_request', { ar: `(${problems})`, en: `(${problems})` });
  }
  return parsed.data;
}
