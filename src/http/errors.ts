/**
 * The one place where domain errors become HTTP answers: problem details
 * (RFC 9457, `application/problem+json`) wherever they are asked, the API and
 * the public pages' JSON answers (/verify, /status) alike. `type` names the
 * code's entry in the API reference, `title` its English words, `status`,
 * `detail` (this occurrence, in English) and `instance` (the path asked), beside
 * the fields clients have always read: `error` (the stable code), `message`
 * (Arabic), `messageEn` and `details`.
 */
import type { ErrorRequestHandler } from 'express';
import { DomainError, ERROR_MESSAGES, isDomainError, type ErrorCode } from '../../kernel/errors';
import type { Logger } from '../../kernel/log';
import { multerError } from './uploads';

export const HTTP_STATUS: Record<ErrorCode, number> = {
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  bad_request: 400,
  no_file: 400,
  empty_file: 422,
  file_too_large: 413,
  unsupported_type: 415,
  office_macros: 422,
  office_unreadable: 422,
  office_timeout: 422,
  office_unavailable: 503,
  email_unreadable: 422,
  passes_uneven: 422,
  stack_empty: 422,
  corrupt_file: 422,
  encrypted_file: 422,
  decode_timeout: 422,
  request_too_large: 413,
  too_many_pixels: 422,
  too_many_pages: 422,
  storage_unavailable: 503,
  not_ready: 503,
  not_archived: 409,
  reocr_pending: 409,
  has_text_layer: 409,
  rate_limited: 429,
  internal: 500,
  copy_damaged: 503,
  not_failed: 409,
  not_checkpointed: 409,
  range_building: 409,
  unknown_register: 400,
  register_exists: 409,
  bad_external_date: 400,
  unknown_registry_no: 400,
  unknown_correspondent: 400,
  bad_link: 400,
  referral_closed: 409,
  bad_due_date: 400,
  reason_required: 400,
  no_change: 400,
  hold_lifted: 409,
  not_due: 409,
  disposal_not_approved: 409,
  disposal_decided: 409,
  own_disposal: 403,
  destroyed: 410,
  transfer_not_ready: 409,
  transfer_empty: 400,
  transfer_complete: 409,
  bad_period: 400,
  unknown_rule: 404,
  rule_exists: 409,
  rule_retired: 409,
  bad_trigger_date: 400,
  file_closed: 409,
  transfer_not_complete: 409,
  transfer_received: 409,
  receipt_mismatch: 409,
  bad_receipt_date: 400,
  destroyed_duplicate: 409,
  sso_unavailable: 503,
  sso_failed: 400,
  sso_no_group: 403,
  sso_name_taken: 409,
  bad_label_count: 400,
};

export const PROBLEM_JSON = 'application/problem+json';

/** Where an error code is described: its entry in the API reference (a URI reference, as RFC 9457 allows). */
const problemType = (code: ErrorCode) => `/api/docs#error-${code}`;

/** A domain error as problem details (RFC 9457), with the fields clients read besides. */
function problemOf(e: DomainError, instance: string) {
  return {
    type: problemType(e.code),
    title: ERROR_MESSAGES[e.code][1],
    status: HTTP_STATUS[e.code],
    detail: e.messageEn,
    instance,
    ...e.toJSON(),
  };
}

/** busboy's words for a multipart body that is not one (cut short, no boundary, broken part headers). */
const MALFORMED_MULTIPART = /Unexpected end of (form|multipart)|Boundary not found|Malformed part header|Multipart: /i;

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    let e: DomainError;
    if (isDomainError(err)) e = err;
    else if (multerError(err)) e = multerError(err)!;
    else if ((err as { type?: string })?.type === 'entity.parse.failed') e = new DomainError('bad_request');
    else if ((err as { type?: string })?.type === 'entity.too.large') e = new DomainError('request_too_large');
    else if (MALFORMED_MULTIPART.test(String((err as Error)?.message ?? ''))) {
      e = new DomainError('bad_request', { ar: '(نموذج متعدد الأجزاء تالف)', en: '(malformed multipart body)' });
    } else {
      ((res.locals.log as Logger | undefined) ?? log).error('unexpected error', {
        error: String(err),
        stack: (err as Error)?.stack,
      });
      e = new DomainError('internal');
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    res
      .status(HTTP_STATUS[e.code])
      .type(PROBLEM_JSON)
      .json(problemOf(e, req.originalUrl.split('?')[0]!));
  };
}
