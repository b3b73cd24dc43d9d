/**
 * The contract of a pipeline stage.
 *
 * - A stage has a stable `id`; the time it completed is recorded on the
 *   document under that id (`documents.stages`), and a stage that already
 *   completed is never run again for that document.
 * - `run(ctx)` must be idempotent: it may be run again after a crash at any
 *   point, so it writes with upserts and write-once object puts.
 * - It returns a closed result instead of throwing for expected outcomes:
 *     done     the work is complete;
 *     skipped  nothing to do (recorded as complete all the same);
 *     failed   permanent: the document is marked failed with this code
 *              (a stage that reads the file turns a permanent domain error
 *              into this result with `failedOrThrow`);
 *     retry    transient: the job is retried later with backoff.
 *   Anything thrown is a passing fault, treated as `retry` by the runner.
 * - Stages receive ids and reload what they need (the document, its pages,
 *   its original from object storage): jobs carry ids only.
 */
import { isDomainError, isPermanent } from '../../kernel/errors';
import type { Logger } from '../../kernel/log';
import type { SearchIndex } from '../../search/searchIndex';
import type { DocumentRecord, DocumentsRepo } from '../../storage/repos/documents';
import type { Db } from '../../storage/db';
import type { BatchesRepo } from '../../storage/repos/batches';
import type { DocumentLedger } from '../../storage/integrity/documentLedger';
import type { TextVersionsRepo } from '../../storage/repos/textVersions';
import type { ObjectStore } from '../../storage/objectStore';
import type { RenderedPage } from '../adapters/images';
import type { OcrEngine } from '../ocr/engine';
import type { LocalPart } from '../source';

export type StageResult =
  | { kind: 'done'; detail?: Record<string, unknown> }
  | { kind: 'skipped'; reason: string }
  | { kind: 'duplicate'; of: string }
  | { kind: 'failed'; code: string; message: string }
  | { kind: 'retry'; reason: string };

/** How many and how large: what is accepted, and what one page may be. */
export interface IntakeLimits {
  maxFileBytes: number;
  maxRequestBytes: number;
  maxFilesPerRequest: number;
  maxPagePixels: number;
  maxPages: number;
}

/** How pages are read. */
export interface OcrSettings {
  workers: number;
  langs: string[];
  numberLang?: string;
  recycleAfterPages: number;
  reviewBelow: number;
}

/** What the archive copy's stamp says and where its QR code points. */
export interface ArchiveSettings {
  organisation: string;
  organisationEn: string;
  publicUrl: string;
  timeZone: string;
}

/** The settings the stages read (parsed once by the runtime's config). */
export interface PipelineSettings {
  limits: IntakeLimits;
  archive: ArchiveSettings;
  ocr: OcrSettings;
}

/** What the stages use; each stage takes only the parts it needs. */
export interface PipelineDeps {
  config: PipelineSettings;
  db: Db;
  ledger: DocumentLedger;
  documents: DocumentsRepo;
  batches: BatchesRepo;
  textVersions: TextVersionsRepo;
  primary: ObjectStore;
  offsite: ObjectStore;
  search: SearchIndex;
  ocr: OcrEngine;
  log: Logger;
  /** Counts and timings for /metrics (absent in tools that run stages by hand). */
  metrics?: PipelineMetrics;
}

export interface PipelineMetrics {
  /** A stage ran on a document of `pages` pages, with this result, in this many seconds. */
  stage(stage: string, result: string, seconds: number, pages: number): void;
  /** The mean word confidence of one page the OCR read. */
  ocrConfidence(confidence: number): void;
}

export interface StageContext {
  doc: DocumentRecord;
  deps: PipelineDeps;
  /** A private scratch directory, removed after the run. */
  workDir: string;
  /** The originals, fetched from object storage on first use. */
  parts(): Promise<LocalPart[]>;
  /** Page n (1-based), rendered and normalised. */
  page(n: number): Promise<RenderedPage>;
}

export interface Stage {
  readonly id: string;
  /** One line on what the stage does, for logs and docs. */
  readonly description: string;
  run(ctx: StageContext): Promise<StageResult>;
}

/**
 * A stage's answer to an error: a permanent fault in the file itself (its
 * error code says so) fails the document with that code; anything else is
 * thrown on, to be retried.
 */
export function failedOrThrow(e: unknown): StageResult {
  if (isDomainError(e) && isPermanent(e.code)) return { kind: 'failed', code: e.code, message: e.messageEn };
  throw e;
}

/** Thrown to ask the job queue to try again later; `stage` names the step that could not finish. */
export class RetryLater extends Error {
  constructor(
    readonly stage: string,
    reason: string,
  ) {
    super(reason);
  }
}
