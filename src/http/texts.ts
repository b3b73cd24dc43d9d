/**
 * A person corrects a page's text: POST /documents/:id/pages/:n/text {text, reason}.
 *
 * The correction is a new text version marked as a person's (who, why, which
 * page): the corrected page's text replaced, every other page carried over
 * from the current version, the machine's versions kept untouched. The page's
 * confidence is a person's, 100, so its review flag clears. Its word boxes:
 * the machine's boxes are kept for the words that are still in the corrected
 * text (each machine word at most as many times as the text has it), so the
 * viewer still marks those on the image; a word the person wrote that the
 * machine never read has no box.
 *
 *   version reserved (not saved) -> ocr-vN.json on the primary (write-once)
 *     -> one transaction: pages, version current, 'text-corrected' ledger entry (the whole change)
 *     -> ocr-vN.json offsite, read back -> the search index
 * A failure before the transaction leaves the reserved version recorded as not saved, with why.
 */
import { Router } from 'express';
import { reindexDocument } from '../../search/reindex';
import type { SearchIndex } from '../../search/searchIndex';
import type { Db } from '../../storage/db';
import { keys } from '../../storage/layout';
import type { ObjectStore } from '../../storage/objectStore';
import { serialiseOcrFile } from '../../storage/ocrFile';
import { checkReason } from '../../storage/repos/corrections';
import type { DocumentRecord, DocumentsRepo, OcrWord, PageRecord } from '../../storage/repos/documents';
import {
  TextVersionBusy,
  TextVersionMoved,
  type PersonSettings,
  type TextVersion,
  type TextVersionsRepo,
} from '../../storage/repos/textVersions';
import { DomainError } from '../../kernel/errors';
import type { Logger } from '../../kernel/log';
import { callerOf, type Caller } from '../auth';
import { visibleDocument } from './corrections';

export interface TextCorrectionDeps {
  db: Db;
  documents: DocumentsRepo;
  textVersions: TextVersionsRepo;
  primary: ObjectStore;
  offsite: ObjectStore;
  search: SearchIndex;
  reviewBelow: number;
  log: Logger;
}

/** A person's reading is certain. */
export const PERSON_CONFIDENCE = 100;
/** The longest page text a person may save. */
const MAX_PAGE_TEXT = 100_000;

// eslint-disable-next-line no-control-regex -- finding control characters (but tab and newline) is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** The machine's words that are still in `text`, with their boxes (see the top of this file). */
export function wordsStillThere(words: OcrWord[], text: string): OcrWord[] {
  const left = new Map<string, number>();
  for (const w of text.split(/\s+/).filter(Boolean)) left.set(w, (left.get(w) ?? 0) + 1);
  return words.filter((w) => {
    const n = left.get(w[0]) ?? 0;
    if (n === 0) return false;
    left.set(w[0], n - 1);
    return true;
  });
}

/** The page text as a person typed it: line ends made one kind, trailing space trimmed; refused when unusable. */
function checkText(raw: unknown): string {
  if (typeof raw !== 'string')
    throw new DomainError('bad_request', { ar: '(text: يلزم نص الصفحة)', en: '(text: the page text is required)' });
  const text = raw.replace(/\r\n?/g, '\n').trim();
  if (text.length === 0 || text.length > MAX_PAGE_TEXT || CONTROL.test(text)) {
    throw new DomainError('bad_request', {
      ar: `(text: من ١ إلى ${MAX_PAGE_TEXT} حرف، بلا محارف تحكّم)`,
      en: `(text: 1 to ${MAX_PAGE_TEXT} characters, no control characters)`,
    });
  }
  return text;
}

/** Saves `text` as page `n`'s text of `doc`, a person's new version; answers that version. */
export async function correctPageText(
  deps: TextCorrectionDeps,
  caller: Caller,
  doc: DocumentRecord,
  n: number,
  body: { text?: unknown; reason?: unknown },
): Promise<TextVersion> {
  const reason = checkReason(body.reason);
  const text = checkText(body.text);
  if (doc.status !== 'archived') throw new DomainError('not_archived');
  const current = await deps.documents.pages(doc.id);
  const before = current.find((p) => p.n === n);
  if (!before) throw new DomainError('not_found');
  if (before.text.trim() === text) throw new DomainError('no_change');

  const settings: PersonSettings = { source: 'person', by: caller.name, byUserId: caller.userId, page: n };
  let reserved;
  try {
    reserved = await deps.textVersions.reservePersonVersion(doc.id, settings, reason);
  } catch (e) {
    if (e instanceof TextVersionBusy) throw new DomainError('reocr_pending');
    throw e;
  }
  const { version, baseVersion } = reserved;
  try {
    // The pages read again now the version it follows is fixed: a re-reading that became current in between is what
    // this one builds on (and one that becomes current later makes the save refuse: TextVersionMoved).
    const base = await deps.documents.pages(doc.id);
    const was = base.find((p) => p.n === n) ?? before;
    const corrected: PageRecord = { ...was, text, confidence: PERSON_CONFIDENCE, words: wordsStillThere(was.words, text) };
    const pages = base.map((p) => (p.n === n ? corrected : p));
    const file = serialiseOcrFile(doc, pages, { version, source: 'person', settings, reason });
    const stored = await deps.primary.putBufferOnce(keys.ocrJsonVersion(doc, version), file, 'application/json');
    await deps.textVersions.finishPersonVersion(doc.id, {
      version,
      baseVersion,
      pages,
      ocr: stored,
      payload: {
        registryNo: doc.registryNo,
        version,
        previousVersion: baseVersion,
        page: n,
        textBefore: was.text,
        text,
        confidence: PERSON_CONFIDENCE,
        words: corrected.words,
        reason,
        by: caller.name,
        byUserId: caller.userId,
        ocrKey: stored.key,
        ocrSha256: stored.sha256,
        ocrSize: stored.size,
      },
    });
    await copyOffsite(deps, doc.id, stored, file);
  } catch (e) {
    await deps.textVersions.personVersionFailed(doc.id, version, String((e as Error).message ?? e));
    if (e instanceof TextVersionMoved) throw new DomainError('reocr_pending');
    throw e;
  }
  // Searchable at once: the corrected words are found, the misread ones no longer. The record is read again,
  // so a correction of its classification made meanwhile is what the index gets.
  await reindexDocument(deps, doc.id);
  return (await deps.textVersions.get(doc.id, version))!;
}

/** The new file offsite too, read back and compared (the ledger entry already holds the change, wherever the ledger goes). */
async function copyOffsite(
  deps: TextCorrectionDeps,
  documentId: string,
  stored: { key: string; sha256: string },
  file: Buffer,
): Promise<void> {
  try {
    await deps.offsite.putBufferOnce(stored.key, file, 'application/json');
    const copy = await deps.offsite.hash(stored.key);
    if (copy.sha256 !== stored.sha256) throw new Error(`offsite copy has SHA-256 ${copy.sha256}`);
    await deps.offsite.ensureRetention?.(stored.key, copy.lock);
    await deps.documents.saveReplica(documentId, {
      target: deps.offsite.name,
      key: stored.key,
      sha256: stored.sha256,
      verifiedAt: new Date().toISOString(),
      storedSha256: copy.stored.sha256,
    });
  } catch (e) {
    // Left for replication to copy: the file is one of the document's, and not yet offsite.
    deps.log.warn('corrected text not copied offsite', { key: stored.key, error: String(e) });
  }
}

export function textsRouter(deps: TextCorrectionDeps): Router {
  const router = Router();
  router.post('/documents/:id/pages/:n/text', async (req, res) => {
    const caller = callerOf(res.locals);
    const doc = await visibleDocument(deps, String(req.params.id), caller);
    const n = Number(req.params.n);
    if (!Number.isInteger(n) || n < 1) throw new DomainError('not_found');
    const version = await correctPageText(deps, caller, doc, n, (req.body ?? {}) as Record<string, unknown>);
    res.status(201).json({ documentId: doc.id, registryNo: doc.registryNo, page: n, ...version });
  });
  return router;
}
