/** Request schemas shared by the routes. */
import { z } from 'zod';
import { DomainError } from '../../kernel/errors';

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((v) => (v ? v : null));

export const metaSchema = z.object({
  title: optionalText(500),
  docType: optionalText(100),
  department: optionalText(200),
  classification: z.enum(['public', 'internal', 'confidential', 'secret']).default('public'),
  docDate: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD')
    .optional()
    .transform((v) => v ?? null),
  correspondent: optionalText(300),
});

export const batchSchema = metaSchema.extend({
  name: z.string().trim().min(1).max(200),
  mode: z.enum(['documents', 'pages']).default('documents'),
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
