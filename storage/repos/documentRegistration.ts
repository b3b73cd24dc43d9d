/**
 * Registration and registry numbers (`registry_sequences`). Registration gives
 * each document a per-year registry number inside the same transaction that
 * inserts it, so a rolled-back registration (a duplicate) leaves no gap; the
 * UNIQUE constraint on the original's SHA-256 decides duplicates, never a
 * SELECT beforehand. The year is the registration's year where the registry
 * is (its time zone), the same instant the stamp shows in that zone.
 */
import crypto from 'node:crypto';
import { inTransaction, isUniqueViolation, type Db, type Queryable, type Tx } from '../db';
import { appendLedger } from '../integrity/ledger';
import { keys } from '../layout';
import type { RegistryRef } from '../../kernel/registry';
import {
  DOC_COLUMNS,
  documentBySha256,
  toRecord,
  type DocumentMeta,
  type DocumentRecord,
  type DocumentRow,
} from './documentRecords';
import { insertPart, type PartRecord } from './documentFiles';

export type NewPart = Omit<PartRecord, 'n' | 'key'>;

export interface NewDocument extends DocumentMeta {
  batchId: string | null;
  textLayer: boolean;
  /** The original files, in page order; one for an ordinary upload. */
  parts: NewPart[];
}

/** The fingerprint that decides duplicates: the file's SHA-256, or for several files, the SHA-256 of their hashes in order. */
export function documentFingerprint(parts: Array<Pick<NewPart, 'sha256'>>): string {
  if (parts.length === 1) return parts[0]!.sha256;
  return crypto
    .createHash('sha256')
    .update(parts.map((p) => p.sha256).join('\n'))
    .digest('hex');
}

export const MULTIPART_MIME = 'application/x-diwan-pages';

export type RegisterResult =
  { kind: 'registered'; doc: DocumentRecord; parts: PartRecord[] } | { kind: 'duplicate'; doc: DocumentRecord };

export interface RegisterOptions {
  year?: number;
  /** The registry's time zone (an IANA name, DIWAN_TIMEZONE): the registry year is the year there. Default UTC. */
  timeZone?: string;
  /** The registration's instant (tests); default the database's clock, as the record's creation time. */
  at?: Date;
  onRegistered?: (tx: Tx, doc: DocumentRecord, parts: PartRecord[]) => Promise<void>;
}

/** The year of `at` in `timeZone` (Gregorian): the year of a registry number given at that instant. */
export function registryYear(at: Date, timeZone: string): number {
  return Number(new Intl.DateTimeFormat('en-u-ca-gregory-nu-latn', { timeZone, year: 'numeric' }).format(at));
}

/** Registers a new document, or answers with the document that already holds these bytes. */
export async function registerDocument(db: Db, input: NewDocument, opts: RegisterOptions = {}): Promise<RegisterResult> {
  if (input.parts.length === 0) throw new Error('a document needs at least one file');
  const single = input.parts.length === 1 ? input.parts[0]! : undefined;
  const fingerprint = documentFingerprint(input.parts);
  const pageCount = input.parts.reduce((n, p) => n + p.pageCount, 0);
  try {
    return await inTransaction(db, async (tx) => {
      // The instant the record is created at (the transaction's), and its year where the registry is.
      const at = opts.at ?? (await tx.query<{ now: Date }>('SELECT now() AS now')).rows[0]!.now;
      const year = opts.year ?? registryYear(at, opts.timeZone ?? 'UTC');
      const seq = await tx.query<{ last_seq: number }>(
        `INSERT INTO registry_sequences (year, last_seq) VALUES ($1, 1)
         ON CONFLICT (year) DO UPDATE SET last_seq = registry_sequences.last_seq + 1
         RETURNING last_seq`,
        [year],
      );
      const ins = await tx.query<DocumentRow>(
        `INSERT INTO documents (registry_year, registry_seq, title, doc_type, department, classification, doc_date,
           original_name, original_mime, original_ext, original_size, original_sha256, page_count, batch_id, text_layer, correspondent,
           uploaded_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
         RETURNING ${DOC_COLUMNS}`,
        [
          year,
          seq.rows[0]!.last_seq,
          input.title,
          input.docType,
          input.department,
          input.classification,
          input.docDate,
          single ? single.originalName : null,
          single ? single.mime : MULTIPART_MIME,
          single ? single.ext : 'pages',
          input.parts.reduce((n, p) => n + p.size, 0),
          fingerprint,
          pageCount,
          input.batchId,
          input.textLayer,
          input.correspondent,
          input.uploadedBy ?? null,
          at,
        ],
      );
      const doc = toRecord(ins.rows[0]!);
      const parts: PartRecord[] = input.parts.map((p, i) => ({
        ...p,
        n: i + 1,
        key: single ? keys.original(doc, p.ext) : keys.originalPart(doc, i + 1, p.ext),
      }));
      for (const p of parts) await insertPart(tx, doc.id, p);
      await opts.onRegistered?.(tx, doc, parts);
      await appendLedger(tx, 'registered', doc.id, {
        registryNo: doc.registryNo,
        fingerprint,
        files: parts.map((p) => ({
          path: p.key.slice(p.key.lastIndexOf('/') + 1),
          sha256: p.sha256,
          size: p.size,
          name: p.originalName,
        })),
      });
      return { kind: 'registered' as const, doc, parts };
    });
  } catch (e) {
    if (!isUniqueViolation(e, 'documents_original_sha256_key')) throw e;
    const existing = await documentBySha256(db, fingerprint);
    if (!existing) throw e;
    return { kind: 'duplicate', doc: existing };
  }
}

/** Moves the year's sequence past `seq` (restore), so that number is never given again. */
export async function advanceRegistrySequence(q: Queryable, ref: RegistryRef): Promise<void> {
  await q.query(
    `INSERT INTO registry_sequences (year, last_seq) VALUES ($1, $2)
     ON CONFLICT (year) DO UPDATE SET last_seq = GREATEST(registry_sequences.last_seq, $2)`,
    [ref.year, ref.seq],
  );
}

/** The last registry number given in each year, oldest year first. */
export async function registrySequences(q: Queryable): Promise<Array<{ year: number; lastSeq: number }>> {
  const res = await q.query<{ year: number; last_seq: number }>('SELECT year, last_seq FROM registry_sequences ORDER BY year');
  return res.rows.map((r) => ({ year: r.year, lastSeq: r.last_seq }));
}
