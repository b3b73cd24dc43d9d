/**
 * Restore: rebuilds the archive's records in an empty database from one bucket
 * alone (the offsite copy after a disaster, or the primary). The ledger comes
 * back from its exported segments and the manifests, chain and all; each
 * document from its `manifest.json` and `ocr.json` (and later readings,
 * `ocr-vN.json`); the checkpoints from their objects. Every object is re-hashed
 * on the way and compared with its recorded SHA-256; the other bucket is filled
 * with whatever it lacks (an empty primary gets everything back), and a copy
 * damaged in the source is taken from the other bucket when that one is good.
 *
 * Restartable: the ledger goes in by sequence number, each document in its
 * own transaction, and documents already present are skipped, so running it
 * again after an interruption finishes the work.
 */
import { inTransaction, type Db, type Tx } from '../db';
import { documentPrefix, keys } from '../layout';
import { registryNo } from '../../kernel/registry';
import { entryHash, verifyLedgerChain, type LedgerEntry } from '../integrity/ledger';
import { LEDGER_PREFIX, mergeSegments } from '../integrity/ledgerExport';
import type { ObjectStore } from '../objectStore';
import type { OcrWord, PartRecord } from '../repos/documents';
import { sha256 } from '../hash';

const STATE_KEY = 'restore';
/** Every pipeline stage, marked done on a restored document (it is archived). */
const RESTORED_STAGES = ['stored', 'pages', 'ocr', 'compose', 'record', 'index', 'replicate'];

export interface RestoreReport {
  from: string;
  documents: { found: number; restored: number; alreadyPresent: number; failed: number };
  objects: { verified: number; copiedToOther: number; repairedInSource: number; bytes: number };
  ledger: { entries: number; brokenAt: number | null; fromSegments: number; fromManifests: number };
  checkpoints: number;
  registry: Array<{ year: number; lastSeq: number }>;
  problems: string[];
  ms: number;
}

export class RestoreRefused extends Error {}

interface ManifestFile {
  path: string;
  kind: string;
  sha256: string;
  size: number;
  contentType: string;
}

interface Manifest {
  format: string;
  id: string;
  registryNo: string;
  registry?: { year: number; seq: number };
  registeredAt: string;
  metadata: {
    title: string | null;
    docType: string | null;
    department: string | null;
    classification: string;
    docDate: string | null;
    correspondent?: string | null;
    originalName: string | null;
  };
  original?: { mime: string; ext: string; size: number; sha256: string };
  /** The originals, with keys relative to the document's folder. */
  parts?: PartRecord[];
  batch?: {
    id: string;
    name: string;
    mode: string;
    title: string | null;
    docType: string | null;
    department: string | null;
    classification: string;
    docDate: string | null;
    correspondent: string | null;
    sealedAt: string | null;
    createdAt: string;
  } | null;
  textLayer?: boolean;
  pageCount: number | null;
  sha256: { original: string; archivePdf: string | null };
  files: ManifestFile[];
  ledgerEntries?: LedgerEntry[];
}

interface OcrFile {
  textVersion: { version: number; settings?: unknown; source?: string; reason?: string | null };
  pages: Array<{ n: number; width: number; height: number; confidence: number | null; text: string; words: OcrWord[] }>;
}

export interface RestoreDeps {
  db: Db;
  /** The bucket restored from. */
  source: ObjectStore;
  /** The other bucket: filled with what it lacks. */
  other: ObjectStore;
  /** Which of the two is the offsite copy (replicas are recorded against it). */
  offsiteName: string;
  onProgress?: (done: number, total: number) => void;
}

/** Refuses a database that holds an archive already, unless it is an unfinished restore. */
async function claim(db: Db, from: string): Promise<void> {
  const state = await db.query<{ value: { status: string } }>('SELECT value FROM diwan_state WHERE key = $1', [STATE_KEY]);
  const running = state.rows[0]?.value.status === 'running';
  const held = await db.query<{ docs: number; entries: number }>(
    'SELECT (SELECT count(*) FROM documents)::int AS docs, (SELECT count(*) FROM ledger)::int AS entries',
  );
  const { docs, entries } = held.rows[0]!;
  if (!running && (docs > 0 || entries > 0)) {
    throw new RestoreRefused(
      `قاعدة البيانات ليست فارغة (${docs} وثيقة، ${entries} قيدًا في السجل) / the database already holds ${docs} documents and ${entries} ledger entries: restore goes into an empty database`,
    );
  }
  await setState(db, { status: 'running', from, startedAt: new Date().toISOString() });
}

async function setState(db: Db, value: Record<string, unknown>): Promise<void> {
  await db.query(
    `INSERT INTO diwan_state (key, value) VALUES ($1, $2::jsonb) ON CONFLICT (key) DO UPDATE SET value = $2::jsonb, updated_at = now()`,
    [STATE_KEY, JSON.stringify(value)],
  );
}

export async function restoreArchive(deps: RestoreDeps): Promise<RestoreReport> {
  const t0 = Date.now();
  const { db, source, other } = deps;
  await claim(db, source.name);
  const report: RestoreReport = {
    from: source.name,
    documents: { found: 0, restored: 0, alreadyPresent: 0, failed: 0 },
    objects: { verified: 0, copiedToOther: 0, repairedInSource: 0, bytes: 0 },
    ledger: { entries: 0, brokenAt: null, fromSegments: 0, fromManifests: 0 },
    checkpoints: 0,
    registry: [],
    problems: [],
    ms: 0,
  };

  /** Re-hashes `key` in the source, mends either copy from the other when one is good; false when neither is. */
  const secure = async (key: string, expected: string, size: number, contentType: string): Promise<boolean> => {
    const hashOf = async (store: ObjectStore) => (await store.hash(key).catch(() => undefined))?.sha256;
    let good: ObjectStore = source;
    if ((await hashOf(source)) !== expected) {
      if ((await hashOf(other)) !== expected) {
        report.problems.push(`${key}: no copy with SHA-256 ${expected} in either bucket`);
        return false;
      }
      good = other;
      await source.repair(key, await other.get(key), size, contentType, expected);
      report.objects.repairedInSource++;
      report.problems.push(`${key}: damaged or missing in ${source.name}, repaired from ${other.name}`);
    } else if ((await hashOf(other)) !== expected) {
      const there = await other.stat(key).catch(() => undefined);
      if (there) await other.repair(key, await good.get(key), size, contentType, expected);
      else await other.putStream(key, await good.get(key), size, contentType, expected);
      if ((await hashOf(other)) !== expected) throw new Error(`${other.name}:${key} does not read back as ${expected}`);
      report.objects.copiedToOther++;
    }
    report.objects.verified++;
    report.objects.bytes += size;
    return true;
  };

  // 1. The manifests, read (and kept as bytes, to check against the ledger).
  const manifestKeys = (await source.list('documents/')).filter((k) => k.endsWith('/manifest.json')).sort();
  report.documents.found = manifestKeys.length;

  // 2. The ledger, from its segments, with what the manifests carry filling any gap.
  const segmentKeys = (await source.list(LEDGER_PREFIX)).filter((k) => k.endsWith('.jsonl')).sort();
  const texts: string[] = [];
  for (const key of segmentKeys) {
    const buf = await source.getBuffer(key);
    // Segments have no recorded fingerprint of their own: this copies them to the other bucket; the hash
    // chain checked below is what vouches for their content.
    if (!(await secure(key, sha256(buf), buf.length, 'application/x-ndjson'))) continue;
    texts.push(buf.toString('utf8'));
  }
  const manifests = new Map<string, { bytes: Buffer; m: Manifest }>();
  for (const key of manifestKeys) {
    try {
      const bytes = await source.getBuffer(key);
      manifests.set(key, { bytes, m: JSON.parse(bytes.toString('utf8')) as Manifest });
    } catch (e) {
      report.problems.push(`${key}: unreadable (${(e as Error).message})`);
    }
  }
  const fromSegments = mergeSegments(texts);
  const seqs = new Set(fromSegments.entries.map((e) => e.seq));
  const extra = [...manifests.values()]
    .flatMap(({ m }) => m.ledgerEntries ?? [])
    .filter((e) => !seqs.has(e.seq) && entryHash(e.prevHash, e) === e.entryHash);
  const merged = mergeSegments([...texts, extra.map((e) => JSON.stringify(e)).join('\n')]);
  report.problems.push(...merged.problems);
  report.ledger.fromSegments = fromSegments.entries.length;
  report.ledger.fromManifests = merged.entries.length - fromSegments.entries.length;
  await insertLedger(db, merged.entries);
  // Each document's entries, gathered once (looking them up in the whole ledger per document grows with the square).
  const ledgerByDocument = new Map<string, LedgerEntry[]>();
  for (const e of merged.entries) {
    if (!e.documentId) continue;
    const list = ledgerByDocument.get(e.documentId);
    if (list) list.push(e);
    else ledgerByDocument.set(e.documentId, [e]);
  }

  // 3. Each document, in its own transaction.
  let done = 0;
  for (const [key, { bytes, m }] of manifests) {
    try {
      const exists = await db.query('SELECT 1 FROM documents WHERE id = $1', [m.id]);
      if (exists.rowCount) {
        report.documents.alreadyPresent++;
      } else if (await restoreDocument(key, bytes, m)) {
        report.documents.restored++;
      } else {
        report.documents.failed++;
      }
    } catch (e) {
      report.documents.failed++;
      report.problems.push(`${m.registryNo}: ${(e as Error).message}`);
    }
    deps.onProgress?.(++done, manifests.size);
  }

  // 4. The signed checkpoints.
  for (const ck of (await source.list('checkpoints/')).filter((k) => k.endsWith('.json')).sort()) {
    const buf = await source.getBuffer(ck);
    if (!(await secure(ck, sha256(buf), buf.length, 'application/json'))) continue;
    const c = JSON.parse(buf.toString('utf8')) as {
      body: { ledgerSeq: number; keyId: string };
      signature: string;
    };
    const seen = await db.query('SELECT 1 FROM checkpoints WHERE object_key = $1', [ck]);
    if (!seen.rowCount) {
      await db.query('INSERT INTO checkpoints (body, signature, key_id, ledger_seq, object_key) VALUES ($1, $2, $3, $4, $5)', [
        JSON.stringify(c.body),
        c.signature,
        c.body.keyId,
        c.body.ledgerSeq,
        ck,
      ]);
    }
    report.checkpoints++;
  }

  // Registry numbers given to documents that were registered but not yet archived when the copy was made are
  // never given again: the sequence moves past every number the ledger knows, and those documents are named.
  const restoredIds = new Set([...manifests.values()].map(({ m }) => m.id));
  for (const e of merged.entries) {
    if (e.event !== 'registered' || !e.documentId || restoredIds.has(e.documentId)) continue;
    const no = String(e.payload.registryNo ?? '');
    const [year, seq] = no.split('/').map(Number);
    if (!year || !seq) continue;
    await db.query(
      `INSERT INTO registry_sequences (year, last_seq) VALUES ($1, $2)
       ON CONFLICT (year) DO UPDATE SET last_seq = GREATEST(registry_sequences.last_seq, $2)`,
      [year, seq],
    );
    report.problems.push(`${no}: registered (ledger entry ${e.seq}) but not archived in ${source.name}; its number stays used`);
  }
  const seqRows = await db.query<{ year: number; last_seq: number }>(
    'SELECT year, last_seq FROM registry_sequences ORDER BY year',
  );
  report.registry = seqRows.rows.map((r) => ({ year: r.year, lastSeq: r.last_seq }));
  const chain = await verifyLedgerChain(db);
  report.ledger.entries = chain.entries;
  report.ledger.brokenAt = chain.brokenAt;
  report.ms = Date.now() - t0;
  await setState(db, {
    status: 'done',
    from: source.name,
    finishedAt: new Date().toISOString(),
    restored: report.documents.restored,
    problems: report.problems.length,
  });
  return report;

  async function restoreDocument(manifestKey: string, manifestBytes: Buffer, m: Manifest): Promise<boolean> {
    const prefix = manifestKey.slice(0, -'manifest.json'.length);
    // The manifest itself must be the one the ledger recorded when the document was archived.
    const entries = ledgerByDocument.get(m.id) ?? [];
    const archived = entries.find((e) => e.event === 'archived');
    const manifestSha = sha256(manifestBytes);
    if (!archived) report.problems.push(`${m.registryNo}: no 'archived' ledger entry to check its manifest against`);
    else if (archived.payload.manifestSha256 !== manifestSha) {
      report.problems.push(`${m.registryNo}: manifest.json does not match the ledger (${manifestSha})`);
      return false;
    }
    if (!(await secure(manifestKey, manifestSha, manifestBytes.length, 'application/json'))) return false;
    const files = [...m.files];
    // Later readings (re-OCR) are not in the manifest, which was written once; the ledger vouches for them.
    const reads = entries.filter((e) => e.event === 'reocr');
    for (const r of reads) {
      const version = Number(r.payload.version);
      const path = `ocr-v${version}.json`;
      const there = await source.stat(`${prefix}${path}`).catch(() => undefined);
      if (!there) {
        report.problems.push(`${m.registryNo}: text version ${version} (${path}) is not in ${source.name}`);
        continue;
      }
      files.push({
        path,
        kind: 'ocr-json',
        sha256: String(r.payload.ocrSha256),
        size: there.size,
        contentType: 'application/json',
      });
    }
    let whole = true;
    for (const f of files) whole = (await secure(`${prefix}${f.path}`, f.sha256, f.size, f.contentType)) && whole;
    if (!whole) return false;

    const texts: OcrFile[] = [];
    for (const f of files.filter((x) => x.kind === 'ocr-json')) {
      texts.push(JSON.parse((await source.getBuffer(`${prefix}${f.path}`)).toString('utf8')) as OcrFile);
    }
    texts.sort((a, b) => a.textVersion.version - b.textVersion.version);
    const current = texts.at(-1);
    const year = m.registry?.year ?? Number(m.registryNo.split('/')[0]);
    const seq = m.registry?.seq ?? Number(m.registryNo.split('/')[1]);
    if (registryNo({ year, seq }) !== m.registryNo || documentPrefix({ year, seq }) !== prefix) {
      report.problems.push(`${manifestKey}: registry number ${m.registryNo} does not match where the manifest is kept`);
      return false;
    }
    const originalFile = files.find((f) => f.kind === 'original');
    const original = m.original ?? {
      mime: originalFile?.contentType ?? 'application/octet-stream',
      ext: originalFile?.path.split('.').pop() ?? 'bin',
      size: originalFile?.size ?? 0,
      sha256: m.sha256.original,
    };
    const verifiedAt = new Date().toISOString();
    await inTransaction(db, async (tx) => {
      if (m.batch) await insertBatch(tx, m.batch);
      await tx.query(
        `INSERT INTO documents (id, registry_year, registry_seq, title, doc_type, department, classification, doc_date,
           original_name, original_mime, original_ext, original_size, original_sha256, status, page_count, stages,
           created_at, updated_at, batch_id, text_layer, text_version, correspondent)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'archived', $14, $15, $16, now(), $17, $18, $19, $20)`,
        [
          m.id,
          year,
          seq,
          m.metadata.title,
          m.metadata.docType,
          m.metadata.department,
          m.metadata.classification,
          m.metadata.docDate,
          m.metadata.originalName,
          original.mime,
          original.ext,
          original.size,
          original.sha256,
          m.pageCount,
          JSON.stringify(Object.fromEntries(RESTORED_STAGES.map((s) => [s, verifiedAt]))),
          m.registeredAt,
          m.batch?.id ?? null,
          m.textLayer ?? false,
          current?.textVersion.version ?? 1,
          m.metadata.correspondent ?? null,
        ],
      );
      await tx.query(
        `INSERT INTO registry_sequences (year, last_seq) VALUES ($1, $2)
         ON CONFLICT (year) DO UPDATE SET last_seq = GREATEST(registry_sequences.last_seq, $2)`,
        [year, seq],
      );
      const parts = m.parts ?? [
        {
          n: 1,
          key: keys.original({ year, seq }, original.ext).slice(prefix.length),
          sha256: original.sha256,
          size: original.size,
          mime: original.mime,
          ext: original.ext,
          originalName: m.metadata.originalName,
          pageCount: m.pageCount ?? 1,
        },
      ];
      for (const p of parts) {
        await tx.query(
          `INSERT INTO document_parts (document_id, n, key, sha256, size, mime, ext, original_name, page_count)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [m.id, p.n, `${prefix}${p.key}`, p.sha256, p.size, p.mime, p.ext, p.originalName, p.pageCount],
        );
      }
      const stored = [
        ...files,
        {
          path: 'manifest.json',
          kind: 'manifest',
          sha256: manifestSha,
          size: manifestBytes.length,
          contentType: 'application/json',
        },
      ];
      for (const f of stored) {
        await tx.query(
          `INSERT INTO artefacts (document_id, kind, key, sha256, size, content_type) VALUES ($1, $2, $3, $4, $5, $6)`,
          [m.id, f.kind, `${prefix}${f.path}`, f.sha256, f.size, f.contentType],
        );
        // Both copies were just read back with this fingerprint.
        await tx.query(`INSERT INTO replicas (document_id, target, key, sha256, verified_at) VALUES ($1, $2, $3, $4, $5)`, [
          m.id,
          deps.offsiteName,
          `${prefix}${f.path}`,
          f.sha256,
          verifiedAt,
        ]);
      }
      for (const p of current?.pages ?? []) {
        await tx.query(
          `INSERT INTO pages (document_id, n, width, height, text, confidence, words) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [m.id, p.n, p.width, p.height, p.text, p.confidence, JSON.stringify(p.words)],
        );
      }
      // Every reading is kept, as it was before the loss, when there was more than one.
      if (texts.length > 1) {
        for (const t of texts) {
          const version = t.textVersion.version;
          const f = files.find((x) => x.kind === 'ocr-json' && x.path === (version === 1 ? 'ocr.json' : `ocr-v${version}.json`));
          const settings = t.textVersion.settings ?? { source: t.textVersion.source ?? 'ocr' };
          await tx.query(
            `INSERT INTO text_versions (document_id, version, status, settings, reason, requested_at, done_at, ocr_key, ocr_sha256)
             VALUES ($1, $2, 'done', $3, $4, $5, $5, $6, $7)`,
            [
              m.id,
              version,
              JSON.stringify(settings),
              t.textVersion.reason ?? null,
              m.registeredAt,
              version === 1 ? null : `${prefix}${f?.path}`,
              version === 1 ? null : (f?.sha256 ?? null),
            ],
          );
          for (const p of t.pages) {
            await tx.query(
              `INSERT INTO page_texts (document_id, version, n, text, confidence, words) VALUES ($1, $2, $3, $4, $5, $6)`,
              [m.id, version, p.n, p.text, p.confidence, JSON.stringify(p.words)],
            );
          }
        }
      }
    });
    return true;
  }
}

async function insertLedger(db: Db, entries: LedgerEntry[]): Promise<void> {
  await inTransaction(db, async (tx) => {
    for (const e of entries) {
      await tx.query(
        `INSERT INTO ledger (seq, at, event, document_id, payload, prev_hash, entry_hash) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (seq) DO NOTHING`,
        [e.seq, e.at, e.event, e.documentId, JSON.stringify(e.payload), e.prevHash, e.entryHash],
      );
    }
    // New entries follow on from the last restored one.
    await tx.query(`SELECT setval(pg_get_serial_sequence('ledger', 'seq'), GREATEST((SELECT max(seq) FROM ledger), 1))`);
  });
}

async function insertBatch(tx: Tx, b: NonNullable<Manifest['batch']>): Promise<void> {
  await tx.query(
    `INSERT INTO batches (id, name, mode, title, doc_type, department, classification, doc_date, correspondent, sealed_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING`,
    [
      b.id,
      b.name,
      b.mode,
      b.title,
      b.docType,
      b.department,
      b.classification,
      b.docDate,
      b.correspondent,
      b.sealedAt,
      b.createdAt,
    ],
  );
}
