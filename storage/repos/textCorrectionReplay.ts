/**
 * Restore of a person's text correction: the 'text-corrected' ledger entry
 * carries the whole change (the page, its text and word boxes, who, why, the
 * version it made and the one it corrected), so the version is put back from
 * the ledger once the documents are back (storage/restore/registryReplay.ts).
 */
import type { Tx } from '../db';
import type { LedgerEntry } from '../integrity/ledger';
import type { OcrWord } from './documents';
import { keepFirstReading, makeCurrent, restorePageText, type PersonSettings } from './textVersions';

/** What a 'text-corrected' entry carries (see src/http/texts.ts). */
interface TextCorrectedPayload {
  version: number;
  previousVersion: number;
  page: number;
  text: string;
  confidence: number;
  words: OcrWord[];
  reason: string;
  by: string;
  byUserId: string | null;
  ocrKey: string;
  ocrSha256: string;
}

/**
 * Restore: puts a person's version back from its 'text-corrected' entry: the
 * corrected page from the entry, the other pages from the version it
 * corrected (already restored from the bucket, or replayed before it), and it
 * is made current unless a later version is. Idempotent; false when the
 * document, or the version it corrected, did not come back.
 */
export async function replayTextCorrection(tx: Tx, entry: LedgerEntry): Promise<boolean> {
  if (!entry.documentId) return false;
  const p = entry.payload as unknown as TextCorrectedPayload;
  const doc = await tx.query<{ text_version: number; text_layer: boolean }>(
    'SELECT text_version, text_layer FROM documents WHERE id = $1 FOR UPDATE',
    [entry.documentId],
  );
  const d = doc.rows[0];
  if (!d) return false;
  const there = await tx.query('SELECT 1 FROM text_versions WHERE document_id = $1 AND version = $2', [
    entry.documentId,
    p.version,
  ]);
  if (there.rowCount) return true;
  await keepFirstReading(tx, entry.documentId, d.text_layer);
  let base = await tx.query<{ n: number; text: string; confidence: number | null; words: OcrWord[] }>(
    'SELECT n, text, confidence, words FROM page_texts WHERE document_id = $1 AND version = $2 ORDER BY n',
    [entry.documentId, p.previousVersion],
  );
  if (base.rows.length === 0 && d.text_version === p.previousVersion) {
    base = await tx.query('SELECT n, text, confidence, words FROM pages WHERE document_id = $1 ORDER BY n', [entry.documentId]);
  }
  if (base.rows.length === 0) return false;
  const settings: PersonSettings = { source: 'person', by: p.by, byUserId: p.byUserId, page: p.page };
  await tx.query(
    `INSERT INTO text_versions (document_id, version, status, settings, reason, requested_at, done_at, ocr_key, ocr_sha256)
     VALUES ($1, $2, 'done', $3, $4, $5, $5, $6, $7)`,
    [entry.documentId, p.version, JSON.stringify(settings), p.reason, entry.at, p.ocrKey, p.ocrSha256],
  );
  for (const b of base.rows) {
    const page = b.n === p.page ? { text: p.text, confidence: p.confidence, words: p.words } : b;
    await restorePageText(tx, entry.documentId, p.version, { n: b.n, ...page });
  }
  if (p.version > d.text_version) await makeCurrent(tx, entry.documentId, p.version);
  return true;
}
