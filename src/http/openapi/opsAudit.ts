/** The auditor's calls, long jobs, and people and tokens. */
import { z } from 'zod';
import * as req from './requests';
import { json, type Operation } from './spec';
import { Checkpoint, count, instant, Job, JobStarted, sha256, Token, User, uuid } from './shapes';

const Chain = z.looseObject({
  entries: count,
  brokenAt: z.number().int().nullable(),
  verifiedFrom: count,
  verifiedUpTo: count,
  checked: count,
  deepCheckedAt: instant.nullable(),
  checkpoints: count,
  badCheckpoint: z.number().int().nullable(),
  /** The checkpoints checked now: those made since the last check found all whole, or every one (deep, full). */
  checkpointsChecked: count,
});

const Signed = z.looseObject({ id: z.number().int(), body: z.looseObject({ format: z.string() }), signature: z.string() });

const Lock = z.looseObject({ enabled: z.boolean() });

export const AUDIT_OPS: Operation[] = [
  {
    id: 'ledger',
    method: 'get',
    path: '/api/v1/audit/ledger',
    tag: 'audit',
    summary: ['إعادة حساب سلسلة السجل والتحقق من نقاط التحقق', 'Recompute the ledger’s hash chain and check the checkpoints'],
    query: z.object({
      deep: z
        .enum(['true', 'false'])
        .optional()
        .meta({ description: 'Also old rows rewritten since the last deep check, and every checkpoint' }),
      full: z.enum(['true', 'false']).optional().meta({ description: 'The whole chain re-hashed' }),
    }),
    ok: { 200: json(Chain, 'Only what is new since the last check that found it whole, unless deep or full') },
  },
  {
    id: 'auditReport',
    method: 'get',
    path: '/api/v1/audit/report',
    tag: 'audit',
    summary: ['تقرير التدقيق', 'The audit report'],
    ok: {
      200: json(
        z.looseObject({
          generatedAt: instant,
          ledger: z.looseObject({ entries: count, brokenAt: z.number().int().nullable() }),
          fixity: z.looseObject({ objectsChecked: count, damaged: z.array(z.unknown()) }),
          replication: z.looseObject({ files: count, verifiedOffsite: count, missingOffsite: count }),
          documents: z.record(z.string(), count),
        }),
        'Ledger, checkpoints, fixity, replication and documents in one answer',
      ),
    },
  },
  {
    id: 'auditExport',
    method: 'get',
    path: '/api/v1/audit/export',
    tag: 'audit',
    summary: ['تصدير التدقيق للتحقق دون اتصال', 'The audit export, to check offline'],
    query: z.object({ format: z.enum(['json', 'ndjson']).optional() }),
    ok: {
      200: {
        description: 'Streamed: the ledger, checkpoints, public key and every manifest (withheld ones: fingerprints only)',
        schema: z.looseObject({
          ledger: z.array(z.unknown()),
          checkpoints: z.array(z.unknown()),
          manifests: z.array(z.unknown()),
        }),
        media: 'application/x-ndjson',
      },
    },
  },
  {
    id: 'signCheckpoint',
    method: 'post',
    path: '/api/v1/audit/checkpoint',
    tag: 'audit',
    summary: ['توقيع رأس السجل الآن', "Sign the ledger's head now"],
    ok: { 201: json(Checkpoint, 'The signed checkpoint') },
    errors: ['range_building'],
  },
  {
    id: 'checkpoints',
    method: 'get',
    path: '/api/v1/audit/checkpoints',
    tag: 'audit',
    summary: ['نقاط التحقق الموقّعة', 'The signed checkpoints'],
    ok: { 200: json(z.looseObject({ keyId: z.string(), checkpoints: z.array(Signed) }), 'Oldest first') },
  },
  {
    id: 'checkpointConsistency',
    method: 'get',
    path: '/api/v1/audit/checkpoints/{id}/consistency',
    tag: 'audit',
    summary: ['إثبات أن نطاق نقطة سابقة بادئة لهذه', "Proof that an older checkpoint's range is a prefix of this one's"],
    params: { id: 'The newer checkpoint' },
    query: z.object({ from: z.coerce.number().int().meta({ description: 'The older checkpoint' }) }),
    ok: {
      200: json(
        z.looseObject({
          format: z.literal('diwan-consistency/1'),
          older: Signed,
          newer: Signed,
          proof: z.unknown(),
          publicKey: z.string(),
        }),
        'The proof and both checkpoints as signed',
      ),
    },
    errors: ['bad_request', 'not_found', 'not_checkpointed'],
  },
  {
    id: 'documentProof',
    method: 'get',
    path: '/api/v1/documents/{id}/proof',
    tag: 'audit',
    summary: ['إثبات أن الوثيقة تحت آخر نقطة تحقق', 'Proof that the document is under the latest checkpoint'],
    params: { id: "The document's id or registry number" },
    ok: {
      200: json(
        z.looseObject({
          format: z.literal('diwan-proof/1'),
          document: z.looseObject({ id: uuid, registryNo: z.string(), original: sha256 }),
          leaf: z.string(),
          leafIndex: count,
          path: z.array(z.string()),
          peaks: z.array(z.string()),
          checkpoint: Signed,
          publicKey: z.string(),
        }),
        'Its leaf, the path to its peak, the peaks, the checkpoint as signed',
      ),
    },
    errors: ['not_found', 'not_checkpointed'],
  },
  {
    id: 'replication',
    method: 'get',
    path: '/api/v1/replication',
    tag: 'audit',
    summary: ['تأخر النسخة الخارجية وقفل الكائنات', 'Offsite lag and each bucket’s Object Lock'],
    ok: {
      200: json(
        z.looseObject({
          pending: count,
          oldestPendingSeconds: z.number(),
          bytesPending: z.number(),
          objectsPending: count,
          objectsReplicated: count,
          lastVerifiedAt: instant.nullable(),
          target: z.string(),
          objectLock: z.looseObject({ primary: Lock, offsite: Lock }),
        }),
        'The lag',
      ),
    },
  },
  {
    id: 'replicationCatchUp',
    method: 'post',
    path: '/api/v1/replication/catch-up',
    tag: 'audit',
    summary: ['جدولة كل نسخة خارجية ناقصة الآن', 'Queue every incomplete offsite copy now'],
    ok: { 200: json(z.looseObject({ requeued: count, waiting: count }), 'What was queued') },
  },
  {
    id: 'fixity',
    method: 'post',
    path: '/api/v1/fixity',
    tag: 'audit',
    summary: ['فحص سلامة الملفات الآن (مهمة)', 'A fixity sweep now, as a job'],
    query: z.object({ documentId: uuid.optional().meta({ description: 'One document only' }) }),
    ok: { 202: json(JobStarted, 'The job; its result names every damaged object') },
    errors: ['bad_request'],
  },
  {
    id: 'listJobs',
    method: 'get',
    path: '/api/v1/jobs',
    tag: 'jobs',
    summary: ['المهام الطويلة وتقدّمها', 'Long jobs and their progress'],
    query: z.object({ limit: z.coerce.number().int().min(1).max(500).optional() }),
    ok: { 200: json(z.looseObject({ jobs: z.array(Job) }), 'Newest first') },
  },
  {
    id: 'getJob',
    method: 'get',
    path: '/api/v1/jobs/{id}',
    tag: 'jobs',
    summary: ['مهمة واحدة ونتيجتها (للمدقق، أو لمن طلبها)', 'One job and its result (for an auditor, or whoever asked for it)'],
    ok: { 200: json(Job, 'The job') },
    errors: ['not_found', 'forbidden'],
  },
  {
    id: 'me',
    method: 'get',
    path: '/api/v1/me',
    tag: 'people',
    summary: ['من أنا: الدور ودرجة الاطلاع والأقسام', 'Who am I: role, clearance, departments'],
    ok: {
      200: json(
        z.looseObject({
          name: z.string(),
          role: z.string(),
          clearance: z.string(),
          departments: z.array(z.string()).nullable(),
          via: z.string(),
        }),
        'The caller',
      ),
    },
  },
  {
    id: 'listUsers',
    method: 'get',
    path: '/api/v1/users',
    tag: 'people',
    summary: ['الأشخاص', 'The people'],
    ok: { 200: json(z.looseObject({ users: z.array(User) }), 'Every account') },
  },
  {
    id: 'addUser',
    method: 'post',
    path: '/api/v1/users',
    tag: 'people',
    summary: ['إضافة شخص', 'Add a person'],
    body: req.newUser,
    ok: {
      201: json(
        z.looseObject({ user: User, password: z.string().optional().meta({ description: 'Made here: shown this once' }) }),
        'The account',
      ),
    },
    errors: ['bad_request'],
  },
  {
    id: 'disableUser',
    method: 'post',
    path: '/api/v1/users/{username}/disable',
    tag: 'people',
    summary: ['إيقاف حساب', 'Disable an account'],
    params: { username: 'The username' },
    ok: { 200: json(z.looseObject({ user: User }), 'Disabled') },
    errors: ['not_found'],
  },
  {
    id: 'enableUser',
    method: 'post',
    path: '/api/v1/users/{username}/enable',
    tag: 'people',
    summary: ['تفعيل حساب', 'Enable an account'],
    params: { username: 'The username' },
    ok: { 200: json(z.looseObject({ user: User }), 'Enabled') },
    errors: ['not_found'],
  },
  {
    id: 'resetSecondFactor',
    method: 'post',
    path: '/api/v1/users/{username}/reset-totp',
    tag: 'people',
    summary: ['إزالة التحقق بخطوتين لشخص (هاتف مفقود)', "Remove a person's second factor (a lost phone)"],
    params: { username: 'The username' },
    ok: {
      200: json(z.looseObject({ username: z.string(), removed: z.boolean() }), 'They set one up again at their next sign-in'),
    },
    errors: ['not_found'],
  },
  {
    id: 'listTokens',
    method: 'get',
    path: '/api/v1/tokens',
    tag: 'people',
    summary: ['رموز الدخول', 'The access tokens'],
    ok: { 200: json(z.looseObject({ tokens: z.array(Token) }), 'Every token (never its secret)') },
  },
  {
    id: 'createToken',
    method: 'post',
    path: '/api/v1/tokens',
    tag: 'people',
    summary: ['إصدار رمز دخول لشخص', 'Issue an access token for a person'],
    body: req.newToken,
    ok: { 201: json(Token.extend({ token: z.string().meta({ description: 'Shown this once' }) }), 'The token') },
    errors: ['not_found', 'bad_request'],
  },
  {
    id: 'revokeToken',
    method: 'post',
    path: '/api/v1/tokens/{id}/revoke',
    tag: 'people',
    summary: ['إلغاء رمز دخول', 'Revoke an access token'],
    ok: { 200: json(z.looseObject({ id: uuid, revoked: z.literal(true) }), 'Revoked') },
    errors: ['not_found'],
  },
];
