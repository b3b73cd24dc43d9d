/**
 * Versions of a document's text. The pipeline's reading is version 1; a
 * re-OCR (ingest/reocr.ts) adds the next one with its settings and reason; a
 * person correcting a page by hand adds one too (source 'person', who and
 * why), the other pages carried over from the version it corrects. Every
 * version's page texts are kept in `page_texts` (the database refuses to
 * change or delete them); `pages` holds the current one, which search and
 * the viewer use.
 *
 * A person's version, step by step (src/http/texts.ts drives it):
 *   reservePersonVersion   its number taken, the row written as not saved (a crash leaves it so, and says so)
 *   -> ocr-vN.json stored  write-once, under a number no one else can take
 *   -> finishPersonVersion one transaction: its page texts, the current pages, the document's version
 *                          (which names its file and fingerprint), and the 'text-corrected' ledger entry
 * The ledger entry carries the whole change (the page's text and word boxes), so the correction lives
 * wherever the ledger does (both buckets); restore puts it back from there (textCorrectionReplay.ts).
 * The file is the version whole, one of the document's stored files like a re-reading's: its
 * 'text-corrected' entry vouches for it, fixity sweeps it, replication copies it offsite until it is there.
 */
import { inTransaction, type Db, type Queryable, type Tx } from '../db';
import { appendLedger, type LedgerEntry } from '../integrity/ledger';
import type { OcrWord, PageRecord } from './documents';

/** How a page is segmented: Tesseract's automatic layout, one column, one uniform block, or sparse text (forms, tables). */
export const PAGE_LAYOUTS = ['auto', 'column', 'block', 'sparse'] as const;
export type PageLayout = (typeof PAGE_LAYOUTS)[number];

export interface TextSettings {
  layout: PageLayout;
}

/** How a person's version was made: who corrected which page. */
export interface PersonSettings {
  source: 'person';
  by: string;
  byUserId: string | null;
  page: number;
}

export type TextVersionStatus = 'queued' | 'done' | 'failed';

export interface TextVersion {
  version: number;
  status: TextVersionStatus;
  settings: TextSettings | PersonSettings | { source: string };
  /** 'person' for a page corrected by hand; otherwise the machine's ('ocr', 'text-layer', a re-OCR's layout). */
  source: string;
  /** Who corrected it, for a person's version. */
  by: string | null;
  reason: string | null;
  requestedAt: string;
  doneAt: string | null;
  ocrKey: string | null;
  ocrSha256: string | null;
  error: string | null;
  current: boolean;
}

interface Row {
  version: number;
  status: TextVersionStatus;
  settings: TextSettings | PersonSettings | { source: string };
  reason: string | null;
  requested_at: Date;
  done_at: Date | null;
  ocr_key: string | null;
  ocr_sha256: string | null;
  error: string | null;
  current: boolean;
}

const toVersion = (r: Row): TextVersion => ({
  version: r.version,
  status: r.status,
  settings: r.settings,
  source: 'source' in r.settings ? r.settings.source : 're-ocr',
  by: 'by' in r.settings ? r.settings.by : null,
  reason: r.reason,
  requestedAt: r.requested_at.toISOString(),
  doneAt: r.done_at?.toISOString() ?? null,
  ocrKey: r.ocr_key,
  ocrSha256: r.ocr_sha256,
  error: r.error,
  current: r.current,
});

export class TextVersionBusy extends Error {}

/** The version a person's correction was to follow is no longer the current one (a reading finished meanwhile). */
export class TextVersionMoved extends Error {}

/** The first time a document gets a second version, the pipeline's reading is kept as version 1. */
export async function keepFirstReading(tx: Tx, documentId: string, textLayer: boolean): Promise<void> {
  const first = await tx.query('SELECT 1 FROM text_versions WHERE document_id = $1 AND version = 1', [documentId]);
  if (first.rowCount !== 0) return;
  await tx.query(
    `INSERT INTO text_versions (document_id, version, status, settings, requested_at, done_at)
     SELECT id, 1, 'done', $2, created_at, updated_at FROM documents WHERE id = $1`,
    [documentId, JSON.stringify({ source: textLayer ? 'text-layer' : 'ocr' })],
  );
  await tx.query(
    `INSERT INTO page_texts (document_id, version, n, text, confidence, words)
     SELECT document_id, 1, n, text, confidence, words FROM pages WHERE document_id = $1`,
    [documentId],
  );
}

/** Until its transaction makes it current, a person's version is recorded as not saved. */
const NOT_SAVED = 'not saved: interrupted before the corrected text was stored';

/** A finished reading as the bucket holds it, to be put back (restore). */
export interface RestoredTextVersion {
  version: number;
  settings: unknown;
  reason: string | null;
  /** When it was asked for and done (restore knows only the registration time). */
  at: string;
  /** Its `ocr-vN.json` (none for version 1, whose text is `ocr.json`). */
  ocrKey: string | null;
  ocrSha256: string | null;
}

/** Puts back a finished reading (restore); one already there is an error. */
export async function restoreTextVersion(q: Queryable, documentId: string, v: RestoredTextVersion): Promise<void> {
  await q.query(
    `INSERT INTO text_versions (document_id, version, status, settings, reason, requested_at, done_at, ocr_key, ocr_sha256)
     VALUES ($1, $2, 'done', $3, $4, $5, $5, $6, $7)`,
    [documentId, v.version, JSON.stringify(v.settings), v.reason, v.at, v.ocrKey, v.ocrSha256],
  );
}

/** Puts back one page's text of a reading (restore); one already there is an error. */
export async function restorePageText(
  q: Queryable,
  documentId: string,
  version: number,
  p: Pick<PageRecord, 'n' | 'text' | 'confidence' | 'words'>,
): Promise<void> {
  await q.query(`INSERT INTO page_texts (document_id, version, n, text, confidence, words) VALUES ($1, $2, $3, $4, $5, $6)`, [
    documentId,
    version,
    p.n,
    p.text,
    p.confidence,
    JSON.stringify(p.words),
  ]);
}

export interface TextVersionsRepo {
  /**
   * Queues the next version. The first time, the pipeline's reading is kept
   * as version 1 first. Refused (TextVersionBusy) while another is queued.
   */
  request(documentId: string, settings: TextSettings, reason: string | null): Promise<TextVersion>;
  list(documentId: string): Promise<TextVersion[]>;
  get(documentId: string, version: number): Promise<TextVersion | undefined>;
  /** The oldest queued version of the document, if any. */
  queued(documentId: string): Promise<TextVersion | undefined>;
  /** The page texts already read for a version. */
  pageTexts(documentId: string, version: number): Promise<PageRecord[]>;
  savePageText(documentId: string, version: number, page: PageRecord): Promise<void>;
  /** Makes the version current: its texts go into `pages`, the document points at it. */
  finish(documentId: string, version: number, ocr: { key: string; sha256: string }): Promise<void>;
  fail(documentId: string, version: number, error: string): Promise<void>;
  /**
   * Takes the next version number for a person's correction, recorded as not
   * saved until finishPersonVersion. Refused (TextVersionBusy) while a
   * re-reading is queued. Answers the number and the version it follows.
   */
  reservePersonVersion(
    documentId: string,
    settings: PersonSettings,
    reason: string,
  ): Promise<{ version: number; baseVersion: number }>;
  /** Makes a person's version current, with its ledger entry, in one transaction (see the top of this file). */
  finishPersonVersion(documentId: string, done: PersonVersionDone): Promise<LedgerEntry>;
  /** Records why a reserved person's version was not saved. */
  personVersionFailed(documentId: string, version: number, error: string): Promise<void>;
}

/** A person's version, stored and ready to become current. */
export interface PersonVersionDone {
  version: number;
  /** The version it corrects: still the current one, or TextVersionMoved. */
  baseVersion: number;
  /** Every page of the new version (the corrected one and those carried over). */
  pages: PageRecord[];
  /** Its stored `ocr-vN.json`. */
  ocr: { key: string; sha256: string; size: number };
  /** The ledger entry's payload: the whole change. */
  payload: Record<string, unknown>;
}

/**
 * Before a new text version is numbered: the document locked, refused (TextVersionBusy) while a re-reading
 * is queued, and its first reading kept as version 1. Answers the version the pages hold now.
 */
async function lockForNewVersion(tx: Tx, documentId: string, busy: string): Promise<{ text_version: number }> {
  const doc = await tx.query<{ text_version: number; text_layer: boolean }>(
    'SELECT text_version, text_layer FROM documents WHERE id = $1 FOR UPDATE',
    [documentId],
  );
  const d = doc.rows[0];
  if (!d) throw new Error(`no document ${documentId}`);
  const pending = await tx.query("SELECT 1 FROM text_versions WHERE document_id = $1 AND status = 'queued'", [documentId]);
  if (pending.rowCount) throw new TextVersionBusy(busy);
  await keepFirstReading(tx, documentId, d.text_layer);
  return d;
}

export function createTextVersionsRepo(db: Db): TextVersionsRepo {
  const select = `SELECT v.version, v.status, v.settings, v.reason, v.requested_at, v.done_at, v.ocr_key, v.ocr_sha256, v.error,
                         (d.text_version = v.version) AS current
                  FROM text_versions v JOIN documents d ON d.id = v.document_id`;
  return {
    async request(documentId, settings, reason) {
      return inTransaction(db, async (tx) => {
        await lockForNewVersion(tx, documentId, 'a re-reading of this document is already queued');
        const res = await tx.query<Row>(
          `INSERT INTO text_versions (document_id, version, status, settings, reason)
           SELECT $1, max(version) + 1, 'queued', $2, $3 FROM text_versions WHERE document_id = $1
           RETURNING version, status, settings, reason, requested_at, done_at, ocr_key, ocr_sha256, error, false AS current`,
          [documentId, JSON.stringify(settings), reason],
        );
        return toVersion(res.rows[0]!);
      });
    },

    async list(documentId) {
      const res = await db.query<Row>(`${select} WHERE v.document_id = $1 ORDER BY v.version`, [documentId]);
      return res.rows.map(toVersion);
    },

    async get(documentId, version) {
      const res = await db.query<Row>(`${select} WHERE v.document_id = $1 AND v.version = $2`, [documentId, version]);
      return res.rows[0] && toVersion(res.rows[0]);
    },

    async queued(documentId) {
      const res = await db.query<Row>(`${select} WHERE v.document_id = $1 AND v.status = 'queued' ORDER BY v.version LIMIT 1`, [
        documentId,
      ]);
      return res.rows[0] && toVersion(res.rows[0]);
    },

    async pageTexts(documentId, version) {
      const res = await db.query<{ n: number; text: string; confidence: number | null; words: OcrWord[] }>(
        'SELECT n, text, confidence, words FROM page_texts WHERE document_id = $1 AND version = $2 ORDER BY n',
        [documentId, version],
      );
      // Sizes live on pages (they do not change between versions).
      const sizes = await db.query<{ n: number; width: number; height: number }>(
        'SELECT n, width, height FROM pages WHERE document_id = $1',
        [documentId],
      );
      const size = new Map(sizes.rows.map((r) => [r.n, r]));
      return res.rows.map((r) => ({ ...r, width: size.get(r.n)?.width ?? 0, height: size.get(r.n)?.height ?? 0 }));
    },

    async savePageText(documentId, version, p) {
      await db.query(
        `INSERT INTO page_texts (document_id, version, n, text, confidence, words) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT DO NOTHING`,
        [documentId, version, p.n, p.text, p.confidence, JSON.stringify(p.words)],
      );
    },

    async finish(documentId, version, ocr) {
      await inTransaction(db, async (tx) => {
        await tx.query(
          `UPDATE pages p SET text = t.text, confidence = t.confidence, words = t.words
           FROM page_texts t WHERE t.document_id = p.document_id AND t.n = p.n AND t.document_id = $1 AND t.version = $2`,
          [documentId, version],
        );
        await tx.query('UPDATE documents SET text_version = $2, updated_at = now() WHERE id = $1', [documentId, version]);
        await tx.query(
          `UPDATE text_versions SET status = 'done', done_at = now(), ocr_key = $3, ocr_sha256 = $4
           WHERE document_id = $1 AND version = $2`,
          [documentId, version, ocr.key, ocr.sha256],
        );
      });
    },

    async reservePersonVersion(documentId, settings, reason) {
      return inTransaction(db, async (tx) => {
        const d = await lockForNewVersion(tx, documentId, 'a re-reading of this document is queued');
        const res = await tx.query<{ version: number }>(
          `INSERT INTO text_versions (document_id, version, status, settings, reason, error)
           SELECT $1, max(version) + 1, 'failed', $2, $3, $4 FROM text_versions WHERE document_id = $1
           RETURNING version`,
          [documentId, JSON.stringify(settings), reason, NOT_SAVED],
        );
        return { version: res.rows[0]!.version, baseVersion: d.text_version };
      });
    },

    async finishPersonVersion(documentId, done) {
      return inTransaction(db, async (tx) => {
        const doc = await tx.query<{ text_version: number }>('SELECT text_version FROM documents WHERE id = $1 FOR UPDATE', [
          documentId,
        ]);
        if (doc.rows[0]?.text_version !== done.baseVersion) throw new TextVersionMoved('the current text changed meanwhile');
        for (const p of done.pages) {
          await tx.query(
            `INSERT INTO page_texts (document_id, version, n, text, confidence, words) VALUES ($1, $2, $3, $4, $5, $6)`,
            [documentId, done.version, p.n, p.text, p.confidence, JSON.stringify(p.words)],
          );
        }
        await makeCurrent(tx, documentId, done.version);
        await tx.query(
          `UPDATE text_versions SET status = 'done', done_at = now(), error = NULL, ocr_key = $3, ocr_sha256 = $4
           WHERE document_id = $1 AND version = $2`,
          [documentId, done.version, done.ocr.key, done.ocr.sha256],
        );
        // One of the document's stored files, as a re-reading's is: swept by fixity, copied offsite until it is there, verified.
        await tx.query(
          `INSERT INTO artefacts (document_id, kind, key, sha256, size, content_type) VALUES ($1, 'ocr-json', $2, $3, $4, 'application/json')
           ON CONFLICT (document_id, key) DO NOTHING`,
          [documentId, done.ocr.key, done.ocr.sha256, done.ocr.size],
        );
        return appendLedger(tx, 'text-corrected', documentId, done.payload);
      });
    },

    async personVersionFailed(documentId, version, error) {
      await db.query(`UPDATE text_versions SET error = $3 WHERE document_id = $1 AND version = $2 AND status = 'failed'`, [
        documentId,
        version,
        `not saved: ${error}`.slice(0, 1000),
      ]);
    },

    async fail(documentId, version, error) {
      await db.query(
        `UPDATE text_versions SET status = 'failed', done_at = now(), error = $3 WHERE document_id = $1 AND version = $2 AND status = 'queued'`,
        [documentId, version, error],
      );
    },
  };
}

/** Puts a version's page texts into `pages` and points the document at it. */
export async function makeCurrent(tx: Tx, documentId: string, version: number): Promise<void> {
  await tx.query(
    `UPDATE pages p SET text = t.text, confidence = t.confidence, words = t.words
     FROM page_texts t WHERE t.document_id = p.document_id AND t.n = p.n AND t.document_id = $1 AND t.version = $2`,
    [documentId, version],
  );
  await tx.query('UPDATE documents SET text_version = $2, updated_at = now() WHERE id = $1', [documentId, version]);
}
