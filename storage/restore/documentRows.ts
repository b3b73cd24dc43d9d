/**
 * Writing restored documents' rows, a batch of documents in one transaction
 * and one statement per table (a row set read by jsonb_to_recordset): their
 * batches, the documents, their registry numbers, their originals, every
 * stored file and its verified offsite copy, their pages, and, for a document
 * read more than once, every reading. The rows are those the repositories'
 * single-row restore inserts write (storage/repos: restoreDocumentRow,
 * insertPart, restoreArtefact, restoreReplica, restorePage,
 * restoreTextVersion, restorePageText, restoreBatch); one statement per table
 * also runs the tables' statement triggers (kept counts, pending replication)
 * once per batch instead of once per row.
 */
import { inTransaction, type Db, type Queryable, type Tx } from '../db';
import { INCOMING, registerOf, registryNo, type RegistryRef } from '../../kernel/registry';
import { manifestParts, type Manifest, type ManifestFile } from '../manifest';
import type { OcrFile } from '../ocrFile';

/** Every pipeline stage, marked done on a restored document (it is archived). */
const RESTORED_STAGES = ['stored', 'pages', 'ocr', 'compose', 'record', 'index', 'replicate'];

/** A document checked and made sure of, ready to be written. */
export interface CheckedDocument {
  m: Manifest;
  /** The document's folder in the bucket. */
  prefix: string;
  ref: RegistryRef;
  original: NonNullable<Manifest['original']>;
  /** Every stored file but the manifest, later readings included. */
  files: ManifestFile[];
  /** The manifest's own entry. */
  manifest: ManifestFile;
  /** Its readings, oldest first. */
  texts: OcrFile[];
  offsiteName: string;
}

type Row = Record<string, unknown>;

/** Inserts `rows` into `table` (the columns and their types as `columns` says) in one statement. */
async function insertRows(tx: Tx, table: string, columns: string, rows: Row[], conflict = ''): Promise<void> {
  if (rows.length === 0) return;
  const names = columns
    .split(',')
    .map((c) => c.trim().split(' ')[0])
    .join(', ');
  await tx.query(
    `INSERT INTO ${table} (${names}) SELECT ${names} FROM jsonb_to_recordset($1::jsonb) AS r(${columns}) ${conflict}`,
    [JSON.stringify(rows)],
  );
}

/** The rows of `docs`, table by table. */
function rowsOf(docs: CheckedDocument[]) {
  const verifiedAt = new Date().toISOString();
  const stages = Object.fromEntries(RESTORED_STAGES.map((s) => [s, verifiedAt]));
  const batches = new Map<string, Row>();
  const documents: Row[] = [];
  /** By "register/year": the register, the year and the highest number restored. */
  const sequences = new Map<string, { register: string; year: number; seq: number }>();
  const registers = new Map<string, Row>();
  const correspondents = new Map<string, Row>();
  const parts: Row[] = [];
  const artefacts: Row[] = [];
  const replicas: Row[] = [];
  const pages: Row[] = [];
  const versions: Row[] = [];
  const pageTexts: Row[] = [];
  for (const d of docs) {
    const { m, prefix, ref, original } = d;
    const id = m.id;
    const current = d.texts.at(-1);
    if (m.batch) {
      const b = m.batch;
      batches.set(b.id, {
        id: b.id,
        name: b.name,
        mode: b.mode,
        title: b.title,
        doc_type: b.docType,
        department: b.department,
        classification: b.classification,
        doc_date: b.docDate,
        correspondent: b.correspondent,
        register: b.register ?? INCOMING,
        sealed_at: b.sealedAt,
        created_at: b.createdAt,
      });
    }
    const register = registerOf(ref);
    if (m.register) {
      const g = m.register;
      registers.set(g.code, {
        code: g.code,
        name_ar: g.nameAr,
        name_en: g.nameEn,
        letter_ar: g.letterAr,
        letter_en: g.letterEn,
        direction: g.direction,
      });
    }
    if (m.correspondent) {
      const c = m.correspondent;
      // The name key is put right by the correspondent's own ledger entries, replayed after the documents.
      correspondents.set(c.id, { id: c.id, name_ar: c.nameAr, name_en: c.nameEn, name_key: c.nameAr, kind: c.kind });
    }
    documents.push({
      id,
      register,
      external_ref: m.metadata.externalRef ?? null,
      external_date: m.metadata.externalDate ?? null,
      correspondent_id: m.correspondent?.id ?? null,
      registry_year: ref.year,
      registry_seq: ref.seq,
      title: m.metadata.title,
      doc_type: m.metadata.docType,
      department: m.metadata.department,
      classification: m.metadata.classification,
      doc_date: m.metadata.docDate,
      original_name: m.metadata.originalName,
      original_mime: original.mime,
      original_ext: original.ext,
      original_size: original.size,
      original_sha256: original.sha256,
      page_count: m.pageCount,
      stages,
      created_at: m.registeredAt,
      batch_id: m.batch?.id ?? null,
      text_layer: m.textLayer ?? false,
      text_version: current?.textVersion.version ?? 1,
      correspondent: m.metadata.correspondent ?? null,
    });
    const book = `${register}/${ref.year}`;
    sequences.set(book, { register, year: ref.year, seq: Math.max(sequences.get(book)?.seq ?? 0, ref.seq) });
    for (const p of manifestParts(m, ref, original)) {
      parts.push({
        document_id: id,
        n: p.n,
        key: `${prefix}${p.key}`,
        sha256: p.sha256,
        size: p.size,
        mime: p.mime,
        ext: p.ext,
        original_name: p.originalName,
        page_count: p.pageCount,
        // The PDF made of an Office file or a message: it holds the pages, its original (0 pages) the fingerprint.
        rendition: p.rendition === true,
      });
    }
    for (const f of [...d.files, d.manifest]) {
      const key = `${prefix}${f.path}`;
      artefacts.push({ document_id: id, kind: f.kind, key, sha256: f.sha256, size: f.size, content_type: f.contentType });
      // Both copies were made sure of with this fingerprint just now.
      replicas.push({ document_id: id, target: d.offsiteName, key, sha256: f.sha256, verified_at: verifiedAt });
    }
    for (const p of current?.pages ?? []) {
      pages.push({
        document_id: id,
        n: p.n,
        width: p.width,
        height: p.height,
        text: p.text,
        confidence: p.confidence,
        words: p.words,
      });
    }
    // Every reading is kept, as it was before the loss, when there was more than one.
    if (d.texts.length > 1) {
      for (const t of d.texts) {
        const version = t.textVersion.version;
        const f = d.files.find((x) => x.kind === 'ocr-json' && x.path === (version === 1 ? 'ocr.json' : `ocr-v${version}.json`));
        versions.push({
          document_id: id,
          version,
          settings: t.textVersion.settings ?? { source: t.textVersion.source ?? 'ocr' },
          reason: t.textVersion.reason ?? null,
          at: m.registeredAt,
          ocr_key: version === 1 ? null : `${prefix}${f?.path}`,
          ocr_sha256: version === 1 ? null : (f?.sha256 ?? null),
        });
        for (const p of t.pages) {
          pageTexts.push({ document_id: id, version, n: p.n, text: p.text, confidence: p.confidence, words: p.words });
        }
      }
    }
  }
  return {
    registers: [...registers.values()],
    correspondents: [...correspondents.values()],
    batches: [...batches.values()],
    documents,
    sequences: [...sequences.values()],
    parts,
    artefacts,
    replicas,
    pages,
    versions,
    pageTexts,
  };
}

/** Writes the rows of `docs` in one transaction: all of them, or (on any error) none. */
export async function writeDocuments(db: Db, docs: CheckedDocument[]): Promise<void> {
  if (docs.length === 0) return;
  const r = rowsOf(docs);
  await inTransaction(db, async (tx) => {
    // The registers and correspondents the documents name, unless there already (the ledger's entries put them right).
    await insertRows(
      tx,
      'registers',
      'code text, name_ar text, name_en text, letter_ar text, letter_en text, direction text',
      r.registers,
      'ON CONFLICT (code) DO NOTHING',
    );
    await insertRows(
      tx,
      'correspondents',
      'id uuid, name_ar text, name_en text, name_key text, kind text',
      r.correspondents,
      'ON CONFLICT (id) DO NOTHING',
    );
    await insertRows(
      tx,
      'batches',
      `id uuid, name text, mode text, title text, doc_type text, department text, classification text, doc_date date,
       correspondent text, register text, sealed_at timestamptz, created_at timestamptz`,
      r.batches,
      'ON CONFLICT (id) DO NOTHING',
    );
    await tx.query(
      `INSERT INTO documents (id, registry_year, registry_seq, title, doc_type, department, classification, doc_date,
         original_name, original_mime, original_ext, original_size, original_sha256, status, page_count, stages,
         created_at, updated_at, batch_id, text_layer, text_version, correspondent, register, external_ref, external_date,
         correspondent_id)
       SELECT id, registry_year, registry_seq, title, doc_type, department, classification, doc_date,
         original_name, original_mime, original_ext, original_size, original_sha256, 'archived', page_count, stages,
         created_at, now(), batch_id, text_layer, text_version, correspondent, register, external_ref, external_date,
         correspondent_id
       FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, registry_year int, registry_seq int, title text, doc_type text,
         department text, classification text, doc_date date, original_name text, original_mime text, original_ext text,
         original_size bigint, original_sha256 text, page_count int, stages jsonb, created_at timestamptz, batch_id uuid,
         text_layer boolean, text_version int, correspondent text, register text, external_ref text, external_date date,
         correspondent_id uuid)`,
      [JSON.stringify(r.documents)],
    );
    await tx.query(
      `INSERT INTO registry_sequences (register, year, last_seq) SELECT * FROM unnest($1::text[], $2::int[], $3::int[])
       ON CONFLICT (register, year) DO UPDATE SET last_seq = GREATEST(registry_sequences.last_seq, EXCLUDED.last_seq)`,
      [r.sequences.map((s) => s.register), r.sequences.map((s) => s.year), r.sequences.map((s) => s.seq)],
    );
    await insertRows(
      tx,
      'document_parts',
      'document_id uuid, n int, key text, sha256 text, size bigint, mime text, ext text, original_name text, page_count int, rendition boolean',
      r.parts,
    );
    await insertRows(
      tx,
      'artefacts',
      'document_id uuid, kind text, key text, sha256 text, size bigint, content_type text',
      r.artefacts,
    );
    await insertRows(tx, 'replicas', 'document_id uuid, target text, key text, sha256 text, verified_at timestamptz', r.replicas);
    await insertRows(
      tx,
      'pages',
      'document_id uuid, n int, width int, height int, text text, confidence real, words jsonb',
      r.pages,
    );
    if (r.versions.length > 0) {
      await tx.query(
        `INSERT INTO text_versions (document_id, version, status, settings, reason, requested_at, done_at, ocr_key, ocr_sha256)
         SELECT document_id, version, 'done', settings, reason, at, at, ocr_key, ocr_sha256
         FROM jsonb_to_recordset($1::jsonb) AS r(document_id uuid, version int, settings jsonb, reason text, at timestamptz,
           ocr_key text, ocr_sha256 text)`,
        [JSON.stringify(r.versions)],
      );
    }
    await insertRows(
      tx,
      'page_texts',
      'document_id uuid, version int, n int, text text, confidence real, words jsonb',
      r.pageTexts,
    );
  });
}

/** The registry numbers among `places` that a restored document holds already. */
export async function restoredPlaces(q: Queryable, places: RegistryRef[]): Promise<Set<string>> {
  if (places.length === 0) return new Set();
  const res = await q.query<{ register: string; registry_year: number; registry_seq: number }>(
    `SELECT register, registry_year, registry_seq FROM documents
     WHERE (register, registry_year, registry_seq) IN (SELECT * FROM unnest($1::text[], $2::int[], $3::int[]))`,
    [places.map(registerOf), places.map((p) => p.year), places.map((p) => p.seq)],
  );
  return new Set(res.rows.map((r) => registryNo({ register: r.register, year: r.registry_year, seq: r.registry_seq })));
}

/** Those of `ids` that are restored already. */
export async function restoredIds(q: Queryable, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const res = await q.query<{ id: string }>('SELECT id FROM documents WHERE id = ANY($1::uuid[])', [ids]);
  return new Set(res.rows.map((r) => r.id));
}
