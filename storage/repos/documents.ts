/**
 * The documents repository: one object over the SQL that reads and writes
 * document records (documentRecords.ts), registers them (documentRegistration.ts),
 * and keeps their pages (documentPages.ts) and stored files (documentFiles.ts).
 * Callers use `deps.documents.xxx(...)` and import the types from here.
 */
import type { Db } from '../db';
import { createDocumentRecords } from './documentRecords';
import { createDocumentFiles } from './documentFiles';
import { createDocumentPages } from './documentPages';
import { registerDocument, type NewDocument, type RegisterOptions, type RegisterResult } from './documentRegistration';
import { getRegister } from './registers';
import { getCorrespondent } from './correspondents';
import { linksOf } from './links';

export type { DocumentMeta, DocumentRecord, DocumentStatus } from './documentRecords';
export type { ArtefactRecord, PartRecord, ReplicaRecord } from './documentFiles';
export type { OcrWord, PageRecord } from './documentPages';
export type { NewDocument, NewPart, RegisterOptions, RegisterResult } from './documentRegistration';
export { documentFingerprint, MULTIPART_MIME } from './documentRegistration';

export function createDocumentsRepo(db: Db) {
  return {
    ...createDocumentRecords(db),
    /** Registers a new document, or answers with the document that already holds these bytes. */
    register: (input: NewDocument, opts: RegisterOptions = {}): Promise<RegisterResult> => registerDocument(db, input, opts),
    ...createDocumentFiles(db),
    ...createDocumentPages(db),
    /** The register (book) a document is numbered in. */
    registerBook: (code: string) => getRegister(db, code),
    /** A correspondent's record. */
    correspondent: (id: string) => getCorrespondent(db, id),
    /** A document's live links both ways (see links.ts). */
    links: (id: string) => linksOf(db, id),
  };
}

export type DocumentsRepo = ReturnType<typeof createDocumentsRepo>;
