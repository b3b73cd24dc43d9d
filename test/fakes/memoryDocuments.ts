/**
 * In-memory stand-ins for what the pipeline's stages read and write, for unit
 * tests that start no service:
 * - `MemoryDocuments`: the DocumentsRepo methods the stages use (stored files,
 *   replicas, pages), with the SQL's upsert rules;
 * - `MemoryLedger`: a DocumentLedger with the real hash chain, `recordOnce`'s
 *   once-per-document rule (`distinctBy` matched as jsonb `@>` would) and
 *   segments exported to object stores as storage/integrity/ledgerExport.ts writes them;
 * - `makeDoc`, `fakeDeps`, `stageContext`: a document record, PipelineDeps and a
 *   StageContext built from these.
 *
 * Only part of DocumentsRepo is implemented: `asRepo()` casts it to the whole
 * interface (`as unknown as DocumentsRepo`), and a method left out is
 * undefined, so a stage that starts using one fails its test loudly. The same
 * goes for `db` and `textVersions` in `fakeDeps`: any use of them throws, and
 * the OCR engine there reports its workers but refuses to read.
 */
import type { RenderedPage } from '../../ingest/adapters/images';
import type { OcrEngine } from '../../ingest/ocr/engine';
import type { LocalPart } from '../../ingest/source';
import type { PipelineDeps, PipelineSettings, StageContext } from '../../ingest/stages/stage';
import type { Logger } from '../../kernel/log';
import type { Db } from '../../storage/db';
import type { DocumentLedger } from '../../storage/integrity/documentLedger';
import { entryHash, GENESIS_HASH, type LedgerEntry, type LedgerEvent } from '../../storage/integrity/ledger';
import { segmentBytes, segmentKey } from '../../storage/integrity/ledgerExport';
import type { ObjectStore } from '../../storage/objectStore';
import type {
  ArtefactRecord,
  DocumentRecord,
  DocumentsRepo,
  PageRecord,
  PartRecord,
  ReplicaRecord,
} from '../../storage/repos/documents';
import type { BatchesRepo } from '../../storage/repos/batches';
import type { TextVersionsRepo } from '../../storage/repos/textVersions';
import { MemoryObjectStore } from './memoryObjectStore';
import { MemorySearchIndex } from './memorySearchIndex';

const clone = <T>(v: T): T => structuredClone(v);

export class MemoryDocuments {
  private readonly artefactRows = new Map<string, Map<string, ArtefactRecord>>();
  private readonly replicaRows = new Map<string, Map<string, ReplicaRecord>>();
  private readonly pageRows = new Map<string, Map<number, PageRecord>>();
  private readonly partRows = new Map<string, PartRecord[]>();

  private rows<K, V>(table: Map<string, Map<K, V>>, id: string): Map<K, V> {
    let rows = table.get(id);
    if (!rows) table.set(id, (rows = new Map()));
    return rows;
  }

  /** This object as the whole repository (only the methods below exist). */
  asRepo(): DocumentsRepo {
    return this as unknown as DocumentsRepo;
  }

  /** No links between documents in memory: a letter here answers none. */
  async links(_id: string): Promise<{ from: never[]; to: never[] }> {
    return { from: [], to: [] };
  }

  /** Test setup: the originals of a document. */
  setParts(id: string, parts: PartRecord[]): void {
    this.partRows.set(id, clone(parts));
  }

  async parts(id: string): Promise<PartRecord[]> {
    return clone(this.partRows.get(id) ?? []).sort((a, b) => a.n - b.n);
  }

  /** ON CONFLICT (document_id, key) DO NOTHING. */
  async saveArtefact(id: string, a: ArtefactRecord): Promise<void> {
    const rows = this.rows(this.artefactRows, id);
    if (!rows.has(a.key)) rows.set(a.key, clone(a));
  }

  /** Ordered by key. */
  async artefacts(id: string): Promise<ArtefactRecord[]> {
    return [...this.rows(this.artefactRows, id).values()].map(clone).sort((a, b) => a.key.localeCompare(b.key));
  }

  /** ON CONFLICT (document_id, target, key) DO UPDATE. */
  async saveReplica(id: string, r: ReplicaRecord): Promise<void> {
    this.rows(this.replicaRows, id).set(`${r.target}\n${r.key}`, clone(r));
  }

  /** Ordered by target, then key. */
  async replicas(id: string): Promise<ReplicaRecord[]> {
    return [...this.rows(this.replicaRows, id).values()]
      .map(clone)
      .sort((a, b) => a.target.localeCompare(b.target) || a.key.localeCompare(b.key));
  }

  /** ON CONFLICT (document_id, n) DO UPDATE. */
  async savePage(id: string, p: PageRecord): Promise<void> {
    this.rows(this.pageRows, id).set(p.n, clone(p));
  }

  /** Ordered by page number. */
  async pages(id: string): Promise<PageRecord[]> {
    return [...this.rows(this.pageRows, id).values()].map(clone).sort((a, b) => a.n - b.n);
  }
}

/** jsonb containment (`payload @> pattern`), as `appendLedgerOnce` asks it. */
function contains(value: unknown, pattern: unknown): boolean {
  if (Array.isArray(pattern)) return Array.isArray(value) && pattern.every((p) => value.some((v) => contains(v, p)));
  if (pattern !== null && typeof pattern === 'object') {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
    const v = value as Record<string, unknown>;
    return Object.entries(pattern).every(([k, p]) => k in v && contains(v[k], p));
  }
  return value === pattern;
}

export class MemoryLedger implements DocumentLedger {
  private readonly all: LedgerEntry[] = [];
  private exportedUpTo = 0;

  /** Every entry, oldest first (test helper). */
  entries(): LedgerEntry[] {
    return clone(this.all);
  }

  /** The entries of one event about one document (test helper). */
  events(event: LedgerEvent, documentId: string): LedgerEntry[] {
    return this.entries().filter((e) => e.event === event && e.documentId === documentId);
  }

  async recordOnce(
    event: LedgerEvent,
    documentId: string,
    payload: Record<string, unknown>,
    distinctBy: Record<string, unknown> = {},
  ): Promise<void> {
    const seen = this.all.some((e) => e.documentId === documentId && e.event === event && contains(e.payload, distinctBy));
    if (seen) return;
    const prevHash = this.all.at(-1)?.entryHash ?? GENESIS_HASH;
    const at = new Date().toISOString();
    // Stored as the database returns jsonb: a copy, without undefined fields.
    const stored = JSON.parse(JSON.stringify(payload)) as Record<string, unknown>;
    const entry = { seq: this.all.length + 1, at, event, documentId, payload: stored, prevHash };
    this.all.push({ ...entry, entryHash: entryHash(prevHash, entry) });
  }

  async forDocument(documentId: string): Promise<LedgerEntry[]> {
    return this.entries().filter((e) => e.documentId === documentId);
  }

  /** One segment of the entries not yet exported, put write-once in every store (as ledgerExport.ts does, in one segment). */
  async exportSegments(stores: ObjectStore[]): Promise<string[]> {
    const pending = this.all.slice(this.exportedUpTo);
    if (pending.length === 0) return [];
    const key = segmentKey(pending[0]!.seq, pending.at(-1)!.seq);
    for (const store of stores) await store.putBufferOnce(key, segmentBytes(pending), 'application/x-ndjson');
    this.exportedUpTo = this.all.length;
    return [key];
  }
}

/** A document record as the repository returns one (registry 2026/000123, one page, archived fields empty). */
export function makeDoc(overrides: Partial<DocumentRecord> = {}): DocumentRecord {
  const year = overrides.year ?? 2026;
  const seq = overrides.seq ?? 123;
  return {
    id: '0b7f3c1e-4a5d-4c8e-9f21-6d3a2b1c0e9f',
    register: 'incoming',
    externalRef: null,
    externalDate: null,
    correspondentId: null,
    referralState: 'none',
    referralDue: null,
    year,
    seq,
    registryNo: `${year}/${String(seq).padStart(6, '0')}`,
    uploadedBy: null,
    batchId: null,
    textLayer: false,
    textVersion: 1,
    title: 'تعميم بشأن ساعات الدوام الرسمي',
    docType: 'circular',
    department: 'الموارد البشرية',
    classification: 'internal',
    docDate: '2026-01-15',
    correspondent: 'وزارة العمل',
    originalName: 'scan.png',
    originalMime: 'image/png',
    originalExt: 'png',
    originalSize: 1000,
    originalSha256: 'a'.repeat(64),
    status: 'processing',
    pageCount: 1,
    errorCode: null,
    errorMessage: null,
    stages: {},
    createdAt: '2026-02-01T09:30:00.000Z',
    updatedAt: '2026-02-01T09:30:00.000Z',
    ...overrides,
  };
}

/** A logger that keeps what it is told (test helper). */
export interface RecordingLogger extends Logger {
  lines: Array<{ level: 'info' | 'warn' | 'error' | 'debug'; msg: string; fields?: Record<string, unknown> }>;
}

export function recordingLogger(): RecordingLogger {
  const lines: RecordingLogger['lines'] = [];
  const log: RecordingLogger = {
    lines,
    info: (msg, fields) => void lines.push({ level: 'info', msg, fields }),
    warn: (msg, fields) => void lines.push({ level: 'warn', msg, fields }),
    error: (msg, fields) => void lines.push({ level: 'error', msg, fields }),
    debug: (msg, fields) => void lines.push({ level: 'debug', msg, fields }),
    child: () => log,
  };
  return log;
}

/** An object whose every property access throws: for the dependencies a unit test does not provide. */
function unavailable<T>(what: string): T {
  return new Proxy(
    {},
    {
      get(_target, prop) {
        if (prop === 'then') return undefined; // not a thenable
        throw new Error(`${what}.${String(prop)} is not available in unit tests`);
      },
    },
  ) as T;
}

export const TEST_SETTINGS: PipelineSettings = {
  limits: { maxFileBytes: 50e6, maxRequestBytes: 200e6, maxFilesPerRequest: 20, maxPagePixels: 1e8, maxPages: 500 },
  archive: { organisation: 'الديوان', organisationEn: 'Diwan', publicUrl: 'https://diwan.example', timeZone: 'Asia/Riyadh' },
  ocr: { workers: 2, langs: ['ara', 'eng'], recycleAfterPages: 200, reviewBelow: 60 },
};

/** The fakes behind a PipelineDeps, kept typed for the test's assertions. */
export interface FakePipeline {
  deps: PipelineDeps;
  documents: MemoryDocuments;
  ledger: MemoryLedger;
  primary: MemoryObjectStore;
  offsite: MemoryObjectStore;
  search: MemorySearchIndex;
  log: RecordingLogger;
}

/**
 * PipelineDeps over in-memory fakes. `ocr` reports `ocrWorkers` workers (2
 * unless told) and refuses to read; `db` and `textVersions` throw on use.
 */
export function fakeDeps(
  opts: { primary?: MemoryObjectStore; offsite?: MemoryObjectStore; search?: MemorySearchIndex; ocrWorkers?: number } = {},
): FakePipeline {
  const documents = new MemoryDocuments();
  const ledger = new MemoryLedger();
  const primary = opts.primary ?? new MemoryObjectStore('primary');
  const offsite = opts.offsite ?? new MemoryObjectStore('offsite');
  const search = opts.search ?? new MemorySearchIndex();
  const log = recordingLogger();
  const workers = opts.ocrWorkers ?? 2;
  const ocr: OcrEngine = {
    stats: () => ({ pages: 0, recycled: 0, timeouts: 0, workers }),
    recognize: () => Promise.reject(new Error('the OCR engine is not available in unit tests')),
    close: () => Promise.resolve(),
  };
  const deps: PipelineDeps = {
    config: TEST_SETTINGS,
    db: unavailable<Db>('db'),
    ledger,
    documents: documents.asRepo(),
    batches: unavailable<BatchesRepo>('batches'),
    textVersions: unavailable<TextVersionsRepo>('textVersions'),
    primary,
    offsite,
    search,
    ocr,
    log,
  };
  return { deps, documents, ledger, primary, offsite, search, log };
}

/** A StageContext for `doc`: pages come from `page(n)`; originals are not available unless given. */
export function stageContext(
  doc: DocumentRecord,
  deps: PipelineDeps,
  page: (n: number) => Promise<RenderedPage> = () => Promise.reject(new Error('no pages in this test')),
  parts: () => Promise<LocalPart[]> = () => Promise.reject(new Error('no originals in this test')),
): StageContext {
  return { doc, deps, workDir: '/nonexistent/unit-test-workdir', page, parts };
}
