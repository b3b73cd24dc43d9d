/**
 * How a route is described for the API contract: one `Operation` per method
 * and path, written beside its neighbours in the ops*.ts files, from which
 * document.ts builds the OpenAPI 3.1 document and page.ts the reference page.
 * A route added to the API adds one entry here (a test fails until it does).
 *
 * What a route needs is not written here: it is read from the permission
 * table (policy.ts), so the document cannot disagree with what is enforced.
 */
import type { z } from 'zod';
import type { ErrorCode } from '../../../kernel/errors';

export type Method = 'get' | 'post' | 'patch';

/** The groups of the reference, in the order they are shown, with their names in Arabic and English. */
export const TAGS = {
  public: ['عام (دون رمز)', 'Public (no token)'],
  documents: ['الوثائق', 'Documents'],
  batches: ['الدفعات', 'Batches'],
  search: ['البحث', 'Search'],
  registry: ['السجلات والمراسلون والروابط', 'Registers, correspondents and links'],
  corrections: ['التصحيحات', 'Corrections'],
  referrals: ['الإحالات والتأشيرات', 'Referrals and directives'],
  audit: ['التدقيق والسلامة', 'Audit and integrity'],
  jobs: ['المهام الطويلة', 'Long jobs'],
  records: ['إدارة السجلات', 'Records management'],
  transfers: ['الترحيل', 'Transfers'],
  people: ['الأشخاص والرموز', 'People and tokens'],
} as const satisfies Record<string, readonly [string, string]>;

export type Tag = keyof typeof TAGS;

/** One success answer. */
export interface Answer {
  /** What it means, in English. */
  description: string;
  /** A JSON answer's shape. */
  schema?: z.ZodType;
  /** A non-JSON answer's media type (a file, a page, a stream). */
  media?: string;
  /** Headers the answer carries besides the usual ones: name → what it says. */
  headers?: Record<string, string>;
}

/** How a list is paged, when it is. */
export type Paging = 'offset' | 'cursor' | 'before' | 'after';

export interface Operation {
  /** The operationId: unique, camelCase. */
  id: string;
  method: Method;
  /** The whole path, with parameters as OpenAPI writes them: /api/v1/documents/{id}. */
  path: string;
  tag: Tag;
  /** What it does: Arabic, English. */
  summary: readonly [string, string];
  /** Served before authentication, to anyone (the public table in policy.ts). */
  public?: boolean;
  /** Rate-limited per client address (429 with Retry-After). */
  limited?: boolean;
  /** A path parameter's meaning, when more than "an id" (English). */
  params?: Record<string, string>;
  query?: z.ZodObject;
  /** A JSON body. */
  body?: z.ZodType;
  /** A multipart/form-data body: its fields, and the file fields (one file or many). */
  form?: { fields?: z.ZodObject; files: Record<string, 'one' | 'many'> };
  /** The success answers by status. */
  ok: Record<number, Answer>;
  /** Refusals particular to this call (401, 403, 429 and 500 go without saying). */
  errors?: readonly ErrorCode[];
  paging?: Paging;
}

/** A JSON answer. */
export const json = (schema: z.ZodType, description: string): Answer => ({ schema, description });

/** A file or page answer. */
export const file = (media: string, description: string, headers?: Record<string, string>): Answer => ({
  media,
  description,
  ...(headers ? { headers } : {}),
});

/** The fingerprint header of a file answer. */
export const SHA_HEADER = { 'X-Diwan-SHA256': "The file's SHA-256, as recorded" };
