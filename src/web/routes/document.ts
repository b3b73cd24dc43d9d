/**
 * The document page's routes. Viewing shows the asked page (or the first
 * that matches the search, or the first), within the person's clearance, and
 * records who looked at which page; "verify now" checks every
 * copy against its recorded fingerprint and comes back with the verdict.
 */
import type { Request, Response } from 'express';
import { stampLines, verifyUrl } from '../../../ingest/stamp';
import { matchBoxes, markText, queryTerms } from '../../../search/highlight';
import type { DocumentRecord, PageRecord } from '../../../storage/repos/documents';
import { ledgerForDocument } from '../../../storage/integrity/ledger';
import { documentFixityProblems } from '../../../storage/stats';
import { verifyDocument } from '../../../storage/integrity/recheck';
import { DomainError } from '../../../kernel/errors';
import { isUuid } from '../../../kernel/text';
import { callerOf, canSee, logDenied, recordContentRead } from '../../auth';
import { raw, type SafeHtml } from '../html';
import { documentPage, type CopiesSummary, type DocumentPageData, type DocumentSummary } from '../pages/document';
import { forbiddenPage, notFoundPage } from '../pages/errors';
import { DOCUMENT_SECTIONS } from './documentSections';
import { allowed, checkCsrf, pageCtx, type ViewerDeps } from './shared';

/** A document with no pages yet is shown as one blank page. */
const BLANK_PAGE: PageRecord = { n: 1, width: 1, height: 1, text: '', confidence: null, words: [] };

/** The asked page if it exists; else the first page where the searched words are found; else the first. */
function pickPage(pages: PageRecord[], asked: number, terms: string[]): PageRecord {
  return (
    pages.find((p) => p.n === asked) ??
    pages.find((p) => terms.length > 0 && matchBoxes(p.words, terms).length > 0) ??
    pages[0] ??
    BLANK_PAGE
  );
}

function summary(doc: DocumentRecord, pagesFound: number, batchName: string | null): DocumentSummary {
  return {
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
    pageCount: Math.max(doc.pageCount ?? 0, pagesFound, 1),
    batchName,
    originalName: doc.originalName,
  };
}

/** The document's stored files: the archive copy's fingerprint, and how the copies stand. */
async function storedFiles(
  deps: ViewerDeps,
  documentId: string,
): Promise<{ archiveSha256: string | null; copies: CopiesSummary }> {
  const artefacts = await deps.documents.artefacts(documentId);
  const replicas = await deps.documents.replicas(documentId);
  const archive = artefacts.find((a) => a.kind === 'archive-pdf');
  const offsiteOk = artefacts.filter((a) => replicas.some((r) => r.key === a.key && r.sha256 === a.sha256));
  const damaged = await documentFixityProblems(deps.db, documentId);
  const lastOffsiteVerifiedAt =
    replicas
      .map((r) => r.verifiedAt)
      .sort()
      .at(-1) ?? null;
  return {
    archiveSha256: archive?.sha256 ?? null,
    copies: { files: artefacts.length, offsiteVerified: offsiteOk.length, lastOffsiteVerifiedAt, damaged },
  };
}

/** The stamp's words (as the archive PDF bears them) and verification link, once the document is archived. */
async function stampOf(deps: ViewerDeps, doc: DocumentRecord): Promise<DocumentPageData['stamp']> {
  if (doc.status !== 'archived') return null;
  const register = await deps.documents.registerBook(doc.register);
  const lines = stampLines({
    organisation: deps.archive.organisation,
    organisationEn: deps.archive.organisationEn,
    registryNo: doc.registryNo,
    registeredAt: new Date(doc.createdAt),
    timeZone: deps.archive.timeZone,
    sha256: doc.originalSha256,
    register: register && { ...register, ref: doc },
    externalRef: doc.externalRef,
    externalDate: doc.externalDate,
  });
  return { lines, verifyUrl: verifyUrl(deps.archive.publicUrl, doc.registryNo, doc.originalSha256) };
}

/** The last "verified" entry of the document's ledger, as the integrity panel shows it. */
async function lastVerification(deps: ViewerDeps, documentId: string): Promise<DocumentPageData['lastVerification']> {
  const entries = await ledgerForDocument(deps.db, documentId);
  const last = entries.filter((e) => e.event === 'verified').at(-1);
  return last ? { ok: last.payload.ok === true, at: last.at } : null;
}

export async function showDocument(deps: ViewerDeps, req: Request, res: Response): Promise<void> {
  const caller = callerOf(res.locals);
  const ctx = pageCtx(deps, req, res, caller);
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
  const page = pickPage(pages, Number(req.query.page), terms);
  const files = await storedFiles(deps, doc.id);
  const verification = await lastVerification(deps, doc.id);
  const batch = doc.batchId ? await deps.batches.get(doc.batchId) : undefined;
  // A person looked at this document: a recorded read (who, when, which page), in the ledger once in the hour.
  await recordContentRead(deps.users, req, caller, doc, { event: 'viewed', what: 'viewer', detail: { page: page.n } });
  const verified = req.query.verified;
  const sections = await Promise.all(DOCUMENT_SECTIONS.map((section) => section(deps, ctx, doc, caller)));
  res.type('html').send(
    documentPage(ctx, {
      doc: summary(doc, pages.length, batch?.name ?? null),
      page: { n: page.n, width: page.width, height: page.height, text: page.text },
      // The page's text with each part escaped and the matches marked, by the highlighter.
      textHtml: raw(markText(page.text, terms)),
      boxes: matchBoxes(page.words, terms),
      q,
      sha256: { original: doc.originalSha256, archive: files.archiveSha256 },
      stamp: await stampOf(deps, doc),
      copies: files.copies,
      lastVerification: verification,
      justVerified: verified === 'ok' || verified === 'bad' ? verified : null,
      canVerify: ctx.can.audit,
      sections: sections.filter((section): section is SafeHtml => section !== ''),
    }),
  );
}

export async function verifyNow(deps: ViewerDeps, req: Request, res: Response): Promise<void> {
  checkCsrf(req);
  if (!(await allowed(deps, req, res, 'audit'))) return;
  const doc = await deps.documents.get(String(req.params.id));
  if (!doc) throw new DomainError('not_found');
  const verdict = await verifyDocument(deps, doc);
  res.redirect(303, `/documents/${encodeURIComponent(doc.id)}?verified=${verdict.ok ? 'ok' : 'bad'}#integrity`);
}
