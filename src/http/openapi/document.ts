/**
 * The OpenAPI 3.1 document, built from the routes' descriptions (ops*.ts) and
 * the zod schemas of their requests and answers (z.toJSONSchema: JSON Schema
 * 2020-12, OpenAPI 3.1's own dialect). Built without any service: the check
 * (scripts/check/openapi.ts) validates it, the server serves it at
 * /api/v1/openapi.json, the reference page (page.ts) reads it.
 *
 * What each call needs comes from the permission table (policy.ts), so the
 * document says what is enforced. Every answer's error statuses are problem
 * details (errors.ts), listed with the codes the call may give.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ERROR_MESSAGES, type ErrorCode } from '../../../kernel/errors';
import { SESSION_COOKIE } from '../../auth';
import { HTTP_STATUS, PROBLEM_JSON } from '../errors';
import { requiredPermission } from '../policy';
import { apiPath, OPERATIONS } from './ops';
import { INTRO, PAGING_NOTES } from './intro';
import { NAMED } from './shapes';
import { TAGS, type Answer, type Operation } from './spec';

type Json = Record<string, unknown>;

/** A set of schemas that become components, each under a name (named shapes keep theirs). */
class Components {
  private readonly registry = z.registry<{ id: string }>();
  private readonly ids = new Map<z.ZodType, string>();

  constructor(private readonly io: 'input' | 'output') {}

  /** A reference to `schema` in the components, under its name or `id` when it has none yet. */
  ref(schema: z.ZodType, id: string): Json {
    let name = this.ids.get(schema);
    if (!name) {
      name = id;
      this.ids.set(schema, name);
      this.registry.add(schema, { id: name });
    }
    return { $ref: `#/components/schemas/${name}` };
  }

  schemas(): Record<string, Json> {
    const { schemas } = z.toJSONSchema(this.registry, {
      io: this.io,
      unrepresentable: 'any',
      uri: (id) => `#/components/schemas/${id}`,
    }) as { schemas: Record<string, Json> };
    for (const s of Object.values(schemas)) {
      delete s.$schema;
      delete s.$id;
    }
    return schemas;
  }
}

/** One schema inline (a parameter's, a form's fields), in the request's terms. */
function inline(schema: z.ZodType): Json {
  const s = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  delete s.$schema;
  return s;
}

const optional = (schema: z.ZodType) => schema.safeParse(undefined).success;

function parameters(op: Operation): Json[] {
  const pathParams = [...op.path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    description: op.params?.[name!] ?? 'An id',
    schema: { type: 'string' },
  }));
  const queryParams = Object.entries(op.query?.shape ?? {}).map(([name, schema]) => {
    const s = inline(schema as z.ZodType);
    const { description, ...rest } = s;
    return { name, in: 'query', required: !optional(schema as z.ZodType), ...(description ? { description } : {}), schema: rest };
  });
  return [...pathParams, ...queryParams];
}

function requestBody(op: Operation, requests: Components): Json | undefined {
  if (op.body) {
    return {
      required: !op.body.safeParse({}).success,
      content: { 'application/json': { schema: requests.ref(op.body, `${op.id}Request`) } },
    };
  }
  if (!op.form) return undefined;
  const fields = op.form.fields ? inline(op.form.fields) : { properties: {}, required: [] };
  const binary = { type: 'string', contentMediaType: 'application/octet-stream' };
  const files = Object.fromEntries(
    Object.entries(op.form.files).map(([name, n]) => [name, n === 'one' ? binary : { type: 'array', items: binary }]),
  );
  return {
    required: true,
    content: {
      'multipart/form-data': {
        schema: {
          type: 'object',
          properties: { ...(fields.properties as Json), ...files },
          required: [...((fields.required as string[] | undefined) ?? []), ...Object.keys(op.form.files)],
        },
      },
    },
  };
}

const header = (description: string) => ({ description, schema: { type: 'string' } });

const RATE_HEADERS = {
  RateLimit: header('IETF draft 8: "<limit name>"; r=<requests left>; t=<seconds to the window’s end>'),
  'RateLimit-Policy': header('IETF draft 8: "<limit name>"; q=<requests allowed>; w=<window seconds>; pk=<client partition key>'),
};

function answer(op: Operation, status: number, a: Answer, responses: Components): Json {
  const content: Json = {};
  if (a.schema) content['application/json'] = { schema: responses.ref(a.schema, `${op.id}${status}`) };
  if (a.media) content[a.media] = a.media.startsWith('text/') ? { schema: { type: 'string' } } : {};
  const headers = {
    ...(op.limited ? RATE_HEADERS : {}),
    ...Object.fromEntries(Object.entries(a.headers ?? {}).map(([k, v]) => [k, header(v)])),
  };
  return {
    description: a.description,
    ...(Object.keys(headers).length ? { headers } : {}),
    ...(Object.keys(content).length ? { content } : {}),
  };
}

/** The refusal answers: the call's own codes grouped by status, and those every call may give. */
function refusals(op: Operation): Record<string, Json> {
  const content = { [PROBLEM_JSON]: { schema: { $ref: '#/components/schemas/Problem' } } };
  const codes: ErrorCode[] = [...(op.errors ?? [])];
  if (!op.public) codes.push('unauthorized', 'forbidden');
  if (op.limited) codes.push('rate_limited');
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(HTTP_STATUS[code], [...(byStatus.get(HTTP_STATUS[code]) ?? []), code]);
  const out: Record<string, Json> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    if (op.ok[status]) continue;
    out[String(status)] = {
      description: list.map((c) => `${c}: ${ERROR_MESSAGES[c][1]}`).join(' · '),
      ...(status === 429 ? { headers: { 'Retry-After': header('Seconds to wait'), ...RATE_HEADERS } } : {}),
      content,
      'x-diwan-errors': list,
    };
  }
  out.default = { description: 'Any other refusal or failure (see the error codes)', content };
  return out;
}

/** What the call needs: public, or the permission the table asks for. */
export function permissionOf(op: Operation): string {
  const below = apiPath(op.path);
  return op.public || below === undefined ? 'public' : requiredPermission(op.method.toUpperCase(), below);
}

function operation(op: Operation, requests: Components, responses: Components): Json {
  const permission = permissionOf(op);
  const notes = [`${op.summary[1]}.`, permission === 'public' ? 'Public: no token.' : `Needs: ${permission}.`];
  if (op.paging) notes.push(PAGING_NOTES[op.paging]);
  if (op.limited) notes.push('Rate-limited per client address.');
  const body = requestBody(op, requests);
  return {
    operationId: op.id,
    tags: [op.tag],
    summary: op.summary[0],
    description: notes.join(' '),
    ...(op.public ? { security: [] } : {}),
    'x-diwan-permission': permission,
    parameters: parameters(op),
    ...(body ? { requestBody: body } : {}),
    responses: {
      ...Object.fromEntries(Object.entries(op.ok).map(([s, a]) => [s, answer(op, Number(s), a, responses)])),
      ...refusals(op),
    },
  };
}

/** The package's version (the document's own version follows the archive's). */
function packageVersion(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (!fs.existsSync(file)) continue;
    const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'diwan') return pkg.version ?? '0.0.0';
  }
  return '0.0.0';
}

/** The whole document. */
export function openApiDocument(): Json {
  const requests = new Components('input');
  const responses = new Components('output');
  for (const [id, schema] of NAMED) responses.ref(schema, id);
  const paths: Record<string, Record<string, Json>> = {};
  const seen = new Set<string>();
  for (const op of OPERATIONS) {
    if (seen.has(op.id) || paths[op.path]?.[op.method]) throw new Error(`${op.id}: described twice`);
    seen.add(op.id);
    (paths[op.path] ??= {})[op.method] = operation(op, requests, responses);
  }
  return {
    openapi: '3.1.1',
    info: { title: 'Diwan API — واجهة الديوان', version: packageVersion(), description: INTRO },
    servers: [{ url: '/' }],
    tags: Object.entries(TAGS).map(([name, [ar, en]]) => ({ name, description: `${ar} — ${en}` })),
    security: [{ bearer: [] }, { session: [] }],
    paths,
    components: {
      schemas: { ...responses.schemas(), ...requests.schemas() },
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An access token (diwan tokens create, POST /api/v1/tokens), or the administrator token',
        },
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: SESSION_COOKIE,
          description:
            'The viewer’s session (__Host- prefixed over TLS); a call that changes something also sends its CSRF token in X-CSRF-Token',
        },
      },
    },
  };
}
