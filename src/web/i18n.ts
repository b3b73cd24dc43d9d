/**
 * The viewer's words, Arabic first, English second. Numbers are shown in
 * Arabic-Indic digits in Arabic. The language comes from `?lang=` (kept in a
 * cookie), then the cookie; Arabic by default.
 */
import type { Request, Response } from 'express';
import { toArabicIndic } from '../../kernel/text';
import { cookies } from '../http/cookies';

export type Lang = 'ar' | 'en';

const S = {
  appName: ['الديوان الإلكتروني', 'Diwan — Electronic Registry'],
  search: ['البحث', 'Search'],
  upload: ['رفع دفعة', 'Upload'],
  audit: ['التدقيق', 'Audit'],
  verifyPublic: ['التحقق من وثيقة', 'Verify a document'],
  signIn: ['تسجيل الدخول', 'Sign in'],
  signOut: ['خروج', 'Sign out'],
  username: ['اسم المستخدم', 'Username'],
  password: ['كلمة المرور', 'Password'],
  badLogin: ['اسم المستخدم أو كلمة المرور غير صحيحة.', 'Wrong username or password.'],
  lockedLogin: [
    'أُوقف الدخول إلى هذا الحساب مؤقتًا بعد محاولات خاطئة كثيرة؛ أعد المحاولة بعد ربع ساعة أو راجع مدير النظام.',
    'This account is locked for a while after many wrong attempts; try again in a quarter of an hour or ask an administrator.',
  ],
  notAllowed: ['لا تملك صلاحية هذه الصفحة.', 'You are not allowed to see this page.'],
  otherLang: ['English', 'العربية'],
  searchPlaceholder: ['ابحث في نصوص الوثائق أو برقم القيد', 'Search the documents’ text, or a registry number'],
  go: ['بحث', 'Search'],
  filters: ['تصفية', 'Filters'],
  from: ['من تاريخ', 'From'],
  to: ['إلى تاريخ', 'To'],
  type: ['النوع', 'Type'],
  department: ['الإدارة', 'Department'],
  year: ['السنة', 'Year'],
  needsReview: ['تحتاج مراجعة', 'Needs review'],
  any: ['الكل', 'Any'],
  apply: ['تطبيق', 'Apply'],
  results: ['نتيجة', 'results'],
  noResults: ['لا توجد نتائج.', 'No results.'],
  recent: ['أحدث الوثائق', 'Latest documents'],
  page: ['صفحة', 'Page'],
  of: ['من', 'of'],
  next: ['التالي', 'Next'],
  previous: ['السابق', 'Previous'],
  registryNo: ['رقم القيد', 'Registry no.'],
  title: ['العنوان', 'Title'],
  registeredAt: ['تاريخ القيد', 'Registered'],
  docDate: ['تاريخ الوثيقة', 'Document date'],
  classification: ['التصنيف', 'Classification'],
  correspondent: ['الجهة', 'Correspondent'],
  batch: ['الدفعة', 'Batch'],
  pages: ['الصفحات', 'Pages'],
  status: ['الحالة', 'Status'],
  zoomFit: ['ملء العرض', 'Fit width'],
  zoomIn: ['تكبير', 'Zoom in'],
  zoomOut: ['تصغير', 'Zoom out'],
  ocrText: ['النص المقروء', 'Recognised text'],
  metadata: ['البيانات', 'Details'],
  downloads: ['التنزيل', 'Downloads'],
  archivePdf: ['النسخة الأرشيفية المختومة (PDF)', 'Stamped archive copy (PDF)'],
  original: ['الملف الأصلي', 'Original file'],
  stamp: ['الختم', 'Stamp'],
  stampLink: ['رابط التحقق في رمز QR', 'Verification link in the QR code'],
  integrity: ['السلامة', 'Integrity'],
  fingerprintOriginal: ['بصمة الأصل (SHA-256)', 'Original fingerprint (SHA-256)'],
  fingerprintArchive: ['بصمة النسخة الأرشيفية', 'Archive copy fingerprint'],
  copies: ['النسخ', 'Copies'],
  primaryCopy: ['النسخة الرئيسية', 'Primary copy'],
  offsiteCopy: ['النسخة الخارجية', 'Offsite copy'],
  verifiedAt: ['تحقق منها', 'verified'],
  notYet: ['لم تُنسخ بعد', 'not copied yet'],
  lastVerification: ['آخر تحقق', 'Last verification'],
  never: ['لم يجرِ بعد', 'never'],
  verifyNow: ['تحقق الآن', 'Verify now'],
  verifiedOk: ['سليمة: كل النسخ تطابق البصمات المسجلة.', 'Intact: every copy matches the recorded fingerprints.'],
  verifiedBad: ['تنبيه: نسخة لا تطابق البصمة المسجلة.', 'Warning: a copy does not match its recorded fingerprint.'],
  uploadTitle: ['رفع دفعة من الوثائق', 'Upload a batch of documents'],
  batchName: ['اسم الدفعة', 'Batch name'],
  mode: ['طريقة الرفع', 'Files are'],
  modeDocuments: ['كل ملف وثيقة مستقلة', 'each file a document'],
  modePages: ['كل الملفات صفحات وثيقة واحدة', 'pages of one document'],
  dropHere: ['اسحب الملفات أو مجلدًا إلى هنا، أو اخترها', 'Drop files or a folder here, or choose them'],
  chooseFiles: ['اختر ملفات', 'Choose files'],
  chooseFolder: ['اختر مجلدًا', 'Choose a folder'],
  start: ['ابدأ الرفع', 'Start upload'],
  batchProgress: ['تقدّم الدفعة', 'Batch progress'],
  queued: ['في الانتظار', 'queued'],
  processing: ['قيد المعالجة', 'processing'],
  archived: ['مؤرشفة', 'archived'],
  duplicate: ['مكررة', 'duplicate'],
  rejected: ['مرفوضة', 'rejected'],
  failed: ['تعذّرت', 'failed'],
  uploading: ['يُرفع', 'uploading'],
  auditTitle: ['لوحة التدقيق', 'Audit'],
  ledger: ['السجل المتسلسل', 'Hash-chained ledger'],
  entries: ['قيد', 'entries'],
  chainIntact: ['السلسلة سليمة', 'chain intact'],
  chainBroken: ['السلسلة مكسورة عند القيد', 'chain broken at entry'],
  checkpoints: ['نقاط التوقيع', 'Signed checkpoints'],
  lastCheckpoint: ['آخر نقطة توقيع', 'Last checkpoint'],
  fixity: ['الفحص الدوري للملفات', 'Fixity'],
  objectsChecked: ['ملفًا فُحص', 'objects checked'],
  repaired: ['أُصلح', 'repaired'],
  damaged: ['تالف', 'damaged'],
  replication: ['النسخة الخارجية', 'Offsite replication'],
  pendingDocs: ['وثيقة تنتظر النسخ', 'documents waiting'],
  oldestPending: ['أقدم انتظار (ثانية)', 'oldest wait (s)'],
  objectLock: ['القفل ضد الحذف', 'Object Lock'],
  locked: ['مقفلة', 'locked'],
  notLocked: ['غير مقفلة', 'not locked'],
  verifyFile: ['تحقق من ملف', 'Verify a file'],
  verifyFileHelp: [
    'ارفع ملفًا لمعرفة هل هو أصل مسجّل أو نسخة أرشيفية، وأيها.',
    'Upload a file to learn whether it is a registered original or archive copy, and which.',
  ],
  check: ['تحقق', 'Check'],
  notRegistered: ['هذا الملف غير مسجّل.', 'This file is not registered.'],
  isRegistered: ['هذا الملف مسجّل:', 'This file is registered:'],
  documents: ['الوثائق', 'Documents'],
  notFound: ['لم توجد هذه الوثيقة.', 'No such document.'],
} as const;

export type Key = keyof typeof S;

export function t(lang: Lang, key: Key): string {
  return S[key][lang === 'ar' ? 0 : 1];
}

/**
 * A word table of its own for a part of the viewer (a page or a section), in
 * the same Arabic-first pairs: `const w = wordsOf({ inbox: ['الوارد للإجراء', 'Inbox'] }); w(lang, 'inbox')`.
 */
export function wordsOf<K extends string>(table: Record<K, readonly [string, string]>): (lang: Lang, key: K) => string {
  return (lang, key) => table[key][lang === 'ar' ? 0 : 1];
}

/** Digits as the reader expects them: Arabic-Indic in Arabic. */
export function num(lang: Lang, n: number | string): string {
  return lang === 'ar' ? toArabicIndic(String(n)) : String(n);
}

export function date(lang: Lang, iso: string | null, withTime = false, timeZone = 'UTC'): string {
  if (!iso) return '—';
  const d = new Date(iso);
  const opts: Intl.DateTimeFormatOptions = withTime
    ? { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
    : { year: 'numeric', month: '2-digit', day: '2-digit' };
  return new Intl.DateTimeFormat(lang === 'ar' ? 'ar-u-nu-arab' : 'en-GB', { ...opts, timeZone }).format(d);
}

export function statusWord(lang: Lang, status: string): string {
  return status in S ? t(lang, status as Key) : status;
}

/** The request's language; `?lang=` switches it and is remembered. */
export function langOf(req: Request, res: Response): Lang {
  const asked = typeof req.query.lang === 'string' ? req.query.lang : undefined;
  if (asked === 'ar' || asked === 'en') {
    res.cookie('diwan_lang', asked, { sameSite: 'lax', httpOnly: true, maxAge: 365 * 24 * 3600_000 });
    return asked;
  }
  return cookies(req).diwan_lang === 'en' ? 'en' : 'ar';
}
