/**
 * The API contract against the running archive. Every route the contract
 * describes is called once (most to their success, a few to a documented
 * refusal that costs less to reach), and each answer seen is checked against
 * the document served at /api/v1/openapi.json: its status is one the route
 * lists, its media type one the route answers in, its JSON body valid against
 * the route's schema for that status (and each JSON request sent valid against
 * the route's request schema). Besides: the contract lists every route the
 * express router serves under /api/ (the permission table's lines are checked
 * beside the document, in src/http/openapi/document.test.ts), and the
 * reference page reads right in both languages.
 */
import http from 'node:http';
import { createRequire } from 'node:module';
import type { Express } from 'express';
import { bornDigitalPdf } from '../scripts/fixtures/pdfs';
import { loadSigningKey } from '../storage/integrity/checkpoints';
import { OPERATIONS } from '../src/http/openapi/ops';
import type { Operation } from '../src/http/openapi/spec';
import { printedCode, receiptCode, receiptKey } from '../src/http/receipts';
import { todayIn } from '../src/http/search';
import { TOKEN, startTestServer, type DocumentJson, type TestServer } from './helpers';

jest.setTimeout(300_000);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON read back from the server

interface Sample {
  method: string;
  path: string;
  status: number;
  media: string;
  body: unknown;
  sent?: unknown;
}

let server: TestServer;
let app: Express;
let doc: Json;
const samples: Sample[] = [];

beforeAll(async () => {
  // The express app the server runs, taken as it is handed to node's HTTP server (the call goes through).
  const spy = jest.spyOn(http, 'createServer');
  server = await startTestServer();
  app = spy.mock.calls[0]![1] as unknown as Express;
  spy.mockRestore();
});

afterAll(async () => {
  await server?.stop();
});

const JSON_MEDIA = /^application\/(problem\+)?json$/;

/** Calls the server (with the administrator token unless told), records the answer as a sample, and returns it. */
async function call(
  method: string,
  p: string,
  opts: { json?: unknown; form?: FormData; token?: string | null; accept?: string } = {},
): Promise<{ status: number; body: Json; headers: Headers }> {
  const headers = new Headers();
  const token = opts.token === undefined ? TOKEN : opts.token;
  if (token) headers.set('authorization', `Bearer ${token}`);
  if (opts.accept) headers.set('accept', opts.accept);
  if (opts.json !== undefined) headers.set('content-type', 'application/json');
  const res = await fetch(`${server.url}${p}`, {
    method,
    headers,
    body: opts.form ?? (opts.json === undefined ? undefined : JSON.stringify(opts.json)),
  });
  const media = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
  const body = JSON_MEDIA.test(media) ? ((await res.json()) as Json) : await res.arrayBuffer();
  samples.push({ method, path: p.split('?')[0]!, status: res.status, media, body, sent: opts.json });
  return { status: res.status, body: body as Json, headers: res.headers };
}

/** A call that must answer `status`. */
async function expectCall(status: number, method: string, p: string, opts: Parameters<typeof call>[2] = {}): Promise<Json> {
  const r = await call(method, p, opts);
  if (r.status !== status) throw new Error(`${method} ${p} answered ${r.status}, not ${status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

const form = (fields: Record<string, string>, files: Record<string, Array<[Buffer, string]>>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  for (const [k, list] of Object.entries(files)) for (const [bytes, name] of list) f.append(k, new Blob([bytes]), name);
  return f;
};

test('#22 every route answers as the contract says', async () => {
  doc = await expectCall(200, 'GET', '/api/v1/openapi.json', { token: null });
  const today = todayIn(server.config.archive.timeZone);
  const D = '/api/v1/documents';

  // A born-digital PDF (its text layer is kept: no OCR to wait for), which a retention rule makes due at the end;
  // a second one, only to link the first to.
  const pdf = await bornDigitalPdf();
  const a = (await expectCall(202, 'POST', D, {
    form: form({ title: 'عقد', docType: 'api-dispose' }, { file: [[pdf, 'عقد.pdf']] }),
  })) as DocumentJson;
  const b = (await expectCall(202, 'POST', D, {
    form: form({}, { file: [[Buffer.concat([pdf, Buffer.from('%b\n')]), 'b.pdf']] }),
  })) as DocumentJson;
  await server.waitFor(a.id);
  await expectCall(200, 'POST', D, { form: form({}, { file: [[pdf, 'again.pdf']] }) });
  await expectCall(200, 'GET', `${D}?limit=5`);
  await expectCall(200, 'GET', `${D}/${a.id}`);
  await expectCall(200, 'GET', `${D}/${a.id}/text-versions`);
  await expectCall(200, 'GET', `${D}/${a.id}/original`);
  await expectCall(200, 'GET', `${D}/${a.id}/archive.pdf`);
  await expectCall(200, 'GET', `${D}/${a.id}/pages/1/image`);
  await expectCall(200, 'GET', `${D}/${a.id}/pages/1/thumb`);
  await expectCall(200, 'GET', `${D}/${a.id}/receipt.pdf`);
  await expectCall(200, 'GET', `${D}/${a.id}/verify`);
  await expectCall(200, 'POST', '/api/v1/verify', { form: form({}, { file: [[pdf, 'which.pdf']] }) });
  await expectCall(409, 'POST', `${D}/${a.id}/rerun`);
  await expectCall(409, 'POST', `${D}/${a.id}/reocr`, { json: { layout: 'auto', reason: 'again' } });
  await expectCall(200, 'GET', '/api/v1/search?q=%D8%A7%D9%84%D8%B9%D9%85%D9%84');

  // Corrections and a page's text.
  await expectCall(200, 'PATCH', `${D}/${a.id}`, { json: { title: 'عقد عمل', reason: 'تصحيح العنوان' } });
  await expectCall(200, 'POST', `${D}/${a.id}/corrections`, { json: { department: 'الموارد', reason: 'تصحيح القسم' } });
  await expectCall(200, 'GET', `${D}/${a.id}/history`);
  await expectCall(201, 'POST', `${D}/${a.id}/pages/1/text`, { json: { text: 'وزارة العمل\nقرار إداري', reason: 'قراءة شخص' } });

  // Registers, correspondents, links, the book.
  await expectCall(200, 'GET', '/api/v1/registers');
  await expectCall(201, 'POST', '/api/v1/registers', {
    json: { code: 'api-test', nameAr: 'سجل التجربة', nameEn: 'Test', letterAr: 'ت', letterEn: 'T', direction: 'internal' },
  });
  const corr = await expectCall(201, 'POST', '/api/v1/correspondents', { json: { nameAr: 'وزارة المالية', kind: 'ministry' } });
  await expectCall(200, 'GET', '/api/v1/correspondents?q=%D8%A7%D9%84%D9%85%D8%A7%D9%84%D9%8A%D8%A9');
  await expectCall(200, 'GET', `/api/v1/correspondents/${corr.id}`);
  await expectCall(200, 'POST', `/api/v1/correspondents/${corr.id}`, { json: { contact: 'الرياض' } });
  const link = await expectCall(201, 'POST', `${D}/${a.id}/links`, { json: { to: b.registryNo, kind: 'follows' } });
  await expectCall(200, 'GET', `${D}/${a.id}/links`);
  await expectCall(200, 'POST', `${D}/${a.id}/links/${link.id}/remove`, { json: { reason: 'ربط خاطئ' } });
  await expectCall(200, 'GET', `/api/v1/books/incoming?day=${today}`);

  // Referrals and directives.
  const referral = await expectCall(201, 'POST', `${D}/${a.id}/referrals`, {
    json: { toDepartment: 'المالية', instruction: 'للدراسة' },
  });
  await expectCall(200, 'GET', `${D}/${a.id}/referrals`);
  await expectCall(200, 'GET', '/api/v1/inbox');
  await expectCall(200, 'GET', '/api/v1/referrals/overdue');
  await expectCall(200, 'POST', '/api/v1/referrals/suspend', { json: { reason: 'ظرف طارئ' } });
  await expectCall(200, 'POST', '/api/v1/referrals/resume', { json: {} });
  await expectCall(200, 'POST', `/api/v1/referrals/${referral.id}/close`, { json: { note: 'تمت الدراسة' } });
  await expectCall(201, 'POST', `${D}/${a.id}/directives`, { json: { text: 'للعرض على الوزير' } });
  await expectCall(200, 'GET', `${D}/${a.id}/directives`);

  // A batch whose one file is a duplicate (nothing new to read), followed to its end.
  const batch = await expectCall(201, 'POST', '/api/v1/batches', { json: { name: 'دفعة التجربة' } });
  await expectCall(202, 'POST', `/api/v1/batches/${batch.id}/files`, { form: form({}, { files: [[pdf, 'dup.pdf']] }) });
  await expectCall(200, 'GET', `/api/v1/batches/${batch.id}`);
  await expectCall(200, 'GET', `/api/v1/batches/${batch.id}/files`);
  await expectCall(200, 'GET', `/api/v1/batches/${batch.id}/events`);
  await expectCall(400, 'POST', `/api/v1/batches/${batch.id}/seal`);

  // People and tokens; a second administrator decides the disposal below.
  await expectCall(200, 'GET', '/api/v1/me');
  await expectCall(201, 'POST', '/api/v1/users', { json: { username: 'api-second', role: 'admin', clearance: 'secret' } });
  await expectCall(200, 'POST', '/api/v1/users/api-second/disable');
  await expectCall(200, 'POST', '/api/v1/users/api-second/enable');
  const second = await expectCall(201, 'POST', '/api/v1/tokens', { json: { username: 'api-second', name: 'decides' } });
  const spare = await expectCall(201, 'POST', '/api/v1/tokens', { json: { username: 'api-second', name: 'spare' } });
  await expectCall(200, 'GET', '/api/v1/users');
  await expectCall(200, 'GET', '/api/v1/tokens');
  await expectCall(200, 'POST', `/api/v1/tokens/${spare.id}/revoke`);
  await expectCall(200, 'POST', '/api/v1/users/api-second/reset-totp');

  // The auditor's calls.
  await expectCall(200, 'GET', '/api/v1/audit/ledger');
  await expectCall(200, 'GET', '/api/v1/audit/report');
  await expectCall(200, 'GET', '/api/v1/audit/export');
  const first = await expectCall(201, 'POST', '/api/v1/audit/checkpoint');
  await expectCall(200, 'GET', `${D}/${a.id}/proof`);
  await expectCall(201, 'POST', '/api/v1/audit/checkpoint');
  const { checkpoints } = await expectCall(200, 'GET', '/api/v1/audit/checkpoints');
  const ids = (checkpoints as Array<{ id: number }>).map((c) => c.id);
  expect(ids.length).toBeGreaterThanOrEqual(2);
  expect(first.body.ledgerSeq).toBeGreaterThan(0);
  await expectCall(200, 'GET', `/api/v1/audit/checkpoints/${ids.at(-1)}/consistency?from=${ids.at(-2)}`);
  await expectCall(200, 'GET', '/api/v1/replication');
  await expectCall(200, 'POST', '/api/v1/replication/catch-up');

  // Records: the retention schedule, a hold, a disposal, a transfer.
  const rule = {
    code: 'api-dispose',
    nameAr: 'إتلاف بعد ثانية',
    docType: 'api-dispose',
    period: '1s',
    trigger: 'registered',
    action: 'destroy',
  };
  await expectCall(201, 'POST', '/api/v1/records/rules', { json: rule });
  await expectCall(201, 'POST', '/api/v1/records/rules', { json: { ...rule, code: 'api-retire', docType: 'none' } });
  await expectCall(200, 'GET', '/api/v1/records/rules');
  await expectCall(200, 'GET', '/api/v1/records/rules/api-dispose');
  await expectCall(200, 'POST', '/api/v1/records/rules/api-dispose', {
    json: { nameEn: 'Destroyed after a second', reason: 'اسم إنجليزي' },
  });
  await expectCall(200, 'POST', '/api/v1/records/rules/api-retire/retire', { json: { reason: 'لا حاجة إليها' } });
  await expectCall(200, 'GET', '/api/v1/records/due?limit=10');
  await expectCall(202, 'POST', '/api/v1/records/extend-locks');
  await expectCall(200, 'GET', `${D}/${a.id}/retention`);
  await expectCall(200, 'POST', `${D}/${a.id}/close`);
  const hold = await expectCall(201, 'POST', '/api/v1/records/holds', {
    json: { caseRef: 'قضية ١', reason: 'تحقيق جار', documents: [a.id] },
  });
  await expectCall(200, 'GET', '/api/v1/records/holds');
  await expectCall(200, 'GET', `/api/v1/records/holds/${hold.id}`);
  await expectCall(200, 'POST', '/api/v1/records/holds/sync');
  await expectCall(200, 'POST', `/api/v1/records/holds/${hold.id}/lift`, { json: { reason: 'انتهت القضية' } });
  await expectCall(200, 'GET', `${D}/${a.id}/records`);
  const transfer = await expectCall(201, 'POST', '/api/v1/transfers', { json: { recipient: 'الأرشيف الوطني', ids: [a.id] } });
  await expectCall(200, 'GET', '/api/v1/transfers');
  await expectCall(200, 'GET', `/api/v1/transfers/${transfer.id}`);
  await expectCall(200, 'GET', `/api/v1/transfers/${transfer.id}/documents/${a.id}/text.txt`);
  const bag = { bagName: 'diwan-api-test', payloadOxum: '10.1', tagmanifestSha256: 'a'.repeat(64) };
  await expectCall(200, 'POST', `/api/v1/transfers/${transfer.id}/complete`, { json: bag });
  await expectCall(200, 'POST', `/api/v1/transfers/${transfer.id}/receipt`, {
    json: { ref: 'إيصال ٩', date: today, tagmanifestSha256: bag.tagmanifestSha256 },
  });

  // Long jobs.
  const fixity = await expectCall(202, 'POST', `/api/v1/fixity?documentId=${a.id}`);
  await expectCall(200, 'GET', '/api/v1/jobs?limit=5');
  await expectCall(200, 'GET', `/api/v1/jobs/${fixity.job.id}`);
  await expectCall(202, 'POST', '/api/v1/reindex', { json: {} });

  // Public: no token.
  const pub = { token: null };
  const [year, seq] = a.registryNo.split('/');
  await expectCall(200, 'GET', '/healthz', pub);
  await expectCall(200, 'GET', '/readyz', pub);
  await expectCall(200, 'GET', '/metrics', pub);
  const json = { ...pub, accept: 'application/json' };
  await expectCall(200, 'GET', `/verify?registryNo=${encodeURIComponent(a.registryNo)}`, json);
  await expectCall(200, 'GET', `/verify/${year}/${seq}`, pub);
  await expectCall(200, 'GET', `/verify/incoming/${year}/${seq}?sha256=${'0'.repeat(64)}`, json);
  await expectCall(200, 'GET', `/verify/${encodeURIComponent(a.registryNo)}`, json);
  // The public pages' JSON refusals are problem details too (RFC 9457), as under /api/.
  const refused = await call('GET', '/verify/not-a-number', json);
  expect([refused.status, refused.headers.get('content-type'), refused.body.instance]).toEqual([
    400,
    expect.stringMatching(/^application\/problem\+json/),
    '/verify/not-a-number',
  ]);
  const code = printedCode(receiptCode(receiptKey(loadSigningKey(server.config.checkpoints.keyFile)), a.id));
  await expectCall(200, 'GET', `/status?no=${encodeURIComponent(a.registryNo)}&code=${code}`, pub);
  await expectCall(200, 'GET', `/api/v1/status?no=${encodeURIComponent(a.registryNo)}&code=${code}`, pub);
  await expectCall(200, 'GET', '/api/v1/audit/public-key', pub);
  await expectCall(200, 'GET', '/api/docs', pub);
  // The first document disposed of (its objects are still locked: blocked, and said so).
  const disposal = await expectCall(201, 'POST', '/api/v1/records/disposals', {
    json: { title: 'إتلاف التجربة', documents: [a.id] },
  });
  await expectCall(200, 'GET', '/api/v1/records/disposals');
  await expectCall(200, 'GET', `/api/v1/records/disposals/${disposal.id}`);
  await expectCall(200, 'POST', `/api/v1/records/disposals/${disposal.id}/decide`, {
    token: second.token,
    json: { approve: true, approvingBody: 'لجنة الإتلاف', decisionNo: '7', decisionDate: today },
  });
  await expectCall(202, 'POST', `/api/v1/records/disposals/${disposal.id}/execute`);
  // Refusals, as problem details: no token, a wrong id, a bad body.
  await expectCall(401, 'GET', '/api/v1/me', pub);
  await expectCall(404, 'GET', `/api/v1/jobs/${a.id}`);
  await expectCall(400, 'POST', '/api/v1/registers', { json: { code: 'X' } });
  // The scanner room: printed sheets, and a kept stack (its real answers are checked in test/sheets and test/stacks).
  await expectCall(200, 'GET', '/api/v1/sheets/separator');
  await expectCall(201, 'POST', '/api/v1/sheets/labels', { json: { register: 'incoming', count: 2 } });
  await expectCall(404, 'GET', `/api/v1/intake-originals/${a.id}`);
  await expectCall(404, 'GET', `/api/v1/intake-originals/${a.id}/file`);

  await server.waitFor(b.id);
  checkSamples();
});

/** The route described by `template`, as a pattern over paths asked. */
const pattern = (template: string) =>
  new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`);

/** The operation a sample was an answer of: the one with a literal path first, then by fewer parameters. */
function operationOf(method: string, path: string): Operation | undefined {
  const params = (o: Operation) => (o.path.match(/\{/g) ?? []).length;
  return OPERATIONS.filter((o) => o.method.toUpperCase() === method && pattern(o.path).test(path)).sort(
    (x, y) => params(x) - params(y),
  )[0];
}

/** A validator for JSON schemas (2020-12): ajv, as the OpenAPI validator the check runs brings it. */
function jsonSchemaValidator() {
  const fromValidator = createRequire(require.resolve('@seriousme/openapi-schema-validator'));
  const Ajv = fromValidator('ajv/dist/2020').default as new (o: object) => Json;
  const addFormats = fromValidator('ajv-formats').default as (ajv: Json) => void;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'urn:diwan:api', components: doc.components });
  return (schema: Json, data: unknown): string | undefined => {
    const validate = ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"urn:diwan:api#/components/')));
    return validate(data) ? undefined : JSON.stringify(validate.errors.slice(0, 3));
  };
}

/** Each sample against the document; every operation must have been seen. */
function checkSamples(): void {
  const validate = jsonSchemaValidator();
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const s of samples) {
    const where = `${s.method} ${s.path} ${s.status}`;
    const op = operationOf(s.method, s.path);
    if (!op) {
      problems.push(`${where}: no route in the contract`);
      continue;
    }
    seen.add(op.id);
    const built = doc.paths[op.path][op.method] as Json;
    const answer = (built.responses[String(s.status)] ?? (s.status >= 400 ? built.responses.default : undefined)) as
      Json | undefined;
    if (!answer) {
      problems.push(`${where}: status not in the contract`);
      continue;
    }
    const content = (answer.content ?? {}) as Record<string, Json>;
    const media =
      content[s.media] ??
      (s.media.startsWith('text/') || JSON_MEDIA.test(s.media) ? undefined : content['application/octet-stream']);
    if (!media) problems.push(`${where}: answered ${s.media}, the contract says ${Object.keys(content).join(', ')}`);
    else if (JSON_MEDIA.test(s.media)) {
      const wrong = validate(media.schema as Json, s.body);
      if (wrong) problems.push(`${where}: the body does not match: ${wrong}`);
    }
    const request = built.requestBody?.content?.['application/json']?.schema as Json | undefined;
    if (s.sent !== undefined && s.status < 400) {
      const wrong = request ? validate(request, s.sent) : 'the contract takes no JSON body';
      if (wrong) problems.push(`${where}: the request does not match: ${wrong}`);
    }
  }
  expect(problems).toEqual([]);
  expect(OPERATIONS.filter((o) => !seen.has(o.id)).map((o) => o.id)).toEqual([]);
}

/** Every route of the app: [METHOD, path with {params}], mounted routers' paths included. */
function routesOf(stack: Json[], prefix = ''): string[] {
  const out: string[] = [];
  for (const layer of stack) {
    if (layer.route) {
      for (const m of Object.keys(layer.route.methods as object)) {
        out.push(`${m.toUpperCase()} ${prefix}${String(layer.route.path).replace(/:(\w+)/g, '{$1}')}`);
      }
    } else if (layer.handle?.stack) {
      out.push(...routesOf(layer.handle.stack as Json[], layer.slash ? prefix : `${prefix}${String(layer.rawPath)}`));
    }
  }
  return out;
}

test('#22 the contract lists every route the server serves under /api/, and no route it does not serve', () => {
  const served = routesOf((app as unknown as { router: { stack: Json[] } }).router.stack);
  const described = OPERATIONS.map((o) => `${o.method.toUpperCase()} ${o.path}`);
  expect(served.filter((r) => r.split(' ')[1]!.startsWith('/api/') && !described.includes(r))).toEqual([]);
  expect(described.filter((d) => !served.includes(d))).toEqual([]);
});

test('#22 the reference page lists every route and error code, Arabic and right to left first', async () => {
  const ar = await (await fetch(`${server.url}/api/docs`)).text();
  expect(ar).toMatch(/<html lang="ar" dir="rtl">/);
  expect(ar).toContain('مرجع واجهة الديوان');
  for (const o of OPERATIONS) expect(ar).toContain(`<div id="${o.id}">`);
  expect(ar).toContain('id="error-rate_limited"');
  expect(ar).not.toMatch(/<script(?![^>]*src="\/assets\/viewer\.js")/);
  const en = await (await fetch(`${server.url}/api/docs?lang=en`)).text();
  expect(en).toMatch(/<html lang="en" dir="ltr">/);
  expect(en).toContain('Diwan API reference');
});
