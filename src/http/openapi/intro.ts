/** The contract's opening words (the document's description, the reference page's first sections), Arabic first. */
import type { Paging } from './spec';

/** Each section: a title and its text, in Arabic and English (`code` between backquotes). */
export const SECTIONS: ReadonlyArray<{ id: string; title: [string, string]; text: [string, string] }> = [
  {
    id: 'auth',
    title: ['الدخول', 'Signing in'],
    text: [
      'كل استدعاء تحت `/api/v1` يحمل رمز دخول في الترويسة `Authorization: Bearer <token>` (يصدره المسؤول: `diwan tokens create`)، أو جلسة العارض في ملف تعريف الارتباط `diwan_session`؛ ومع الجلسة يحمل كل استدعاء يغيّر شيئًا رمز CSRF في الترويسة `X-CSRF-Token`. الإذن الذي يلزم كل استدعاء مذكور بجانبه، من جدول الصلاحيات نفسه؛ ويجيب أي استدعاء دون رمز صالح بالرمز `401 unauthorized`، ودون الإذن بالرمز `403 forbidden`.',
      'Every call under `/api/v1` carries an access token in `Authorization: Bearer <token>` (issued by an administrator: `diwan tokens create`), or the viewer’s session cookie `diwan_session`; with the session, a call that changes something also carries the CSRF token in `X-CSRF-Token`. The permission each call needs is shown beside it, read from the permission table itself; any call answers `401 unauthorized` without a valid token, and `403 forbidden` without the permission.',
    ],
  },
  {
    id: 'errors',
    title: ['الأخطاء', 'Errors'],
    text: [
      'الأخطاء بصيغة `application/problem+json` (RFC 9457)، تحت `/api/` وفي إجابات JSON للصفحات العلنية (`/verify` و`/status`): `type` (مدخل الرمز في هذا المرجع) و`title` و`status` و`detail` و`instance`، ومعها الحقول الثابتة: `error` (الرمز الذي تختبره البرامج) و`message` بالعربية و`messageEn` بالإنجليزية و`details` عند الحاجة.',
      'Errors, under `/api/` and in the JSON answers of the public pages (`/verify`, `/status`), are `application/problem+json` (RFC 9457): `type` (the code’s entry in this reference), `title`, `status`, `detail` and `instance`, with the stable fields besides: `error` (the code programs test), `message` in Arabic, `messageEn` in English, and `details` where there are some.',
    ],
  },
  {
    id: 'limits',
    title: ['حدود المعدل', 'Rate limits'],
    text: [
      'التحقق العلني وحالة المعاملة وتسجيل الدخول محدودة لكل عنوان عميل في الدقيقة، والعدّ مشترك بين كل عمليات الأرشيف. كل إجابة تحمل الترويستين `RateLimit` و`RateLimit-Policy`، والرفض `429 rate_limited` مع `Retry-After`.',
      'Public verification, transaction status and sign-in are limited per client address per minute, counted together by every process of the archive. Every answer carries `RateLimit` and `RateLimit-Policy`; a refusal is `429 rate_limited` with `Retry-After`.',
    ],
  },
  {
    id: 'paging',
    title: ['الصفحات', 'Paging'],
    text: [
      'القوائم الطويلة تُقرأ صفحةً صفحة: `limit` و`offset`، أو المؤشر `next` الذي تعيده الإجابة في `cursor` أو `before`.',
      'Long lists are read a page at a time: `limit` and `offset`, or the `next` the answer gives, sent back as `cursor` or `before`.',
    ],
  },
];

/** How each kind of paging is read (English, for the document). */
export const PAGING_NOTES: Record<Paging, string> = {
  offset: 'Paged with limit and offset.',
  cursor: 'Paged: send the answer’s `next` back as cursor.',
  before: 'Paged: send the answer’s `next` back as before.',
  after: 'Paged with limit and offset, or (deep pages) by sending the answer’s `next` back as after.',
};

/** The document's description: the sections, Arabic then English. */
export const INTRO = SECTIONS.map((s) => `## ${s.title[0]} — ${s.title[1]}\n\n${s.text[0]}\n\n${s.text[1]}`).join('\n\n');
