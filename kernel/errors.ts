/**
 * Domain errors: a closed set of codes, each with a message a person reads in
 * Arabic first and English second. `ingest/`, `search/` and `storage/` throw or
 * return these; only `src/http/errors.ts` knows which HTTP status each maps to.
 */

export const ERROR_MESSAGES = {
  unauthorized: ['مطلوب رمز دخول صالح.', 'A valid access token is required.'],
  forbidden: ['لا تملك صلاحية هذا الإجراء.', 'You are not allowed to do this.'],
  not_found: ['غير موجود.', 'Not found.'],
  method_not_allowed: ['هذا الإجراء غير متاح.', 'This action is not available.'],
  bad_request: ['الطلب غير صالح.', 'The request is not valid.'],
  no_file: ['لم يُرفق أي ملف (الحقل file).', 'No file was attached (field "file").'],
  empty_file: ['الملف فارغ.', 'The file is empty.'],
  file_too_large: ['الملف أكبر من الحد المسموح به.', 'The file is larger than allowed.'],
  unsupported_type: [
    'نوع الملف غير مدعوم؛ المقبول: JPEG وPNG وWebP وTIFF وPDF، ومستندات Word وExcel وOpenDocument وRTF، ورسائل البريد (eml).',
    'Unsupported file type; accepted: JPEG, PNG, WebP, TIFF, PDF, Word, Excel, OpenDocument and RTF documents, and e-mail messages (.eml).',
  ],
  encrypted_file: [
    'الملف محمي بكلمة مرور أو مشفّر؛ أرسل نسخة غير محمية.',
    'The file is password-protected or encrypted; send an unprotected copy.',
  ],
  decode_timeout: ['استغرقت قراءة الملف وقتًا أطول من المسموح به.', 'Reading the file took longer than allowed.'],
  request_too_large: ['حجم الطلب أكبر من الحد المسموح به.', 'The request is larger than allowed.'],
  corrupt_file: ['الملف تالف أو مقطوع ولا يمكن قراءته.', 'The file is corrupt or truncated and cannot be read.'],
  too_many_pixels: ['أبعاد الصفحة أكبر من الحد المسموح به.', 'The page has more pixels than allowed.'],
  too_many_pages: ['عدد الصفحات أكبر من الحد المسموح به.', 'The document has more pages than allowed.'],
  storage_unavailable: ['تعذّر حفظ الملف في التخزين؛ أعد المحاولة.', 'The file could not be stored; try again.'],
  not_ready: ['الخدمة غير جاهزة بعد.', 'The service is not ready yet.'],
  not_archived: [
    'لم تكتمل أرشفة الوثيقة بعد؛ تُعاد قراءتها بعد الأرشفة.',
    'The document is not archived yet; it can be read again once it is.',
  ],
  reocr_pending: ['إعادة قراءة هذه الوثيقة قيد الانتظار بالفعل.', 'A re-reading of this document is already queued.'],
  has_text_layer: [
    'هذه الوثيقة ملف PDF رقمي يحتفظ بنصه الأصلي ولا تُعاد قراءته آليًا.',
    'This document is a born-digital PDF that keeps its own text; it is not read again by OCR.',
  ],
  rate_limited: ['طلبات كثيرة في وقت قصير؛ أعد المحاولة بعد دقيقة.', 'Too many requests; try again in a minute.'],
  internal: ['حدث خطأ داخلي.', 'An internal error occurred.'],
  copy_damaged: [
    'لا تطابق أي نسخة محفوظة من هذا الملف بصمته المسجّلة الآن؛ سُجّلت المشكلة لفحص السلامة، فأعد المحاولة لاحقًا.',
    'No stored copy of this file matches its recorded fingerprint right now; the problem is recorded for repair, try again later.',
  ],
  not_failed: [
    'لم تتعثر معالجة هذه الوثيقة؛ لا يُعاد تشغيل إلا ما تعثّر.',
    'This document has not failed; only a failed document is run again.',
  ],
  not_checkpointed: ['لا تشمل هذه الوثيقة نقطة تحقق موقّعة بعد.', 'No signed checkpoint covers this document yet.'],
  range_building: [
    'يُبنى نطاق بصمات الوثائق المؤرشفة في الخلفية؛ تُوقَّع نقطة التحقق حين يكتمل.',
    "The range of archived documents' fingerprints is being built in the background; sign the checkpoint once it is done.",
  ],
  unknown_register: ['لا يوجد سجل بهذا الرمز.', 'There is no register with this code.'],
  register_exists: ['يوجد سجل بهذا الرمز من قبل.', 'A register with this code already exists.'],
  bad_external_date: ['تاريخ مرجع المرسِل غير صالح (YYYY-MM-DD).', "The sender's reference date is not valid (YYYY-MM-DD)."],
  unknown_registry_no: ['لا توجد وثيقة بهذا الرقم في السجل.', 'There is no document with this registry number.'],
  unknown_correspondent: ['لا توجد جهة مراسلة بهذا المعرّف.', 'There is no correspondent with this id.'],
  bad_link: [
    'لا يمكن ربط الوثيقة بنفسها، ونوع الرابط أحد: reply وattachment وfollows وcancels.',
    'A document cannot be linked to itself, and the link kind is one of: reply, attachment, follows, cancels.',
  ],
  referral_closed: ['أُغلقت هذه الإحالة من قبل.', 'This referral is already closed.'],
  bad_due_date: ['تاريخ الاستحقاق غير صالح (YYYY-MM-DD).', 'The due date is not valid (YYYY-MM-DD).'],
  reason_required: ['يلزم ذكر سبب التصحيح (من ٣ إلى ٥٠٠ حرف).', 'A reason for the correction is required (3 to 500 characters).'],
  no_change: ['لا تغيير في التصحيح: القيم الجديدة هي القيم الحالية.', 'Nothing to correct: the new values are the current ones.'],
  // Legal holds and lawful disposal.
  hold_lifted: ['رُفع هذا الحجز القانوني من قبل.', 'This legal hold is already lifted.'],
  not_due: [
    'لا تُطلب إتلاف وثيقة إلا إذا حلّ أجل حفظها وكان إجراؤها الإتلاف أو التحويل ولم تُتلف من قبل.',
    'A document is put up for disposal only when its retention is due, its action is destroy or transfer, and it is not destroyed.',
  ],
  disposal_not_approved: [
    'لم تُوافق الجهة المختصة على طلب الإتلاف هذا؛ لا يُتلف شيء دون موافقة.',
    'This disposal request is not approved; nothing is destroyed without approval.',
  ],
  disposal_decided: ['صدر القرار في طلب الإتلاف هذا من قبل.', 'This disposal request has already been decided.'],
  own_disposal: [
    'لا يوافق مقدّم طلب الإتلاف على طلبه بنفسه؛ يقرّره مسؤول آخر.',
    'The requester of a disposal cannot decide it; another administrator does.',
  ],
  destroyed: [
    'أُتلفت هذه الوثيقة إتلافًا قانونيًا؛ بقي سجلّ إتلافها.',
    'This document was lawfully destroyed; its tombstone remains.',
  ],
  // Transfers to another archive (BagIt).
  transfer_not_ready: [
    'لم تكتمل أرشفة الوثيقة بعد؛ لا تُحوَّل إلا وثيقة مؤرشفة.',
    'The document is not archived yet; only an archived document is transferred.',
  ],
  transfer_empty: ['لم يُختر للتحويل أي وثيقة يمكن تحويلها.', 'No document that can be transferred was selected.'],
  transfer_complete: ['اكتمل هذا التحويل من قبل.', 'This transfer is already complete.'],
  // The retention schedule.
  bad_period: [
    'مدة الحفظ غير صالحة: عدد ووحدة، مثل 30d أو 18mo أو 5y (s ثوانٍ، m دقائق، h ساعات، d أيام، mo أشهر، y سنوات).',
    'The retention period is not valid: a number and a unit, such as 30d, 18mo or 5y (s, m, h, d, mo, y).',
  ],
  unknown_rule: ['لا توجد قاعدة حفظ بهذا الرمز.', 'There is no retention rule with this code.'],
  rule_exists: ['توجد قاعدة حفظ بهذا الرمز من قبل.', 'A retention rule with this code already exists.'],
  rule_retired: ['أُوقفت قاعدة الحفظ هذه؛ لا تُعدَّل بعد إيقافها.', 'This retention rule is retired; it is not changed any more.'],
  bad_trigger_date: [
    'يلزم تاريخ البدء (YYYY-MM-DD) حين يكون بدء الحفظ من تاريخ محدد، ولا يُذكر في غيره.',
    'A trigger date (YYYY-MM-DD) is needed when the period runs from a date, and only then.',
  ],
  file_closed: ['أُغلق ملف هذه الوثيقة من قبل.', "This document's file is already closed."],
  // A transfer's receipt by the receiving archive.
  transfer_not_complete: [
    'لم يكتمل هذا التحويل بعد: لم تُكتب حزمته؛ لا يُسجَّل إيصال استلامه قبل ذلك.',
    'This transfer is not complete: its bag has not been written, so no receipt can be recorded for it.',
  ],
  transfer_received: ['سُجّل إيصال استلام هذا التحويل من قبل.', 'The receipt of this transfer is already recorded.'],
  receipt_mismatch: [
    'بصمة ملف tagmanifest التي أبلغت عنها الجهة المستلمة ليست البصمة المسجّلة عند كتابة الحزمة: ما استلمته ليس الحزمة المرسلة.',
    'The tagmanifest SHA-256 the recipient reports is not the one recorded when the bag was written: what they received is not the bag sent.',
  ],
  bad_receipt_date: [
    'تاريخ الإيصال غير صالح: بصيغة YYYY-MM-DD، لا قبل اكتمال التحويل ولا بعد اليوم.',
    'The receipt date is not valid: YYYY-MM-DD, not before the transfer was completed nor after today.',
  ],
  destroyed_duplicate: [
    'هذا الملف هو أصل وثيقة أُتلفت إتلافًا قانونيًا؛ لا يُسجَّل من جديد.',
    'This file is the original of a document that was lawfully destroyed; it is not registered again.',
  ],
  // Single sign-on through the ministry's OpenID Connect provider.
  sso_unavailable: [
    'تعذّر الوصول إلى بوابة الدخول الموحد الآن؛ أعد المحاولة بعد قليل، أو ادخل باسم المستخدم وكلمة المرور.',
    'The single sign-on provider cannot be reached right now; try again shortly, or sign in with a username and password.',
  ],
  sso_failed: [
    'لم يكتمل الدخول الموحد: انتهت مهلة الطلب أو لم يطابق ما بدأه هذا المتصفح؛ ابدأ الدخول من جديد.',
    'Single sign-on did not complete: the request expired or does not match the one this browser started; start signing in again.',
  ],
  sso_no_group: [
    'حسابك في بوابة الدخول الموحد ليس في أي مجموعة مخوَّلة بالدخول إلى الديوان؛ راجع مسؤول النظام.',
    'Your single sign-on account is in no group allowed into the archive; ask your administrator.',
  ],
  sso_name_taken: [
    'اسم المستخدم الذي ترسله بوابة الدخول الموحد لحساب آخر هنا؛ راجع مسؤول النظام.',
    'The username the single sign-on provider sends belongs to another account here; ask your administrator.',
  ],
  // The scanner room: Office documents, e-mail, stacks of scanned pages.
  office_macros: [
    'المستند يحوي وحدات ماكرو أو برامج مضمَّنة؛ لا يُقبل. احفظه دون ماكرو (docx أو xlsx أو odt) وأرسله من جديد.',
    'The document carries macros or embedded programs and is refused; save it without macros (docx, xlsx, odt) and send it again.',
  ],
  office_unreadable: [
    'تعذّر فتح المستند المكتبي أو تحويله إلى PDF؛ الملف تالف أو ليس بالنوع الذي يدّعيه.',
    'The Office document could not be opened or converted to PDF; the file is broken or not the type it claims.',
  ],
  office_timeout: [
    'استغرق تحويل المستند المكتبي وقتًا أو ذاكرة أكثر من المسموح به.',
    'Converting the Office document took more time or memory than allowed.',
  ],
  office_unavailable: [
    'محوّل المستندات المكتبية (LibreOffice) غير مثبّت على هذا الخادم؛ راجع مسؤول النظام.',
    'The Office document converter (LibreOffice) is not installed on this server; ask your administrator.',
  ],
  email_unreadable: [
    'تعذّرت قراءة رسالة البريد: ترويستها أو بنيتها تالفة.',
    'The e-mail message cannot be read: its headers or structure are broken.',
  ],
  passes_uneven: [
    'جمع وجهي الورق من دفعتين يتطلب عددًا زوجيًا من الصفحات (الوجوه ثم الظهور بترتيب معكوس).',
    'Collating two one-sided passes needs an even number of pages (the fronts, then the backs in reverse).',
  ],
  stack_empty: [
    'لم يبقَ في الرزمة أي صفحة بعد إزالة الصفحات الفاصلة والفارغة.',
    'Nothing is left of the stack once its separator and blank pages are taken out.',
  ],
  bad_label_count: [
    'عدد ملصقات أرقام القيد المطلوبة في المرة الواحدة خارج الحد المسموح به.',
    'The number of registry labels asked for at once is outside the allowed range.',
  ],
} as const satisfies Record<string, readonly [string, string]>;

export type ErrorCode = keyof typeof ERROR_MESSAGES;

/**
 * Codes that say the file itself is at fault: reading it again cannot help, so
 * a document whose file raises one fails for good, with that code. Every
 * other code is a refusal at the door or a passing fault.
 */
const PERMANENT_CODES: ReadonlySet<ErrorCode> = new Set([
  'corrupt_file',
  'too_many_pixels',
  'too_many_pages',
  'encrypted_file',
  'unsupported_type',
  'office_macros',
  'office_unreadable',
  'email_unreadable',
]);

/**
 * Codes of a passing fault, not of the file: a service away or busy, or a limit a quieter moment may let it
 * pass. What takes files unattended (a watched folder, a polled mailbox) receives such a file again later, a
 * bounded number of times, instead of refusing it.
 */
const PASSING_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'storage_unavailable',
  'not_ready',
  'rate_limited',
  'internal',
  'office_unavailable',
  'office_timeout',
  'decode_timeout',
]);

/** Whether an error with this code is a passing fault (see PASSING_CODES). */
export function isPassingFault(code: string): boolean {
  return PASSING_CODES.has(code);
}

/** Whether an error with this code is permanent (see PERMANENT_CODES). */
export function isPermanent(code: ErrorCode): boolean {
  return PERMANENT_CODES.has(code);
}

/** An expected failure with a stable code, shown to people in Arabic and English. */
export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly messageAr: string;
  readonly messageEn: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, detail?: { ar?: string; en?: string; details?: Record<string, unknown> }) {
    const [ar, en] = ERROR_MESSAGES[code];
    const messageAr = detail?.ar ? `${ar} ${detail.ar}` : ar;
    const messageEn = detail?.en ? `${en} ${detail.en}` : en;
    super(messageEn);
    this.name = 'DomainError';
    this.code = code;
    this.messageAr = messageAr;
    this.messageEn = messageEn;
    this.details = detail?.details;
  }

  /** The stable JSON body of an error answer. */
  toJSON(): { error: ErrorCode; message: string; messageEn: string; details?: Record<string, unknown> } {
    return {
      error: this.code,
      message: this.messageAr,
      messageEn: this.messageEn,
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}
