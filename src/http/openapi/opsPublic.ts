/** The routes anyone may call, without a token: probes, public verification and status, the key, this contract. */
import { z } from 'zod';
import { file, json, type Operation } from './spec';
import { day, instant, registryNo, sha256 } from './shapes';

const up = z.enum(['up', 'down']);

const Readiness = z.looseObject({
  status: z.enum(['ready', 'degraded', 'not_ready']),
  checks: z.looseObject({ postgres: up, objectStorePrimary: up, objectStoreOffsite: up, meilisearch: up }),
  integrity: z.looseObject({ state: z.enum(['ok', 'damaged', 'unknown']), unrepairedObjects: z.number().int().nullable() }),
  documents: z.looseObject({ failed: z.number().int().nullable() }),
  replication: z
    .looseObject({ pending: z.number().int(), oldestPendingSeconds: z.number(), bytesPending: z.number() })
    .nullable(),
});

const Verdict = z.looseObject({
  registryNo,
  registryNoAr: z.string(),
  exists: z.boolean(),
  sha256: sha256.nullable(),
  matches: z.enum(['original', 'archive-pdf']).nullable(),
  authentic: z.boolean().nullable(),
  destroyed: z.looseObject({ at: instant, approvingBody: z.string().nullable() }).optional(),
});

const verifyQuery = z.object({ sha256: sha256.optional().meta({ description: 'The fingerprint to compare (64 hex)' }) });
const verifyAnswer = {
  200: {
    description: 'An Arabic right-to-left page, or with Accept: application/json the verdict',
    schema: Verdict,
    media: 'text/html',
  },
};

const TransactionState = z.looseObject({
  registryNo,
  state: z.enum(['received', 'referred', 'answered', 'closed']),
  receivedOn: day,
  referredOn: day.nullable(),
  answeredOn: day.nullable(),
  closedOn: day.nullable(),
});
const statusQuery = z.object({
  no: z.string().meta({ description: 'The registry number, as the receipt prints it' }),
  code: z.string().meta({ description: 'The receipt code XXXX-XXXX-XXXX' }),
});

export const PUBLIC_OPS: Operation[] = [
  {
    id: 'healthz',
    method: 'get',
    path: '/healthz',
    tag: 'public',
    public: true,
    summary: ['العملية تجيب', 'The process answers'],
    ok: { 200: json(z.looseObject({ status: z.literal('ok') }), 'Alive') },
  },
  {
    id: 'readyz',
    method: 'get',
    path: '/readyz',
    tag: 'public',
    public: true,
    summary: ['جاهزية الخدمات والسلامة وتأخر النسخة الخارجية', "Each service's state, integrity, replication lag"],
    ok: { 200: json(Readiness, 'Ready (or degraded: the offsite copy is away)'), 503: json(Readiness, 'Not ready') },
  },
  {
    id: 'metrics',
    method: 'get',
    path: '/metrics',
    tag: 'public',
    public: true,
    summary: ['مقاييس Prometheus', 'Prometheus metrics'],
    ok: { 200: file('text/plain', 'The metrics in the Prometheus text format') },
  },
  {
    id: 'verifyQuery',
    method: 'get',
    path: '/verify',
    tag: 'public',
    public: true,
    limited: true,
    summary: ['التحقق العلني من رقم قيد وبصمة', 'Public verification of a registry number and fingerprint'],
    query: verifyQuery.extend({ registryNo: registryNo.optional() }),
    ok: verifyAnswer,
    errors: ['bad_request'],
  },
  {
    id: 'verifyNumber',
    method: 'get',
    path: '/verify/{year}/{seq}',
    tag: 'public',
    public: true,
    limited: true,
    summary: ['التحقق برقم قيد في سجل الوارد', 'Verification by an incoming registry number'],
    params: { year: 'The year (Latin or Arabic-Indic digits)', seq: 'The sequence number' },
    query: verifyQuery,
    ok: verifyAnswer,
    errors: ['bad_request'],
  },
  {
    id: 'verifyRegisterNumber',
    method: 'get',
    path: '/verify/{register}/{year}/{seq}',
    tag: 'public',
    public: true,
    limited: true,
    summary: ['التحقق برقم قيد في سجل آخر', "Verification by another register's number"],
    params: { register: "The register's code", year: 'The year', seq: 'The sequence number' },
    query: verifyQuery,
    ok: verifyAnswer,
    errors: ['bad_request'],
  },
  {
    id: 'verifyEncodedNumber',
    method: 'get',
    path: '/verify/{registryNo}',
    tag: 'public',
    public: true,
    limited: true,
    summary: ['التحقق برقم قيد في مقطع واحد (%2F)', 'Verification by a registry number in one segment (%2F)'],
    params: { registryNo: 'The registry number, its slashes escaped' },
    query: verifyQuery,
    ok: verifyAnswer,
    errors: ['bad_request'],
  },
  {
    id: 'statusPage',
    method: 'get',
    path: '/status',
    tag: 'public',
    public: true,
    limited: true,
    summary: ['صفحة حالة المعاملة (رمز الإيصال)', "A transaction's state, as a page (the receipt's code)"],
    query: statusQuery.partial(),
    ok: { 200: file('text/html', 'The page'), 404: file('text/html', 'No such number, or a wrong code') },
  },
  {
    id: 'transactionStatus',
    method: 'get',
    path: '/api/v1/status',
    tag: 'public',
    public: true,
    limited: true,
    summary: ['حالة المعاملة برقمها ورمز إيصالها', "A transaction's state, by its number and receipt code"],
    query: statusQuery,
    ok: { 200: json(TransactionState, 'The state and its dates (the archive time zone)') },
    errors: ['bad_request', 'not_found'],
  },
  {
    id: 'publicKey',
    method: 'get',
    path: '/api/v1/audit/public-key',
    tag: 'public',
    public: true,
    summary: ['المفتاح العام للتحقق من نقاط التحقق الموقّعة', 'The public key that verifies signed checkpoints'],
    ok: { 200: file('application/x-pem-file', 'Ed25519 public key (PEM)', { 'X-Diwan-Key-Id': "The key's id" }) },
  },
  {
    id: 'openapi',
    method: 'get',
    path: '/api/v1/openapi.json',
    tag: 'public',
    public: true,
    summary: ['عقد الواجهة (OpenAPI 3.1)', 'This contract (OpenAPI 3.1)'],
    ok: { 200: json(z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) }), 'The document') },
  },
  {
    id: 'apiReference',
    method: 'get',
    path: '/api/docs',
    tag: 'public',
    public: true,
    summary: ['مرجع الواجهة للقراءة', 'The API reference, to read'],
    query: z.object({ lang: z.enum(['ar', 'en']).optional() }),
    ok: { 200: file('text/html', 'The reference page, Arabic first') },
  },
];
