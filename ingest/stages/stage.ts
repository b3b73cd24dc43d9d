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
 *     failed   permanent: the document is marked failed with this code;
 *     retry    transient: the job is retried later with backoff.
 *   Anything thrown is unexpected and treated as `retry` by the runner.
 * - Stages receive ids and reload what they need (the document, its pages,
 *   its original from object storage): jobs carry ids only.
 */
import type { Config } from '../../src/config';
import type { Logger } from '../../src/log';
import type { SearchIndex } from '../../search/index';
import type { DocumentRecord, DocumentsRepo } from '../../storage/documents';
import type { Db } from '../../storage/db';
import type { TextVersionsRepo } from '../../storage/textVersions';
import type { ObjectStore } from '../../storage/objectStore';
import type { RenderedPage } from '../images';
import type { OcrEngine } from '../ocr';
import type { LocalPart } from '../source';

export type StageResult =
  | { kind: 'done'; detail?: Record<string, unknown> }
  | { kind: 'skipped'; reason: string }
  | { kind: 'duplicate'; of: string }
  | { kind: 'failed'; code: string; message: string }
  | { kind: 'retry'; reason: string };

/** What the stages use; each stage takes only the parts it needs. */
export interface PipelineDeps {
  config: Pick<Config, 'limits' | 'archive' | 'ocr'>;
  db: Db;
  documents: DocumentsRepo;
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
