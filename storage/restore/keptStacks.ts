/**
 * Kept stacks, restored: a scanned stack split at separator sheets is kept whole beside its letters
 * (intake_originals), and when its last letter is registered its 'stack-kept' ledger entry says what it was and
 * what it became. Once the documents are back, each entry, oldest first, makes its rows again:
 *
 *   entry read and checked -> its file made sure of (secure.ts: read from the source bucket, hashed, compared
 *   with the entry's SHA-256, mended from the other bucket or copied to it) -> its row, 'done', and its letters
 *   that came back, in one transaction
 *
 * A stack whose file is in neither bucket with that SHA-256 is not restored and is named in the report's
 * problems, as a damaged document file is; its letters, documents of their own, are restored all the same.
 * Restartable: a row already there is passed over.
 */
import { inTransaction, type Db } from '../db';
import { LEDGER_COLUMNS, toEntry, type LedgerEntry, type LedgerRow } from '../integrity/ledger';
import { keys } from '../layout';
import type { IntakeSummary, StackKept } from '../repos/intakeOriginals';
import { isUuid } from '../../kernel/text';
import type { RestoreReport } from './report';
import type { Secure } from './secure';

const PAGE = 200;

const SHA256 = /^[0-9a-f]{64}$/;

const count = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const textOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';

function summaryOf(v: unknown): IntakeSummary | undefined {
  const s = v as Partial<IntakeSummary> | null;
  if (!s || !count(s.documents) || !count(s.separators) || !count(s.blankPages)) return undefined;
  return { documents: s.documents, separators: s.separators, blankPages: s.blankPages };
}

function lettersOf(v: unknown): StackKept['letters'] | undefined {
  if (!Array.isArray(v)) return undefined;
  const letters: StackKept['letters'] = [];
  for (const l of v as Array<Partial<StackKept['letters'][number]> | null>) {
    if (!l || !count(l.seq) || typeof l.documentId !== 'string' || !isUuid(l.documentId)) return undefined;
    if (l.pages !== null && !(Array.isArray(l.pages) && l.pages.every(count))) return undefined;
    letters.push({ seq: l.seq, documentId: l.documentId, pages: l.pages ?? null });
  }
  return letters;
}

/** The entry's payload, checked field by field (its key must be the one its SHA-256 and type give), or undefined. */
export function parseStackKept(payload: Record<string, unknown>): StackKept | undefined {
  const p = payload as Partial<Record<keyof StackKept, unknown>>;
  const summary = summaryOf(p.summary);
  const letters = lettersOf(p.letters);
  const filed = p.filed as Partial<StackKept['filed']> | null | undefined;
  if (typeof p.id !== 'string' || !isUuid(p.id) || (p.kind !== 'stack' && p.kind !== 'email')) return undefined;
  if (typeof p.sha256 !== 'string' || !SHA256.test(p.sha256) || typeof p.mime !== 'string' || typeof p.key !== 'string') {
    return undefined;
  }
  const ext = p.key.slice(p.key.lastIndexOf('.') + 1);
  if (!/^[a-z0-9]{1,8}$/.test(ext) || p.key !== keys.intakeOriginal(p.sha256, ext)) return undefined;
  if (!count(p.size) || !count(p.pages) || !summary || !letters || !textOrNull(p.name)) return undefined;
  if (!textOrNull(p.batchId) || !textOrNull(p.createdBy) || typeof p.createdAt !== 'string') return undefined;
  if (!filed || !textOrNull(filed.classification) || !textOrNull(filed.department)) return undefined;
  return {
    id: p.id,
    kind: p.kind,
    name: p.name,
    sha256: p.sha256,
    size: p.size,
    mime: p.mime,
    key: p.key,
    pages: p.pages,
    summary,
    batchId: p.batchId !== null && isUuid(p.batchId) ? p.batchId : null,
    createdBy: p.createdBy !== null && isUuid(p.createdBy) ? p.createdBy : null,
    createdAt: p.createdAt,
    filed: { classification: filed.classification ?? null, department: filed.department ?? null },
    letters,
  };
}

/** Its row ('done', copied offsite: both buckets were just made sure of) and its letters that came back. */
async function writeKept(db: Db, k: StackKept): Promise<void> {
  await inTransaction(db, async (tx) => {
    // Its batch and its sender where they came back (people are not restored with the records).
    await tx.query(
      `INSERT INTO intake_originals
         (id, batch_id, kind, name, sha256, size, mime, key, pages, status, summary, context, created_by, created_at, offsite_at)
       VALUES ($1, (SELECT id FROM batches WHERE id = $2::uuid), $3, $4, $5, $6, $7, $8, $9, 'done', $10, $11,
               (SELECT id FROM users WHERE id = $12::uuid), $13, now())
       ON CONFLICT (id) DO NOTHING`,
      [
        k.id,
        k.batchId,
        k.kind,
        k.name,
        k.sha256,
        k.size,
        k.mime,
        k.key,
        k.pages,
        JSON.stringify(k.summary),
        JSON.stringify({ meta: k.filed }),
        k.createdBy,
        k.createdAt,
      ],
    );
    await tx.query(
      `INSERT INTO intake_original_documents (original_id, document_id, seq, pages)
       SELECT $1, l.document_id, l.seq, l.pages
       FROM jsonb_to_recordset($2::jsonb) AS l(seq int, document_id uuid, pages int[])
       JOIN documents d ON d.id = l.document_id
       ON CONFLICT (original_id, seq) DO NOTHING`,
      [k.id, JSON.stringify(k.letters.map((l) => ({ seq: l.seq, document_id: l.documentId, pages: l.pages })))],
    );
  });
}

async function restoreOne(db: Db, secure: Secure, entry: LedgerEntry, report: RestoreReport): Promise<void> {
  const counts = report.keptStacks;
  const k = parseStackKept(entry.payload);
  if (!k) {
    counts.failed++;
    report.problems.push(`ledger entry ${entry.seq}: a kept stack's entry cannot be read; not restored`);
    return;
  }
  const there = await db.query('SELECT 1 FROM intake_originals WHERE id = $1', [k.id]);
  if (there.rows.length > 0) {
    counts.alreadyPresent++;
    return;
  }
  const secured = await secure({ key: k.key, sha256: k.sha256, size: k.size, contentType: k.mime }, report.problems);
  if (!secured.ok) {
    counts.failed++;
    report.problems.push(
      `kept stack ${k.name ?? k.id} (${k.id}): not restored: ${k.key} with SHA-256 ${k.sha256} is in neither bucket`,
    );
    return;
  }
  await writeKept(db, k);
  counts.restored++;
}

/** Makes every kept stack of the restored ledger again, oldest first (after the documents are back). */
export async function restoreKeptStacks(db: Db, secure: Secure, report: RestoreReport): Promise<void> {
  let after = 0;
  for (;;) {
    const page = await db.query<LedgerRow>(
      `SELECT ${LEDGER_COLUMNS} FROM ledger WHERE seq > $1 AND event = 'stack-kept' ORDER BY seq LIMIT ${PAGE}`,
      [after],
    );
    if (page.rows.length === 0) return;
    for (const r of page.rows) await restoreOne(db, secure, toEntry(r), report);
    after = Number(page.rows.at(-1)!.seq);
  }
}
