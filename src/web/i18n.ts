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
  chooseFile: ['اختر ملفًا', 'Choose a file'],
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
  directoryAway: [
    'تعذّر الاتصال بدليل المستخدمين في الوزارة، فلم يُتحقق من كلمة المرور. أعد المحاولة بعد قليل أو راجع مدير النظام.',
    'The ministry’s user directory could not be reached, so the password could not be checked. Try again shortly or ask an administrator.',
  ],
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

/**
 * A date as the reader expects it: the Gregorian day (and time), with the Hijri
 * (Umm al-Qura) day beside it, both in the archive's time zone, e.g.
 * «٠١/١٢/٢٠٢٦، ١٥:٥١ (٢١ جمادى الآخرة ١٤٤٨ هـ)», "01/12/2026, 15:51 (21 Jumada II 1448 AH)".
 */
export function date(lang: Lang, iso: string | null, withTime = false, timeZone = 'UTC'): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const opts: Intl.DateTimeFormatOptions = withTime
    ? { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
    : { year: 'numeric', month: '2-digit', day: '2-digit' };
  const gregorian = new Intl.DateTimeFormat(lang === 'ar' ? 'ar-u-ca-gregory-nu-arab' : 'en-GB-u-ca-gregory', {
    ...opts,
    timeZone,
  }).format(d);
  return `${gregorian} (${hijriDate(lang, d, timeZone)})`;
}

/** The Hijri (Umm al-Qura) day, as the registry's stamp writes it: «٢١ جمادى الآخرة ١٤٤٨ هـ», "21 Jumada II 1448 AH". */
export function hijriDate(lang: Lang, d: Date, timeZone = 'UTC'): string {
  const locale = lang === 'ar' ? 'ar-u-ca-islamic-umalqura-nu-arab' : 'en-GB-u-ca-islamic-umalqura';
  return new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'long', day: 'numeric', timeZone }).format(d);
}

/** A count's words in one language, by its plural category; '#' stands for the number (in the reader's digits). */
export type PluralForms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

const PLURAL_RULES = { ar: new Intl.PluralRules('ar'), en: new Intl.PluralRules('en') };

/**
 * A count said right in each language, by the language's plural rules (Arabic
 * has six forms): plural('ar', 2, RESULTS) is «نتيجتان», plural('ar', 11, RESULTS) «١١ نتيجة».
 * `forms` is an Arabic-first pair, like the word tables; a missing form falls back to `other`.
 */
export function plural(lang: Lang, n: number, forms: readonly [ar: PluralForms, en: PluralForms]): string {
  const table = forms[lang === 'ar' ? 0 : 1];
  const form = table[PLURAL_RULES[lang].select(n)] ?? table.other;
  return form.replace('#', num(lang, n));
}

/** A count table of its own, like wordsOf: `const c = countsOf({ files: [{…}, {…}] }); c(lang, 'files', n)`. */
export function countsOf<K extends string>(
  table: Record<K, readonly [PluralForms, PluralForms]>,
): (lang: Lang, key: K, n: number) => string {
  return (lang, key, n) => plural(lang, n, table[key]);
}

/** The counts shown on more than one page (the browser script takes some of them, as they are). */
export const COUNTS = {
  results: [
    { zero: 'لا نتائج', one: 'نتيجة واحدة', two: 'نتيجتان', few: '# نتائج', many: '# نتيجة', other: '# نتيجة' },
    { one: '# result', other: '# results' },
  ],
  days: [
    { zero: '# يوم', one: 'يومًا واحدًا', two: 'يومين', few: '# أيام', many: '# يومًا', other: '# يوم' },
    { one: '# day', other: '# days' },
  ],
  documents: [
    { zero: 'لا وثائق', one: 'وثيقة واحدة', two: 'وثيقتان', few: '# وثائق', many: '# وثيقة', other: '# وثيقة' },
    { one: '# document', other: '# documents' },
  ],
  files: [
    { zero: 'لم يُختر ملف', one: 'ملف واحد', two: 'ملفان', few: '# ملفات', many: '# ملفًا', other: '# ملف' },
    { zero: 'no file chosen', one: '# file', other: '# files' },
  ],
  damagedFiles: [
    {
      zero: 'لا ملفات تالفة',
      one: 'ملف تالف واحد',
      two: 'ملفان تالفان',
      few: '# ملفات تالفة',
      many: '# ملفًا تالفًا',
      other: '# ملف تالف',
    },
    { one: '# damaged file', other: '# damaged files' },
  ],
  openReferrals: [
    {
      zero: 'لا إحالات مفتوحة',
      one: 'إحالة مفتوحة واحدة',
      two: 'إحالتان مفتوحتان',
      few: '# إحالات مفتوحة',
      many: '# إحالة مفتوحة',
      other: '# إحالة مفتوحة',
    },
    { one: '# open', other: '# open' },
  ],
  overdueReferrals: [
    {
      zero: 'لا إحالات متأخرة',
      one: 'إحالة متأخرة واحدة',
      two: 'إحالتان متأخرتان',
      few: '# إحالات متأخرة',
      many: '# إحالة متأخرة',
      other: '# إحالة متأخرة',
    },
    { one: '# overdue', other: '# overdue' },
  ],
} satisfies Record<string, readonly [PluralForms, PluralForms]>;

export const count = countsOf(COUNTS);

/** The values a record holds, said in the reader's language: classifications, roles, states. */
const VALUES = {
  classification: {
    public: ['عام', 'Public'],
    internal: ['داخلي', 'Internal'],
    confidential: ['سري', 'Confidential'],
    secret: ['سري للغاية', 'Secret'],
  },
  role: {
    clerk: ['موظف القيد', 'Clerk'],
    official: ['مسؤول', 'Official'],
    auditor: ['مدقق', 'Auditor'],
    archivist: ['أمين المحفوظات', 'Archivist'],
    admin: ['مدير النظام', 'Administrator'],
  },
  status: {
    queued: ['في الانتظار', 'queued'],
    processing: ['قيد المعالجة', 'processing'],
    archived: ['مؤرشفة', 'archived'],
    duplicate: ['مكررة', 'duplicate'],
    rejected: ['مرفوضة', 'rejected'],
    failed: ['تعذّرت', 'failed'],
    uploading: ['يُرفع', 'uploading'],
    destroyed: ['أُتلفت', 'destroyed'],
  },
  /** Who did something, when it was not a person: the installation's own token. */
  actor: {
    'administrator token': ['رمز مدير النظام', 'administrator token'],
  },
  correspondentKind: {
    ministry: ['وزارة', 'ministry'],
    company: ['شركة', 'company'],
    person: ['شخص', 'person'],
    other: ['جهة', 'other'],
  },
  /** Where a batch's files came from. */
  intakeSource: {
    web: ['صفحة الرفع', 'Upload page'],
    api: ['الواجهة البرمجية', 'API'],
    cli: ['سطر الأوامر', 'Command line'],
    folder: ['مجلد مراقَب', 'Watched folder'],
    mail: ['البريد الإلكتروني', 'E-mail'],
  },
  /** What a received file became. */
  intakeKind: {
    file: ['ملف', 'file'],
    stack: ['جزء من رزمة ممسوحة', 'part of a scanned stack'],
    office: ['مستند أوفيس', 'Office document'],
    email: ['رسالة بريد', 'e-mail message'],
    attachment: ['مرفق رسالة', 'attachment of a message'],
  },
  /** How the scanner fed the paper. */
  duplex: {
    simplex: ['وجه واحد', 'One side'],
    duplex: ['الوجهان معًا (تُحذف الظهور الفارغة)', 'Both sides (blank backs dropped)'],
    passes: ['دفعتان: الوجوه ثم الظهور', 'Two passes: fronts then backs'],
  },
} satisfies Record<string, Record<string, readonly [string, string]>>;

/** A stored value in words ('confidential' → «سري»); a value the table does not know is shown as it is. */
export function valueWord(lang: Lang, kind: keyof typeof VALUES, value: string): string {
  const words = (VALUES[kind] as Record<string, readonly [string, string]>)[value];
  return words ? words[lang === 'ar' ? 0 : 1] : value;
}

export function statusWord(lang: Lang, status: string): string {
  return valueWord(lang, 'status', status);
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
