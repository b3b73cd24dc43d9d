/**
 * Correspondents (`correspondents`): who letters come from and go to, as
 * records (Arabic name, Latin name, kind, contact). `name_key` is the Arabic
 * name normalised as search normalises text; the normaliser lives on a higher
 * floor, so the repository is given it (createCorrespondents(db, normalize)).
 * Creating and editing one are ledger entries carrying the whole record and its
 * name key ('correspondent-created', 'correspondent-changed'), replayed by
 * `diwan restore` (replayCorrespondent) without the normaliser.
 */
import { inTransaction, type Db, type Queryable, type Tx } from '../db';
import { appendLedger, type LedgerEntry } from '../integrity/ledger';
import { DomainError } from '../../kernel/errors';
import { isUuid } from '../../kernel/text';
import { DOC_COLUMNS, LIST_COUNT_CAP, toRecord, type DocumentRecord, type DocumentRow } from './documentRecords';

export const CORRESPONDENT_KINDS = ['ministry', 'company', 'person', 'other'] as const;
export type CorrespondentKind = (typeof CORRESPONDENT_KINDS)[number];
export const isCorrespondentKind = (k: unknown): k is CorrespondentKind =>
  (CORRESPONDENT_KINDS as readonly unknown[]).includes(k);

export interface CorrespondentRecord {
  id: string;
  nameAr: string;
  nameEn: string | null;
  kind: CorrespondentKind;
  contact: string | null;
  createdAt: string;
  createdBy: string | null;
}

export type CorrespondentFields = Pick<CorrespondentRecord, 'nameAr' | 'nameEn' | 'kind' | 'contact'>;

interface Row {
  id: string;
  name_ar: string;
  name_en: string | null;
  kind: CorrespondentKind;
  contact: string | null;
  created_at: Date;
  created_by: string | null;
}

const COLUMNS = 'id, name_ar, name_en, kind, contact, created_at, created_by';

function toCorrespondent(r: Row): CorrespondentRecord {
  return {
    id: r.id,
    nameAr: r.name_ar,
    nameEn: r.name_en,
    kind: r.kind,
    contact: r.contact,
    createdAt: r.created_at.toISOString(),
    createdBy: r.created_by,
  };
}

/** Checks and trims a correspondent's fields; a missing Arabic name or an unknown kind is a bad request. */
export function cleanFields(input: Partial<CorrespondentFields>, base?: CorrespondentFields): CorrespondentFields {
  const text = (v: unknown, max: number): string | null => {
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string' || v.length > max) throw new DomainError('bad_request');
    return v.trim() || null;
  };
  const nameAr = input.nameAr !== undefined ? text(input.nameAr, 300) : (base?.nameAr ?? null);
  if (!nameAr) throw new DomainError('bad_request', { ar: '(الاسم العربي مطلوب)', en: '(the Arabic name is required)' });
  const kind = input.kind ?? base?.kind ?? 'other';
  if (!isCorrespondentKind(kind)) throw new DomainError('bad_request', { ar: '(النوع)', en: '(kind)' });
  return {
    nameAr,
    nameEn: input.nameEn !== undefined ? text(input.nameEn, 300) : (base?.nameEn ?? null),
    kind,
    contact: input.contact !== undefined ? text(input.contact, 1000) : (base?.contact ?? null),
  };
}

/** A page of a correspondent's letters, to and from, newest first. */
export interface CorrespondentLetters {
  items: DocumentRecord[];
  /** Counted up to 10,000 (or the page asked for); `totalExact` false: at least that many. */
  total: number;
  totalExact: boolean;
}

/**
 * The correspondent whose Arabic name, normalised (`nameKey`), is this one's, or
 * a new one of that name, with its ledger entry (at registration, when only a
 * name is given), in the caller's transaction.
 */
export async function findOrCreateCorrespondent(
  tx: Tx,
  name: { nameAr: string; nameKey: string },
  by: string | null,
  /** The document whose registration names it: the new record's ledger entry is that document's, withheld with it. */
  documentId: string | null = null,
): Promise<CorrespondentRecord> {
  const fields = cleanFields({ nameAr: name.nameAr });
  // One at a time per name, so two registrations naming a new sender at once make one record.
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`correspondent:${name.nameKey}`]);
  const found = await tx.query<Row>(`SELECT ${COLUMNS} FROM correspondents WHERE name_key = $1 ORDER BY created_at LIMIT 1`, [
    name.nameKey,
  ]);
  if (found.rows[0]) return toCorrespondent(found.rows[0]);
  return insertCorrespondent(tx, fields, name.nameKey, by, documentId);
}

async function insertCorrespondent(
  q: Queryable,
  f: CorrespondentFields,
  nameKey: string,
  by: string | null,
  documentId: string | null = null,
): Promise<CorrespondentRecord> {
  const res = await q.query<Row>(
    `INSERT INTO correspondents (name_ar, name_en, name_key, kind, contact, created_by, first_document_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     RETURNING ${COLUMNS}`,
    [f.nameAr, f.nameEn, nameKey, f.kind, f.contact, by, documentId],
  );
  const c = toCorrespondent(res.rows[0]!);
  await appendLedger(q as Tx, 'correspondent-created', documentId, { ...c, nameKey });
  return c;
}

/** One correspondent by id, if any. */
export async function getCorrespondent(q: Queryable, id: string): Promise<CorrespondentRecord | undefined> {
  if (!isUuid(id)) return undefined;
  const res = await q.query<Row>(`SELECT ${COLUMNS} FROM correspondents WHERE id = $1`, [id]);
  return res.rows[0] ? toCorrespondent(res.rows[0]) : undefined;
}

/** Which letters a reader reaches: classifications and departments (null: every one), and only their own when asked. */
export interface LetterReach {
  classifications: string[] | null;
  departments: string[] | null;
  /** Only those this person sent (whoever may not read others' documents). */
  uploadedBy?: string | null;
}

/** The SQL condition (on documents aliased `d`) of a letter within `reach`, its values pushed onto `params`. */
function reachSql(reach: LetterReach, params: unknown[]): string {
  const cls = reach.classifications ? ` AND d.classification = ANY($${params.push(reach.classifications)})` : '';
  const scope = reach.departments ? ` AND d.department = ANY($${params.push(reach.departments)})` : '';
  const own = reach.uploadedBy !== undefined ? ` AND d.uploaded_by = $${params.push(reach.uploadedBy)}` : '';
  return `TRUE${cls}${scope}${own}`;
}

/**
 * A correspondent a reader may know of: one entered as a record of its own, or one a letter brought in
 * when the reader reaches one of its letters (who wrote a secret letter is as secret as the letter).
 */
function knownSql(reach: LetterReach | undefined, params: unknown[]): string {
  if (!reach) return 'TRUE';
  return `(c.first_document_id IS NULL OR EXISTS (SELECT 1 FROM documents d WHERE d.correspondent_id = c.id AND ${reachSql(reach, params)}))`;
}

/**
 * The queries of a correspondent's letters within `opts`' reach: their count, up to a bound (as the document list
 * counts: a ministry writes to some bodies every day for decades), and one page newest first, read from the index
 * in that order (migration 49) rather than sorted from all of the correspondent's letters.
 */
export function lettersQueries(id: string, opts: LetterReach & { limit: number; offset: number }) {
  const params: unknown[] = [id];
  const where = `d.correspondent_id = $1 AND ${reachSql(opts, params)}`;
  const cap = Math.max(LIST_COUNT_CAP, opts.offset + opts.limit);
  const count = {
    text: `SELECT count(*)::int AS n FROM (SELECT 1 FROM documents d WHERE ${where} LIMIT $${params.length + 1}) c`,
    values: [...params, cap + 1],
  };
  const page = {
    text: `SELECT ${DOC_COLUMNS} FROM documents d WHERE ${where} ORDER BY d.correspondent_id, d.created_at DESC, d.id DESC
           LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    values: [...params, opts.limit, opts.offset],
  };
  return { cap, count, page };
}

export function createCorrespondents(db: Db, normalize: (s: string) => string) {
  const key = (nameAr: string) => normalize(nameAr);

  const insert = (q: Queryable, f: CorrespondentFields, by: string | null) => insertCorrespondent(q, f, key(f.nameAr), by);

  const repo = {
    /** One correspondent by id; with `reach`, only one this reader may know of. */
    async get(id: string, reach?: LetterReach): Promise<CorrespondentRecord | undefined> {
      if (!isUuid(id)) return undefined;
      const params: unknown[] = [id];
      const res = await db.query<Row>(
        `SELECT ${COLUMNS.replace(/(^|, )/g, '$1c.')} FROM correspondents c WHERE c.id = $1 AND ${knownSql(reach, params)}`,
        params,
      );
      return res.rows[0] ? toCorrespondent(res.rows[0]) : undefined;
    },

    /**
     * Correspondents whose Arabic name (normalised) or Latin name (any case) contains `q`; all when q is
     * empty; with `reach`, only those this reader may know of.
     */
    async search(q: string, limit = 20, reach?: LetterReach): Promise<CorrespondentRecord[]> {
      const needle = q.trim();
      const like = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const params: unknown[] = [needle, like(key(needle)), like(needle.toLowerCase()), key(needle), limit];
      const res = await db.query<Row>(
        `SELECT ${COLUMNS.replace(/(^|, )/g, '$1c.')} FROM correspondents c
         WHERE ($1 = '' OR c.name_key LIKE $2 OR lower(coalesce(c.name_en, '')) LIKE $3) AND ${knownSql(reach, params)}
         ORDER BY c.name_key = $4 DESC, c.name_ar LIMIT $5`,
        params,
      );
      return res.rows.map(toCorrespondent);
    },

    /** Adds one, with its ledger entry (in the caller's transaction when given). */
    async create(f: Partial<CorrespondentFields>, by: string | null, tx?: Tx): Promise<CorrespondentRecord> {
      const fields = cleanFields(f);
      return tx ? insert(tx, fields, by) : inTransaction(db, (t) => insert(t, fields, by));
    },

    /** The correspondent of this Arabic name (normalised), or a new one of that name. */
    findOrCreate: (nameAr: string, by: string | null, tx: Tx): Promise<CorrespondentRecord> =>
      findOrCreateCorrespondent(tx, { nameAr, nameKey: key(nameAr) }, by),

    /** Changes some fields, with a ledger entry carrying the whole record after and what it was before. */
    async update(id: string, f: Partial<CorrespondentFields>, by: string | null): Promise<CorrespondentRecord | undefined> {
      if (!isUuid(id)) return undefined;
      return inTransaction(db, async (tx) => {
        const cur = await tx.query<Row & { first_document_id: string | null }>(
          `SELECT ${COLUMNS}, first_document_id FROM correspondents WHERE id = $1 FOR UPDATE`,
          [id],
        );
        if (!cur.rows[0]) return undefined;
        const before = toCorrespondent(cur.rows[0]);
        const next = cleanFields(f, before);
        const res = await tx.query<Row>(
          `UPDATE correspondents SET name_ar = $2, name_en = $3, name_key = $4, kind = $5, contact = $6 WHERE id = $1
           RETURNING ${COLUMNS}`,
          [id, next.nameAr, next.nameEn, key(next.nameAr), next.kind, next.contact],
        );
        const after = toCorrespondent(res.rows[0]!);
        // A correspondent a letter brought in: the change is that letter's entry, withheld with it from an auditor not cleared for it.
        await appendLedger(tx, 'correspondent-changed', cur.rows[0].first_document_id, {
          ...after,
          nameKey: key(after.nameAr),
          by,
          before: { nameAr: before.nameAr, nameEn: before.nameEn, kind: before.kind, contact: before.contact },
        });
        // The documents' free-text name follows the record's Arabic name.
        if (before.nameAr !== after.nameAr) {
          await tx.query('UPDATE documents SET correspondent = $2, updated_at = now() WHERE correspondent_id = $1', [
            id,
            after.nameAr,
          ]);
        }
        return after;
      });
    },

    /** Its archived letters' ids, a page at a time after `afterId` (to index them again after an edit). */
    async archivedLetterIds(id: string, afterId: string | null, limit: number): Promise<string[]> {
      const res = await db.query<{ id: string }>(
        `SELECT id FROM documents WHERE correspondent_id = $1 AND status = 'archived' AND ($2::uuid IS NULL OR id > $2::uuid)
         ORDER BY id LIMIT $3`,
        [id, afterId, limit],
      );
      return res.rows.map((r) => r.id);
    },

    /**
     * Its letters to and from, newest first, within the classifications (null: every one) and
     * departments (null: every one) given.
     */
    async letters(id: string, opts: LetterReach & { limit: number; offset: number }): Promise<CorrespondentLetters> {
      const q = lettersQueries(id, opts);
      const total = await db.query<{ n: number }>(q.count.text, q.count.values);
      const rows = await db.query<DocumentRow>(q.page.text, q.page.values);
      const n = total.rows[0]!.n;
      return { items: rows.rows.map(toRecord), total: Math.min(n, q.cap), totalExact: n <= q.cap };
    },
  };
  return repo;
}

export type CorrespondentsRepo = ReturnType<typeof createCorrespondents>;

/**
 * Puts a correspondent back as a manifest or ledger entry describes it (restore). From a manifest
 * (`replace` false) a record already there is kept; a ledger entry (`replace` true) sets the record as
 * it was then, so entries replayed in ledger order end with the last change, however often they run.
 */
export async function ensureCorrespondent(
  q: Queryable,
  c: Pick<CorrespondentRecord, 'id' | 'nameAr' | 'nameEn' | 'kind'> & Partial<CorrespondentRecord> & { nameKey?: string },
  replace = false,
): Promise<void> {
  await q.query(
    `INSERT INTO correspondents (id, name_ar, name_en, name_key, kind, contact, created_at, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, coalesce($7::timestamptz, now()), $8)
     ON CONFLICT (id) DO ${
       replace
         ? `UPDATE SET name_ar = EXCLUDED.name_ar, name_en = EXCLUDED.name_en, name_key = EXCLUDED.name_key,
                       kind = EXCLUDED.kind, contact = EXCLUDED.contact`
         : 'NOTHING'
     }`,
    [c.id, c.nameAr, c.nameEn, c.nameKey ?? c.nameAr, c.kind, c.contact ?? null, c.createdAt ?? null, c.createdBy ?? null],
  );
}

/** Replays a 'correspondent-created' or 'correspondent-changed' entry (restore). */
export async function replayCorrespondent(tx: Tx, e: LedgerEntry): Promise<boolean> {
  const c = e.payload as unknown as CorrespondentRecord & { nameKey?: string };
  if (!isUuid(String(c.id)) || typeof c.nameAr !== 'string') return false;
  await ensureCorrespondent(tx, c, true);
  if (e.event === 'correspondent-created' && e.documentId) {
    await tx.query('UPDATE correspondents SET first_document_id = $2 WHERE id = $1', [c.id, e.documentId]);
  }
  // As the change did: the letters' written name follows the record's Arabic name.
  if (e.event === 'correspondent-changed') {
    await tx.query('UPDATE documents SET correspondent = $2 WHERE correspondent_id = $1 AND correspondent IS DISTINCT FROM $2', [
      c.id,
      c.nameAr,
    ]);
  }
  return true;
}
