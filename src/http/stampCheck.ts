/**
 * The public verification page, where a registry stamp's QR code leads:
 * `GET /verify/<year>/<seq>?sha256=<hash>`. No login. It says whether the
 * registry number exists and whether the fingerprint is that of its original
 * or of its archive PDF, and nothing else about the document. Arabic and
 * right-to-left first; JSON for `Accept: application/json`. Rate-limited per
 * client address.
 */
import { Router, type Request, type Response } from 'express';
import type { DocumentsRepo } from '../../storage/repos/documents';
import { parseRegistryNo, registryNo, type RegistryRef } from '../../kernel/registry';
import { toArabicIndic } from '../../kernel/text';
import { DomainError } from '../../kernel/errors';
import type { Queryable } from '../../storage/db';
import { rateLimit } from './rateLimit';
import { destroyedEntry } from '../../storage/records/destroyed';
import { toLatinDigits } from '../../kernel/text';
import { html, type SafeHtml } from '../web/html';

export interface VerifyDeps {
  db: Queryable;
  documents: DocumentsRepo;
  perMinute: number;
}

export interface Verdict {
  registryNo: string;
  registryNoAr: string;
  exists: boolean;
  /** The fingerprint asked about, if any (lower case). */
  sha256: string | null;
  /** Which registered file has that fingerprint: null when none (or none asked). */
  matches: 'original' | 'archive-pdf' | null;
  authentic: boolean | null;
  /** When the document was lawfully destroyed: when, and under which decision (its tombstone). */
  destroyed?: { at: string; approvingBody: string | null; decisionNo: string | null; decisionDate: string | null };
}

/** The line a destroyed document's verdict adds: lawfully destroyed on its date, under the decision. */
function destroyedLine(v: Verdict): SafeHtml | '' {
  const d = v.destroyed;
  if (!d) return '';
  const day = d.at.slice(0, 10);
  const ar = `أُتلفت هذه الوثيقة إتلافًا قانونيًا بتاريخ ${toArabicIndic(day)} بموجب القرار رقم ${d.decisionNo ?? '—'} تاريخ ${toArabicIndic(d.decisionDate ?? '—')} (${d.approvingBody ?? '—'}). يبقى رقم قيدها وسجلّ إتلافها.`;
  const en = `This document was lawfully destroyed on ${day} under decision no. ${d.decisionNo ?? '—'} of ${d.decisionDate ?? '—'} (${d.approvingBody ?? '—'}). Its registry number and its record of destruction remain.`;
  return html`<section class="verdict info" role="status">
    <p>${ar}</p>
    <p lang="en" dir="ltr">${en}</p>
  </section>`;
}

function page(v: Verdict | undefined): string {
  let verdict: SafeHtml | '' = '';
  if (v) {
    const [cls, ar, en] = !v.exists
      ? ['bad', `لا توجد وثيقة برقم القيد ${v.registryNoAr}.`, `There is no document with registry number ${v.registryNo}.`]
      : v.sha256 === null
        ? [
            'info',
            `رقم القيد ${v.registryNoAr} مسجّل. أدخل البصمة للتحقق من الملف.`,
            `Registry number ${v.registryNo} exists. Enter a fingerprint to check a file.`,
          ]
        : v.matches === 'original'
          ? [
              'good',
              `أصيل: البصمة تطابق الأصل المسجّل برقم القيد ${v.registryNoAr}.`,
              `Authentic: the fingerprint matches the original registered as ${v.registryNo}.`,
            ]
          : v.matches === 'archive-pdf'
            ? [
                'good',
                `أصيل: البصمة تطابق النسخة الأرشيفية المختومة لرقم القيد ${v.registryNoAr}.`,
                `Authentic: the fingerprint matches the stamped archive copy of ${v.registryNo}.`,
              ]
            : [
                'bad',
                `غير مطابق: البصمة لا تطابق أي ملف مسجّل برقم القيد ${v.registryNoAr}.`,
                `Not authentic: the fingerprint matches no file registered as ${v.registryNo}.`,
              ];
    verdict = html`<section class="verdict ${cls}" role="status">
        <p>${ar}</p>
        <p lang="en" dir="ltr">${en}</p>
      </section>
      ${destroyedLine(v)}`;
  }
  const reg = v ? v.registryNo : '';
  const sha = v?.sha256 ?? '';
  return html`<!doctype html>
    <html lang="ar" dir="rtl">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>التحقق من وثيقة — Verify a document</title>
        <link rel="stylesheet" href="/assets/viewer.css" />
        <link rel="icon" href="/assets/icon.svg" type="image/svg+xml" />
      </head>
      <body>
        <header class="top">
          <span class="brand">الديوان الإلكتروني <span lang="en" dir="ltr">· Diwan</span></span>
        </header>
        <main class="verify-page card">
          <h1>التحقق من وثيقة مسجّلة <span lang="en" dir="ltr">· Verify a registered document</span></h1>
          <p class="muted">
            لا يُعرض هنا شيء من محتوى الوثيقة. <span lang="en" dir="ltr">Nothing of the document's content is shown here.</span>
          </p>
          ${verdict}
          <form method="get" action="/verify">
            <label
              >رقم القيد <span lang="en">Registry number</span
              ><input name="registryNo" value="${reg}" placeholder="2026/000123" required
            /></label>
            <label
              >البصمة SHA-256 <span lang="en">SHA-256 fingerprint</span
              ><input name="sha256" value="${sha}" pattern="[0-9a-fA-F]{64}" class="ltr"
            /></label>
            <button class="primary" type="submit">تحقّق · Verify</button>
          </form>
        </main>
      </body>
    </html>`.value;
}

export function verifyRouter(deps: VerifyDeps): Router {
  const router = Router();
  const limited = rateLimit(deps.db, 'verify', deps.perMinute);

  const verdict = async (ref: Required<RegistryRef>, sha: string | undefined): Promise<Verdict> => {
    const no = registryNo(ref);
    const doc = await deps.documents.getByRegistry(ref.year, ref.seq, ref.register);
    const asked = sha?.toLowerCase() ?? null;
    let matches: Verdict['matches'] = null;
    if (doc && asked) {
      if (asked === doc.originalSha256) matches = 'original';
      else if ((await deps.documents.artefacts(doc.id)).some((a) => a.kind === 'archive-pdf' && a.sha256 === asked))
        matches = 'archive-pdf';
    }
    const gone = doc && (doc.status as string) === 'destroyed' ? await destroyedEntry(deps.db, doc.id) : undefined;
    return {
      registryNo: no,
      registryNoAr: toArabicIndic(no),
      exists: Boolean(doc),
      sha256: asked,
      matches,
      authentic: asked && doc ? matches !== null : null,
      ...(gone
        ? {
            destroyed: {
              at: gone.tombstone.destroyedAt,
              approvingBody: gone.tombstone.disposal.approvingBody,
              decisionNo: gone.tombstone.disposal.decisionNo,
              decisionDate: gone.tombstone.disposal.decisionDate,
            },
          }
        : {}),
    };
  };

  const answer = async (req: Request, res: Response, raw: string | undefined) => {
    const sha = typeof req.query.sha256 === 'string' && req.query.sha256 !== '' ? req.query.sha256.trim() : undefined;
    const m = raw === undefined ? undefined : parseRegistryNo(toLatinDigits(raw).replace(/\s+/g, ''));
    if (raw !== undefined && !m) {
      throw new DomainError('bad_request', {
        ar: '(رقم القيد بالشكل ٢٠٢٦/٠٠٠١٢٣ أو outgoing/2026/000001)',
        en: '(registry number as 2026/000123 or outgoing/2026/000001)',
      });
    }
    if (sha !== undefined && !/^[0-9a-fA-F]{64}$/.test(sha)) {
      throw new DomainError('bad_request', {
        ar: '(البصمة ٦٤ خانة ست عشرية)',
        en: '(a fingerprint is 64 hexadecimal characters)',
      });
    }
    const v = m ? await verdict(m, sha) : undefined;
    res.set('Cache-Control', 'no-store');
    if (req.accepts(['html', 'json']) === 'json') {
      if (!v) throw new DomainError('bad_request', { ar: '(رقم القيد مطلوب)', en: '(a registry number is required)' });
      res.json(v);
    } else {
      res.type('html').send(page(v));
    }
  };

  router.get('/verify', limited, async (req, res) => {
    await answer(
      req,
      res,
      typeof req.query.registryNo === 'string' && req.query.registryNo !== '' ? req.query.registryNo : undefined,
    );
  });
  router.get('/verify/:year/:seq', limited, async (req, res) => {
    await answer(req, res, `${String(req.params.year)}/${String(req.params.seq)}`);
  });
  // Another register's number as typed: /verify/outgoing/2026/000001.
  router.get('/verify/:register/:year/:seq', limited, async (req, res) => {
    await answer(req, res, `${String(req.params.register)}/${String(req.params.year)}/${String(req.params.seq)}`);
  });
  // The number as one segment, its slash escaped (%2F).
  router.get('/verify/:registryNo', limited, async (req, res) => {
    await answer(req, res, String(req.params.registryNo));
  });
  return router;
}
