/**
 * The viewer: server-rendered pages for clerks, officials and auditors, from
 * the same Express app as the API. Sign-in takes the access token and keeps it
 * in an http-only, same-site cookie; every page is Arabic and right-to-left
 * unless English is asked for. A strict Content-Security-Policy: only this
 * origin's stylesheet, script, fonts and images. Everything is served locally.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import express, { Router, type Request, type Response } from 'express';
import { stampLines, verifyUrl } from '../../ingest/stamp';
import { fontFile } from '../../ingest/adapters/fonts';
import { matchBoxes, markText, queryTerms, snippet } from '../../search/highlight';
import type { SearchIndex } from '../../search/searchIndex';
import { auditReport } from '../../storage/integrity/auditReport';
import type { BatchesRepo } from '../../storage/repos/batches';
import type { Db } from '../../storage/db';
import type { DocumentsRepo } from '../../storage/repos/documents';
import { appendLedger, ledgerForDocument } from '../../storage/integrity/ledger';
import type { ObjectStore } from '../../storage/objectStore';
import { replicationStatus } from '../../storage/integrity/replication';
import { identifyFile, verifyDocument } from '../../storage/integrity/verify';
import {
  can,
  canSee,
  callerOf,
  CSRF_COOKIE,
  csrfOk,
  identify,
  logDenied,
  SESSION_ABSOLUTE_MS,
  SESSION_COOKIE,
  type Caller,
  type Permission,
} from '../auth';
import type { UsersRepo } from '../../storage/repos/users';
import { rateLimit } from '../http/rateLimit';
import type { Config } from '../config';
import { DomainError } from '../../kernel/errors';
import { spoolStorage, type SpooledUpload, uploadParser } from '../http/uploads';
import { searchQuerySchema } from '../http/search';
import { cookies, langOf, type Lang } from './i18n';
import { auditPage, documentPage, forbiddenPage, loginPage, notFoundPage, searchPage, uploadPage, type PageCtx } from './pages';
import { isUuid } from '../../kernel/text';

export interface ViewerDeps {
  adminToken: string;
  users: UsersRepo;
  db: Db;
  documents: DocumentsRepo;
  batches: BatchesRepo;
  search: SearchIndex;
  primary: ObjectStore;
  offsite: ObjectStore;
  archive: Config['archive'];
  signingKeyPem: string;
  spoolDir: string;
  maxFileBytes: number;
}

/** Only this origin's files; no inline script or style, no framing, no plugins. */
export const CSP_DIRECTIVES: Record<string, string[]> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'"],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"],
  'object-src': ["'none'"],
};

/** The viewer's files: beside this module when built, or in the source tree. */
function assetsDir(): string {
  const candidates = [path.join(__dirname, 'assets'), path.resolve(__dirname, '..', '..', '..', 'src', 'web', 'assets')];
  return candidates.find((d) => fs.existsSync(path.join(d, 'viewer.css')))!;
}

/** Only a path on this site may be a sign-in's destination. */
function safeNext(next: unknown): string {
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/search';
}

export function viewerRouter(deps: ViewerDeps): Router {
  const router = Router();
  const assets = assetsDir();
  const fonts: Record<string, string> = {
    'sans-regular.ttf': fontFile('sans').file,
    'sans-bold.ttf': fontFile('sans-bold').file,
  };

  router.get('/assets/fonts/:file', (req, res, next) => {
    const file = fonts[String(req.params.file)];
    if (!file) return next(new DomainError('not_found'));
    res.set('Cache-Control', 'public, max-age=604800');
    res.type('font/ttf').sendFile(file);
  });
  router.get('/favicon.ico', (_req, res) => res.redirect(301, '/assets/icon.svg'));
  router.use('/assets', express.static(assets, { maxAge: '1h', index: false, fallthrough: false }));

  /** The page context: language, CSRF token (made when missing), what this person may do. */
  const ctxOf = (req: Request, res: Response, caller: Caller | undefined): PageCtx => {
    const lang: Lang = langOf(req, res);
    let csrf = cookies(req)[CSRF_COOKIE];
    if (!csrf || csrf.length < 16) {
      csrf = crypto.randomBytes(18).toString('base64url');
      res.cookie(CSRF_COOKIE, csrf, { sameSite: 'strict', secure: req.secure, path: '/' });
    }
    // Each page shows only the actions of this person's role.
    return {
      lang,
      csrf,
      url: req.originalUrl,
      signedIn: caller !== undefined,
      can: {
        search: caller !== undefined && can(caller, 'search'),
        upload: caller !== undefined && can(caller, 'upload'),
        audit: caller !== undefined && can(caller, 'audit'),
      },
      timeZone: deps.archive.timeZone,
    };
  };

  router.get('/login', (req, res) => {
    res.type('html').send(loginPage(ctxOf(req, res, undefined), safeNext(req.query.next), req.query.failed === '1'));
  });
  const form = express.urlencoded({ extended: false, limit: '8kb' });
  const checkCsrf = (req: Request) => {
    if (!csrfOk(req)) throw new DomainError('forbidden', { ar: '(رمز CSRF مفقود أو خاطئ)', en: '(missing or wrong CSRF token)' });
  };
  router.post('/login', rateLimit(10), form, async (req, res) => {
    checkCsrf(req);
    const body = req.body as { username?: string; password?: string; next?: string };
    const next = safeNext(body.next);
    const username = String(body.username ?? '').slice(0, 64);
    const user =
      username && body.password ? await deps.users.authenticate(username, String(body.password).slice(0, 200)) : undefined;
    if (!user) {
      await deps.users.logAccess({ kind: 'login-failed', username, ip: req.ip, method: 'POST', path: '/login' });
      res.redirect(303, `/login?failed=1&next=${encodeURIComponent(next)}`);
      return;
    }
    const secret = await deps.users.startSession(user.id, SESSION_ABSOLUTE_MS);
    const secure = req.secure;
    res.cookie(SESSION_COOKIE, secret, { httpOnly: true, sameSite: 'strict', secure, path: '/', maxAge: SESSION_ABSOLUTE_MS });
    res.cookie(CSRF_COOKIE, crypto.randomBytes(18).toString('base64url'), { sameSite: 'strict', secure, path: '/' });
    res.redirect(303, next);
  });

  // Everything below needs a signed-in person.
  const PAGES = ['/', '/search', '/upload', '/audit', '/logout', '/audit/verify-file'];
  router.use((req, res, next) => {
    if (!PAGES.includes(req.path) && !req.path.startsWith('/documents/')) {
      next();
      return;
    }
    identify(deps.adminToken, deps.users, req)
      .then((caller) => {
        if (!caller) {
          res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
          return;
        }
        res.locals.caller = caller;
        next();
      })
      .catch(next);
  });
  /** A page this person's role does not have: said plainly, and logged. */
  const allowed = async (req: Request, res: Response, need: Permission): Promise<boolean> => {
    const caller = callerOf(res.locals);
    if (can(caller, need)) return true;
    await logDenied(deps.users, req, caller, `needs ${need}`);
    res
      .status(403)
      .type('html')
      .send(forbiddenPage(ctxOf(req, res, caller)));
    return false;
  };

  router.post('/logout', form, async (req, res) => {
    checkCsrf(req);
    const secret = cookies(req)[SESSION_COOKIE];
    if (secret) await deps.users.endSession(secret);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.redirect(303, '/login');
  });

  router.get('/', (_req, res) => {
    const caller = callerOf(res.locals);
    res.redirect(302, can(caller, 'search') ? '/search' : can(caller, 'upload') ? '/upload' : '/audit');
  });

  router.get('/search', async (req, res) => {
    if (!(await allowed(req, res, 'search'))) return;
    const caller = callerOf(res.locals);
    const ctx = ctxOf(req, res, caller);
    const parsed = searchQuerySchema.safeParse(req.query);
    const p = parsed.success ? parsed.data : searchQuerySchema.parse({ q: typeof req.query.q === 'string' ? req.query.q : '' });
    const filters = {
      type: p.type,
      department: p.department,
      year: p.year,
      from: p.from,
      to: p.to,
      needsReview: p.needsReview === 'true' ? true : undefined,
    };
    const result = await deps.search.search({
      q: p.q,
      filters: {
        docType: p.type,
        department: p.department,
        year: p.year,
        registeredFrom: p.from,
        registeredTo: p.to,
        needsReview: filters.needsReview,
      },
      sort: p.q ? p.sort : 'newest',
      limit: p.limit,
      offset: p.offset,
      clearance: caller.clearance,
      departments: caller.departments ?? undefined,
    });
    const terms = queryTerms(p.q);
    res.type('html').send(
      searchPage(ctx, {
        q: p.q,
        filters,
        result,
        offset: p.offset,
        limit: p.limit,
        hits: result.hits.map((h) => ({
          id: h.documentId,
          registryNo: h.registryNo,
          title: h.title,
          page: h.page,
          snippet: snippet(h.text, terms, 24),
          docType: h.docType,
          department: h.department,
          registeredAt: h.registeredAt,
          docDate: h.docDate,
          needsReview: h.needsReview,
        })),
      }),
    );
  });

  router.get('/documents/:id', async (req, res) => {
    const caller = callerOf(res.locals);
    const ctx = ctxOf(req, res, caller);
    const id = String(req.params.id);
    const doc = isUuid(id) ? await deps.documents.get(id) : undefined;
    if (!doc) {
      res.status(404).type('html').send(notFoundPage(ctx));
      return;
    }
    if (!canSee(caller, doc)) {
      await logDenied(deps.users, req, caller, 'clearance');
      res.status(403).type('html').send(forbiddenPage(ctx));
      return;
    }
    const q = typeof req.query.q === 'string' ? req.query.q.slice(0, 500) : '';
    const terms = queryTerms(q);
    const pages = await deps.documents.pages(doc.id);
    const asked = Number(req.query.page);
    const page = pages.find((p) => p.n === asked) ??
      pages.find((p) => terms.length > 0 && matchBoxes(p.words, terms).length > 0) ??
      pages[0] ?? { n: 1, width: 1, height: 1, text: '', confidence: null, words: [] };
    const artefacts = await deps.documents.artefacts(doc.id);
    const replicas = await deps.documents.replicas(doc.id);
    const archive = artefacts.find((a) => a.kind === 'archive-pdf');
    const offsiteOk = artefacts.filter((a) => replicas.some((r) => r.key === a.key && r.sha256 === a.sha256));
    const damaged = await deps.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM fixity WHERE document_id = $1 AND state IN ('mismatch', 'missing')`,
      [doc.id],
    );
    const entries = await ledgerForDocument(deps.db, doc.id);
    const lastVerified = entries.filter((e) => e.event === 'verified').at(-1);
    const batch = doc.batchId ? await deps.batches.get(doc.batchId) : undefined;
    // A person looked at this document: that is a ledger entry (who, when, which page).
    await appendLedger(deps.db, 'viewed', doc.id, {
      registryNo: doc.registryNo,
      page: page.n,
      by: caller.name,
      ip: req.ip ?? null,
    });
    const verified = req.query.verified;
    res.type('html').send(
      documentPage(ctx, {
        doc: {
          id: doc.id,
          registryNo: doc.registryNo,
          title: doc.title,
          status: doc.status,
          docType: doc.docType,
          department: doc.department,
          classification: doc.classification,
          correspondent: doc.correspondent,
          docDate: doc.docDate,
          registeredAt: doc.createdAt,
          pageCount: Math.max(doc.pageCount ?? 0, pages.length, 1),
          batchName: batch?.name ?? null,
          originalName: doc.originalName,
        },
        page: { n: page.n, width: page.width, height: page.height, text: page.text },
        textHtml: markText(page.text, terms),
        boxes: matchBoxes(page.words, terms),
        q,
        sha256: { original: doc.originalSha256, archive: archive?.sha256 ?? null },
        stamp:
          doc.status === 'archived'
            ? {
                lines: stampLines({
                  organisation: deps.archive.organisation,
                  organisationEn: deps.archive.organisationEn,
                  registryNo: doc.registryNo,
                  registeredAt: new Date(doc.createdAt),
                  timeZone: deps.archive.timeZone,
                  sha256: doc.originalSha256,
                }),
                verifyUrl: verifyUrl(deps.archive.publicUrl, doc.registryNo, doc.originalSha256),
              }
            : null,
        copies: {
          files: artefacts.length,
          offsiteVerified: offsiteOk.length,
          lastOffsiteVerifiedAt:
            replicas
              .map((r) => r.verifiedAt)
              .sort()
              .at(-1) ?? null,
          damaged: damaged.rows[0]!.n,
        },
        lastVerification: lastVerified ? { ok: lastVerified.payload.ok === true, at: lastVerified.at } : null,
        justVerified: verified === 'ok' || verified === 'bad' ? verified : null,
        canVerify: ctx.can.audit,
      }),
    );
  });

  router.post('/documents/:id/verify', form, async (req, res) => {
    checkCsrf(req);
    if (!(await allowed(req, res, 'audit'))) return;
    const doc = await deps.documents.get(String(req.params.id));
    if (!doc) throw new DomainError('not_found');
    const verdict = await verifyDocument(deps, doc);
    res.redirect(303, `/documents/${encodeURIComponent(doc.id)}?verified=${verdict.ok ? 'ok' : 'bad'}#integrity`);
  });

  router.get('/upload', async (req, res) => {
    if (!(await allowed(req, res, 'upload'))) return;
    res.type('html').send(uploadPage(ctxOf(req, res, callerOf(res.locals))));
  });

  const audit = async (req: Request, res: Response, identified: Parameters<typeof auditPage>[1]['identified']) => {
    const [report, replication, primaryLock, offsiteLock] = await Promise.all([
      auditReport(deps.db, deps.signingKeyPem),
      replicationStatus(deps.db, deps.offsite.name),
      deps.primary.objectLock().catch((e: unknown) => ({ enabled: false, detail: String(e) })),
      deps.offsite.objectLock().catch((e: unknown) => ({ enabled: false, detail: String(e) })),
    ]);
    res.type('html').send(
      auditPage(ctxOf(req, res, callerOf(res.locals)), {
        report,
        replication,
        objectLock: { [deps.primary.name]: primaryLock, [deps.offsite.name]: offsiteLock },
        identified,
      }),
    );
  };
  router.get('/audit', async (req, res) => {
    if (await allowed(req, res, 'audit')) await audit(req, res, null);
  });

  const upload = uploadParser({
    storage: spoolStorage(deps.spoolDir, deps.maxFileBytes),
    files: 1,
    fields: 5,
    fieldSize: 1024,
  });
  router.post(
    '/audit/verify-file',
    (req, res, next) => {
      checkCsrf(req);
      allowed(req, res, 'audit')
        .then((ok) => ok && next())
        .catch(next);
    },
    upload.single('file'),
    async (req, res) => {
      const file = (req.file as SpooledUpload | undefined)?.spooled;
      if (!file) throw new DomainError('no_file');
      try {
        if (file.tooLarge) throw new DomainError('file_too_large');
        const found = await identifyFile(deps.db, file.sha256);
        await audit(req, res, { name: req.file?.originalname ?? '', sha256: found.sha256, matches: found.matches });
      } finally {
        fs.rmSync(file.path, { force: true });
      }
    },
  );

  return router;
}
