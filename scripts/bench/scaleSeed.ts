/**
 * The scale benchmark's seed (scripts/bench/scale.ts), also used by the tests that need a large archive:
 * archived documents and a chained ledger, written with SQL alone (no OCR, no objects).
 */
import crypto from 'node:crypto';
import type { Queryable } from '../../storage/db';
import { entryHash, GENESIS_HASH } from '../../storage/integrity/ledger';
import { writeState } from '../../storage/state';

/** The year the seeded documents are numbered in (far from any real upload's). */
export const SEED_YEAR = 2001;

/**
 * Archived documents `from` (inclusive) to `to` (exclusive), all SQL: each has its original and its archive
 * PDF, both verified on `offsite` and checked ok on `primary` and `offsite`. Replicas go in before the
 * artefacts, as the replicate stage's would have been, so nothing is left pending. `light`: the archive
 * PDF alone and no document parts (half the rows, for tests that need only the probes' tables).
 */
export async function seedArchive(
  db: Queryable,
  from: number,
  to: number,
  targets: { primary: string; offsite: string },
  opts: { light?: boolean } = {},
): Promise<void> {
  const { primary, offsite } = targets;
  const range = `generate_series(${Math.floor(from)}, ${Math.floor(to) - 1}) AS i`;
  const id = `md5('diwan-seed-' || i)::uuid`;
  const dir = `'documents/${SEED_YEAR}/' || lpad(i::text, 7, '0')`;
  const original = `('original', '/original.jpg', 'image/jpeg', 'o')`;
  const archive = `('archive', '/archive.pdf', 'application/pdf', 'a')`;
  const files = `(VALUES ${opts.light ? archive : `${original}, ${archive}`}) AS f(kind, name, type, tag)`;
  const hash = `md5(f.tag || i) || md5(i || f.tag)`;
  await db.query(
    `INSERT INTO documents (id, registry_year, registry_seq, title, original_name, original_mime, original_ext, original_size,
                            original_sha256, status, page_count, stages)
     SELECT ${id}, ${SEED_YEAR}, i, 'كتاب رقم ' || i, 'scan-' || i || '.jpg', 'image/jpeg', 'jpg', 250000,
            md5('o' || i) || md5(i || 'o'), 'archived', 1, '{}'::jsonb
     FROM ${range}`,
  );
  if (!opts.light) {
    await db.query(
      `INSERT INTO document_parts (document_id, n, key, sha256, size, mime, ext, original_name, page_count)
       SELECT ${id}, 1, ${dir} || '/original.jpg', md5('o' || i) || md5(i || 'o'), 250000, 'image/jpeg', 'jpg', 'scan-' || i || '.jpg', 1
       FROM ${range}`,
    );
  }
  await db.query(
    `INSERT INTO replicas (document_id, target, key, sha256, verified_at)
     SELECT ${id}, $1, ${dir} || f.name, ${hash}, now() FROM ${range}, ${files}`,
    [offsite],
  );
  await db.query(
    `INSERT INTO artefacts (document_id, kind, key, sha256, size, content_type)
     SELECT ${id}, f.kind, ${dir} || f.name, ${hash}, 250000, f.type FROM ${range}, ${files}`,
  );
  await db.query(
    `INSERT INTO fixity (document_id, target, key, expected_sha256, found_sha256, state, checked_at)
     SELECT ${id}, t.target, ${dir} || f.name, ${hash}, ${hash}, 'ok', now()
     FROM ${range}, ${files}, (VALUES ($1::text), ($2::text)) AS t(target)`,
    [primary, offsite],
  );
}

/** The id the seed gives document `i`. */
export async function seededId(db: Queryable, i: number): Promise<string> {
  return (await db.query<{ id: string }>(`SELECT md5('diwan-seed-' || $1::int)::uuid::text AS id`, [i])).rows[0]!.id;
}

/** The id the seed gives document `i`, computed here as PostgreSQL's md5(...)::uuid writes it. */
export function seedIdOf(i: number): string {
  const h = crypto.createHash('md5').update(`diwan-seed-${i}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Where a chain stands: its last entry's sequence number and hash. */
export interface ChainHead {
  seq: number;
  hash: string;
}

/** Documents per statement when the ledger is seeded (three entries each). */
const LEDGER_SEED_CHUNK = 5000;

/**
 * The ledger entries of documents `from` (inclusive) to `to` (exclusive), chained on from the ledger's head:
 * registered, archived and replicated for each, hashed as appendLedger hashes them and inserted many
 * to a statement; then counted as exported (as an archive's history would be). Returns the new head.
 */
export async function seedLedger(db: Queryable, from: number, to: number): Promise<ChainHead> {
  const last = await db.query<{ seq: string; entry_hash: string }>(
    'SELECT seq, entry_hash FROM ledger ORDER BY seq DESC LIMIT 1',
  );
  let seq = Number(last.rows[0]?.seq ?? 0);
  let hash = last.rows[0]?.entry_hash ?? GENESIS_HASH;
  const t0 = Date.parse('2001-01-01T00:00:00.000Z');
  for (let start = from; start < to; start += LEDGER_SEED_CHUNK) {
    const cols = {
      seq: [] as number[],
      at: [] as string[],
      event: [] as string[],
      doc: [] as string[],
      payload: [] as string[],
      prev: [] as string[],
      hash: [] as string[],
    };
    for (let i = start; i < Math.min(to, start + LEDGER_SEED_CHUNK); i++) {
      const documentId = seedIdOf(i);
      const registryNo = `${SEED_YEAR}/${String(i).padStart(7, '0')}`;
      const events: Array<[string, Record<string, unknown>]> = [
        ['registered', { registryNo, fingerprint: sha256Hex(`o${i}`) }],
        ['archived', { registryNo, manifestSha256: sha256Hex(`m${i}`) }],
        ['replicated', { target: 'offsite', files: 2 }],
      ];
      for (const [event, payload] of events) {
        seq++;
        const at = new Date(t0 + seq).toISOString();
        const h = entryHash(hash, { at, event, documentId, payload });
        cols.seq.push(seq);
        cols.at.push(at);
        cols.event.push(event);
        cols.doc.push(documentId);
        cols.payload.push(JSON.stringify(payload));
        cols.prev.push(hash);
        cols.hash.push(h);
        hash = h;
      }
    }
    await db.query(
      `INSERT INTO ledger (seq, at, event, document_id, payload, prev_hash, entry_hash)
       SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::uuid[], $5::jsonb[], $6::text[], $7::text[])`,
      [cols.seq, cols.at, cols.event, cols.doc, cols.payload, cols.prev, cols.hash],
    );
  }
  await db.query(`SELECT setval(pg_get_serial_sequence('ledger', 'seq'), $1)`, [seq]);
  // The seeded history counts as exported: a checkpoint then writes only what is new.
  await writeState(db, 'ledger-exported-seq', seq);
  return { seq, hash };
}

const sha256Hex = (s: string): string => crypto.createHash('sha256').update(s).digest('hex');
