/**
 * Registration and registry numbers (`registry_sequences`). Registration gives
 * each document a number in its register (book) for the year, each book's
 * sequence from 1, inside the same transaction that
 * inserts it, so a rolled-back registration (a duplicate) leaves no gap; the
 * UNIQUE constraint on the original's SHA-256 decides duplicates, never a
 * SELECT beforehand. The year is the registration's year where the registry
 * is (its time zone), the same instant the stamp shows in that zone.
 */
import crypto from 'node:crypto';
import { inTransaction, isUniqueViolation, type Db, type Queryable, type Tx } from '../db';
import { appendLedger } from '../integrity/ledger';
import { keys } from '../layout';
import { INCOMING, registerOf, type LabelRefusal, type RegistryRef } from '../../kernel/registry';
import { DomainError } from '../../kernel/errors';
import { addLink } from './links';
import { findOrCreateCorrespondent } from './correspondents';
import {
  DOC_COLUMNS,
  documentBySha256,
  toRecord,
  type DocumentMeta,
  type DocumentRecord,
  type DocumentRow,
} from './documentRecords';
import { insertPart, type PartRecord } from './documentFiles';
import { assignRetention } from '../records/retention';

export type NewPart = Omit<PartRecord, 'n' | 'key'>;

export interface NewDocument extends DocumentMeta {
  /** The register (book) to number it in; default incoming. Must exist. */
  register?: string;
  /** The sender's own number and date (YYYY-MM-DD) printed on the letter. */
  externalRef?: string | null;
  externalDate?: string | null;
  /** The correspondent's record (`correspondent` then holds its Arabic name). */
  correspondentId?: string | null;
  /**
   * Only a name given: the correspondent of this Arabic name (its normalised key
   * as search normalises it) is found, or made, in the registration's transaction.
   */
  correspondentByName?: { nameAr: string; nameKey: string } | null;
  /** Documents (ids) this one answers: a reply link to each, made in the registration's transaction. */
  inReplyTo?: string[];
  batchId: string | null;
  textLayer: boolean;
  /** The original files, in page order; one for an ordinary upload. A rendition (an Office file's PDF) follows its original. */
  parts: NewPart[];
  /**
   * The registry number printed on a label its first page bears (storage/repos/labels.ts): given out in advance,
   * it is taken instead of the next in the sequence when it is still free; when it is not (an unknown or used
   * label), the document gets the next number and `labelRefused` says why.
   */
  label?: Required<RegistryRef> | null;
}

/**
 * The fingerprint that decides duplicates: the file's SHA-256, or for several files, the SHA-256 of their
 * hashes in order. Renditions do not count: an Office file sent twice is a duplicate though each conversion differs.
 */
export function documentFingerprint(all: Array<Pick<NewPart, 'sha256' | 'rendition'>>): string {
  const parts = all.some((p) => !p.rendition) ? all.filter((p) => !p.rendition) : all;
  if (parts.length === 1) return parts[0]!.sha256;
  return crypto
    .createHash('sha256')
    .update(parts.map((p) => p.sha256).join('\n'))
    .digest('hex');
}

export const MULTIPART_MIME = 'application/x-diwan-pages';

export type RegisterResult =
  | { kind: 'registered'; doc: DocumentRecord; parts: PartRecord[]; labelRefused?: LabelRefusal }
  | { kind: 'duplicate'; doc: DocumentRecord };

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
  const originals = input.parts.filter((p) => !p.rendition);
  // One original (with or without its rendition) names the document's file; several are its pages.
  const single = originals.length === 1 ? originals[0]! : undefined;
  const oneFile = input.parts.length === 1;
  const fingerprint = documentFingerprint(input.parts);
  const pageCount = input.parts.reduce((n, p) => n + p.pageCount, 0);
  try {
    return await inTransaction(db, async (tx) => {
      // The instant the record is created at (the transaction's), and its year where the registry is.
      const at = opts.at ?? (await tx.query<{ now: Date }>('SELECT now() AS now')).rows[0]!.now;
      const year = opts.year ?? registryYear(at, opts.timeZone ?? 'UTC');
      const register = input.register ?? INCOMING;
      if (!(await registerExists(tx, register))) throw new DomainError('unknown_register', { ar: register, en: register });
      // The record's id is chosen here, so that a correspondent it brings in is ledgered as this document's
      // (an auditor not cleared for the letter does not learn who sent it from the correspondent's entry).
      const id = crypto.randomUUID();
      let correspondentId = input.correspondentId ?? null;
      let correspondent = input.correspondent;
      if (!correspondentId && input.correspondentByName) {
        const c = await findOrCreateCorrespondent(tx, input.correspondentByName, input.uploadedBy ?? null, id);
        correspondentId = c.id;
        correspondent = c.nameAr;
      }
      const labelled = input.label ? await claimLabel(tx, input.label, register, year) : undefined;
      const number =
        labelled?.kind === 'taken'
          ? { year: input.label!.year, seq: input.label!.seq }
          : { year, seq: await nextSeq(tx, register, year) };
      const ins = await tx.query<DocumentRow>(
        `INSERT INTO documents (registry_year, registry_seq, title, doc_type, department, classification, doc_date,
           original_name, original_mime, original_ext, original_size, original_sha256, page_count, batch_id, text_layer, correspondent,
           uploaded_by, created_at, register, external_ref, external_date, correspondent_id, id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)
         RETURNING ${DOC_COLUMNS}`,
        [
          number.year,
          number.seq,
          input.title,
          input.docType,
          input.department,
          input.classification,
          input.docDate,
          single ? single.originalName : null,
          single ? single.mime : MULTIPART_MIME,
          single ? single.ext : 'pages',
          // The size of what was received: a rendition made of it is not counted.
          originals.reduce((n, p) => n + p.size, 0),
          fingerprint,
          pageCount,
          input.batchId,
          input.textLayer,
          correspondent,
          input.uploadedBy ?? null,
          at,
          register,
          input.externalRef ?? null,
          input.externalDate ?? null,
          correspondentId,
          id,
        ],
      );
      const doc = toRecord(ins.rows[0]!);
      const parts: PartRecord[] = input.parts.map((p, i) => ({
        ...p,
        n: i + 1,
        key: oneFile ? keys.original(doc, p.ext) : keys.originalPart(doc, i + 1, p.ext),
      }));
      for (const p of parts) await insertPart(tx, doc.id, p);
      if (labelled?.kind === 'taken') await useLabel(tx, input.label!, doc.id);
      // Its retention rule and due date, so its files are locked to the due date from their first write.
      await assignRetention(tx, doc.id);
      await opts.onRegistered?.(tx, doc, parts);
      await appendLedger(tx, 'registered', doc.id, {
        registryNo: doc.registryNo,
        register: doc.register,
        externalRef: doc.externalRef,
        externalDate: doc.externalDate,
        correspondentId: doc.correspondentId,
        fingerprint,
        files: parts.map((p) => ({
          path: p.key.slice(p.key.lastIndexOf('/') + 1),
          sha256: p.sha256,
          size: p.size,
          name: p.originalName,
          ...(p.rendition ? { rendition: true, pages: p.pageCount } : {}),
        })),
        ...(labelled?.kind === 'taken' ? { label: true } : {}),
      });
      for (const to of new Set(input.inReplyTo ?? [])) {
        await addLink(tx, { fromId: doc.id, toId: to, kind: 'reply', by: input.uploadedBy ?? null });
      }
      return {
        kind: 'registered' as const,
        doc,
        parts,
        ...(labelled && labelled.kind !== 'taken' ? { labelRefused: labelled.kind } : {}),
      };
    });
  } catch (e) {
    if (!isUniqueViolation(e, 'documents_original_sha256_key')) throw e;
    const existing = await documentBySha256(db, fingerprint);
    if (!existing) throw e;
    return { kind: 'duplicate', doc: existing };
  }
}

/** The next number in a register's sequence for the year, taken in the registration's transaction. */
async function nextSeq(tx: Tx, register: string, year: number): Promise<number> {
  const seq = await tx.query<{ last_seq: number }>(
    `INSERT INTO registry_sequences (register, year, last_seq) VALUES ($1, $2, 1)
     ON CONFLICT (register, year) DO UPDATE SET last_seq = registry_sequences.last_seq + 1
     RETURNING last_seq`,
    [register, year],
  );
  return seq.rows[0]!.last_seq;
}

/**
 * Whether a label's number is free for this document: given out on a label, not yet used, of the register the
 * document is numbered in, and of this registry year. The row is locked until the registration commits, so two
 * documents never take one label.
 */
async function claimLabel(
  tx: Tx,
  label: Required<RegistryRef>,
  register: string,
  year: number,
): Promise<{ kind: 'taken' | LabelRefusal }> {
  const res = await tx.query<{ document_id: string | null }>(
    'SELECT document_id FROM registry_labels WHERE register = $1 AND year = $2 AND seq = $3 FOR UPDATE',
    [label.register, label.year, label.seq],
  );
  const row = res.rows[0];
  if (!row) return { kind: 'label_unknown' };
  if (row.document_id) return { kind: 'label_used' };
  if (label.register !== register) return { kind: 'label_other_register' };
  if (label.year !== year) return { kind: 'label_expired' };
  return { kind: 'taken' };
}

async function useLabel(tx: Tx, label: Required<RegistryRef>, documentId: string): Promise<void> {
  await tx.query('UPDATE registry_labels SET document_id = $4, used_at = now() WHERE register = $1 AND year = $2 AND seq = $3', [
    label.register,
    label.year,
    label.seq,
    documentId,
  ]);
}

/** Moves the register's sequence for the year past `seq` (restore), so that number is never given again. */
export async function advanceRegistrySequence(q: Queryable, ref: RegistryRef): Promise<void> {
  await q.query(
    `INSERT INTO registry_sequences (register, year, last_seq) VALUES ($1, $2, $3)
     ON CONFLICT (register, year) DO UPDATE SET last_seq = GREATEST(registry_sequences.last_seq, $3)`,
    [registerOf(ref), ref.year, ref.seq],
  );
}

/** The last registry number given in each register and year, oldest year first. */
export async function registrySequences(q: Queryable): Promise<Array<{ register: string; year: number; lastSeq: number }>> {
  const res = await q.query<{ register: string; year: number; last_seq: number }>(
    'SELECT register, year, last_seq FROM registry_sequences ORDER BY year, register',
  );
  return res.rows.map((r) => ({ register: r.register, year: r.year, lastSeq: r.last_seq }));
}

async function registerExists(q: Queryable, code: string): Promise<boolean> {
  const res = await q.query('SELECT 1 FROM registers WHERE code = $1', [code]);
  return res.rows.length > 0;
}
