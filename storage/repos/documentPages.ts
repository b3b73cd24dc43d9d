/**
 * A document's pages (`pages`): each page's size and its current text, with
 * every recognised word and its box, which search and the viewer read.
 */
import type { Db, Queryable } from '../db';

/** One recognised word: text, box in page pixels (x0, y0, x1, y1), confidence 0-100. */
export type OcrWord = [string, number, number, number, number, number];

export interface PageRecord {
  n: number;
  width: number;
  height: number;
  text: string;
  confidence: number | null;
  words: OcrWord[];
}

/** Puts back a page as its bucket describes it (restore); one already there is an error. */
export async function restorePage(q: Queryable, documentId: string, p: PageRecord): Promise<void> {
  await q.query(
    `INSERT INTO pages (document_id, n, width, height, text, confidence, words) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [documentId, p.n, p.width, p.height, p.text, p.confidence, JSON.stringify(p.words)],
  );
}

export function createDocumentPages(db: Db) {
  return {
    async savePage(id: string, p: PageRecord): Promise<void> {
      await db.query(
        `INSERT INTO pages (document_id, n, width, height, text, confidence, words) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (document_id, n) DO UPDATE SET width = $3, height = $4, text = $5, confidence = $6, words = $7`,
        [id, p.n, p.width, p.height, p.text, p.confidence, JSON.stringify(p.words)],
      );
    },

    /** The words of several pages at once, keyed "documentId:n" (for search hits). */
    async pagesOf(which: Array<{ documentId: string; n: number }>): Promise<Map<string, OcrWord[]>> {
      if (which.length === 0) return new Map();
      const res = await db.query<{ document_id: string; n: number; words: OcrWord[] }>(
        `SELECT p.document_id, p.n, p.words FROM pages p
         JOIN unnest($1::uuid[], $2::int[]) AS w(document_id, n) ON w.document_id = p.document_id AND w.n = p.n`,
        [which.map((w) => w.documentId), which.map((w) => w.n)],
      );
      return new Map(res.rows.map((r) => [`${r.document_id}:${r.n}`, r.words]));
    },

    async pages(id: string): Promise<PageRecord[]> {
      const res = await db.query<PageRecord>(
        'SELECT n, width, height, text, confidence, words FROM pages WHERE document_id = $1 ORDER BY n',
        [id],
      );
      return res.rows;
    },
  };
}
